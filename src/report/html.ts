// The run report: one self-contained HTML file (charts as inline SVG, grids as data: URIs, no script, no
// network) with the config, curves, sample grids over time, metrics table, cluster timeline and checkpoints.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchmarksSection } from './bench-section.js';
import { renderSvg, svgToPng } from './charts.js';
import { metricCharts, timelineCharts, type NamedChart } from './curves.js';
import type { RunData, SampleGrid } from './run-data.js';

export interface ReportOptions {
  /** Reload every this many seconds (the live dashboard). */
  refreshSeconds?: number;
  /** At most this many fixed-z grids over time (evenly spaced, always the last). */
  maxGrids?: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

const dataUri = (file: string) => `data:image/png;base64,${readFileSync(file).toString('base64')}`;

function evenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const picked = new Set<number>();
  for (let i = 0; i < n; i++) picked.add(Math.round((i * (items.length - 1)) / (n - 1)));
  return [...picked].map((i) => items[i]);
}

function metricsTable(metrics: Array<Record<string, number>>): string {
  const keys = [...new Set(metrics.flatMap((m) => Object.keys(m)))].filter((k) => k !== 'step');
  const rows = keys.map((k) => {
    const vals = metrics.filter((m) => typeof m[k] === 'number').map((m) => [m.step, m[k]] as const);
    const nums = vals.map(([, v]) => v).filter(Number.isFinite);
    const last = vals[vals.length - 1];
    return `<tr><td>${esc(k)}</td><td>${vals.length}</td><td>${fmt(vals[0]?.[1])}</td><td>${fmt(last?.[1])}</td>` +
      `<td>${fmt(last?.[0])}</td><td>${fmt(Math.min(...nums))}</td><td>${fmt(Math.max(...nums))}</td></tr>`;
  });
  // Metrics logged only now and then (evaluations) also get their full history.
  const sparse = keys.filter((k) => k !== 'epoch' && metrics.filter((m) => k in m).length < 0.2 * metrics.length);
  const evals = metrics.filter((m) => sparse.some((k) => k in m));
  const evalTable = evals.length === 0 ? '' :
    `<h3>Evaluations</h3><table><tr><th>step</th>${sparse.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>` +
    evals.map((m) => `<tr><td>${m.step}</td>${sparse.map((k) => `<td>${fmt(m[k])}</td>`).join('')}</tr>`).join('') + '</table>';
  return `<table><tr><th>metric</th><th>lines</th><th>first</th><th>last</th><th>at step</th><th>min</th><th>max</th></tr>${rows.join('')}</table>${evalTable}`;
}

function gridsSection(grids: SampleGrid[], maxGrids: number): string {
  const fixed = evenly(grids.filter((g) => g.kind === 'samples'), maxGrids);
  const figure = (g: SampleGrid, cls: string) =>
    `<figure class="${cls}"><img src="${dataUri(g.file)}" alt="${esc(g.kind)} at step ${g.step}"><figcaption>${esc(g.kind)}, step ${g.step}</figcaption></figure>`;
  const latest = new Map<string, SampleGrid>();
  for (const g of grids) if (g.kind !== 'samples') latest.set(g.kind, g);
  return `<div class="strip">${fixed.map((g) => figure(g, 'small')).join('') || '<p>No sample grids yet.</p>'}</div>` +
    (latest.size > 0 ? `<h3>Latest walks, reconstructions, manifold</h3><div class="strip">${[...latest.values()].map((g) => figure(g, 'large')).join('')}</div>` : '');
}

function timelineEvents(timeline: Array<Record<string, unknown>>): string {
  const events = timeline.filter((e) => e.type !== 'round');
  if (events.length === 0) return '';
  const rows = events.map((e) => `<tr><td>${new Date(e.t as number).toISOString()}</td><td>${esc(String(e.type))}</td>` +
    `<td>${esc(String(e.worker ?? e.message ?? (e.step !== undefined ? `step ${e.step}` : '')))}</td></tr>`);
  const rounds = timeline.filter((e) => e.type === 'round') as Array<{ blocks: Array<{ worker: string; computeMs: number; n: number }> }>;
  const per = new Map<string, { blocks: number; shards: number; ms: number }>();
  for (const r of rounds) for (const b of r.blocks) {
    const w = per.get(b.worker) ?? { blocks: 0, shards: 0, ms: 0 };
    per.set(b.worker, { blocks: w.blocks + 1, shards: w.shards + b.n, ms: w.ms + b.computeMs });
  }
  const workers = [...per].map(([w, s]) => `<tr><td>${esc(w)}</td><td>${s.blocks}</td><td>${s.shards}</td><td>${fmt(s.ms / s.blocks)}</td></tr>`);
  return `<h3>Workers</h3><table><tr><th>worker</th><th>blocks</th><th>micro-shards</th><th>mean compute ms</th></tr>${workers.join('')}</table>` +
    `<h3>Events (starts, joins, leaves, failures, suspects, speculative copies, pauses)</h3><table><tr><th>time (UTC)</th><th>event</th><th>detail</th></tr>${rows.join('')}</table>`;
}

