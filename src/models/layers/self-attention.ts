// Self-attention block of SAGAN (Zhang et al. 2019, "Self-Attention GANs", §3): for x [B, H, W, C] with
// N = H*W positions, query f = x Wq, key g = x Wk (C/8 channels), value h = x Wv (C/2), the attention map
// beta = softmax(f g^T) over keys [B, N, N] (each row sums to 1), o = (beta h) Wo [B, N, C], and
// y = gamma o + x with the learned scalar gamma starting at 0, so the block starts as the identity.
// The 1x1 convolutions are matMuls over the positions. (The paper's spectral norm on these four kernels is
// not applied here.)
import * as tf from '@tensorflow/tfjs';

export interface SelfAttentionArgs {
  name?: string;
}

export class SelfAttention extends tf.layers.Layer {
  static readonly className = 'SelfAttention';
  private wq!: tf.LayerVariable;
  private wk!: tf.LayerVariable;
  private wv!: tf.LayerVariable;
  private wo!: tf.LayerVariable;
  private gamma!: tf.LayerVariable;

  constructor(args: SelfAttentionArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[3] as number;
    const ck = Math.max(1, Math.floor(c / 8));
    const cv = Math.max(1, Math.floor(c / 2));
    const zeros = tf.initializers.zeros();
    // Named `kernel`-like so the init rules apply fan-in bounds; `attn_gamma` starts at 0.
    this.wq = this.addWeight('query_kernel', [c, ck], 'float32', zeros);
    this.wk = this.addWeight('key_kernel', [c, ck], 'float32', zeros);
    this.wv = this.addWeight('value_kernel', [c, cv], 'float32', zeros);
    this.wo = this.addWeight('out_kernel', [cv, c], 'float32', zeros);
    this.gamma = this.addWeight('attn_gamma', [1], 'float32', zeros);
    this.built = true;
  }

  /** The attention map beta [B, N, N] of x [B, H, W, C]: row i is the distribution over keys for query i. */
  attentionMap(x: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const flat = tf.reshape(x, [b * h * w, c]);
      const f = tf.reshape(tf.matMul(flat, this.wq.read()), [b, h * w, -1]); // [B, N, C/8]
      const g = tf.reshape(tf.matMul(flat, this.wk.read()), [b, h * w, -1]); // [B, N, C/8]
      return tf.softmax(tf.matMul(f, g, false, true)) as tf.Tensor3D; // [B, N, N], softmax over keys
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [b, h, w, c] = x.shape;
      const beta = this.attentionMap(x);
      const v = tf.reshape(tf.matMul(tf.reshape(x, [b * h * w, c]), this.wv.read()), [b, h * w, -1]); // [B, N, C/2]
      const o = tf.matMul(tf.reshape(tf.matMul(beta, v), [b * h * w, -1]), this.wo.read()); // [B*N, C]
      return tf.add(tf.mul(this.gamma.read(), tf.reshape(o, x.shape)), x);
    });
  }
}

tf.serialization.registerClass(SelfAttention);
