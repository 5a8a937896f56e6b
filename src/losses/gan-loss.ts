// The contract every GAN loss keeps (test/losses/gan-loss-contract.test.ts runs over all of them): sums over the
// samples of a shard, from D's raw outputs [b, 1]; the caller scales by 1/B (DESIGN.md §3).
import * as tf from '@tensorflow/tfjs';

export interface GanLoss {
  readonly name: string;
  /** D's loss on real outputs, summed; `target` [b, 1] (1 = real) only for losses with `targets`. */
  dReal(out: tf.Tensor, target?: tf.Tensor): tf.Scalar;
  /** D's loss on fake outputs, summed; `target` [b, 1] (0 = fake) only for losses with `targets`. */
  dFake(out: tf.Tensor, target?: tf.Tensor): tf.Scalar;
  /** G's loss on D's outputs for fakes, summed. */
  g(fakeOut: tf.Tensor): tf.Scalar;
  /** Whether D's targets can be smoothed or flipped (gan.realLabel, gan.labelFlip). */
  readonly targets: boolean;
  /** Whether D's output is a logit, so sigmoid(out) is D's probability (logged as D(x), D(G(z))). */
  readonly logits: boolean;
}

/** BCE from logits against targets t in [0, 1]: t softplus(-l) + (1 - t) softplus(l), summed. */
export function bceSum(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.sum(tf.add(tf.mul(target, tf.softplus(tf.neg(logits))), tf.mul(tf.sub(1, target), tf.softplus(logits))));
}
