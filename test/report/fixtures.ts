// Fixtures of the report tests.
import * as tf from '@tensorflow/tfjs';

/**
 * A toy class-conditional G with inputs [z, one-hot y] (as the conditional families have) whose output ignores z:
 * every pixel of class k is 2k / (K - 1) - 1, so class 0 is black, class K-1 white (tanh range [-1, 1]).
 */
export function classOnlyG(latent: number, classes: number): tf.LayersModel {
  const z = tf.input({ shape: [latent], name: 'z' });
  const y = tf.input({ shape: [classes], name: 'y' });
  const zeroZ = tf.layers.dense({ name: 'fromZ', units: 784, kernelInitializer: 'zeros', useBias: false }).apply(z) as tf.SymbolicTensor;
  const fromY = tf.layers.dense({ name: 'fromY', units: 784, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: -1 }) })
    .apply(y) as tf.SymbolicTensor;
  const G = tf.model({ name: 'G', inputs: [z, y], outputs: tf.layers.add({ name: 'sum' }).apply([zeroZ, fromY]) as tf.SymbolicTensor });
  const layer = G.getLayer('fromY');
  const kernel = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 2, classes), [classes, 1]), [1, 784]));
  layer.setWeights([kernel, layer.getWeights()[1]]);
  kernel.dispose();
  return G;
}
