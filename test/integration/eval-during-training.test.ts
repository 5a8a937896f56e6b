// Metrics during training and `ganymede eval`, through the real CLI: eval lines in metrics.jsonl (N, ref and
// classifier hash beside each value), the best-FID checkpoint, evaluation leaves the weights byte-identical
// (determinism), the eval table and JSON, the real-vs-real floor, and bad input as one clear line.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { manifestHashes, runCli, tempDir } from './cli.js';

const root = tempDir('eval');
after(() => rmSync(root, { recursive: true, force: true }));
const common = ['--set', 'train.steps=2', '--set', 'train.batchSize=32', '--set', 'seed=5', '--set', 'train.checkpointEvery=2',
  '--set', 'train.sampleEvery=100', '--workers', '1', '--backend', 'wasm'];
const evalSets = ['--set', 'eval.every=1', '--set', 'eval.n=150', '--set', 'eval.keepBest=true'];
const shipped = JSON.parse(readFileSync(new URL('../../../src/metrics/classifiers/mnist-embedded/classifier.json', import.meta.url), 'utf8')) as { hash: string };

test('eval.every writes metric lines, keeps the best-FID checkpoint, and leaves the weights unchanged', { timeout: 1_800_000 }, async () => {
  const withEval = path.join(root, 'with');
  const without = path.join(root, 'without');
  for (const [out, extra] of [[withEval, evalSets], [without, []]] as const) {
    const res = await runCli(['train', '--out', out, ...common, ...extra], { timeoutMs: 900_000 });
    assert.equal(res.code, 0, res.stderr.slice(-2000));
  }
  const lines = readFileSync(path.join(withEval, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const evals = lines.filter((l) => 'metric' in l);
  assert.deepEqual([...new Set(evals.map((l) => l.step))], [1, 2]);
  for (const name of ['fid', 'kid', 'is', 'precision', 'recall', 'classes']) {
    const l = evals.find((e) => e.metric === name && e.step === 2)!;
    assert.ok(l, name);
    assert.equal(l.n, 150);
    assert.equal(l.ref, 'test');
    assert.equal(l.classifier, shipped.hash);
    assert.ok(Number.isFinite(l.value), `${name} ${String(l.value)}`);
  }
  const best = readdirSync(path.join(withEval, 'best', 'checkpoints'));
  assert.equal(best.length, 1);
  // Evaluation draws its own keyed z: the training weights are byte-identical to the run without it.
  const h = (run: string) => manifestHashes(path.join(run, 'checkpoints', 'step-000002'));
  assert.equal(h(withEval)['G/weights.bin'], h(without)['G/weights.bin']);
  assert.equal(h(withEval)['D/weights.bin'], h(without)['D/weights.bin']);

  const table = await runCli(['eval', without, '--n', '150', '--backend', 'wasm'], { timeoutMs: 900_000 });
  assert.equal(table.code, 0, table.stderr);
  for (const row of ['FID', 'KID', 'IS', 'precision', 'recall', 'classes']) assert.match(table.stdout, new RegExp(`^${row} `, 'm'));
  const written = path.join(without, 'eval', 'step-000002-test-n150.json');
  const parsed = JSON.parse(readFileSync(written, 'utf8')) as { metrics: { metric: string; value: number }[] };
  const fid = parsed.metrics.find((m) => m.metric === 'fid')!.value;
  assert.ok(fid > 100, `an untrained generator's FID ${fid}`); // noise, far from digits (the floor is ~18)
  assert.match(table.stdout, new RegExp(`^FID +${fid.toFixed(2)} `, 'm'));
});

test('real-vs-real: the floor is far below an untrained generator; bad input is one clear line', { timeout: 900_000 }, async () => {
  const floor = await runCli(['eval', '--real-vs-real', '--n', '500', '--json', '--backend', 'wasm', '--out', path.join(root, 'floor.json')], { timeoutMs: 900_000 });
  assert.equal(floor.code, 0, floor.stderr);
  const fid = (JSON.parse(floor.stdout) as { metrics: { metric: string; value: number }[] }).metrics.find((m) => m.metric === 'fid')!.value;
  assert.ok(fid >= 0 && fid < 40, `real-vs-real FID ${fid}`); // ~18 at N = 1,000 (train vs test digits)
  for (const [args, message] of [
    [['eval', path.join(root, 'nope')], /no such run or checkpoint folder/],
    [['eval', '--real-vs-real', '--n', '1'], /--n 1: a whole number from 2/],
    [['eval'], /name a run or checkpoint folder/],
  ] as const) {
    const res = await runCli([...args]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, message);
    assert.doesNotMatch(res.stderr, /\n\s+at /); // no stack trace
  }
});
