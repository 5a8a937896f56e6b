// bench projection's alpha-beta model against hand-computed values: star, ring and halving (what
// `cluster.reduce: allreduce` runs) at 8 workers, and the fit recovering a known alpha and beta.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitAlphaBeta, project } from '../../src/bench/projection.js';

test('star, ring and halving step times match the formulas worked by hand', () => {
  // 10 Gbit/s = 1.25e6 bytes per ms; W = 12.5 MB, so W / B = 10 ms; alpha = 0.5 ms; compute 100 ms; N = 8.
  const rows = project({ alphaMs: 0.5, gradBytes: 12.5e6, computeMs: 100, workers: [8], linksGbit: [10] });
  const comm = Object.fromEntries(rows.map((r) => [r.topology, r.commMs]));
  // star: 2 (0.5 + 8 x 10) = 161; ring: 2 x 7 (0.5 + 10 / 8) = 24.5;
  // halving: 2 x 3 x 0.5 + 2 x 7 x 10 / 8 + 2 (0.5 + 10) = 3 + 17.5 + 21 = 41.5.
  assert.deepEqual(Object.keys(comm), ['star', 'ring', 'halving']);
  assert.ok(Math.abs(comm.star - 161) < 1e-9, `star ${comm.star}`);
  assert.ok(Math.abs(comm.ring - 24.5) < 1e-9, `ring ${comm.ring}`);
  assert.ok(Math.abs(comm.halving - 41.5) < 1e-9, `halving ${comm.halving}`);
  const halving = rows.find((r) => r.topology === 'halving')!;
  assert.ok(Math.abs(halving.stepMs - 141.5) < 1e-9 && Math.abs(halving.efficiency - 100 / 141.5) < 1e-12);
});

test('the alpha-beta fit recovers the latency and bandwidth of exact round trips', () => {
  const alphaMs = 0.2;
  const beta = 2e9; // bytes per second, one way
  const rows = [1e4, 1e5, 1e6, 1e7].map((bytes) => ({ transport: 'tcp' as const, mode: 'protocol' as const, bytes, rttMs: 2 * (alphaMs + (1000 * bytes) / beta), bytesPerSec: 0 }));
  const fit = fitAlphaBeta(rows);
  assert.ok(Math.abs(fit.alphaMs - alphaMs) < 1e-9, `alpha ${fit.alphaMs}`);
  assert.ok(Math.abs(fit.beta / beta - 1) < 1e-9, `beta ${fit.beta}`);
});
