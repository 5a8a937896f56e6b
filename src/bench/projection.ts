// `ganymede bench projection`: a MODEL, not a measurement. An alpha-beta cost model (one message of b bytes
// takes alpha + b / beta) fitted to the measured protocol round trips, combined with measured compute per
// sample, projects step time and efficiency for many workers over faster links, for a parameter server (star,
// ganymede's default), a ring all-reduce (what DDP runs), and ganymede's `cluster.reduce: allreduce` (halving):
//
//   star:     T_comm = 2 (alpha + N W / B)            the coordinator's link carries N copies of W each way
//   ring:     T_comm = 2 (N - 1) (alpha + W / (N B))  reduce-scatter then all-gather
//   halving:  T_comm = 2 log2(N) alpha + 2 (N - 1) W / (N B) + 2 (alpha + W / B)
//             recursive halving (reduce-scatter) and doubling (all-gather) among the workers: log2 N exchanges
//             each way, halving the bytes each time; then every worker sends its 1/N of the sum to the
//             coordinator, which steps the optimizer and returns part i to worker i: W in and W out on its link
//   T_step = T_compute + T_comm (no overlap);  efficiency = T_compute / T_step  (weak scaling: per-worker batch fixed)
//
// with W the gradient (= weight) bytes, N workers, B the link bandwidth in bytes/s.
import type { CommRow } from './comm.js';

export interface AlphaBeta {
  /** Latency of one message, ms. */
  alphaMs: number;
  /** Bytes per second of one direction. */
  beta: number;
}

/** Least-squares fit of one-way time (rtt / 2) = alpha + bytes / beta over protocol rows. */
export function fitAlphaBeta(rows: readonly CommRow[]): AlphaBeta {
  const pts = rows.filter((r) => r.mode === 'protocol').map((r) => [r.bytes, r.rttMs / 2] as const);
  if (pts.length < 2) throw new Error('the alpha-beta fit needs at least two message sizes');
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const slope = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return { alphaMs: Math.max(0, my - slope * mx), beta: 1000 / slope };
}

export interface ProjectionRow {
  workers: number;
  linkGbit: number;
  topology: 'star' | 'ring' | 'halving';
  computeMs: number;
  commMs: number;
  stepMs: number;
  efficiency: number;
}

export function project(opts: {
  alphaMs: number;
  gradBytes: number;
  /** Compute of one worker's share of a step, ms (weak scaling: the same at every N). */
  computeMs: number;
  workers: readonly number[];
  linksGbit: readonly number[];
}): ProjectionRow[] {
  const rows: ProjectionRow[] = [];
  for (const linkGbit of opts.linksGbit) {
    const B = (linkGbit * 1e9) / 8 / 1000; // bytes per ms
    for (const N of opts.workers) {
      const star = 2 * (opts.alphaMs + (N * opts.gradBytes) / B);
      const ring = 2 * (N - 1) * (opts.alphaMs + opts.gradBytes / (N * B));
      const halving = 2 * Math.log2(N) * opts.alphaMs + (2 * (N - 1) * opts.gradBytes) / (N * B) + 2 * (opts.alphaMs + opts.gradBytes / B);
      for (const [topology, commMs] of [['star', star], ['ring', ring], ['halving', halving]] as const) {
        const stepMs = opts.computeMs + commMs;
        rows.push({ workers: N, linkGbit, topology, computeMs: opts.computeMs, commMs, stepMs, efficiency: opts.computeMs / stepMs });
      }
    }
  }
  return rows;
}
