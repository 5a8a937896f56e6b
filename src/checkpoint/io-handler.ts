// A file-system tf.io.IOHandler (there is no tfjs-node here, so no file://): dir/model.json + dir/weights.bin,
// the layout tf.io.http and tfjs-node write, so tf.loadLayersModel loads it from disk or over http.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CheckpointError } from '../errors.js';
import { isSafeRelativePath, syncDir, toArrayBuffer, writeFileDurable } from './files.js';
import { canonicalJson, readJsonFile } from './json.js';

/** File names of a saved LayersModel; the manifest's weight path is relative so a browser resolves it too. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/**
 * An IOHandler that saves a LayersModel to `dir/model.json` + `dir/weights.bin` and loads it back:
 * `await model.save(fileIOHandler(dir))`, `await tf.loadLayersModel(fileIOHandler(dir))`.
 * model.json is written as canonical JSON (sorted keys) so identical models give identical bytes;
 * weights.bin holds only the weight values, in the order of the manifest. Saving replaces existing files.
 */
export function fileIOHandler(dir: string): tf.io.IOHandler {
  return {
    save: (artifacts) => saveArtifacts(dir, artifacts),
    load: () => loadArtifacts(dir),
  };
}

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const display = path.join(dir, MODEL_JSON);
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new CheckpointError(`${display}: only LayersModels with a JSON topology can be saved here`);
  }
  await mkdir(dir, { recursive: true });
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJSON: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  // Optional fields are written only when set, as tf.io.http does (null would be a different file).
  for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
    if (artifacts[key] != null) modelJSON[key] = artifacts[key];
  }
  // Weights first: model.json is the entry point, so it must never name a weights file not yet written.
  await writeFileDurable(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData), 'w');
  await writeFileDurable(display, canonicalJson(modelJSON, display), 'w');
  await syncDir(dir);
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const display = path.join(dir, MODEL_JSON);
  const json = await readJsonFile(display, display);
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('modelTopology' in json)) {
    throw new CheckpointError(`${display}: not a TF.js model.json (no modelTopology)`);
  }
  const modelJSON = json as tf.io.ModelJSON;
  if (modelJSON.weightsManifest != null && !isWeightsManifest(modelJSON.weightsManifest)) {
    throw new CheckpointError(`${display}: weightsManifest is malformed (expected [{ paths: [...], weights: [...] }])`);
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, (manifest) => loadWeights(dir, manifest));
}

function isWeightsManifest(value: unknown): value is tf.io.WeightsManifestConfig {
  return (
    Array.isArray(value) &&
    value.every(
      (g: unknown) =>
        g !== null &&
        typeof g === 'object' &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).paths) &&
        (g as tf.io.WeightsManifestConfig[number]).paths.every((p) => typeof p === 'string') &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).weights),
    )
  );
}

async function loadWeights(
  dir: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], tf.io.WeightData]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      if (!isSafeRelativePath(p)) throw new CheckpointError(`${path.join(dir, MODEL_JSON)}: weight path ${JSON.stringify(p)} leaves the model folder`);
      try {
        parts.push(await readFile(path.join(dir, p)));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CheckpointError(`${path.join(dir, p)}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code})`}`, { cause: err });
      }
    }
    specs.push(...group.weights);
  }
  const data = Buffer.concat(parts);
  // decodeWeights would otherwise fail obscurely (or read past the end) on a truncated file.
  const expected = expectedBytes(specs);
  if (expected !== undefined && expected !== data.byteLength) {
    const files = manifest.flatMap((g) => g.paths).join(', ');
    throw new CheckpointError(
      `${path.join(dir, files)}: ${data.byteLength < expected ? 'truncated' : 'too long'}: ${data.byteLength} of ${expected} bytes`,
    );
  }
  return [specs, toArrayBuffer(data)];
}

/** Bytes the specs need, or undefined when it cannot be known up front (quantized or string weights). */
function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bpe = BYTES_PER_ELEMENT[spec.dtype];
    if (spec.quantization !== undefined || bpe === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bpe;
  }
  return total;
}
