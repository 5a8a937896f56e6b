// `ganymede export`: a checkpoint's generator (or VAE decoder) as a TF.js LayersModel (model.json + weights.bin)
// plus a static page that loads it in a browser and draws new digits: index.html, tf.min.js (TF.js's own
// browser bundle, copied from the npm package) and model.js (the same model embedded, for pages opened from disk).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Config, MlpGanConfig, MlpVaeConfig } from '../config/index.js';
import { CheckpointError, UsageError } from '../errors.js';
import { modelFamily } from '../models/index.js';
import { conditionalClasses } from '../report/sample-grids.js';
import { exportPageHtml, type ExportMeta } from './export-page.js';
import { fileIOHandler, MODEL_JSON, WEIGHTS_BIN } from './io-handler.js';
import type { LoadedCheckpoint } from './types.js';

/** The network a browser samples from: an EMA generator when the checkpoint has one, else G; the VAE's decoder. */
export function exportedNetwork(config: Readonly<Config>, names: string[]): string {
  const vae = modelFamily(config.model.family).kind === 'vae';
  const wanted = vae ? ['decoder'] : ['G_ema', 'G'];
  const found = wanted.find((n) => names.includes(n));
  if (!found) throw new CheckpointError(`the checkpoint has no ${wanted.join(' or ')} network (it has ${names.join(', ')})`);
  return found;
}

/** The TF.js browser bundle shipped in the @tensorflow/tfjs package. */
function tfjsBundle(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
}

/** Writes the export of `ckpt` into `out` (new or empty; nothing existing is overwritten); returns the page's path. */
export async function exportCheckpoint(ckpt: LoadedCheckpoint, config: Readonly<Config>, out: string, image = { height: 28, width: 28, channels: 1 }): Promise<string> {
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`${out} is not empty; nothing was written`, { hint: 'choose another --out' });
  const network = exportedNetwork(config, Object.keys(ckpt.networks));
  const vae = modelFamily(config.model.family).kind === 'vae';
  const meta: ExportMeta = {
    family: config.model.family, network, step: ckpt.step,
    latentDim: (config.model as MlpGanConfig | MlpVaeConfig).latentDim, ...image,
    output: vae ? 'logits' : 'tanh',
    classes: vae ? 0 : conditionalClasses(ckpt.networks[network]),
  };
  mkdirSync(out, { recursive: true });
  await ckpt.networks[network].save(fileIOHandler(out));
  const modelJson = JSON.parse(readFileSync(path.join(out, MODEL_JSON), 'utf8')) as { modelTopology: unknown; weightsManifest: Array<{ weights: unknown }> };
  const embedded = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: readFileSync(path.join(out, WEIGHTS_BIN)).toString('base64'),
  };
  writeFileSync(path.join(out, 'model.js'), `// ${network} of ${ckpt.dir}, embedded for pages opened from disk.\nwindow.GANYMEDE_MODEL = ${JSON.stringify(embedded)};\n`);
  writeFileSync(path.join(out, 'ganymede-export.json'), JSON.stringify(meta, null, 2) + '\n');
  copyFileSync(tfjsBundle(), path.join(out, 'tf.min.js'));
  const page = path.join(out, 'index.html');
  writeFileSync(page, exportPageHtml(meta));
  return page;
}
