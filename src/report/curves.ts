// Which charts a run gets: losses and their parts, D outputs, learning rates, gradient norms, throughput, the
// round time split, and one chart for every other metric group in metrics.jsonl (keys grouped by the part
// before '/', as STYLE.md names metrics: loss/D, gp/D, fid/ema, ...). Also the cluster timeline.
import type { TopLevelSpec } from 'vega-lite';
import { lineChart, stackedAreaChart, timelineChart, type Series, type TimelineBar, type TimelineMark } from './charts.js';

export interface NamedChart { id: string; title: string; spec: TopLevelSpec }

const SKIP = new Set(['step', 'epoch']);

function series(metrics: Array<Record<string, number>>, key: string, name = key): Series {
  return { name, points: metrics.filter((m) => typeof m[key] === 'number' && typeof m.step === 'number').map((m) => [m.step, m[key]]) };
}

/** The group a metric is charted in. */
export function groupOf(key: string): string {
  if (key.startsWith('D(')) return 'D outputs';
  if (/norm/i.test(key)) return 'gradient norms';
  if (key.startsWith('time/')) return 'time';
  if (key === 'samples/s') return 'throughput';
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : key;
}

const TITLES: Record<string, string> = {
  loss: 'Losses', 'D outputs': 'D(x) and D(G(z)) means', lr: 'Learning rates', 'gradient norms': 'Gradient norms',
  throughput: 'Throughput (samples/s)',
};
const ORDER = ['loss', 'D outputs', 'lr', 'gradient norms', 'throughput'];

/** Line charts for every metric group, in a fixed order (the known groups first, then the rest by name). */
export function metricCharts(metrics: Array<Record<string, number>>): NamedChart[] {
  const keys = [...new Set(metrics.flatMap((m) => Object.keys(m)))].filter((k) => !SKIP.has(k) && metrics.some((m) => typeof m[k] === 'number'));
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const g = groupOf(k);
    if (g !== 'time') groups.set(g, [...(groups.get(g) ?? []), k]);
  }
  const names = [...groups.keys()].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const charts = names.map((g) => ({
    id: `chart-${g.replace(/[^a-z0-9]+/gi, '-')}`,
    title: TITLES[g] ?? g,
    spec: lineChart(TITLES[g] ?? g, groups.get(g)!.map((k) => series(metrics, k)), { logY: g === 'gradient norms' }),
  }));
  const split = roundTimeSplit(metrics);
  if (split) charts.push(split);
  return charts;
}

/**
 * Where a step's time goes: the slowest worker's compute, wire and queueing (the wait for gradients beyond that
 * compute, plus sending), the coordinator's tree reduction and its optimizer update.
 */
function roundTimeSplit(metrics: Array<Record<string, number>>): NamedChart | undefined {
  const rows = metrics.filter((m) => typeof m['time/compute_ms'] === 'number' && typeof m['time/wait_ms'] === 'number');
  if (rows.length === 0) return undefined;
  const part = (name: string, f: (m: Record<string, number>) => number): Series => ({ name, points: rows.map((m) => [m.step, f(m)]) });
  const parts = [
    part('compute (slowest worker)', (m) => m['time/compute_ms']),
    part('wire + wait', (m) => (m['time/send_ms'] ?? 0) + Math.max(0, m['time/wait_ms'] - m['time/compute_ms'])),
    part('reduce', (m) => m['time/reduce_ms'] ?? 0),
    part('optimizer', (m) => m['time/optim_ms'] ?? 0),
  ];
  return { id: 'chart-time-split', title: 'Round time split', spec: stackedAreaChart('Step time split (ms)', parts) };
}

interface RoundEvent { type: 'round'; t: number; round: number; phase: string; blocks: Array<{ worker: string; lo: number; n: number; sent: number; received: number; computeMs: number }> }
interface OtherEvent { type: string; t: number; worker?: string; message?: string }

/** Timeline of `rounds` rounds from `from` (an index into the round events), with joins and failures in range. */
export function timelineCharts(timeline: Array<Record<string, unknown>>, window = 24): NamedChart[] {
  const events = timeline as unknown as Array<RoundEvent | OtherEvent>;
  const rounds = events.filter((e): e is RoundEvent => e.type === 'round');
  if (rounds.length === 0) return [];
  const t0 = events[0].t;
  const sec = (t: number) => Math.round(t - t0) / 1000;
  const chart = (part: RoundEvent[], title: string, id: string): NamedChart => {
    const lo = part[0].blocks.reduce((m, b) => Math.min(m, b.sent), Infinity);
    const hi = part[part.length - 1].t;
    const bars: TimelineBar[] = part.flatMap((r) =>
      r.blocks.flatMap((b) => {
        const label = `round ${r.round} (${r.phase}), shards ${b.lo}..${b.lo + b.n - 1}, compute ${b.computeMs} ms`;
        const computeStart = Math.max(b.sent, b.received - b.computeMs);
        return [
          { worker: b.worker, start: sec(b.sent), end: sec(computeStart), label, phase: 'wire + queue' },
          { worker: b.worker, start: sec(computeStart), end: sec(b.received), label, phase: `${r.phase} compute` },
        ];
      }),
    );
    const marks: TimelineMark[] = events
      .filter((e) => e.type !== 'round' && e.t >= lo - 5000 && e.t <= hi + 5000)
      .map((e) => ({ at: sec(e.t), kind: e.type, label: `${e.type}: ${(e as OtherEvent).worker ?? (e as OtherEvent).message ?? ''}` }));
    return { id, title, spec: timelineChart(title, bars, marks) };
  };
  const first = rounds.slice(0, window);
  const out = [chart(first, `Cluster timeline: rounds ${first[0].round}-${first[first.length - 1].round}`, 'timeline-first')];
  if (rounds.length > window) {
    const last = rounds.slice(-window);
    out.push(chart(last, `Cluster timeline: rounds ${last[0].round}-${last[last.length - 1].round}`, 'timeline-last'));
  }
  return out;
}
