// `ganymede report <run>`: the run's self-contained HTML report (src/report/html.ts), written next to its data.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { readBenchResults } from '../../bench/plots.js';
import { benchReportHtml } from '../../report/bench-section.js';
import { CSS, reportHtml, writeCharts } from '../../report/html.js';
import { readRun } from '../../report/run-data.js';

/** Writes the report of `runDir` to `out` (atomically: a reader never sees half a page) and returns the path. */
export async function writeReport(runDir: string, out = path.join(runDir, 'report.html')): Promise<string> {
  // A folder of bench results with no run in it (bench-results/) gets a benchmarks page.
  const benchOnly = !existsSync(path.join(runDir, 'config.yaml')) && readBenchResults(runDir).length > 0;
  const html = benchOnly ? await benchReportHtml(runDir, CSS) : await reportHtml(readRun(runDir));
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, html);
  renameSync(tmp, out);
  return out;
}

export function registerReport(y: Argv) {
  return y.command(
    'report <run>',
    'write a self-contained HTML report of a run (curves, sample grids, metrics, cluster timeline, checkpoints, benchmarks), or of a folder of `ganymede bench` results',
    (c) =>
      c
        .positional('run', { type: 'string', demandOption: true, describe: 'run folder, or a folder of bench results (bench-results/)' })
        .option('out', { type: 'string', describe: 'HTML file to write (default: <run>/report.html, replaced if there)' })
        .option('charts', { type: 'string', describe: 'also write every chart as <name>.svg and <name>.png into this folder' }),
    async (args) => {
      const out = await writeReport(args.run, args.out);
      process.stdout.write(`report of ${args.run} -> ${out}\n`);
      if (args.charts && existsSync(path.join(args.run, 'config.yaml'))) process.stdout.write(`charts: ${(await writeCharts(readRun(args.run), args.charts)).length / 2} charts in ${args.charts}\n`);
    },
  );
}
