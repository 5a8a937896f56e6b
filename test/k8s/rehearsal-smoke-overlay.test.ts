// The rehearsal: renders k8s/overlays/smoke (the cpu overlay with a toy recipe), runs its coordinator Job and
// its Indexed worker Job as local processes with exactly the commands, args and env the pod specs declare
// (test/k8s/rehearsal.ts), kills the coordinator pod after its first checkpoint and lets the Job replace it,
// and checks that the run ends with the same weights, bit for bit, as an uninterrupted `ganymede train`.
// So the manifests cannot drift from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI, manifestHashes, runCli, tempDir } from '../integration/cli.js';
import { render } from './manifests.js';
import { Rehearsal, type JobRun, type JobSpec, type Pod } from './rehearsal.js';
import { hasKeysCommand, stageK8s } from './stage.js';

const tmp = tempDir('rehearsal');
const staged = stageK8s(tmp, 'smoke-token');
const objects = render(path.join(staged, 'overlays/smoke'));
const recipe = path.join(staged, 'overlays/smoke/recipe.yaml');
const steps = loadConfig(recipe, []).train.steps;
const last = `step-${String(steps).padStart(6, '0')}`;

/** Elastic membership (issue 3): workers rejoin a running job. Detected by its config key. */
function hasElasticWorkers(): boolean {
  try {
    loadConfig(recipe, ['cluster.minWorkers=1']);
    return true;
  } catch {
    return false;
  }
}

