// cluster.gradientCompression: bf16 and fp16 end to end: real worker processes send bfloat16 (float16)
// gradients with error feedback, the run trains, and its weights stay close to the uncompressed run's without
// being byte-identical (compression is off by default for exactly that reason).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli, tempDir } from './cli.js';

const root = tempDir('bf16');
after(() => rmSync(root, { recursive: true, force: true }));
const common = ['--workers', '2', '--backend', 'wasm', '--set', 'train.steps=4', '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]',
  '--set', 'train.sampleEvery=4', '--set', 'train.checkpointEvery=4'];

async function weightsAfter(name: string, extra: string[]): Promise<Float32Array> {
  const out = path.join(root, name);
  const res = await runCli(['train', '--out', out, ...common, ...extra]);
  assert.equal(res.code, 0, res.stderr.slice(-2000));
  const lines = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.ok(lines.length === 4 && lines.every((l) => Number.isFinite(l['loss/D']) && Number.isFinite(l['loss/G'])));
  const bin = readFileSync(path.join(out, 'checkpoints', 'step-000004', 'G', 'weights.bin'));
  return new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
}

let plainRun: Promise<Float32Array> | undefined;
const plain = () => (plainRun ??= weightsAfter('plain', []));

function compare(reference: Float32Array, compressed: Float32Array): { maxDiff: number; differ: number } {
  assert.equal(compressed.length, reference.length);
  let maxDiff = 0;
  let differ = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(reference[i] - compressed[i]));
    if (reference[i] !== compressed[i]) differ++;
  }
  return { maxDiff, differ };
}

for (const format of ['bf16', 'fp16']) {
  test(`${format} gradients with error feedback train close to float32, not byte-identical`, { timeout: 300_000 }, async () => {
    const reference = await plain();
    const { maxDiff, differ } = compare(reference, await weightsAfter(format, ['--set', `cluster.gradientCompression=${format}`]));
    assert.ok(differ > 0, 'compressed gradients changed the weights');
    assert.ok(maxDiff < 3.2e-3, `4 Adam steps of lr 2e-4 move each run's weights by a few lr at most: max diff ${maxDiff}`);
  });
}
