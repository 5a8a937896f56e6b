// wasm Conv2DBackpropFilter (conv and convTranspose weight gradients), written as one wasm Conv2D.
//
// dW[kh, kw, ci, co] = sum_{b, i, j} xp[b, i*s + kh, j*s + kw, ci] * dy[b, i, j, co]   (xp: x zero-padded)
// is a 'valid' conv2d of xp^T = [Cin, Hp, Wp, B] (batch and channel axes swapped) with the filter
// dy^T = [OH, OW, B, Cout] at dilation s, giving [Cin, KH, KW, Cout]; transposing gives [KH, KW, Cin, Cout].
// The padding goes to the conv as explicit pads, so x is never copied padded. See TFJS-NOTES.md.
import * as tf from '@tensorflow/tfjs';
import { WASM, callKernel, release, transpose, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = args.inputs.x as tf.TensorInfo; // [B, H, W, Cin]
  const dy = args.inputs.dy as tf.TensorInfo; // [B, OH, OW, Cout]
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`Conv2DBackpropFilter on wasm needs rank-4 x and dy, got [${x.shape}] and [${dy.shape}]`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [, H, W] = x.shape;
  const [, OH, OW] = dy.shape;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  if (info.outHeight !== OH || info.outWidth !== OW) {
    // Guards the heap: a mismatched dy would make the conv below read or write out of bounds.
    throw new Error(`Conv2DBackpropFilter on wasm: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const { top, left } = info.padInfo;
  // Pad just enough below/right for a KH x KW result; extra rows of x (stride leftovers) are sliced off.
  const bottom = Math.max(0, KH + (OH - 1) * sh - H - top);
  const right = Math.max(0, KW + (OW - 1) * sw - W - left);
  const zH = H + top + bottom - (OH - 1) * sh;
  const zW = W + left + right - (OW - 1) * sw;

  const made: tf.TensorInfo[] = [];
  try {
    const xT = transpose(backend, x, [3, 1, 2, 0]); // [Cin, H, W, B]
    made.push(xT);
    const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, Cout]
    made.push(dyT);
    let z = callKernel(tf.Conv2D, backend, { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    }); // [Cin, zH, zW, Cout]
    made.push(z);
    if (zH !== KH || zW !== KW) {
      const [cin, , , cout] = z.shape;
      made.push((z = callKernel(tf.Slice, backend, { x: z }, { begin: [0, 0, 0, 0], size: [cin, KH, KW, cout] })));
    }
    return transpose(backend, z, [1, 2, 0, 3]); // [KH, KW, Cin, Cout]
  } finally {
    release(backend, ...made);
  }
}

/** Registers Conv2DBackpropFilter, which wasm lacks, built from the wasm Conv2D kernel. */
export const conv2DBackpropFilterPatch: KernelPatch = {
  name: 'conv2d-backprop-filter',
  kernelName: tf.Conv2DBackpropFilter,
  // Replaces a stock kernel too, should a later tfjs ship one: this one is the version the tests check.
  build: () => ({ kernelName: tf.Conv2DBackpropFilter, backendName: WASM, kernelFunc: conv2DBackpropFilter }),
};
