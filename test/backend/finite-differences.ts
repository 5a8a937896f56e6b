// Oracle for gradients (micrograd style): central finite differences of a scalar function of some variables.
import * as tf from '@tensorflow/tfjs';

export interface FdReport {
  /** Worst |analytic - fd| / (|fd| + 5% of the largest |fd| + 1e-6) over the compared coordinates. */
  worst: number;
  /** How many coordinates were compared, and the largest |fd| seen (a check on all-zero gradients proves little). */
  checked: number;
  largest: number;
  /** Coordinates left out because a kink lies within the step (see `skipKinks`). */
  skipped: number;
}

export interface FdOptions {
  /** Coordinates per variable (evenly spaced). */
  per?: number;
  /** Step. */
  h?: number;
  /**
   * Through leakyReLU, ||dD/dx||^2 jumps where a unit changes sign: a central difference straddling such a point
   * measures the jump, not the derivative. With skipKinks, a coordinate whose differences with steps h and h/2
   * disagree by more than 5% is left out (and counted); callers bound how many may be.
   */
  skipKinks?: boolean;
}

/**
 * Compares tf.variableGrads(f) with (f(v + h e_i) - f(v - h e_i)) / 2h on up to `per` evenly spaced coordinates
 * of every variable. `f` may itself take gradients (that is the point). Restores every variable.
 */
export function finiteDifferenceCheck(vars: tf.Variable[], f: () => tf.Scalar, per = 6, h = 1e-2, opts: FdOptions = {}): FdReport {
  const analytic = tf.tidy(() => {
    const { grads } = tf.variableGrads(f, vars);
    // A variable the function does not depend on (the last bias, for an input-gradient penalty) has none: zero.
    return vars.map((v) => (grads[v.name] ? grads[v.name].dataSync().slice() : new Float32Array(v.size)));
  });
  const rows: { k: number; i: number; fd: number; half: number }[] = [];
  vars.forEach((v, k) => {
    const size = v.size;
    const step = Math.max(1, Math.floor(size / per));
    const base = v.dataSync().slice();
    const at = (i: number, delta: number) => {
      const data = base.slice();
      data[i] += delta;
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      return tf.tidy(() => f().dataSync()[0]);
    };
    for (let i = Math.floor(step / 2), n = 0; i < size && n < per; i += step, n++) {
      const fd = (at(i, h) - at(i, -h)) / (2 * h);
      const half = opts.skipKinks ? (at(i, h / 2) - at(i, -h / 2)) / h : fd;
      rows.push({ k, i, fd, half });
    }
    tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
  });
  const largest = Math.max(...rows.map((r) => Math.abs(r.fd)));
  const scale = (fd: number) => Math.abs(fd) + 0.05 * largest + 1e-6;
  let worst = 0;
  let skipped = 0;
  let checked = 0;
  for (const { k, i, fd, half } of rows) {
    if (Math.abs(fd - half) > 0.05 * scale(fd)) {
      skipped++;
      continue;
    }
    const err = Math.abs(analytic[k][i] - fd) / scale(fd);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
    checked++;
  }
  return { worst, checked, largest, skipped };
}

/** ||dD/dx||^2 summed over samples: the quantity both WGAN-GP and R1 differentiate again. */
export function squaredInputGradient(D: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Scalar {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(D(xi)))(x);
  return tf.sum(tf.square(g));
}