function checkpointsTable(run: RunData): string {
  if (run.checkpoints.length === 0) return '<p>No checkpoints yet.</p>';
  return `<table><tr><th>step</th><th>folder</th><th>files</th><th>size</th></tr>${run.checkpoints
    .map((c) => `<tr><td>${c.step}</td><td>${esc(path.relative(run.dir, c.dir))}</td><td>${c.hasManifest ? c.files : 'no manifest'}</td>` +
      `<td>${(c.bytes / 1e6).toFixed(1)} MB</td></tr>`).join('')}</table>`;
}

async function charts(list: NamedChart[]): Promise<string> {
  const svgs = await Promise.all(list.map((c) => renderSvg(c.spec)));
  return list.map((c, i) => `<div class="chart" id="${c.id}">${svgs[i]}</div>`).join('');
}

export const CSS = `body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;padding:4px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
pre{background:#f6f6f6;padding:8px;font-size:12px;max-height:420px;overflow:auto}
.strip{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0}figure.small img{width:180px;image-rendering:pixelated}
figure.large img{max-width:440px;image-rendering:pixelated}figcaption{font-size:11px;color:#555}`;

/** Every chart of the report as `<id>.svg` and `<id>.png` in `dir`; returns the files written. */
export async function writeCharts(run: RunData, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const c of [...metricCharts(run.metrics), ...timelineCharts(run.timeline)]) {
    const svg = await renderSvg(c.spec);
    const base = path.join(dir, c.id.replace(/^chart-/, ''));
    writeFileSync(`${base}.svg`, svg);
    writeFileSync(`${base}.png`, svgToPng(svg));
    files.push(`${base}.svg`, `${base}.png`);
  }
  return files;
}

/** The whole report page for `run`. */
export async function reportHtml(run: RunData, opts: ReportOptions = {}): Promise<string> {
  const last = run.metrics.filter((m) => typeof m.step === 'number').at(-1);
  const name = path.basename(path.resolve(run.dir));
  const refresh = opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  const timeline = timelineCharts(run.timeline);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>ganymede report: ${esc(name)}</title><style>${CSS}</style></head>
<body>
<h1>ganymede run <code>${esc(name)}</code></h1>
<p>${last ? `step ${last.step}` : 'no steps yet'} · ${run.checkpoints.length} checkpoint(s) · generated ${new Date().toISOString()}${opts.refreshSeconds ? ` · live: reloads every ${opts.refreshSeconds} s` : ''}</p>
<h2 id="curves">Curves</h2><div class="charts">${await charts(metricCharts(run.metrics))}</div>
<h2 id="samples">Samples over time</h2>${gridsSection(run.grids, opts.maxGrids ?? 16)}
<h2 id="metrics">Metrics</h2>${run.metrics.length > 0 ? metricsTable(run.metrics) : '<p>No metrics yet.</p>'}
<h2 id="timeline">Cluster timeline</h2><p>Each bar is one block of micro-shards of one round on one worker: grey from sending the work until the worker's compute began (wire and queueing), coloured while it computed. Dashed lines: joins (green), failures and lost workers (red), leaves (blue), suspects (orange), speculative copies (purple), pauses (brown).</p>
<div class="charts">${await charts(timeline)}</div>${timelineEvents(run.timeline)}
<h2 id="checkpoints">Checkpoints</h2>${checkpointsTable(run)}
${await benchmarksSection(run.dir)}
<h2 id="config">Config</h2><pre>${esc(run.configYaml)}</pre>
</body></html>
`;
}
