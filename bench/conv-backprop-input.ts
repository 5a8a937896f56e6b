// Conv2DBackpropInput on wasm, stock loop vs zero-insertion vs sub-pixel (src/backend/conv2d-backprop-input-patch.ts),
// on the DCGAN shapes (batch 32 = one micro-shard), with the forward conv of the same layer for scale.
// node --import tsx bench/conv-backprop-input.ts   (min of 7 runs per cell; modes interleaved against load drift)
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';

await initBackend('wasm');
const CASES = [
  { name: 'D conv2 dx: [32,7,7,128] -> [32,14,14,64], k4 s2', dy: [32, 7, 7, 128], w: [4, 4, 64, 128], x: [32, 14, 14, 64] },
  { name: 'G up1 (convT fwd): [32,7,7,128] -> [32,14,14,64]', dy: [32, 7, 7, 128], w: [4, 4, 64, 128], x: [32, 14, 14, 64] },
  { name: 'G up2 (convT fwd): [32,14,14,64] -> [32,28,28,1]', dy: [32, 14, 14, 64], w: [4, 4, 1, 64], x: [32, 28, 28, 1] },
] as const;
const MODES = ['stock', 'zeros', 'subpixel'];
for (const c of CASES) {
  const dy = tf.randomNormal([...c.dy]) as tf.Tensor4D;
  const w = tf.randomNormal([...c.w]) as tf.Tensor4D;
  const x = tf.randomNormal([...c.x]) as tf.Tensor4D;
  const best: Record<string, number> = {};
  const time = (key: string, f: () => tf.Tensor) => {
    const t0 = performance.now();
    tf.tidy(() => f().dataSync());
    best[key] = Math.min(best[key] ?? Infinity, performance.now() - t0);
  };
  for (let rep = 0; rep < 7; rep++) {
    for (const m of MODES) {
      process.env.GANYMEDE_CONV_BACKPROP_INPUT = m;
      time(m, () => tf.conv2dTranspose(dy, w, [...c.x] as [number, number, number, number], 2, 'same'));
    }
    time('conv2d forward', () => tf.conv2d(x, w, 2, 'same'));
  }
  console.log(`${c.name}\n  ${Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(' | ')}`);
  tf.dispose([dy, w, x]);
}
