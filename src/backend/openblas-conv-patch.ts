// wasm Conv2D, _FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter by im2col + OpenBLAS sgemm
// (native/conv.cc) directly on the wasm heap, like the matMul kernels of openblas-matmul-patch.ts.
//
// Every convolution of the conv families (DCGAN, ResNet, SAGAN, conditional, conv VAE) and every transposed
// convolution (whose forward is Conv2DBackpropInput) then runs as one sgemm per batch chunk at OpenBLAS's speed
// instead of XNNPACK's Conv2D or the patches built from it. When the addon is missing, stale (no conv()), off
// (GANYMEDE_OPENBLAS=0 or GANYMEDE_NATIVE_CONV=0) or a call is unusual (NCHW, non-float32, negative padding,
// a bias that is not one value per channel, an activation the addon lacks), the kernel it replaces runs.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterPatch } from './conv2d-backprop-filter-patch.js';
import { conv2DBackpropInputPatch } from './conv2d-backprop-input-patch.js';
import { sizeOf, type KernelArgs } from './kernel-util.js';
import { GEMM_ACTIVATION, loadOpenblas, type OpenblasAddon } from './openblas-addon.js';
import { internals, offsetOf, openblasStatus, type WasmInternals } from './openblas-matmul-patch.js';
import type { KernelPatch } from './patch.js';

/** What conv() computes (native/conv.cc): the forward, the input gradient or the filter gradient. */
const MODE = { forward: 0, input: 1, filter: 2 } as const;

type Conv = NonNullable<OpenblasAddon['conv']>;

/** The addon's conv(), or undefined when the native convolutions are not in use. */
function nativeConv(): Conv | undefined {
  if (process.env.GANYMEDE_NATIVE_CONV === '0' || !openblasStatus().ok) return undefined;
  const load = loadOpenblas();
  return load.ok && typeof load.addon.conv === 'function' ? load.addon.conv.bind(load.addon) : undefined;
}

/** Whether the native convolutions are in use (the addon is built with conv.cc and not switched off). */
export function nativeConvAvailable(): boolean {
  return nativeConv() !== undefined;
}

const calls = { forward: 0, input: 0, filter: 0 };

/** How many convolutions of each kind the addon computed (a check that the native path runs). */
export function nativeConvCalls(): { forward: number; input: number; filter: number } {
  return { ...calls };
}

type Shape4 = [number, number, number, number];

/** The geometry arguments of conv(): n h w c, kh kw f, oh ow, sh sw dh dw, padTop padLeft. */
function geometry(info: tf.backend_util.Conv2DInfo): number[] | undefined {
  const { top, left } = info.padInfo;
  if (top < 0 || left < 0 || info.dataFormat !== 'channelsLast') return undefined;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    top, left,
  ];
}

function isFloat4(...xs: tf.TensorInfo[]): boolean {
  return xs.every((x) => x.dtype === 'float32' && x.shape.length === 4);
}

/** Runs conv() into a fresh heap output of `shape`; the output belongs to the caller. */
function run(
  be: WasmInternals,
  conv: Conv,
  mode: number,
  operands: { x?: tf.TensorInfo; w?: tf.TensorInfo; y?: tf.TensorInfo },
  shape: number[],
  geo: number[],
  bias?: tf.TensorInfo,
  activation: number = GEMM_ACTIVATION.linear,
  alpha = 0,
): tf.TensorInfo {
  const out = be.makeOutput(shape, 'float32');
  try {
    // Offsets and the heap only now: makeOutput's malloc may have grown the memory, detaching the old buffer.
    const off = (t: tf.TensorInfo | undefined) => offsetOf(be, t ?? out);
    const heap = be.wasm.HEAPU8.buffer as ArrayBuffer;
    conv(heap, mode, off(operands.x), off(operands.w), off(operands.y), ...geo, bias === undefined ? -1 : offsetOf(be, bias), activation, alpha);
    return out;
  } catch (error) {
    (be as unknown as tf.KernelBackend).disposeData(out.dataId);
    throw error;
  }
}

function forward(conv: Conv, fallback: tf.KernelFunc, fused: boolean): tf.KernelFunc {
  return (args: KernelArgs) => {
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const be = internals(args.backend);
    if (be === undefined || x === undefined || filter === undefined || !isFloat4(x, filter) || attrs.dataFormat !== 'NHWC') {
      return fallback(args);
    }
    const activation = fused ? ACTIVATIONS[attrs.activation ?? 'linear'] : GEMM_ACTIVATION.linear;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode);
    const geo = geometry(info);
    const plainBias = bias === undefined || (bias.dtype === 'float32' && sizeOf(bias.shape) === info.outChannels && bias.shape.length <= 1);
    if (geo === undefined || activation === undefined || !plainBias || preluActivationWeights !== undefined) return fallback(args);
    const out = run(be, conv, MODE.forward, { x, w: filter }, info.outShape, geo, bias, activation, attrs.leakyreluAlpha ?? 0.2);
    calls.forward++;
    return out;
  };
}

