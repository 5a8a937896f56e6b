// `ganymede classifier train`: trains the metrics' feature classifier on a dataset's training split, reports its
// test accuracy, and writes the weights (by default into the package's src/metrics/classifiers/<dataset>/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { initBackend, type BackendName } from '../../backend/index.js';
import { DATASET_SOURCES, isDatasetSource, loadDataset } from '../../data/index.js';
import { UsageError } from '../../errors.js';
import { saveClassifier, shippedClassifierDir } from '../../metrics/classifier-store.js';
import { defaultClassifierTrainOptions, trainClassifier } from '../../metrics/classifier-train.js';

export function registerClassifier(y: Argv) {
  const d = defaultClassifierTrainOptions();
  return y.command('classifier <action>', 'the feature classifier of the metrics (FID, KID, IS, precision/recall)', (c) =>
    c
      .positional('action', { choices: ['train'] as const, demandOption: true })
      .option('dataset', { type: 'string', default: 'mnist-embedded', describe: `dataset source: ${DATASET_SOURCES.join(', ')}` })
      .option('dir', { type: 'string', describe: 'folder of the IDX files (mnist, fashion-mnist)' })
      .option('epochs', { type: 'number', default: d.epochs })
      .option('batch-size', { type: 'number', default: d.batchSize })
      .option('lr', { type: 'number', default: d.lr, describe: 'Adam learning rate (decays along a cosine to 0 over the run)' })
      .option('shift', { type: 'number', default: d.shift, describe: 'random translation, pixels (0: none)' })
      .option('rotate', { type: 'number', default: d.rotate, describe: 'random rotation, degrees either way (0: none)' })
      .option('dropout', { type: 'number', default: d.dropout, describe: 'dropout rate on the feature layer while training (0: none)' })
      .option('elastic', { type: 'number', default: d.elastic, describe: 'elastic distortion strength alpha, pixels (sigma 4; Simard et al. use 34; 0: none)' })
      .option('pool', { choices: ['avg', 'max'] as const, default: d.pool, describe: '2x2 pooling after each convolution' })
      .option('channels', { type: 'string', default: d.channels.join(','), describe: 'feature maps of the two convolutions' })
      .option('seed', { type: 'number', default: d.seed })
      .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' })
      .option('out', { type: 'string', describe: 'folder to write (default: src/metrics/classifiers/<dataset>, the shipped one)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing classifier in --out' }),
  async (args) => {
    if (!isDatasetSource(args.dataset)) throw new UsageError(`--dataset ${args.dataset}: valid sources: ${DATASET_SOURCES.join(', ')}`);
    for (const [k, v] of [['epochs', args.epochs], ['batch-size', args.batchSize], ['seed', args.seed + 1], ['shift', args.shift + 1]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k}: a whole number${k === 'seed' || k === 'shift' ? ' of at least 0' : ' of at least 1'}`);
    }
    if (!(args.lr > 0 && args.lr < 1)) throw new UsageError(`--lr ${args.lr}: between 0 and 1`);
    if (!(args.rotate >= 0 && args.rotate <= 180)) throw new UsageError(`--rotate ${args.rotate}: degrees between 0 and 180`);
    if (!(args.elastic >= 0 && args.elastic <= 100)) throw new UsageError(`--elastic ${args.elastic}: pixels between 0 and 100`);
    if (!(args.dropout >= 0 && args.dropout < 1)) throw new UsageError(`--dropout ${args.dropout}: at least 0 and below 1`);
    const channels = args.channels.split(',').map(Number);
    if (channels.length !== 2 || !channels.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024)) throw new UsageError(`--channels ${args.channels}: two whole numbers from 1 to 1024, e.g. 32,64`);
    const out = args.out ?? shippedClassifierDir(args.dataset);
    if (existsSync(path.join(out, 'classifier.json')) && !args.force) {
      throw new UsageError(`${out} already holds a classifier; nothing was written`, { hint: 'add --force to replace it, or choose another --out' });
    }
    const backend = await initBackend(args.backend as BackendName);
    const spec = { source: args.dataset, dir: args.dir };
    const train = await loadDataset({ ...spec, split: 'train' });
    const test = await loadDataset({ ...spec, split: 'test' });
    process.stdout.write(`training the classifier on ${train.count} ${args.dataset} training images, testing on ${test.count} held-out (${backend.name})\n`);
    const options = { epochs: args.epochs, batchSize: args.batchSize, lr: args.lr, shift: args.shift, rotate: args.rotate, dropout: args.dropout,
      elastic: args.elastic, pool: args.pool, channels: channels as [number, number], seed: args.seed };
    let testAccuracy = 0;
    const model = await trainClassifier(train, test, {
      ...options,
      onEpoch: (e) => {
        testAccuracy = e.testAccuracy ?? 0;
        process.stdout.write(`epoch ${e.epoch}/${args.epochs}: loss ${e.loss.toFixed(4)}, test accuracy ${(100 * testAccuracy).toFixed(2)}% (${e.seconds.toFixed(0)} s)\n`);
      },
    });
    try {
      const command = ['ganymede classifier train', `--dataset ${args.dataset}`, ...(args.dir ? [`--dir ${args.dir}`] : []),
        `--epochs ${args.epochs}`, `--batch-size ${args.batchSize}`, `--lr ${args.lr}`, `--shift ${args.shift}`, `--rotate ${args.rotate}`, `--dropout ${args.dropout}`,
        `--elastic ${args.elastic}`, `--pool ${args.pool}`, `--channels ${channels.join(',')}`, `--seed ${args.seed}`,
        `--backend ${backend.name}`].join(' ');
      const info = await saveClassifier(model, out, { dataset: args.dataset, train: train.count, test: test.count, testAccuracy, ...options, backend: backend.name, command });
      process.stdout.write(`test accuracy ${(100 * testAccuracy).toFixed(2)}% on ${test.count} images; classifier ${info.hash} -> ${out}\n`);
    } finally {
      model.dispose();
    }
  });
}
