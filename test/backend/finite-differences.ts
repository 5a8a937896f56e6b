// Oracle for gradients (micrograd style): central finite differences of a scalar function of some variables.
import * as tf from '@tensorflow/tfjs';

export interface FdReport {
  /** Worst |analytic - fd| / (|fd| + 5% of the largest |fd| + 1e-6) over the checked coordinates. */
  worst: number;
  /** How many coordinates were checked, and the largest |fd| seen (a check on all-zero gradients proves little). */
  checked: number;
  largest: number;
}

/**
 * Compares tf.variableGrads(f) with (f(v + h e_i) - f(v - h e_i)) / 2h on up to `per` evenly spaced coordinates
 * of every variable. `f` may itself take gradients (that is the point). Restores every variable.
 */
export function finiteDifferenceCheck(vars: tf.Variable[], f: () => tf.Scalar, per = 6, h = 1e-2): FdReport {
  const analytic = tf.tidy(() => {
    const { grads } = tf.variableGrads(f, vars);
    // A variable the function does not depend on (the last bias, for an input-gradient penalty) has none: zero.
    return vars.map((v) => (grads[v.name] ? grads[v.name].dataSync().slice() : new Float32Array(v.size)));
  });
  const pairs: [number, number][] = [];
  const fds: number[] = [];
  vars.forEach((v, k) => {
    const size = v.size;
    const step = Math.max(1, Math.floor(size / per));
    const base = v.dataSync().slice();
    for (let i = Math.floor(step / 2); i < size && pairs.length < (k + 1) * per; i += step) {
      const at = (delta: number) => {
        const data = base.slice();
        data[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
        return tf.tidy(() => f().dataSync()[0]);
      };
      const plus = at(h);
      const minus = at(-h);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      fds.push((plus - minus) / (2 * h));
      pairs.push([k, i]);
    }
  });
  const largest = Math.max(...fds.map(Math.abs));
  let worst = 0;
  pairs.forEach(([k, i], j) => {
    const err = Math.abs(analytic[k][i] - fds[j]) / (Math.abs(fds[j]) + 0.05 * largest + 1e-6);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  });
  return { worst, checked: pairs.length, largest };
}

/** ||dD/dx||^2 summed over samples: the quantity both WGAN-GP and R1 differentiate again. */
export function squaredInputGradient(D: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Scalar {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(D(xi)))(x);
  return tf.sum(tf.square(g));
}
