// The report's "Benchmarks" section: each `ganymede bench` result found in a folder (src/bench/plots.ts), its
// charts as inline SVG and its rows as a table. Also a page of its own for a folder holding only bench results.
import path from 'node:path';
import { benchCharts, readBenchResults, splitParts, type BenchResult } from '../bench/plots.js';
import { renderSvg } from './charts.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(v: unknown, digits = 3): string {
  if (typeof v === 'string') return esc(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(2) : Number(v.toPrecision(digits)).toString();
}

type Row = Record<string, number | string | undefined>;
type Column = [title: string, value: (r: Row) => unknown];

const pct = (v: unknown) => (typeof v === 'number' ? 100 * v : undefined);

const COLUMNS: Record<BenchResult['bench'], Column[]> = {
  step: [
    ['backend', (r) => r.name], ['workers', (r) => r.workers], ['batch', (r) => r.batchSize], ['samples/s', (r) => r.samplesPerSec],
    ['steps/s', (r) => r.stepsPerSec], ['step ms', (r) => r.stepMs], ['compute ms', (r) => r.computeMs], ['GFLOPS', (r) => r.gflops],
    ['matMul peak GFLOPS', (r) => r.peakGflops], ['MFU %', (r) => pct(r.mfu)],
  ],
  scaling: [
    ['backend', (r) => r.name], ['workers', (r) => r.workers], ['batch', (r) => r.batchSize], ['samples/s', (r) => r.samplesPerSec],
    ['efficiency %', (r) => pct(r.efficiency)], ['step ms', (r) => r.stepMs],
    ...splitParts({}).map(([part], k): Column => [`${part} ms`, (r) => splitParts(r)[k][1]]),
    ['coordinator share %', (r) => (typeof r.stepMs === 'number' ? (100 * (Number(r.sendMs) + Number(r.reduceMs) + Number(r.optimMs))) / r.stepMs : undefined)],
  ],
  comm: [
    ['transport', (r) => r.transport], ['mode', (r) => r.mode], ['bytes', (r) => r.bytes], ['round trip ms', (r) => r.rttMs],
    ['GB/s (both ways)', (r) => (typeof r.bytesPerSec === 'number' ? r.bytesPerSec / 1e9 : undefined)], ['x raw ZeroMQ', (r) => r.vsRaw],
  ],
  projection: [
    ['workers', (r) => r.workers], ['link Gbit/s', (r) => r.linkGbit], ['topology', (r) => r.topology], ['compute ms', (r) => r.computeMs],
    ['comm ms', (r) => r.commMs], ['step ms', (r) => r.stepMs], ['efficiency %', (r) => pct(r.efficiency)],
  ],
};

function table(r: BenchResult): string {
  const cols = COLUMNS[r.bench];
  return `<table><tr>${cols.map(([t]) => `<th>${esc(t)}</th>`).join('')}</tr>` +
    r.rows.map((row) => `<tr>${cols.map(([, f]) => `<td>${fmt(f(row))}</td>`).join('')}</tr>`).join('') + '</table>';
}

const INTRO: Record<BenchResult['bench'], string> = {
  step: 'One training run per backend and worker count; achieved GFLOPS from the layer shapes, against the backend\'s own 1024x1024 matMul peak.',
  scaling: 'The same config with 1..N workers; medians per step. Efficiency: samples/s over N times the 1-worker samples/s.',
  comm: 'Protocol round trips with no compute (WEIGHTS out, GRADS back, encoded, validated and decoded as in training) against raw ZeroMQ sends of the same bytes.',
  projection: 'A MODEL, not a measurement: alpha-beta fitted to the measured tcp round trips, with the measured compute, for many workers over faster links.',
};

/** The section's HTML for the bench results in `dir`, or '' when there are none. */
export async function benchmarksSection(dir: string): Promise<string> {
  const results = readBenchResults(dir);
  if (results.length === 0) return '';
  const parts: string[] = [];
  for (const { file, result } of results) {
    const charts = benchCharts(result);
    const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
    const m = result.machine;
    parts.push(
      `<h3 id="bench-${esc(result.bench)}">bench ${esc(result.bench)}${result.mode ? ` (${esc(String(result.mode))})` : ''}: <code>${esc(path.relative(dir, file) || path.basename(file))}</code></h3>` +
        `<p>${esc(INTRO[result.bench])}${m ? ` Measured on ${m.cpus ?? '?'} cores${m.model ? ` (${esc(m.model)})` : ''}${m.date ? `, ${esc(m.date)}` : ''}${m.loadavg ? `, load average ${m.loadavg.map((x) => x.toFixed(1)).join(' ')}` : ''}.` : ''}</p>` +
        `<div class="charts">${charts.map((c, i) => `<div class="chart" id="bench-${esc(result.bench)}-${c.id}">${svgs[i]}</div>`).join('')}</div>${table(result)}`,
    );
  }
  return `<h2 id="benchmarks">Benchmarks</h2>${parts.join('')}`;
}

/** A page of its own for a folder that holds bench results and no run (e.g. `bench-results/`). */
export async function benchReportHtml(dir: string, css: string): Promise<string> {
  const name = path.basename(path.resolve(dir));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganymede benchmarks: ${esc(name)}</title><style>${css}</style></head>
<body>
<h1>ganymede benchmarks <code>${esc(name)}</code></h1>
<p>generated ${new Date().toISOString()}</p>
${await benchmarksSection(dir)}
</body></html>
`;
}
