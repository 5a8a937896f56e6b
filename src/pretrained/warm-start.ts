// Warm start (`ganymede train --init-from`): a new run whose networks begin from another model's weights,
// matched by weight name (`G_fc0/kernel`), at step 0 with fresh optimizer state (unlike --resume, which
// continues a run exactly). Strict by default: every weight of the chosen networks must be found with the
// same shape; --partial loads what matches and reports what was skipped and what keeps its seeded init.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { latestCheckpoint, loadCheckpoint } from '../checkpoint/index.js';
import { fileIOHandler } from '../checkpoint/io-handler.js';
import { CheckpointError, UsageError } from '../errors.js';
import { readWeights, type NamedWeights } from '../models/index.js';
import { resolveZooTarget } from './zoo.js';

/** Weights of the source's networks by network name, read into plain arrays (no TF.js variables kept). */
export interface InitSource {
  /** Where the weights came from, as the user named it (and resolved). */
  label: string;
  networks: Record<string, NamedWeights>;
}

/** The names and shapes of a network's weights (what a warm start is matched against). */
export interface WeightLayout { names: string[]; shapes: number[][] }

export interface WarmStartReport {
  source: string;
  mode: 'strict' | 'partial';
  networks: string[];
  /** `G_fc0/kernel [100,256]` loaded from the source. */
  loaded: string[];
  /** Present in both but not loaded, with why (shape differs). */
  skipped: string[];
  /** Kept at the seeded initialisation (absent from the source). */
  new: string[];
  /** In the source's chosen networks but not in this model. */
  unused: string[];
}

export interface WarmStartPlan {
  report: WarmStartReport;
  /** Overwrites the matched weights in place (the arrays of a fresh MasterState). */
  apply(weights: Record<string, NamedWeights>): void;
}

/** `--init EMA` names the EMA generator; every other name is a network name as in the checkpoint. */
const ALIASES: Record<string, string> = { EMA: 'G_ema' };

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Reads the source of a warm start: `zoo:<name>`, a checkpoint folder, a run folder (its latest checkpoint)
 * or a folder written by `ganymede export` (one network, named in ganymede-export.json).
 */
export async function loadInitSource(target: string): Promise<InitSource> {
  const resolved = resolveZooTarget(target) ?? target;
  if (!existsSync(resolved)) throw new UsageError(`--init-from ${target}: no such checkpoint, run or export folder`);
  const exportMeta = path.join(resolved, 'ganymede-export.json');
  if (existsSync(exportMeta) && existsSync(path.join(resolved, 'model.json'))) {
    let network: string;
    try {
      network = (JSON.parse(readFileSync(exportMeta, 'utf8')) as { network: string }).network;
    } catch (err) {
      throw new CheckpointError(`${exportMeta}: malformed (${(err as Error).message})`);
    }
    if (typeof network !== 'string') throw new CheckpointError(`${exportMeta}: no "network" name`);
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(fileIOHandler(resolved));
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(`${path.join(resolved, 'model.json')}: cannot be loaded as a LayersModel (${(err as Error).message})`);
    }
    try {
      return { label: resolved, networks: { [network]: readWeights(model) } };
    } finally {
      model.dispose();
    }
  }
  const dir = existsSync(path.join(resolved, 'manifest.json')) ? resolved : latestCheckpoint(resolved);
  if (!dir) throw new CheckpointError(`--init-from ${target}: neither a checkpoint, a run folder with a checkpoint, nor an export folder`);
  const ckpt = await loadCheckpoint(dir);
  try {
    return { label: dir, networks: Object.fromEntries(Object.entries(ckpt.networks).map(([n, m]) => [n, readWeights(m)])) };
  } finally {
    for (const m of Object.values(ckpt.networks)) m.dispose();
  }
}

/**
 * Matches the source's weights to this model's, network by network and weight name by weight name.
 * `only`: the networks to load (default: every network of this model that the source has). Strict mode
 * throws a CheckpointError listing the first mismatches; partial mode reports them and loads the rest.
 */
export function planWarmStart(
  target: Record<string, WeightLayout>,
  source: InitSource,
  opts: { only?: readonly string[]; partial?: boolean } = {},
): WarmStartPlan {
  const names = opts.only?.map((n) => ALIASES[n] ?? n) ?? Object.keys(target).filter((n) => n in source.networks);
  if (names.length === 0) {
    throw new CheckpointError(`--init-from ${source.label}: no network in common (it has ${Object.keys(source.networks).join(', ') || 'none'}; this model has ${Object.keys(target).join(', ')})`);
  }
  for (const n of names) {
    if (!(n in target)) throw new UsageError(`--init ${n}: this model has no network '${n}' (it has ${Object.keys(target).join(', ')})`);
    if (!(n in source.networks)) throw new CheckpointError(`--init-from ${source.label}: has no network '${n}' (it has ${Object.keys(source.networks).join(', ')})`);
  }
  const report: WarmStartReport = { source: source.label, mode: opts.partial ? 'partial' : 'strict', networks: names, loaded: [], skipped: [], new: [], unused: [] };
  const copies: { net: string; index: number; data: Float32Array }[] = [];
  for (const net of names) {
    const src = source.networks[net];
    const byName = new Map(src.names.map((n, i) => [n, i]));
    const t = target[net];
    t.names.forEach((name, index) => {
      const j = byName.get(name);
      if (j === undefined) {
        report.new.push(`${name} ${shapeText(t.shapes[index])}`);
        return;
      }
      byName.delete(name);
      if (shapeText(src.shapes[j]) !== shapeText(t.shapes[index])) {
        report.skipped.push(`${name}: shape ${shapeText(src.shapes[j])} in the source, ${shapeText(t.shapes[index])} here`);
        return;
      }
      report.loaded.push(`${name} ${shapeText(t.shapes[index])}`);
      copies.push({ net, index, data: src.values[j] });
    });
    for (const [name, j] of byName) report.unused.push(`${name} ${shapeText(src.shapes[j])}`);
  }
  if (!opts.partial) {
    const problems = [
      ...report.skipped.map((s) => `shape mismatch ${s}`),
      ...report.new.map((s) => `missing from the source: ${s}`),
      ...report.unused.map((s) => `not in this model: ${s}`),
    ];
    if (problems.length > 0) {
      throw new CheckpointError(
        `--init-from ${source.label}: ${problems.length} weight(s) of ${names.join(', ')} do not match: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; ...' : ''}`,
        { hint: 'use --partial to load only the weights whose names and shapes match, or --init to choose networks' },
      );
    }
  }
  return {
    report,
    apply(weights) {
      for (const c of copies) {
        const dst = weights[c.net]?.values[c.index];
        if (!dst || dst.length !== c.data.length) throw new Error(`warm start: ${c.net} weight ${c.index} does not fit the plan`);
        dst.set(c.data);
      }
    },
  };
}

/** A one-paragraph human summary of a plan's report. */
export function describeWarmStart(r: WarmStartReport): string {
  const lines = [`warm start from ${r.source} (${r.mode}; ${r.networks.join(', ')}): ${r.loaded.length} loaded, ${r.skipped.length} skipped, ${r.new.length} new`];
  for (const s of r.skipped) lines.push(`  skipped ${s}`);
  for (const s of r.new) lines.push(`  new     ${s}`);
  for (const s of r.unused) lines.push(`  unused  ${s}`);
  return lines.join('\n');
}
