// The shape of one wasm kernel patch: a kernel built from fast wasm kernels, replacing a slow or missing one.
import type * as tf from '@tensorflow/tfjs';

/** One kernel replacement for the wasm backend; see patches.ts for the list. */
export interface KernelPatch {
  /** Short name recorded in BackendChoice.patches, e.g. "matmul-transpose". */
  readonly name: string;
  /** The tfjs kernel it registers on wasm, e.g. "BatchMatMul". */
  readonly kernelName: string;
  /** Whether to apply it at all (default: always); false leaves the stock kernel in place. */
  readonly available?: () => boolean;
  /**
   * Builds the replacement config. `stock` is the kernel wasm ships (undefined when it has none); the
   * replacement may delegate to it, and must keep its setupFunc so the stock kernel is bound on every
   * `tf.setBackend('wasm')`.
   */
  build(stock: tf.KernelConfig | undefined): tf.KernelConfig;
}
