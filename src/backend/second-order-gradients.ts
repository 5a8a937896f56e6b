// Gradients that make double backprop (WGAN-GP, R1: d/dw of ||dD/dx||) correct in TF.js 4.22, for every backend.
// Two faults, measured in TFJS-NOTES.md "Second-order gradients":
// 1. Comparison and logical kernels (Greater, Less, Equal, ...) have no gradient, so the gradients of
//    leakyRelu, maximum/minimum, prelu, clipByValue fail under a nested tf.grad. They are piecewise constant:
//    their gradient is zero.
// 2. Tanh, Sigmoid, Exp, Softmax, LogSoftmax, Elu, Pow and MaxPool save their *output* for the backward pass.
//    The engine saves it as a clone whose tape node is recorded before the op's own node, so in the second pass
//    the gradient reaching the clone arrives after the op was processed and is dropped: silently wrong
//    second derivatives. The replacements save the input and recompute the output inside the gradient.
// And two gradient kernels had no gradient themselves: AvgPoolGrad (linear in dy: its adjoint is avgPool) and
// MaxPoolGrad (its adjoint routes the incoming gradient from each window's maximum; non-overlapping windows).
// Not fixable here: ops written with tf.customGrad that save their output (tf.logSoftmax; tf.fused.* with a
// non-linear fused activation) have the same fault inside the op. In a D that is differentiated twice, write
// log-softmax as h - logSumExp(h) and keep dense/conv activations as separate layers (tf.layers does that
// for every activation but relu/linear, whose fused gradients are exact).
import * as tf from '@tensorflow/tfjs';

type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;

/** Kernels whose outputs are piecewise constant in their inputs: gradient zero for every input. */
const PIECEWISE_CONSTANT: Record<string, string[]> = {
  Greater: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalNot: ['x'],
  ZerosLike: ['x'],
};

function zeroGradient(kernelName: string, inputs: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) =>
      Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike(saved[i])])),
  };
}

/** Unary gradients recomputed from the saved input x. */
const fromInput = (kernelName: string, dx: (dy: tf.Tensor, x: tf.Tensor, attrs: Attrs) => tf.Tensor): tf.GradConfig => ({
  kernelName,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => ({ x: () => dx(dy as tf.Tensor, saved[0], attrs) }),
});

const tanhGrad = fromInput(tf.Tanh, (dy, x) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))));
const sigmoidGrad = fromInput(tf.Sigmoid, (dy, x) => {
  const s = tf.sigmoid(x);
  return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
});
const expGrad = fromInput(tf.Exp, (dy, x) => tf.mul(dy, tf.exp(x)));
// elu'(x) = 1 for x > 0, exp(x) otherwise (alpha 1, as tfjs's Elu kernel).
const eluGrad = fromInput(tf.Elu, (dy, x) => tf.where(tf.greater(x, 0), dy, tf.mul(dy, tf.exp(tf.minimum(x, 0)))));

const softmaxGrad: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => ({
    logits: () => {
      const dim = (attrs as { dim: number }).dim;
      const y = tf.softmax(saved[0], dim);
      const dyY = tf.mul(dy as tf.Tensor, y);
      return tf.sub(dyY, tf.mul(tf.sum(dyY, [dim], true), y));
    },
  }),
};

const logSoftmaxGrad: tf.GradConfig = {
  kernelName: tf.LogSoftmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => ({
    logits: () => {
      const axis = (attrs as { axis: number }).axis;
      const d = dy as tf.Tensor;
      return tf.sub(d, tf.mul(tf.sum(d, axis, true), tf.softmax(saved[0], axis)));
    },
  }),
};

/** Sums `g` over the axes broadcast from `shape` to g's shape, back to `shape`. */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

const powGrad: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const d = dy as tf.Tensor;
    return {
      a: () => unbroadcast(tf.mul(d, tf.mul(b, tf.pow(a, tf.sub(b, 1)))), a.shape),
      b: () => unbroadcast(tf.mul(d, tf.mul(tf.pow(a, b), tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a)))), b.shape),
    };
  },
};

interface PoolAttrs { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' }

const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);

const maxPoolGrad: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
    const x = saved[0] as tf.Tensor4D;
    // The op maxPoolGrad is not exported; its kernel is (inputs dy, input, output; the forward attrs).
    const grad = () => {
      const y = tf.maxPool(x, filterSize, strides, pad, dimRoundingMode);
      return tf.engine().runKernel(tf.MaxPoolGrad, { dy: dy as tf.Tensor, input: x, output: y }, attrs) as tf.Tensor;
    };
    return { x: grad };
  },
};

/** d/d(dy) of avgPoolGrad(dy, x) is avgPool with the same window; its value does not depend on x. */
const avgPoolGradGrad: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as PoolAttrs;
    return {
      dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad),
      input: () => tf.zerosLike(saved[0]),
    };
  },
};

/**
 * d/d(dy) of maxPoolGrad(dy, x, y): gathers the incoming gradient at each window's maximum. Written for
 * non-overlapping windows (stride = window, 'valid' or zero padding), the pooling D layers use; ties (two
 * equal maxima in one window) would count twice, where the first-order kernel routes to one of them.
 */
const maxPoolGradGrad: tf.GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, saved, attrs) => {
    const { filterSize, strides, pad } = attrs as unknown as PoolAttrs;
    const [kh, kw] = pair(filterSize);
    const [sh, sw] = pair(strides);
    if (kh !== sh || kw !== sw || !(pad === 'valid' || pad === 0)) {
      throw new Error(`second-order gradient of maxPool: only non-overlapping windows (stride = filterSize, 'valid'), got filterSize ${kh}x${kw}, strides ${sh}x${sw}, pad ${pad}`);
    }
    const [input, output] = saved as tf.Tensor4D[];
    return {
      dy: () => {
        const [b, oh, ow, c] = output.shape;
        const crop = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [b, oh * kh, ow * kw, c]);
        const up = tf.reshape(tf.tile(tf.reshape(output, [b, oh, 1, ow, 1, c]), [1, 1, kh, 1, kw, 1]), [b, oh * kh, ow * kw, c]);
        const mask = tf.cast(tf.equal(crop(input), up), 'float32');
        const routed = tf.reshape(tf.mul(mask, crop(ddx as tf.Tensor4D)), [b, oh, kh, ow, kw, c]);
        return tf.sum(routed, [2, 4]);
      },
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(output),
    };
  },
};

/** Every gradient this module registers, in one explicit list. */
export const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = Object.freeze([
  ...Object.entries(PIECEWISE_CONSTANT).map(([name, inputs]) => zeroGradient(name, inputs)),
  tanhGrad,
  sigmoidGrad,
  expGrad,
  eluGrad,
  softmaxGrad,
  logSoftmaxGrad,
  powGrad,
  maxPoolGrad,
  avgPoolGradGrad,
  maxPoolGradGrad,
]);

let registered = false;

/**
 * Registers the gradients above (global to TF.js, every backend; idempotent). initBackend calls it; code that
 * takes gradients of gradients calls it too, so a test that picks its backend by hand is covered.
 */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  for (const config of SECOND_ORDER_GRADIENTS) tf.registerGradient(config);
  registered = true;
}
