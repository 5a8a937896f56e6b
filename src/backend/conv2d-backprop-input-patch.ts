// wasm Conv2DBackpropInput (conv input gradients and the convTranspose forward), written as one wasm Conv2D.
//
// The stock wasm kernel is a slow loop (~10x a conv2d of the same size: TFJS-NOTES.md). With the forward
// conv y[o] = sum_k x[o*s + k - top] w[k], its input gradient is dx[i] = sum_k dyd[i + top - k] w[k], where
// dyd is dy with s-1 zeros inserted between its entries. That is a stride-1 'valid' conv of dyd, padded by
// KH-1-top before (and to length H+KH-1 after), with the filter flipped in space and its channels swapped
// ([KH, KW, Cout, Cin]). The zeros are inserted by padding a [B, OH, 1, OW, 1, C] view; the borders go to the
// conv as explicit pads. That spends s^2 times the multiply-adds of the exact sum on zeros, so when H and W
// divide by the strides the sub-pixel form below is used instead (one small conv per output phase).
// GANYMEDE_CONV_BACKPROP_INPUT=zeros|stock selects the other forms (benchmarks, tests).
import * as tf from '@tensorflow/tfjs';
import { WASM, callKernel, release, transpose, view, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

/** Where the input gradient comes from: shapes, strides and the forward conv's top/left padding. */
interface Geometry {
  B: number; OH: number; OW: number; Cout: number; H: number; W: number; Cin: number;
  KH: number; KW: number; sh: number; sw: number; top: number; left: number;
}

/**
 * The sub-pixel form (no multiply-adds on inserted zeros): output rows i = s q + r, for each phase r, only
 * take kernel taps k = s j + c with c = (r + top) mod s, so dx[s q + r] = sum_j dy[q + m - j] w[s j + c],
 * m = floor((r + top) / s): a stride-1 'valid' conv of dy with the flipped sub-kernel [J, J, Cout, Cin],
 * J = ceil(K / s) (taps past K are zero padding). One conv per phase (s_h s_w of them), then the phases
 * are interleaved by a concat and one transpose. Needs H, W divisible by the strides; undefined otherwise.
 */
function subPixel(backend: KernelArgs['backend'], dy: tf.TensorInfo, filter: tf.TensorInfo, g: Geometry): tf.TensorInfo | undefined {
  const { B, OH, OW, Cout, H, W, Cin, KH, KW, sh, sw, top, left } = g;
  if (H % sh !== 0 || W % sw !== 0) return undefined;
  const [Q, P, JH, JW] = [H / sh, W / sw, Math.ceil(KH / sh), Math.ceil(KW / sw)];
  const pads = (r: number, s: number, off: number, J: number, n: number, out: number) => {
    const before = J - 1 - Math.floor((r + off) / s);
    return [before, out + J - 1 - before - n];
  };
  for (let r = 0; r < sh; r++) if (pads(r, sh, top, JH, OH, Q).some((p) => p < 0)) return undefined;
  for (let r = 0; r < sw; r++) if (pads(r, sw, left, JW, OW, P).some((p) => p < 0)) return undefined;
  const made: tf.TensorInfo[] = [];
  const keep = <T extends tf.TensorInfo>(t: T): T => (made.push(t), t);
  try {
    // filter [KH, KW, Cin, Cout] -> zero-padded to [JH sh, JW sw, ...] -> [JH, sh, JW, sw, Cin, Cout]
    const padded = keep(callKernel(tf.PadV2, backend, { x: filter }, { paddings: [[0, JH * sh - KH], [0, JW * sw - KW], [0, 0], [0, 0]], constantValue: 0 }));
    const phases = keep(transpose(backend, view(padded, [JH, sh, JW, sw, Cin, Cout]), [1, 3, 0, 2, 5, 4])); // [sh, sw, JH, JW, Cout, Cin]
    const flipped = keep(callKernel(tf.Reverse, backend, { x: phases }, { dims: [2, 3] }));
    const outs: tf.TensorInfo[] = [];
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) {
        const [ch, cw] = [(rh + top) % sh, (rw + left) % sw];
        const sub = keep(callKernel(tf.Slice, backend, { x: flipped }, { begin: [ch, cw, 0, 0, 0, 0], size: [1, 1, JH, JW, Cout, Cin] }));
        const [ph, pw] = [pads(rh, sh, top, JH, OH, Q), pads(rw, sw, left, JW, OW, P)];
        outs.push(keep(callKernel(tf.Conv2D, backend, { x: dy, filter: view(sub, [JH, JW, Cout, Cin]) }, {
          strides: [1, 1], pad: [[0, 0], ph, pw, [0, 0]], dataFormat: 'NHWC', dilations: [1, 1],
        }))); // [B, Q, P, Cin]
      }
    }
    const all = keep(callKernel(tf.Concat, backend, outs.map((o) => view(o, [1, B, Q, P, Cin])) as unknown as tf.NamedTensorInfoMap, { axis: 0 }));
    const dx = transpose(backend, view(all, [sh, sw, B, Q, P, Cin]), [2, 3, 0, 4, 1, 5]); // [B, Q, sh, P, sw, Cin]
    return view(dx, [B, H, W, Cin]);
  } finally {
    release(backend, ...made);
  }
}

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
  const mode = process.env.GANYMEDE_CONV_BACKPROP_INPUT ?? 'subpixel'; // for benchmarks and tests: subpixel | zeros | stock
  if (mode === 'stock' && stock) return stock.kernelFunc(args);
  // Few output channels (a convT to 1 image channel): the stock loop is cheap there and xnnpack is not.
  if (mode === 'subpixel' && inputShape[3] < 8 && stock) return stock.kernelFunc(args);
  if ((sh > 1 || sw > 1) && mode === 'subpixel') {
    const fast = subPixel(backend, dy, filter, { B, OH, OW, Cout, H, W, Cin, KH, KW, sh, sw, top, left });
    if (fast) return fast;
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
