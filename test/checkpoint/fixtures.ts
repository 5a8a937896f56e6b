// Shared fixtures of the checkpoint tests: small, fully named, seeded models and state on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CheckpointData, NamedArray } from '../../src/checkpoint/index.js';

/** Selects the cpu backend (exact, and the same on every machine). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

const created: string[] = [];
process.once('exit', () => created.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh empty folder under the OS temp dir, removed when the test process exits. */
export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganymede-checkpoint-'));
  created.push(dir);
  return dir;
}

/** A 2-layer MLP with every layer (and the model) named, so model.json is the same for every build. */
export function buildMlp(name: string, seed: number, inputs = 4, outputs = 3): tf.Sequential {
  return tf.sequential({
    name,
    layers: [
      tf.layers.dense({
        name: `${name}_dense1`,
        inputShape: [inputs],
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.1 }),
      }),
      tf.layers.dense({
        name: `${name}_out`,
        units: outputs,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
      }),
    ],
  });
}

/** Optimizer-like state with awkward values (-0, subnormals, NaN, a scalar, an empty array) to prove bit identity. */
export function makeState(): Record<string, NamedArray[]> {
  const m = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 1e-3);
  const v = Float32Array.from([-0, 1e-45, NaN, Infinity, -Infinity, 3.4028234e38, 1 / 3, -2.5]);
  return {
    'optimizer-G': [
      { name: 'G_dense1/kernel/m', shape: [4, 8], data: m },
      { name: 'G_dense1/kernel/v', shape: [2, 4], data: v },
      { name: 't', shape: [], data: Float32Array.of(10) },
    ],
    'optimizer-D': [{ name: 'empty', shape: [0, 3], data: new Float32Array(0) }],
  };
}

/** A checkpoint at `step` of a seed-GAN-sized pair of networks. */
export function makeData(
  step: number,
  networks: CheckpointData['networks'] = { G: buildMlp('G', 1), D: buildMlp('D', 7, 3, 1) },
): CheckpointData {
  return {
    step,
    config: { seed: 1, model: { name: 'seed-gan', zDim: 4 }, train: { batchSize: 64, steps: 100, lr: { D: 2e-4, G: 1e-4 } } },
    networks,
    state: makeState(),
    meta: { schedule: { round: 3 }, sampler: { epoch: 0, position: 640 }, weightVersion: { G: 5, D: 25 } },
  };
}

/** The raw bytes of every weight of a model, in order. */
export async function weightBytes(model: tf.LayersModel): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const w of model.getWeights()) {
    const data = (await w.data()) as Float32Array;
    out.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

/** The bytes of model(x) for a fixed input x. */
export function predictBytes(model: tf.LayersModel, inputs = 4): Uint8Array {
  const data = tf.tidy(() => {
    const x = tf.tensor2d(Array.from({ length: 5 * inputs }, (_, i) => (i - 7) / 5), [5, inputs]); // [5, inputs]
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Bytes of a NamedArray's data. */
export function arrayBytes(a: NamedArray): Uint8Array {
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

/** Every file under `dir` with its size, mtime and content, to prove a call changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    const st = fs.statSync(full);
    out[path.relative(dir, full)] = entry.isFile() ? `${st.size} ${st.mtimeMs} ${fs.readFileSync(full).toString('base64')}` : 'dir';
  }
  return out;
}
