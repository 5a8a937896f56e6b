// The feature classifier of the metrics: a small LeNet-style CNN (LeCun et al. 1998) trained on the dataset
// itself, whose penultimate layer gives FID/KID/precision-recall features and whose softmax gives IS and the class
// histogram ("Fréchet LeNet distance": pytorch-fid's maintainers advise an MNIST classifier, not Inception, for MNIST).
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../models/index.js';
import { MaxPoolBy } from '../models/layers/index.js';
import type { ClassifierRecipe } from './classifier-store.js';

/** The penultimate layer: its ReLU activations are the features. */
export const FEATURE_LAYER = 'clf_features';
export const FEATURE_DIM = 128;

/**
 * LeNet-5's shape, widened (the usual "LeNet with 32/64 filters" MNIST baseline): conv5x5(c0, valid) ReLU, pool 2
 * -> conv5x5(c1, valid) ReLU, pool 2 -> dense 128 ReLU (the features, FEATURE_DIM) -> dense classes (logits);
 * about 3.9 M multiply-adds per image at 32/64. Dropout on the features is applied by the trainer
 * (classifier-train.ts), keyed, so the saved model is the inference graph. Pooling is average or max,
 * max pooling as reshape + max (MaxPoolBy: the wasm MaxPoolGrad is wrong for some shapes, TFJS-NOTES.md).
 */
export function buildClassifier(image: ImageShape, classes: number, arch: Pick<ClassifierRecipe, 'pool' | 'channels'> = {}): tf.LayersModel {
  const [c0, c1] = arch.channels ?? [32, 64];
  const pool = (name: string) => (arch.pool === 'max' ? new MaxPoolBy({ factor: 2, name }) : tf.layers.averagePooling2d({ poolSize: 2, name }));
  const model = tf.sequential({ name: 'classifier' });
  const conv = (filters: number, kernelSize: number, name: string, first: boolean) =>
    tf.layers.conv2d({
      filters, kernelSize, padding: 'valid', activation: 'relu', name, kernelInitializer: 'zeros',
      ...(first ? { inputShape: [image.height, image.width, image.channels] } : {}),
    });
  model.add(conv(c0, 5, 'clf_conv0', true)); // [B, 24, 24, c0]
  model.add(pool('clf_pool0')); // [B, 12, 12, c0]
  model.add(conv(c1, 5, 'clf_conv1', false)); // [B, 8, 8, c1]
  model.add(pool('clf_pool1')); // [B, 4, 4, c1]
  model.add(tf.layers.flatten({ name: 'clf_flat' })); // [B, 1024]
  model.add(tf.layers.dense({ units: FEATURE_DIM, activation: 'relu', name: FEATURE_LAYER, kernelInitializer: 'zeros' })); // [B, 128]
  model.add(tf.layers.dense({ units: classes, name: 'clf_logits', kernelInitializer: 'zeros' })); // [B, classes]
  return model;
}

/** uint8 images [n, H, W, C] -> float [n, H, W, C] in [0, 1], the classifier's input. */
export function imagesTensor(images: Uint8Array, n: number, image: ImageShape): tf.Tensor4D {
  const x = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) x[i] = images[i] / 255;
  return tf.tensor4d(x, [n, image.height, image.width, image.channels]);
}

/** Features and class probabilities of n uint8 images, in batches. */
export interface Embedding { n: number; dim: number; classes: number; features: Float32Array; probs: Float32Array }

/** The model that outputs [features, logits] of a trained classifier (shares its weights). */
export function featureModel(classifier: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: classifier.inputs, outputs: [classifier.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor, classifier.outputs[0]] });
}

/** Runs the classifier over n images (uint8 [n, H, W, C]) and returns penultimate features and softmax outputs. */
export function embed(classifier: tf.LayersModel, images: Uint8Array, n: number, image: ImageShape, batch = 250): Embedding {
  const both = featureModel(classifier);
  const per = image.height * image.width * image.channels;
  const classes = classifier.outputs[0].shape[1] as number;
  const features = new Float32Array(n * FEATURE_DIM);
  const probs = new Float32Array(n * classes);
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    const [f, p] = tf.tidy(() => {
      const [feat, logits] = both.predict(imagesTensor(images.subarray(start * per, (start + m) * per), m, image)) as tf.Tensor[];
      return [feat.dataSync(), tf.softmax(logits).dataSync()];
    });
    features.set(f, start * FEATURE_DIM);
    probs.set(p, start * classes);
  }
  return { n, dim: FEATURE_DIM, classes, features, probs };
}

/** Share of images whose argmax is their label. */
export function accuracy(e: Embedding, labels: Uint8Array): number {
  let right = 0;
  for (let i = 0; i < e.n; i++) {
    let best = 0;
    for (let c = 1; c < e.classes; c++) if (e.probs[i * e.classes + c] > e.probs[i * e.classes + best]) best = c;
    if (best === labels[i]) right++;
  }
  return right / e.n;
}