/** Fused activations conv() applies itself (the rest fall back to the stock kernel). */
const ACTIVATIONS: Partial<Record<string, number>> = {
  linear: GEMM_ACTIVATION.linear,
  relu: GEMM_ACTIVATION.relu,
  relu6: GEMM_ACTIVATION.relu6,
  leakyrelu: GEMM_ACTIVATION.leakyrelu,
};

/**
 * Conv2DBackpropInput ('input': dx from dy and the filter) or Conv2DBackpropFilter ('filter': dW from x and dy);
 * the forward's geometry comes from the shape the attrs give and the other operand's.
 */
function gradient(conv: Conv, kind: 'input' | 'filter', fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = args.inputs.dy as tf.TensorInfo;
    const other = (kind === 'input' ? args.inputs.filter : args.inputs.x) as tf.TensorInfo;
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs & tf.Conv2DBackpropFilterAttrs;
    const be = internals(args.backend);
    const [xShape, wShape] = kind === 'input' ? [attrs.inputShape, other.shape] : [other.shape, attrs.filterShape];
    if (be === undefined || !isFloat4(dy, other) || attrs.dataFormat !== 'NHWC' || xShape.length !== 4) {
      return fallback(args);
    }
    const info = tf.backend_util.computeConv2DInfo(xShape as Shape4, wShape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const geo = geometry(info);
    if (geo === undefined || info.outShape.some((d, i) => d !== dy.shape[i])) return fallback(args);
    const out = kind === 'input'
      ? run(be, conv, MODE.input, { w: other, y: dy }, [...xShape], geo)
      : run(be, conv, MODE.filter, { x: other, y: dy }, [...wShape], geo);
    calls[kind]++;
    return out;
  };
}

/**
 * A patch that is the native kernel when available, else exactly `base`: an older patch, or (baseName
 * undefined) the stock kernel, in which case the patch is not applied at all.
 */
function nativeOr(
  name: string,
  kernelName: string,
  base: (stock: tf.KernelConfig | undefined) => tf.KernelConfig,
  baseName: string | undefined,
  wrap: (conv: Conv, fallback: tf.KernelFunc) => tf.KernelFunc,
): KernelPatch {
  return {
    get name() {
      return nativeConvAvailable() ? name : (baseName ?? `${name} (off)`);
    },
    available: () => baseName !== undefined || nativeConvAvailable(),
    kernelName,
    build(stock) {
      const fallback = base(stock);
      // The addon is looked up once, here: the registered kernel holds it.
      const conv = nativeConv();
      return conv === undefined ? fallback : { ...fallback, kernelFunc: wrap(conv, fallback.kernelFunc) };
    },
  };
}

function stockOf(kernelName: string): (stock: tf.KernelConfig | undefined) => tf.KernelConfig {
  return (stock) => {
    if (stock === undefined) throw new Error(`wasm backend has no '${kernelName}' kernel to fall back to`);
    return stock;
  };
}

/** Conv2D: native, else XNNPACK's (stock). */
export const openblasConv2DPatch = nativeOr('openblas-conv2d', tf.Conv2D, stockOf(tf.Conv2D), undefined, (conv, f) => forward(conv, f, false));

/** FusedConv2D (conv + bias + relu/relu6/leakyrelu in one call): native, else XNNPACK's (stock). */
export const openblasFusedConv2DPatch = nativeOr(
  'openblas-fused-conv2d',
  tf.FusedConv2D,
  stockOf(tf.FusedConv2D),
  undefined,
  (conv, f) => forward(conv, f, true),
);

/** Conv2DBackpropInput: native, else conv2DBackpropInputPatch. Replaces it in WASM_PATCHES. */
export const openblasConv2DBackpropInputPatch = nativeOr(
  'openblas-conv2d-backprop-input',
  tf.Conv2DBackpropInput,
  (stock) => conv2DBackpropInputPatch.build(stock),
  conv2DBackpropInputPatch.name,
  (conv, f) => gradient(conv, 'input', f),
);

/** Conv2DBackpropFilter: native, else conv2DBackpropFilterPatch. Replaces it in WASM_PATCHES. */
export const openblasConv2DBackpropFilterPatch = nativeOr(
  'openblas-conv2d-backprop-filter',
  tf.Conv2DBackpropFilter,
  (stock) => conv2DBackpropFilterPatch.build(stock),
  conv2DBackpropFilterPatch.name,
  (conv, f) => gradient(conv, 'filter', f),
);
