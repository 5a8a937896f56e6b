// `ganymede export`: the generator (or VAE decoder) of a checkpoint as a TF.js LayersModel plus a static page that
// draws new digits with it in a browser (src/checkpoint/export.ts).
import path from 'node:path';
import type { Argv } from 'yargs';
import { initBackend, type BackendName } from '../../backend/index.js';
import { loadCheckpoint } from '../../checkpoint/index.js';
import { exportCheckpoint } from '../../checkpoint/export.js';
import { resolveConfig } from '../../config/index.js';
import { checkpointOf } from './sample.js';

export function registerExport(y: Argv) {
  return y.command(
    'export',
    'write a checkpoint\'s generator (or VAE decoder) as a TF.js LayersModel with a web page that draws digits',
    (c) =>
      c
        .option('checkpoint', { type: 'string', demandOption: true, describe: 'checkpoint folder, or a run folder (its latest checkpoint)' })
        .option('out', { type: 'string', demandOption: true, describe: 'folder to create (must be new or empty)' })
        .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' }),
    async (args) => {
      const dir = checkpointOf(args.checkpoint);
      await initBackend(args.backend as BackendName);
      const ckpt = await loadCheckpoint(dir);
      try {
        const config = resolveConfig(ckpt.config as Record<string, unknown>, path.join(dir, 'config.json'));
        const page = await exportCheckpoint(ckpt, config, args.out);
        process.stdout.write(`exported ${dir} -> ${args.out}\n  open ${page} in a browser (no server needed)\n`);
      } finally {
        for (const net of Object.values(ckpt.networks)) net.dispose();
      }
    },
  );
}
