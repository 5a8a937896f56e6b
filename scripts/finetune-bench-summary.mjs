// Summary of scripts/finetune-bench.sh (issue 11): FID/KID/precision/recall of each variant at each evaluation,
// the first step at which each reaches the FID that training from scratch ends with, the mean losses per window,
// and two charts (fid.png, loss-G.png) in the bench folder. Needs the built dist/ (npx tsc).
//   node scripts/finetune-bench-summary.mjs [runs/bench-finetune]
/* global process, console */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart, renderSvg, svgToPng } from '../dist/src/report/charts.js';

const root = process.argv[2] ?? 'runs/bench-finetune';
const variants = ['scratch', 'warm', 'freezed'].filter((v) => existsSync(path.join(root, v, 'metrics.jsonl')));
const rows = Object.fromEntries(variants.map((v) => [v, readFileSync(path.join(root, v, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))]));
const metric = (v, name) => rows[v].filter((r) => r.metric === name).map((r) => [r.step, r.value]);
const steps = (v, key) => rows[v].filter((r) => r.metric === undefined && Number.isFinite(r[key])).map((r) => [r.step, r[key]]);

const evals = [...new Set(variants.flatMap((v) => metric(v, 'fid').map(([s]) => s)))].sort((a, b) => a - b);
console.log(`| variant | ${evals.map((s) => `FID @${s}`).join(' | ')} | last KID | last precision / recall |`);
console.log(`|---|${evals.map(() => '---').join('|')}|---|---|`);
for (const v of variants) {
  const kid = metric(v, 'kid').at(-1);
  const p = metric(v, 'precision').at(-1);
  const r = metric(v, 'recall').at(-1);
  console.log(`| ${v} | ${evals.map((s) => metric(v, 'fid').find(([t]) => t === s)?.[1].toFixed(1) ?? '-').join(' | ')} | ${kid ? kid[1].toFixed(1) : '-'} | ${p ? p[1].toFixed(3) : '-'} / ${r ? r[1].toFixed(3) : '-'} |`);
}
const target = metric('scratch', 'fid').at(-1);
if (target) {
  console.log(`\nFirst evaluation at or below scratch's final FID ${target[1].toFixed(1)} (step ${target[0]}):`);
  for (const v of variants) console.log(`  ${v}: ${metric(v, 'fid').find(([, f]) => f <= target[1])?.[0] ?? 'not reached'}`);
}
const window = 100;
console.log(`\nMean loss/D and loss/G per ${window} steps:`);
for (const v of variants) {
  const mean = (key) => {
    const pts = steps(v, key);
    const out = [];
    for (let i = 0; i < pts.length; i += window) out.push((pts.slice(i, i + window).reduce((a, [, x]) => a + x, 0) / Math.min(window, pts.length - i)).toFixed(3));
    return out.join(' ');
  };
  console.log(`  ${v}: D ${mean('loss/D')} | G ${mean('loss/G')}`);
}
const fidChart = lineChart('FID on Fashion-MNIST (1,000 samples vs test split)', variants.map((v) => ({ name: v, points: metric(v, 'fid') })), { yTitle: 'FID' });
fidChart.mark = { ...fidChart.mark, point: true }; // a few evaluations: show each, even a variant's first alone
writeFileSync(path.join(root, 'fid.png'), svgToPng(await renderSvg(fidChart)));
const lossChart = lineChart('loss/G', variants.map((v) => ({ name: v, points: steps(v, 'loss/G') })), { yTitle: 'loss/G', maxPoints: 40 });
writeFileSync(path.join(root, 'loss-G.png'), svgToPng(await renderSvg(lossChart)));
console.log(`\ncharts: ${path.join(root, 'fid.png')}, ${path.join(root, 'loss-G.png')}`);
