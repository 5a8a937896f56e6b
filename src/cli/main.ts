// The `ganymede` command line (yargs). Errors a user can fix print as one line plus a hint, exit code 1;
// the stack only with --verbose.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { GanymedeError, InterruptedError } from '../errors.js';
import { growHeapFreely } from '../heap.js';
import { registerTrain } from './commands/train.js';
import { registerWorker } from './commands/worker.js';
import { registerData } from './commands/data.js';
import { registerBench } from './commands/bench.js';
import { registerSample } from './commands/sample.js';
import { registerKeys } from './commands/keys.js';
import { registerReport } from './commands/report.js';
import { registerExport } from './commands/export.js';
import { registerHealth } from './commands/health.js';
import { registerLaunch } from './commands/launch.js';
import { registerClassifier } from './commands/classifier.js';
import { registerEval } from './commands/eval.js';
import { registerZoo } from './commands/zoo.js';

function report(err: unknown, verbose: boolean): never {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof GanymedeError) {
    process.stderr.write(`ganymede: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
  } else {
    process.stderr.write(`ganymede: unexpected error: ${e.message}\n`);
    if (!verbose) process.stderr.write('  hint: run again with --verbose for the stack trace\n');
  }
  if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(e instanceof InterruptedError ? 130 : 1);
}

growHeapFreely();
const argv = hideBin(process.argv);
const verbose = argv.includes('--verbose');
let cli = yargs(argv)
  .scriptName('ganymede')
  .usage('$0 <command> [options]')
  .option('verbose', { type: 'boolean', default: false, describe: 'debug logs and stack traces' })
  .strict()
  .demandCommand(1, 'name a command: train, coordinator, worker, sample, report, export, data, bench')
  .recommendCommands()
  .help()
  .fail((msg, err) => {
    if (err) report(err, verbose);
    process.stderr.write(`ganymede: ${msg}\n  hint: ganymede --help lists the commands and options\n`);
    process.exit(2);
  });
cli = registerTrain(cli) as typeof cli;
cli = registerWorker(cli) as typeof cli;
cli = registerData(cli) as typeof cli;
cli = registerBench(cli) as typeof cli;
cli = registerSample(cli) as typeof cli;
cli = registerKeys(cli) as typeof cli;
cli = registerReport(cli) as typeof cli;
cli = registerExport(cli) as typeof cli;
cli = registerHealth(cli) as typeof cli;
cli = registerLaunch(cli) as typeof cli;
cli = registerClassifier(cli) as typeof cli;
cli = registerEval(cli) as typeof cli;
cli = registerZoo(cli) as typeof cli;

try {
  await cli.parseAsync();
  process.exit(0);
} catch (err) {
  report(err, verbose);
}
