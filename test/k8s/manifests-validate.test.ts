// Every manifest under k8s/ (each file, and each overlay as kustomize renders it) is valid against the
// Kubernetes schemas offline, agrees with itself (worker counts, Service -> pod, restart policies), and a typo
// or a bad GPU quantity fails with the file and field named. The Dockerfiles lint clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { loadConfig } from '../../src/config/index.js';
import { tempDir } from '../integration/cli.js';
import { describe, leafOverlays, render, REPO, validateObject, validateSources, type K8sObject } from './manifests.js';
import { stageK8s } from './stage.js';

const tmp = tempDir('k8s-validate');
const staged = stageK8s(tmp);
const checkRecipe = (file: string) => void loadConfig(file, []);

type Container = { name: string; env?: { name: string; value?: string }[]; resources?: { limits?: Record<string, unknown> }; ports?: { name?: string; containerPort: number }[] };
type PodSpec = { restartPolicy?: string; containers: Container[]; initContainers?: Container[] };
type JobSpec = { completionMode?: string; parallelism?: number; completions?: number; backoffLimitPerIndex?: number; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };

/** Every Job spec of a rendered overlay: Jobs, and the Jobs inside a JobSet. */
function jobSpecs(objects: K8sObject[]): [string, JobSpec][] {
  return objects.flatMap((o): [string, JobSpec][] => {
    if (o.kind === 'Job') return [[o.metadata!.name!, o.spec as JobSpec]];
    if (o.kind === 'JobSet') return (o.spec as { replicatedJobs: { name: string; template: { spec: JobSpec } }[] }).replicatedJobs.map((r) => [r.name, r.template.spec]);
    return [];
  });
}

test('every file under k8s/ is valid, and the ConfigMap recipes pass ganymede\'s config validation', async () => {
  assert.deepEqual(await validateSources(staged, checkRecipe), []);
});

test('k8s/common/recipe.yaml is configs/seed-gan.yaml', () => {
  assert.equal(readFileSync(path.join(REPO, 'k8s/common/recipe.yaml'), 'utf8'), readFileSync(path.join(REPO, 'configs/seed-gan.yaml'), 'utf8'),
    'copy configs/seed-gan.yaml to k8s/common/recipe.yaml (kustomize reads files only below a kustomization)');
});

