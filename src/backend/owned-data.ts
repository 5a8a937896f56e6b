// A tensor's values as an array its caller owns and may change. wasm's dataSync already returns a fresh copy
// of the heap (HEAPU8.slice in BackendWasm.readSync), so copying it again is waste (a 6 MB gradient per
// micro-shard on the seed GAN); the cpu backend's dataSync returns its own storage, which must be copied.
import * as tf from '@tensorflow/tfjs';

export function ownedFloat32(t: tf.Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  return tf.getBackend() === 'wasm' ? data : new Float32Array(data);
}
