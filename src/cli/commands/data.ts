// `ganymede data download`: fetches MNIST / Fashion-MNIST IDX files from a mirror, SHA-256 verified.
import type { Argv } from 'yargs';
import { DEFAULT_MIRRORS, downloadDataset, type IdxSource } from '../../data/index.js';

export function registerData(y: Argv) {
  return y.command('data', 'dataset tools', (d) =>
    d
      .command(
        'download',
        'download the four IDX files of a dataset into a folder (checked against known SHA-256)',
        (c) =>
          c
            .option('source', { choices: ['mnist', 'fashion-mnist'] as const, default: 'mnist' as const, describe: 'which dataset' })
            .option('mirror', { type: 'string', describe: 'base URL serving the .gz files (default: the upstream mirror)' })
            .option('dir', { type: 'string', describe: 'destination folder (default: data/<source>)' }),
        async (args) => {
          const source = args.source as IdxSource;
          const dir = args.dir ?? `data/${source}`;
          const files = await downloadDataset({ source, mirror: args.mirror ?? DEFAULT_MIRRORS[source], dir });
          process.stdout.write(`${files.length} files verified in ${dir}; train with --set data.source=${source} --set data.dir=${dir}\n`);
        },
      )
      .demandCommand(1, 'name a data command: download'),
  );
}
