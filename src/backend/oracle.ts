// Cross-backend oracle (micrograd style): run one computation on two tfjs backends and measure the disagreement.
import * as tf from '@tensorflow/tfjs';

/**
 * Sets the tfjs backend, runs `fn` in a tidy and returns copies of its outputs' values, disposing the tensors.
 * `fn` must build its inputs itself (e.g. seeded tf.randomNormal, generated in JS and so equal on every
 * backend) so that no tensor crosses backends.
 */
export async function valuesOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  const outputs = tf.tidy(fn);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  try {
    return list.map((t) => Float32Array.from(t.dataSync()));
  } finally {
    tf.dispose(list);
  }
}

/** Largest elementwise |actual - expected| / (1 + |expected|) over all outputs; Infinity on a shape mismatch. */
export function maxScaledError(actual: readonly Float32Array[], expected: readonly Float32Array[]): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let t = 0; t < actual.length; t++) {
    const [a, e] = [actual[t], expected[t]];
    if (a.length !== e.length) return Infinity;
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - e[i]) / (1 + Math.abs(e[i]));
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
    }
  }
  return worst;
}
