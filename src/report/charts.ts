// Charts of a run as SVG: Vega-Lite specs compiled to Vega and rendered headless in Node (no canvas, no
// browser); @resvg/resvg-js turns an SVG into a PNG where a raster image is wanted (README, TensorBoard).
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const WIDTH = 420;
const HEIGHT = 200;

/** Renders a Vega-Lite spec to an SVG string (fonts and colours fixed, so the same data gives the same SVG). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG as a PNG, on a white background, at `scale` times its size. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return Buffer.from(resvg.render().asPng());
}

const config = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 10, titleFontSize: 11 },
  legend: { labelLimit: 240 }, title: { subtitleColor: '#777', subtitleFontSize: 10 },
};

/** Means of consecutive buckets of `every` points, placed at each bucket's last step (honest thinning). */
function bucketMeans(points: Array<[number, number]>, every: number): Array<[number, number]> {
  if (every <= 1) return points;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += every) {
    const bucket = points.slice(i, i + every);
    out.push([bucket[bucket.length - 1][0], bucket.reduce((s, [, v]) => s + v, 0) / bucket.length]);
  }
  return out;
}

export interface Series {
  name: string;
  points: Array<[number, number]>; // [step, value]
}

/** A line per series over training steps; long series become means of buckets, about `maxPoints` points. */
export function lineChart(title: string, series: Series[], opts: { yTitle?: string; logY?: boolean; maxPoints?: number } = {}): TopLevelSpec {
  const max = opts.maxPoints ?? 500;
  const every = Math.max(1, ...series.map((s) => Math.ceil(s.points.length / max)));
  const values = series.flatMap((s, k) =>
    bucketMeans(s.points.filter(([, v]) => Number.isFinite(v) && (!opts.logY || v > 0)), every).map(([step, value]) => ({ step, value, series: s.name, k })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: every > 1 ? { text: title, subtitle: `each point: the mean of ${every} logged values` } : title, width: WIDTH, height: HEIGHT, config,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.2, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', scale: { nice: false } },
      y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? '', scale: opts.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } },
    },
  };
}

/** Stacked areas: how each step's time splits into parts (ms). */
export function stackedAreaChart(title: string, series: Series[], maxPoints = 400): TopLevelSpec {
  const spec = lineChart(title, series, { yTitle: 'ms per step', maxPoints }) as unknown as Record<string, unknown>;
  return {
    ...spec,
    mark: { type: 'area', opacity: 0.85 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', scale: { nice: false } },
      y: { field: 'value', type: 'quantitative', title: 'ms per step', stack: 'zero' },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) },
      order: { field: 'k' }, // stacked in the order given, as the legend lists them
    },
  } as TopLevelSpec;
}

/** One bar per (worker, shard block, round): x from sent to received (seconds since `t0`), a row per worker. */
export interface TimelineBar { worker: string; start: number; end: number; label: string; phase: string }
export interface TimelineMark { at: number; label: string; kind: string }

export function timelineChart(title: string, bars: TimelineBar[], marks: TimelineMark[]): TopLevelSpec {
  const phases = [...new Set(bars.map((b) => b.phase))].sort((p, q) => Number(q === 'wire + queue') - Number(p === 'wire + queue') || p.localeCompare(q));
  const palette = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'];
  const range = phases.map((p, i) => (p === 'wire + queue' ? '#c8c8c8' : palette[(i - Number(phases[0] === 'wire + queue')) % palette.length]));
  const x = { field: 'start', type: 'quantitative' as const, title: 'seconds since the run started', scale: { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: WIDTH * 2, config,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar', height: 14, cornerRadius: 1 },
        encoding: {
          y: { field: 'worker', type: 'nominal', title: null, axis: { labelLimit: 320 } },
          x, x2: { field: 'end' },
          color: { field: 'phase', type: 'nominal', title: null, scale: { domain: phases, range } },
          tooltip: [{ field: 'label', type: 'nominal' }],
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: {
          x: { field: 'at', type: 'quantitative' },
          color: { field: 'kind', type: 'nominal', scale: { domain: ['join', 'failure', 'leave', 'suspect', 'speculate', 'pause', 'resume', 'start', 'end'], range: ['#2a9d44', '#d62728', '#1f77b4', '#ff7f0e', '#9467bd', '#8c564b', '#8c564b', '#888', '#888'] }, legend: null },
          tooltip: [{ field: 'label', type: 'nominal' }],
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