const weights = (checkpoint: string) => {
  const h = manifestHashes(checkpoint);
  return { G: h['G/weights.bin'], D: h['D/weights.bin'] };
};
const waitFor = async (what: string, cond: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const logTail = (pods: Pod[]) => pods.map((p) => `== ${p.name}\n${existsSync(p.log) ? readFileSync(p.log, 'utf8').slice(-1500) : ''}`).join('\n');

// The reference: the same recipe, uninterrupted, the local way.
const local = path.join(tmp, 'local');
let reference: Promise<void> | undefined;
const localRun = () =>
  (reference ??= runCli(['train', '--config', recipe, '--workers', '2', '--backend', 'wasm', '--out', local]).then((ref) => {
    assert.equal(ref.code, 0, ref.stderr.slice(-2000));
  }));

test('the smoke overlay\'s pods train to the same bits as ganymede train, through a coordinator pod kill', { timeout: 240_000 }, async (t) => {
  await localRun();

  const r = await Rehearsal.create(objects, path.join(tmp, 'cluster'), CLI);
  const runDir = path.join(r.dir, 'pvc', 'ganymede-runs', 'smoke');
  let coordinator: JobRun | undefined;
  let workers: JobRun | undefined;
  try {
    // kubectl apply -k: both Jobs start at once.
    coordinator = r.runJob('ganymede-coordinator');
    workers = r.runJob('ganymede-workers');
    const workersSpec = r.object('Job', 'ganymede-workers').spec as JobSpec;
    assert.equal(workersSpec.completionMode, 'Indexed');

    // 1. The coordinator pod is killed once its first checkpoint is on the volume; the Job replaces it.
    const first = coordinator.latest()!;
    await waitFor('the first checkpoint', () => existsSync(path.join(runDir, 'checkpoints', 'step-000010', 'manifest.json')), 120_000);
    assert.ok(!existsSync(path.join(runDir, 'checkpoints', last)), 'the run must still be going when its coordinator is killed');
    assert.ok(first.readyAt, 'the coordinator passed its readiness probe (tcpSocket on the zmq port)');
    r.kill(first);
    assert.equal(await first.exited, null, 'killed by a signal');

    // 2. With elastic membership, a worker pod killed mid-run comes back with its index and rejoins.
    if (hasElasticWorkers()) {
      await waitFor('the resumed coordinator', () => coordinator!.pods.length >= 2 && coordinator!.latest()!.readyAt !== undefined, 60_000);
      await waitFor('a checkpoint after the resume', () => existsSync(path.join(runDir, 'checkpoints', 'step-000020', 'manifest.json')), 120_000);
      const before = workers.pods.length;
      r.kill(workers.latest(1)!);
      await waitFor('a new pod for index 1', () => workers!.pods.length > before, 60_000);
      const replacement = workers.pods.at(-1)!;
      void coordinator.done.then(() =>
        t.diagnostic(`index 1's replacement pod ${/joined run/.test(readFileSync(replacement.log, 'utf8')) ? 'rejoined the run' : 'did not join before the run ended'}`));
    } else {
      t.diagnostic('SKIPPED: killing a worker pod and its rejoin: needs elastic membership (cluster.minWorkers, issue 3), not on this branch');
    }

    const [c, w] = await Promise.all([coordinator.done, workers.done]);
    assert.ok(c.succeeded, `coordinator Job: ${c.reason}\n${logTail(coordinator.pods)}`);
    assert.ok(w.succeeded, `workers Job: ${w.reason}\n${logTail(workers.pods)}`);
  } finally {
    r.stop();
  }
  // The replacement pod resumed from the volume (it did not start afresh).
  assert.ok(coordinator.pods.length >= 2, 'a second coordinator pod ran');
  assert.match(readFileSync(coordinator.pods[1].log, 'utf8'), /resuming .*smoke from its latest checkpoint/);
  // Each worker index ran a pod with its rank, and the ranks reached the coordinator from JOB_COMPLETION_INDEX.
  const ranks = new Set(workers.pods.map((p) => p.index));
  assert.deepEqual([...ranks].sort(), [0, 1]);
  const workerLog = readFileSync(workers.pods.find((p) => p.index === 1)!.log, 'utf8');
  assert.match(workerLog, /"rank":1/);
  assert.match(workerLog, /ok: tcp:\/\/127\.0\.0\.1:\d+ accepts connections/, 'the init container waited for the coordinator');
  // Same bits as the uninterrupted local run.
  assert.deepEqual(weights(path.join(runDir, 'checkpoints', last)), weights(path.join(local, 'checkpoints', last)));
});

test('the JobSet variant\'s pods (on CPU, with the smoke recipe) train to the same bits as ganymede train', { timeout: 180_000 }, async () => {
  await localRun();
  // The jobset variant is for GPU nodes: rehearsed here with the smoke recipe, wasm, 2 workers and no GPU
  // limits, changed in the rendered objects; everything else (commands, env, DNS names, order) as rendered.
  const rendered = structuredClone(render(path.join(staged, 'jobset')));
  const configMap = rendered.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  configMap.data['recipe.yaml'] = readFileSync(recipe, 'utf8');
  const jobset = rendered.find((o) => o.kind === 'JobSet')!;
  type C = { env: { name: string; value?: string }[]; resources?: { limits?: Record<string, unknown> } };
  for (const rj of (jobset.spec as { replicatedJobs: { name: string; template: { spec: JobSpec } }[] }).replicatedJobs) {
    const job = rj.template.spec;
    const c = job.template.spec.containers[0] as unknown as C;
    const set = (k: string, v: string) => (c.env.find((e) => e.name === k)!.value = v);
    if (rj.name === 'coordinator') {
      set('GANYMEDE_BACKEND', 'wasm');
      set('RUN_DIR', '/runs/smoke');
      set('GANYMEDE_WORKERS', '2');
    } else {
      job.parallelism = job.completions = 2;
      delete c.resources!.limits!['nvidia.com/gpu'];
    }
  }
  const r = await Rehearsal.create(rendered, path.join(tmp, 'jobset'), CLI);
  const runs: JobRun[] = [];
  try {
    for (const job of r.jobSetJobs('ganymede')) {
      // dependsOn Ready: a replicated Job starts once the one it depends on has a ready pod.
      for (const dep of job.dependsOn ?? []) {
        const before = runs.find((x) => x.name.startsWith(`ganymede-${dep.name}-`))!;
        await waitFor(`${dep.name} ${dep.status}`, () => before.pods.some((p) => p.readyAt !== undefined), 60_000);
      }
      runs.push(r.runJob(job.name, job.spec));
    }
    const results = await Promise.all(runs.map((x) => x.done));
    results.forEach((res, i) => assert.ok(res.succeeded, `${runs[i].name}: ${res.reason}\n${logTail(runs[i].pods)}`));
  } finally {
    r.stop();
  }
  assert.match(readFileSync(runs[1].pods[0].log, 'utf8'), /ok: tcp:\/\/127\.0\.0\.1:\d+ accepts connections/);
  const runDir = path.join(r.dir, 'pvc', 'ganymede-runs', 'smoke');
  assert.deepEqual(weights(path.join(runDir, 'checkpoints', last)), weights(path.join(local, 'checkpoints', last)));
});

test('CURVE: a worker pod without the run\'s keys cannot join; the manifests\' keys can', { timeout: 180_000, skip: hasKeysCommand() ? false : 'needs CURVE keys (`ganymede keys`, issue 3), not on this branch' }, async () => {
  // The run's token alone must not let a pod in: the same worker pod spec, less its GANYMEDE_CURVE_* env.
  const r = await Rehearsal.create(objects, path.join(tmp, 'curve'), CLI);
  try {
    const coordinator = r.runJob('ganymede-coordinator');
    await waitFor('the coordinator', () => coordinator.latest()?.readyAt !== undefined, 60_000);
    const spec = structuredClone(r.object('Job', 'ganymede-workers').spec as JobSpec);
    const container = spec.template.spec.containers[0] as { env: { name: string }[] };
    container.env = container.env.filter((e) => !e.name.startsWith('GANYMEDE_CURVE'));
    const stranger = r.runJob('stranger', { ...spec, completions: 1, parallelism: 1, backoffLimitPerIndex: 0 });
    await waitFor('the stranger to try', () => /worker connecting/.test(existsSync(stranger.latest()?.log ?? '') ? readFileSync(stranger.latest()!.log, 'utf8') : ''), 60_000);
    await new Promise((res) => setTimeout(res, 8000));
    const coordinatorLog = () => readFileSync(coordinator.latest()!.log, 'utf8');
    assert.doesNotMatch(coordinatorLog(), /worker joined/, 'a worker without CURVE keys joined');
    r.kill(stranger.latest()!);
    // Positive control: the workers as the manifests declare them (with their keys) join and finish the run.
    const workers = r.runJob('ganymede-workers');
    const [c, w] = await Promise.all([coordinator.done, workers.done]);
    assert.ok(c.succeeded && w.succeeded, `${c.reason}; ${w.reason}\n${logTail([...coordinator.pods, ...workers.pods])}`);
  } finally {
    r.stop();
  }
});

test.after(() => process.env.GANYMEDE_KEEP_TMP ? undefined : rmSync(tmp, { recursive: true, force: true }));
