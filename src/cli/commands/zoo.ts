// `ganymede zoo list | get | verify | add`: the project's own pretrained models (src/pretrained/zoo.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { initBackend } from '../../backend/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../checkpoint/index.js';
import { UsageError } from '../../errors.js';
import { getZooEntry, readZooManifest, verifyZooEntry, ZOO_MANIFEST, zooFiles, zooRoot, type ZooEntry } from '../../pretrained/zoo.js';
import { checkpointOf } from './sample.js';

/** The last value of each metric in a run's metrics.jsonl (losses of the last step, the last test ELBO). */
function lastMetrics(runDir: string, keys: readonly string[]): Record<string, number> {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return {};
  const out: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Record<string, number>;
    for (const k of keys) if (typeof row[k] === 'number') out[k] = row[k];
  }
  return out;
}

const METRIC_KEYS = ['loss/D', 'loss/G', 'D(x)', 'D(G(z))', 'loss/VAE', 'vae/rec', 'vae/kl', 'elbo/test'];

export function registerZoo(y: Argv) {
  return y.command('zoo', 'pretrained models trained by this project: list, get, verify (and add, for maintainers)', (z) =>
    z
      .command('list', 'list the zoo models with their recipe, steps and metrics', {}, () => {
        const m = readZooManifest();
        if (m.entries.length === 0) process.stdout.write(`the zoo at ${zooRoot()} is empty\n`);
        for (const e of m.entries) {
          const size = e.files.reduce((a, f) => a + f.size, 0);
          const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
          process.stdout.write(`${e.name}  ${e.steps} steps of ${e.recipe}, ${(size / 1e6).toFixed(1)} MB: ${e.description}\n  metrics: ${metrics}\n  sample:  ganymede sample --checkpoint zoo:${e.name} --out ${e.name}.png\n`);
        }
      })
      .command(
        'get <name>',
        'verify a zoo model (SHA-256 of every file) and copy its checkpoint folder to --out',
        (c) => c.positional('name', { type: 'string', demandOption: true }).option('out', { type: 'string', demandOption: true, describe: 'new or empty folder' }),
        async (args) => {
          const out = await getZooEntry(args.name, args.out);
          process.stdout.write(`zoo:${args.name} -> ${out} (verified)\n`);
        },
      )
      .command('verify', 'check every zoo model against zoo/zoo.json (SHA-256) and its checkpoint manifest', {}, async () => {
        const m = readZooManifest();
        for (const e of m.entries) {
          await verifyZooEntry(e);
          process.stdout.write(`zoo:${e.name}: ok (${e.files.length} files)\n`);
        }
      })
      .command(
        'add <checkpoint>',
        'maintainers: add a trained checkpoint (networks only) to the zoo and record it in zoo/zoo.json',
        (c) =>
          c
            .positional('checkpoint', { type: 'string', demandOption: true, describe: 'run folder or checkpoint folder' })
            .option('name', { type: 'string', demandOption: true })
            .option('description', { type: 'string', demandOption: true })
            .option('recipe', { type: 'string', demandOption: true, describe: 'configs/<recipe>.yaml it was trained with' })
            .option('command', { type: 'string', demandOption: true, describe: 'the exact training command' })
            .option('root', { type: 'string', describe: 'zoo folder (default: the repository zoo/)' }),
        async (args) => {
          const root = args.root ?? zooRoot();
          const m = readZooManifest(root);
          if (m.entries.some((e) => e.name === args.name)) throw new UsageError(`zoo:${args.name} already exists in ${path.join(root, ZOO_MANIFEST)}`);
          const src = checkpointOf(args.checkpoint);
          await initBackend('cpu');
          const ckpt = await loadCheckpoint(src);
          try {
            const metrics = lastMetrics(path.dirname(path.dirname(src)), METRIC_KEYS);
            const saved = await saveCheckpoint(path.join(root, args.name), {
              step: ckpt.step, config: ckpt.config, networks: ckpt.networks, state: {},
              meta: { zoo: { name: args.name, recipe: args.recipe, command: args.command } },
            });
            const entry: ZooEntry = {
              name: args.name, description: args.description, recipe: args.recipe, command: args.command, steps: ckpt.step, metrics,
              dir: path.relative(root, saved).split(path.sep).join('/'), files: await zooFiles(saved),
            };
            m.entries.push(entry);
            writeFileSync(path.join(root, ZOO_MANIFEST), JSON.stringify(m, null, 2) + '\n');
            process.stdout.write(`zoo:${args.name} <- ${src} (${entry.files.length} files)\n`);
          } finally {
            for (const net of Object.values(ckpt.networks)) net.dispose();
          }
        },
      )
      .demandCommand(1, 'name a zoo command: list, get, verify, add'),
  );
}
