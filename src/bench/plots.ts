// Plots of `ganymede bench` results: Vega-Lite specs (the report's chart library, src/report/charts.ts) built
// from a scenario's JSON, written as SVG + PNG next to that JSON, and read back by `ganymede report`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg, svgToPng } from '../report/charts.js';

export type BenchScenario = 'step' | 'scaling' | 'comm' | 'projection';

/** The JSON a scenario writes (only the fields the plots and tables read). */
export interface BenchResult {
  bench: BenchScenario;
  mode?: string;
  machine?: { cpus?: number; model?: string; date?: string; loadavg?: number[] };
  rows: Array<Record<string, number | string | undefined>>;
  [key: string]: unknown;
}

export interface BenchChart { id: string; title: string; spec: TopLevelSpec }

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const config = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 10, titleFontSize: 11 },
  legend: { labelLimit: 240 }, title: { subtitleColor: '#777', subtitleFontSize: 10 },
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function subtitle(r: BenchResult, extra = ''): string[] {
  const m = r.machine;
  const where = m ? `${m.cpus ?? '?'} cores (${m.model ?? 'unknown cpu'})${m.date ? `, ${m.date.slice(0, 16).replace('T', ' ')} UTC` : ''}` : '';
  return [where, extra].filter(Boolean);
}

function stepCharts(r: BenchResult): BenchChart[] {
  const rows = r.rows.map((x) => ({ backend: String(x.name), workers: `${x.workers} worker(s)`, samples: num(x.samplesPerSec), mfu: 100 * num(x.mfu) }));
  const bars = (field: string, title: string, yTitle: string): TopLevelSpec => ({
    $schema: SCHEMA, config, width: 360, height: 200,
    title: { text: title, subtitle: subtitle(r) },
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'backend', type: 'nominal', title: 'backend', axis: { labelAngle: 0 } },
      xOffset: { field: 'workers', type: 'nominal' },
      y: { field, type: 'quantitative', title: yTitle },
      color: { field: 'workers', type: 'nominal', title: null },
    },
  } as TopLevelSpec);
  return [
    { id: 'throughput', title: 'Step throughput per backend', spec: bars('samples', 'bench step: samples/s', 'samples/s') },
    { id: 'mfu', title: 'Model FLOP utilisation', spec: bars('mfu', 'bench step: model FLOP utilisation', '% of the backend\'s matMul peak') },
  ];
}

/** The round-time parts, in the order they stack (ms per step, medians over the timed steps). */
export function splitParts(x: Record<string, number | string | undefined>): Array<[string, number]> {
  const step = num(x.stepMs);
  const parts: Array<[string, number]> = [
    ['compute (slowest worker)', num(x.computeMs)],
    ['wire + waiting', Math.max(0, num(x.waitMs) - num(x.computeMs))],
    ['serialise + send', num(x.sendMs)],
    ['reduce', num(x.reduceMs)],
    ['optimizer', num(x.optimMs)],
  ];
  const known = parts.reduce((s, [, v]) => s + v, 0);
  return [...parts, ['other (sampling, metrics)', Math.max(0, step - known)]];
}

