// 2x nearest-neighbour upsampling and 2x2 average-pool downsampling written as reshape + tile / mean, because
// the resize and pooling gradient kernels are wrong or missing on the backends here (TFJS-NOTES.md: cpu
// ResizeNearestNeighborGrad with batch > 1, wasm MaxPoolGrad). Both have plain gradients (tile -> sum).
import * as tf from '@tensorflow/tfjs';

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor4D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
}

/** [B, H, W, C] -> [B, 2H, 2W, C], each pixel repeated 2x2. */
export class Upsample2x extends tf.layers.Layer {
  static readonly className = 'Upsample2x';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const [b, h, w, c] = x.shape;
      // Rows, then columns: the Tile gradient exists only up to rank 4.
      const rows = tf.tile(tf.reshape(x, [b * h, 1, w, c]), [1, 2, 1, 1]); // [B*H, 2, W, C]
      const cols = tf.tile(tf.reshape(rows, [b * 2 * h * w, 1, c]), [1, 2, 1]); // [B*2H*W, 2, C]
      return tf.reshape(cols, [b, 2 * h, 2 * w, c]);
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
    return [b, 2 * (h as number), 2 * (w as number), c];
  }
}

/** [B, H, W, C] -> [B, H/2, W/2, C], the mean of each 2x2 block (H and W even). */
export class AvgPool2x extends tf.layers.Layer {
  static readonly className = 'AvgPool2x';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const [b, h, w, c] = x.shape;
      return tf.mean(tf.reshape(x, [b, h / 2, 2, w / 2, 2, c]), [2, 4]);
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
    return [b, (h as number) / 2, (w as number) / 2, c];
  }
}

/** [B, H, W, C] -> [B, C]: the sum over positions (SNGAN's D head). */
export class GlobalSumPool extends tf.layers.Layer {
  static readonly className = 'GlobalSumPool';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.sum(one(inputs), [1, 2]));
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
    return [shape[0], shape[3]];
  }
}

tf.serialization.registerClass(Upsample2x);
tf.serialization.registerClass(AvgPool2x);
tf.serialization.registerClass(GlobalSumPool);
