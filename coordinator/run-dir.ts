// The run folder (DESIGN.md §9): config.yaml, metrics.jsonl, samples/, checkpoints/, logs/.
// A new run never writes into a folder that already holds a run; a resumed run only appends.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { UsageError } from '../src/errors.js';
import type { RunLogs } from './run-logs.js';

export class RunDir {
  /** TensorBoard and timeline logs, while a coordinator runs (run.ts opens and closes them). */
  logs?: RunLogs;

  private constructor(readonly dir: string) {}

  /** Creates a new run folder; an existing non-empty folder is an error (nothing in it is touched). */
  static create(dir: string): RunDir {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UsageError(`${dir} already holds a run; nothing was changed`, {
        hint: `continue it with --resume ${dir}, or choose another --out`,
      });
    }
    for (const sub of ['', 'samples', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
    return new RunDir(dir);
  }

  /** Opens an existing run folder to resume it. */
  static open(dir: string): RunDir {
    if (!existsSync(path.join(dir, 'config.yaml'))) throw new UsageError(`${dir}: not a run folder (no config.yaml)`);
    for (const sub of ['samples', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
    return new RunDir(dir);
  }

  /** The first free runs/<name>, runs/<name>-2, ... under `root`. */
  static freeName(root: string, name: string): string {
    for (let i = 1; ; i++) {
      const dir = path.join(root, i === 1 ? name : `${name}-${i}`);
      if (!existsSync(dir) || readdirSync(dir).length === 0) return dir;
    }
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  writeConfig(config: unknown): void {
    atomicWrite(this.file('config.yaml'), YAML.stringify(config));
  }

  readConfig(): Record<string, unknown> {
    return YAML.parse(readFileSync(this.file('config.yaml'), 'utf8')) as Record<string, unknown>;
  }

  appendMetrics(line: Record<string, unknown>): void {
    appendFileSync(this.file('metrics.jsonl'), JSON.stringify(line) + '\n');
    this.logs?.metrics(line);
  }

  /** On resume: drops metric lines of steps after the checkpoint, which the resumed run computes again. */
  truncateMetricsAfter(step: number): void {
    const file = this.file('metrics.jsonl');
    if (!existsSync(file)) return;
    const kept = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => {
        try {
          return (JSON.parse(l) as { step?: number }).step! <= step;
        } catch {
          return false;
        }
      });
    atomicWrite(file, kept.map((l) => l + '\n').join(''));
  }

  writeSample(step: number, png: Buffer): string {
    const file = this.file(path.join('samples', `step-${String(step).padStart(6, '0')}.png`));
    atomicWrite(file, png);
    this.logs?.grid(step, 'samples', png);
    return file;
  }

  /** Another grid of a sample step (walk, recon, manifold): samples/<name>-step-XXXXXX.png. */
  writeGrid(step: number, name: string, png: Buffer): string {
    const file = this.file(path.join('samples', `${name}-step-${String(step).padStart(6, '0')}.png`));
    atomicWrite(file, png);
    this.logs?.grid(step, name, png);
    return file;
  }
}

function atomicWrite(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
