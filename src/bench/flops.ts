// FLOPs of a training step counted from the models' layer shapes (multiply-adds x 2), and the backend's
// matMul peak, for `ganymede bench step`'s model FLOP utilisation. Element-wise ops are not counted: for these
// models they are a few percent of the matMul and convolution work.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import { modelFamily, type ImageShape } from '../models/index.js';
import { schedule } from '../train/schedule.js';

/** Forward FLOPs per sample of a model: dense 2*in*out; convolution 2*kh*kw*cin*cout per output position. */
export function forwardFlops(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => w.originalName.endsWith('/kernel'));
    if (!kernel) continue;
    const k = kernel.shape as number[];
    const out = (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as (number | null)[];
    // Positions the kernel is applied at: 1 for dense, H x W (or the spatial product) for convolutions.
    const positions = out.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);
    total += 2 * k.reduce((a, b) => a * b, 1) * positions;
  }
  return total;
}

/**
 * FLOPs of one training step at the config's batch size. A differentiated pass costs 3x its forward (forward,
 * input gradients, weight gradients); a forward-only pass 1x. GAN: each D round runs G forward on B and D on
 * 2B (real and fake), differentiated; the G round differentiates through D and G on B. VAE: 3x on B.
 */
export function stepFlops(config: Readonly<Config>, image: ImageShape): number {
  const nets = modelFamily(config.model.family).build(config.model, image);
  try {
    const f = Object.fromEntries(Object.entries(nets).map(([name, m]) => [name, forwardFlops(m)]));
    const B = config.train.batchSize;
    let total = 0;
    for (const r of schedule(0, config).rounds) {
      if (r.phase === 'D') total += B * (f.G ?? 0) + 3 * 2 * B * (f.D ?? 0);
      else if (r.phase === 'G') total += 3 * B * ((f.G ?? 0) + (f.D ?? 0));
      else total += 3 * B * Object.values(f).reduce((a, b) => a + b, 0);
    }
    return total;
  } finally {
    for (const m of Object.values(nets)) m.dispose();
  }
}

/**
 * GFLOPS of the current backend on a large non-transposed matMul (1024^3), the fastest of `runs`: a peak is a
 * best case, and on a shared machine the median of 5 moved between 60 and 120 GFLOPS from one run to the next.
 */
export function matMulPeakGflops(n = 1024, runs = 10): number {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync(); // waits for asynchronous backends
    if (i > 0) times.push(performance.now() - start);
    c.dispose();
  }
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / Math.min(...times) / 1e6;
}
