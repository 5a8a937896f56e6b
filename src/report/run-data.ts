// Reads what a run folder holds for the report: config, metrics.jsonl, timeline.jsonl, sample grids and the
// checkpoint list. A run still training is fine: a half-written last line is skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listCheckpoints } from '../checkpoint/index.js';
import { UsageError } from '../errors.js';

export interface SampleGrid { step: number; kind: string; file: string }
export interface CheckpointInfo { step: number; dir: string; files: number; bytes: number; hasManifest: boolean }

export interface RunData {
  dir: string;
  configYaml: string;
  metrics: Array<Record<string, number>>;
  timeline: Array<Record<string, unknown>>;
  grids: SampleGrid[];
  checkpoints: CheckpointInfo[];
}

/** Parses a JSON-lines file; lines that do not parse (a line being written) are skipped. */
export function readJsonLines<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // skipped: a partial last line of a live run
    }
  }
  return out;
}

function grids(dir: string): SampleGrid[] {
  const folder = path.join(dir, 'samples');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => /^(?:([a-z]+)-)?step-(\d+)\.png$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[2]), kind: m[1] ?? 'samples', file: path.join(folder, m[0]) }))
    .sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind));
}

function checkpoints(dir: string): CheckpointInfo[] {
  return listCheckpoints(dir).map(({ step, dir: ckpt }) => {
    try {
      const manifest = JSON.parse(readFileSync(path.join(ckpt, 'manifest.json'), 'utf8')) as { files: Array<{ size: number }> };
      return { step, dir: ckpt, files: manifest.files.length, bytes: manifest.files.reduce((s, f) => s + f.size, 0), hasManifest: true };
    } catch {
      return { step, dir: ckpt, files: 0, bytes: 0, hasManifest: false };
    }
  });
}

/** Everything the report shows of run folder `dir`. */
export function readRun(dir: string): RunData {
  const config = path.join(dir, 'config.yaml');
  if (!existsSync(config)) throw new UsageError(`${dir}: not a run folder (no config.yaml)`);
  return {
    dir,
    configYaml: readFileSync(config, 'utf8'),
    metrics: readJsonLines<Record<string, number>>(path.join(dir, 'metrics.jsonl')),
    timeline: readJsonLines(path.join(dir, 'timeline.jsonl')),
    grids: grids(dir),
    checkpoints: checkpoints(dir),
  };
}