test('each overlay renders with kustomize into valid, self-consistent objects', async () => {
  const overlays = leafOverlays(staged).map((d) => path.relative(staged, d));
  assert.deepEqual(overlays.sort(), ['jobset', 'overlays/gpu', 'overlays/smoke']);
  for (const name of [...overlays, 'overlays/cpu']) {
    const objects = render(path.join(staged, name));
    for (const o of objects) assert.deepEqual(await validateObject(o), [], `${name}: ${describe(o)}`);
    const jobs = jobSpecs(objects);
    const workers = jobs.find(([n]) => n.endsWith('workers'))![1];
    const coordinator = jobs.find(([n]) => n.endsWith('coordinator'))![1];
    assert.equal(workers.completionMode, 'Indexed', name);
    assert.equal(workers.parallelism, workers.completions, `${name}: workers parallelism = completions`);
    for (const [n, j] of jobs) {
      if (j.backoffLimitPerIndex !== undefined) assert.equal(j.template.spec.restartPolicy, 'Never', `${name}: ${n}: backoffLimitPerIndex needs restartPolicy Never`);
    }
    const env = (c: Container, k: string) => c.env?.find((e) => e.name === k)?.value;
    const coord = coordinator.template.spec.containers[0];
    assert.equal(env(coord, 'GANYMEDE_WORKERS'), String(workers.parallelism), `${name}: the coordinator expects as many workers as the Job runs`);
    const gpus = workers.template.spec.containers[0].resources?.limits?.['nvidia.com/gpu'];
    if (name.includes('cpu') || name.includes('smoke')) {
      assert.ok(!JSON.stringify(objects).includes('nvidia.com/gpu'), `${name}: no GPU anywhere`);
      assert.equal(env(coord, 'GANYMEDE_BACKEND'), 'wasm');
    } else {
      assert.equal(String(gpus), '1', `${name}: one GPU per worker`);
      assert.equal(env(coord, 'GANYMEDE_BACKEND'), 'tensorflow-gpu');
    }
    const port = coord.ports!.find((p) => p.name === 'zmq')!.containerPort;
    for (const c of [...workers.template.spec.containers, ...(workers.template.spec.initContainers ?? [])]) {
      assert.match(env(c, 'GANYMEDE_COORDINATOR') ?? '', new RegExp(`^tcp://ganymede-coordinator[\\w.-]*:${port}$`), `${name}: ${c.name} reaches the coordinator's port`);
    }
    const service = objects.find((o) => o.kind === 'Service');
    if (service) {
      const spec = service.spec as { clusterIP?: string; selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
      assert.equal(spec.clusterIP, 'None', 'headless');
      const labels = coordinator.template.metadata!.labels!;
      for (const [k, v] of Object.entries(spec.selector)) assert.equal(labels[k], v, `${name}: the Service selects the coordinator pod (${k})`);
      assert.equal(spec.ports[0].targetPort, 'zmq');
      assert.equal(spec.ports[0].port, port, 'a headless Service maps no ports');
    }
  }
});

async function problemsAfterEdit(file: string, from: string | RegExp, to: string) {
  const dir = tempDir('k8s-typo');
  try {
    const root = stageK8s(dir);
    const target = path.join(root, file);
    const text = readFileSync(target, 'utf8');
    const edited = text.replace(from, to);
    assert.notEqual(edited, text, `${file}: edit applies`);
    writeFileSync(target, edited);
    return (await validateSources(root, checkRecipe)).map((p) => `${p.file}: ${p.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a misspelled field fails, naming the file and the field', async () => {
  const problems = await problemsAfterEdit('base/workers-job.yaml', '          resources:\n            requests:\n              cpu: "1"', '          resourcs:\n            requests:\n              cpu: "1"');
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /^k8s\/base\/workers-job\.yaml: Job\/ganymede-workers: spec\.template\.spec\.containers\[0\]\.resourcs: unknown field \(did you mean resources\?\)$/);
  const inPatch = await problemsAfterEdit('overlays/gpu/workers-gpu.yaml', 'tolerations:', 'toleration:');
  assert.match(inPatch.join('\n'), /k8s\/overlays\/gpu\/workers-gpu\.yaml: Job\/ganymede-workers: spec\.template\.spec\.toleration: unknown field \(did you mean tolerations\?\)/);
  const inJobSet = await problemsAfterEdit('jobset/jobset.yaml', 'backoffLimitPerIndex: 4', 'backofLimitPerIndex: 4');
  assert.match(inJobSet.join('\n'), /k8s\/jobset\/jobset\.yaml: JobSet\/ganymede: spec\.replicatedJobs\[1\]\.template\.spec\.backofLimitPerIndex: unknown field \(did you mean backoffLimitPerIndex\?\)/);
});

test('a bad GPU quantity fails, naming the file and the field', async () => {
  const half = await problemsAfterEdit('overlays/gpu/workers-gpu.yaml', 'nvidia.com/gpu: 1', 'nvidia.com/gpu: 0.5');
  assert.match(half.join('\n'), /k8s\/overlays\/gpu\/workers-gpu\.yaml: Job\/ganymede-workers: spec\.template\.spec\.containers\[0\]\.resources\.limits\["nvidia\.com\/gpu"\]: '0\.5': nvidia\.com\/gpu is an extended resource and takes a whole number/);
  const word = await problemsAfterEdit('jobset/jobset.yaml', 'nvidia.com/gpu: 1', 'nvidia.com/gpu: one');
  assert.match(word.join('\n'), /k8s\/jobset\/jobset\.yaml: JobSet\/ganymede: .*limits\["nvidia\.com\/gpu"\]: 'one' is not a quantity/);
  const recipe = await problemsAfterEdit('overlays/smoke/recipe.yaml', 'steps: 60', 'stepz: 60');
  assert.match(recipe.join('\n'), /k8s\/overlays\/smoke\/recipe\.yaml: .*stepz/);
});

test('the Dockerfiles lint clean: multi-stage, npm ci --omit=dev, a non-root user', () => {
  for (const name of ['cpu', 'gpu']) {
    const text = readFileSync(path.join(REPO, 'k8s/images', `${name}.Dockerfile`), 'utf8');
    assert.deepEqual(lintDockerfile(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`), [], name);
    const stages = text.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, `${name}: multi-stage`);
    assert.match(text, /npm ci --omit=dev/);
    const user = /^USER (\S+)/m.exec(stages.at(-1)!);
    assert.ok(user && !['root', '0'].includes(user[1]), `${name}: the final stage runs as a non-root user`);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