function scalingCharts(r: BenchResult): BenchChart[] {
  const byBackend = new Map<string, number>();
  for (const x of r.rows) if (num(x.workers) === 1) byBackend.set(String(x.name), num(x.samplesPerSec));
  const values = r.rows.flatMap((x) => {
    const one = byBackend.get(String(x.name));
    const measured = { workers: num(x.workers), samples: num(x.samplesPerSec), series: `${x.name} measured`, efficiency: 100 * num(x.efficiency) };
    return one ? [measured, { workers: num(x.workers), samples: one * num(x.workers), series: `${x.name} ideal (linear)`, efficiency: 100 }] : [measured];
  });
  const throughput: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 200,
    title: { text: `bench scaling (${r.mode ?? 'weak'}): samples/s vs workers`, subtitle: subtitle(r, 'dashed: linear scaling from 1 worker; labels: efficiency') },
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'workers', type: 'quantitative', title: 'workers', axis: { tickMinStep: 1 } },
          y: { field: 'samples', type: 'quantitative', title: 'samples/s' },
          color: { field: 'series', type: 'nominal', title: null },
          strokeDash: { condition: { test: 'indexof(datum.series, \'ideal\') >= 0', value: [5, 4] }, value: [1, 0] },
        },
      },
      {
        transform: [{ filter: 'indexof(datum.series, \'measured\') >= 0' }, { calculate: 'format(datum.efficiency, \'.0f\') + \'%\'', as: 'label' }],
        mark: { type: 'text', dy: -10, fontSize: 10 },
        encoding: {
          x: { field: 'workers', type: 'quantitative' },
          y: { field: 'samples', type: 'quantitative' },
          text: { field: 'label', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
  const split = r.rows.flatMap((x) => splitParts(x).map(([part, ms], k) => ({ run: `${x.name}, ${x.workers} w`, part, ms, k })));
  const order = splitParts({}).map(([p]) => p);
  const splitSpec: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 200,
    title: { text: 'bench scaling: where a step\'s time goes', subtitle: subtitle(r, 'medians per step, ms') },
    data: { values: split },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'run', type: 'nominal', title: null, axis: { labelAngle: 0 }, sort: null },
      y: { field: 'ms', type: 'quantitative', title: 'ms per step', stack: 'zero' },
      color: { field: 'part', type: 'nominal', title: null, sort: order, scale: { domain: order } },
      order: { field: 'k' },
    },
  } as TopLevelSpec;
  const traffic = r.rows.flatMap((x) => [
    { run: `${x.name}, ${x.workers} w`, way: 'in (gradients)', mb: num(x.coordinatorInBytes) / 1e6 },
    { run: `${x.name}, ${x.workers} w`, way: 'out (weights, work)', mb: num(x.coordinatorOutBytes) / 1e6 },
  ]);
  const reduce = [...new Set(r.rows.map((x) => x.reduce ?? 'star'))].join(', ');
  const trafficSpec: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 200,
    title: { text: `bench scaling: the coordinator's link per step (${reduce})`, subtitle: subtitle(r, 'MB received and sent by the coordinator\'s socket, medians per step') },
    data: { values: traffic },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'run', type: 'nominal', title: null, axis: { labelAngle: 0 }, sort: null },
      xOffset: { field: 'way', type: 'nominal' },
      y: { field: 'mb', type: 'quantitative', title: 'MB per step' },
      color: { field: 'way', type: 'nominal', title: null },
    },
  } as TopLevelSpec;
  return [
    { id: 'throughput', title: 'Throughput and efficiency', spec: throughput },
    { id: 'split', title: 'Step time split', spec: splitSpec },
    { id: 'traffic', title: 'Coordinator link traffic', spec: trafficSpec },
  ];
}

