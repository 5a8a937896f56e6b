// Identity on wasm without a copy. The stock wasm kernel copies the whole tensor into fresh heap memory, and
// the engine calls it for every tensor it saves for the backward pass (Engine.clone in
// saveTensorsForBackwardMode): on the seed GAN that was about 6% of a worker's step (a CPU profile of
// `ganymede bench step`). The replacement shares the input's memory and counts one more reference, exactly as
// wasm's own Reshape does and as the cpu backend's Identity does; no kernel writes into its inputs, and a
// variable's assign moves it to new memory, so a shared buffer never changes under a saved tensor.
import type * as tf from '@tensorflow/tfjs';
import { WASM, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

interface RefCounting { incRef(dataId: tf.DataId): void }

export const identitySharePatch: KernelPatch = {
  name: 'identity-share',
  kernelName: 'Identity',
  build(stock) {
    return {
      kernelName: 'Identity',
      backendName: WASM,
      setupFunc: stock?.setupFunc,
      kernelFunc: (args: KernelArgs) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (x.dtype === 'string' && stock) return stock.kernelFunc(args); // strings live outside the heap
        (args.backend as unknown as RefCounting).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    };
  },
};
