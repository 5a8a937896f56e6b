// `ganymede keys`: a new CURVE key pair for a coordinator or a worker (README "Security").
import type { Argv } from 'yargs';
import { writeKeyPair } from '../../protocol/curve.js';

export function registerKeys(y: Argv) {
  return y.command(
    'keys',
    'write a new CURVE key pair: <out>/<name>.public and <out>/<name>.secret (never overwrites)',
    (c) =>
      c
        .option('out', { type: 'string', default: '.', describe: 'folder to write the two files in' })
        .option('name', { type: 'string', default: 'ganymede', describe: 'file name stem, e.g. coordinator or worker' }),
    (args) => {
      const { publicFile, secretFile, publicKey } = writeKeyPair(args.out, args.name);
      process.stdout.write(`public key ${publicKey}\n  ${publicFile}\n  ${secretFile} (keep it secret: mode 0600)\n`);
    },
  );
}
