// wasm Conv2DBackpropInput (conv input gradients and the convTranspose forward), written as one wasm Conv2D.
//
// The stock wasm kernel is a slow loop (~10x a conv2d of the same size: TFJS-NOTES.md). With the forward
// conv y[o] = sum_k x[o*s + k - top] w[k], its input gradient is dx[i] = sum_k dyd[i + top - k] w[k], where
// dyd is dy with s-1 zeros inserted between its entries. That is a stride-1 'valid' conv of dyd, padded by
// KH-1-top before (and to length H+KH-1 after), with the filter flipped in space and its channels swapped
// ([KH, KW, Cout, Cin]). The zeros are inserted by padding a [B, OH, 1, OW, 1, C] view; the borders go to the
// conv as explicit pads. It spends s^2 times the multiply-adds of the exact sum on zeros, and is still
// several times faster than the stock loop on the DCGAN shapes (bench/kernels.ts).
import * as tf from '@tensorflow/tfjs';
import { WASM, callKernel, release, transpose, view, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

function conv2DBackpropInput(args: KernelArgs, stock: tf.KernelConfig | undefined): tf.TensorInfo | tf.TensorInfo[] {
  const { backend } = args;
  const dy = args.inputs.dy as tf.TensorInfo; // [B, OH, OW, Cout]
  const filter = args.inputs.filter as tf.TensorInfo; // [KH, KW, Cin, Cout]
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC' || dy.shape.length !== 4 || filter.shape.length !== 4) {
    if (stock) return stock.kernelFunc(args);
    throw new Error(`Conv2DBackpropInput on wasm: dataFormat ${dataFormat}, dy [${dy.shape}], filter [${filter.shape}] not supported`);
  }
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const [B, OH, OW, Cout] = dy.shape;
  const [, H, W, Cin] = inputShape;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  if (info.outHeight !== OH || info.outWidth !== OW) {
    throw new Error(`Conv2DBackpropInput on wasm: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const { top, left } = info.padInfo;
  const before = [KH - 1 - top, KW - 1 - left];
  const after = [H + KH - 1 - before[0] - OH * sh, W + KW - 1 - before[1] - OW * sw];
  if (before[0] < 0 || before[1] < 0) {
    if (stock) return stock.kernelFunc(args);
    throw new Error(`Conv2DBackpropInput on wasm: padding larger than the kernel is not supported`);
  }
  const made: tf.TensorInfo[] = [];
  try {
    let dyd = dy;
    if (sh > 1 || sw > 1) {
      const padded = callKernel(tf.PadV2, backend, { x: view(dy, [B, OH, 1, OW, 1, Cout]) }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
        constantValue: 0,
      });
      made.push(padded);
      dyd = view(padded, [B, OH * sh, OW * sw, Cout]); // s-1 zeros after every entry
    }
    if (after[0] < 0 || after[1] < 0) {
      const sliced = callKernel(tf.Slice, backend, { x: dyd }, {
        begin: [0, 0, 0, 0], size: [B, OH * sh + Math.min(0, after[0]), OW * sw + Math.min(0, after[1]), Cout],
      });
      made.push(sliced);
      dyd = sliced;
    }
    const flipped = callKernel(tf.Reverse, backend, { x: filter }, { dims: [0, 1] });
    made.push(flipped);
    const w = transpose(backend, flipped, [0, 1, 3, 2]); // [KH, KW, Cout, Cin]
    made.push(w);
    const out = callKernel(tf.Conv2D, backend, { x: dyd, filter: w }, {
      strides: [1, 1],
      pad: [[0, 0], [before[0], Math.max(0, after[0])], [before[1], Math.max(0, after[1])], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    if (out.shape[1] !== H || out.shape[2] !== W || out.shape[3] !== Cin) {
      release(backend, out);
      throw new Error(`Conv2DBackpropInput on wasm: made [${out.shape}], expected [${inputShape}]`);
    }
    return out;
  } finally {
    release(backend, ...made);
  }
}

/** Replaces wasm's slow Conv2DBackpropInput loop with a zero-inserted wasm Conv2D (stock kept for odd cases). */
export const conv2DBackpropInputPatch: KernelPatch = {
  name: 'conv2d-backprop-input',
  kernelName: tf.Conv2DBackpropInput,
  build: (stock) => ({
    kernelName: tf.Conv2DBackpropInput,
    backendName: WASM,
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    kernelFunc: (args) => conv2DBackpropInput(args, stock),
  }),
};