function commCharts(r: BenchResult): BenchChart[] {
  const values = r.rows.map((x) => ({ bytes: num(x.bytes), rtt: num(x.rttMs), series: `${x.transport} ${x.mode}`, vsRaw: num(x.vsRaw), transport: String(x.transport), mode: String(x.mode) }));
  const rtt: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 220,
    title: { text: 'bench comm: round trip vs message size', subtitle: subtitle(r, 'protocol (WEIGHTS -> GRADS, encode + validate + decode) vs raw ZeroMQ') },
    data: { values },
    mark: { type: 'line', strokeWidth: 2 }, // no points: the legend then shows the dash patterns
    encoding: {
      x: { field: 'bytes', type: 'quantitative', title: 'bytes each way', scale: { type: 'log' }, axis: { format: '~s' } },
      y: { field: 'rtt', type: 'quantitative', title: 'round trip, ms (median)', scale: { type: 'log' } },
      color: { field: 'transport', type: 'nominal', title: 'transport' },
      strokeDash: { field: 'mode', type: 'nominal', title: 'mode', sort: ['protocol', 'raw'] },
    },
  } as TopLevelSpec;
  const ratio: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 220,
    title: { text: 'bench comm: protocol / raw ZeroMQ', subtitle: subtitle(r, 'dashed: the 1.5x target') },
    layer: [
      {
        data: { values: values.filter((v) => v.mode === 'protocol') },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'bytes', type: 'quantitative', title: 'bytes each way', scale: { type: 'log' }, axis: { format: '~s' } },
          y: { field: 'vsRaw', type: 'quantitative', title: 'protocol rtt / raw rtt' },
          color: { field: 'transport', type: 'nominal', title: 'transport' },
        },
      },
      { data: { values: [{ y: 1.5 }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#d62728' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
  return [
    { id: 'rtt', title: 'Round trip', spec: rtt },
    { id: 'ratio', title: 'Protocol overhead', spec: ratio },
  ];
}

function projectionCharts(r: BenchResult): BenchChart[] {
  const values = r.rows.map((x) => ({ workers: num(x.workers), efficiency: 100 * num(x.efficiency), link: `${x.linkGbit} Gbit`, topology: String(x.topology) }));
  const spec: TopLevelSpec = {
    $schema: SCHEMA, config, width: 360, height: 220,
    title: { text: 'bench projection (a MODEL, not a measurement): weak-scaling efficiency', subtitle: subtitle(r, 'alpha-beta fit of the measured round trips; star = parameter server, ring = all-reduce, halving = cluster.reduce: allreduce') },
    data: { values },
    mark: { type: 'line', strokeWidth: 2 }, // no points: the legend then shows the dash patterns
    encoding: {
      x: { field: 'workers', type: 'quantitative', title: 'workers', scale: { type: 'log', base: 2 } },
      y: { field: 'efficiency', type: 'quantitative', title: 'efficiency, %', scale: { domain: [0, 100] } },
      color: { field: 'link', type: 'nominal', title: 'link', sort: ['10 Gbit', '25 Gbit', '100 Gbit'] },
      strokeDash: { field: 'topology', type: 'nominal', title: 'topology' },
    },
  } as TopLevelSpec;
  return [{ id: 'efficiency', title: 'Projected efficiency', spec }];
}

/** The charts of one result, each with an id unique within its scenario. */
export function benchCharts(r: BenchResult): BenchChart[] {
  switch (r.bench) {
    case 'step': return stepCharts(r);
    case 'scaling': return scalingCharts(r);
    case 'comm': return commCharts(r);
    case 'projection': return projectionCharts(r);
  }
}

/** Writes each chart of `result` as SVG and PNG next to `jsonFile` (`scaling.json` -> `scaling-split.svg`, ...). */
export async function writeBenchPlots(jsonFile: string, result: BenchResult): Promise<string[]> {
  const stem = jsonFile.replace(/\.json$/i, '');
  const files: string[] = [];
  for (const c of benchCharts(result)) {
    const svg = await renderSvg(c.spec);
    writeFileSync(`${stem}-${c.id}.svg`, svg);
    writeFileSync(`${stem}-${c.id}.png`, svgToPng(svg));
    files.push(`${stem}-${c.id}.svg`, `${stem}-${c.id}.png`);
  }
  return files;
}

/** The scenario of a parsed JSON, or undefined when it is not a bench result (older files carry no `bench` key). */
export function benchScenarioOf(json: unknown): BenchScenario | undefined {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { rows?: unknown }).rows)) return undefined;
  const j = json as Record<string, unknown>;
  if (['step', 'scaling', 'comm', 'projection'].includes(j.bench as string)) return j.bench as BenchScenario;
  if (j.scenario === 'step' || j.scenario === 'scaling') return j.scenario;
  if (typeof j.kind === 'string' && j.kind.startsWith('model')) return 'projection';
  const first = (j.rows as Array<Record<string, unknown>>)[0];
  return first && 'transport' in first && 'rttMs' in first ? 'comm' : undefined;
}

/**
 * Bench results found in `dir`, its `bench/` and its `bench-results/` (where `ganymede bench` writes by default),
 * in scenario order; JSON files that are not bench results are ignored.
 */
export function readBenchResults(dir: string): Array<{ file: string; result: BenchResult }> {
  const found: Array<{ file: string; result: BenchResult }> = [];
  for (const folder of [dir, path.join(dir, 'bench'), path.join(dir, 'bench-results')]) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) {
      const file = path.join(folder, name);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue; // not JSON, or being written
      }
      const bench = benchScenarioOf(json);
      if (bench) found.push({ file, result: { ...(json as BenchResult), bench } });
    }
  }
  const order: BenchScenario[] = ['step', 'scaling', 'comm', 'projection'];
  return found.sort((a, b) => order.indexOf(a.result.bench) - order.indexOf(b.result.bench));
}
