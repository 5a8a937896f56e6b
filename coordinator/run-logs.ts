// The run's logs for people and tools beside metrics.jsonl: TensorBoard event files (tb/) with every metric and
// sample grid, and timeline.jsonl, the cluster timeline (which worker computed which shard block when, joins,
// failures) that `ganymede report` draws.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { pngImage, TensorBoardWriter } from '../src/report/tensorboard.js';
import type { MemberEvent, RoundResult } from './cluster.js';

/** One line of timeline.jsonl. Times are epoch milliseconds. */
export type TimelineEvent =
  | { type: 'round'; t: number; step: number; round: number; phase: string; sendMs: number; waitMs: number; reduceMs: number;
      blocks: RoundResult['blocks'] }
  | MemberEvent
  | { type: 'start' | 'end'; t: number; worker?: string; message?: string; step?: number };

export class RunLogs {
  readonly tensorboard: TensorBoardWriter;
  private readonly timeline: string;

  constructor(runDir: string) {
    this.tensorboard = new TensorBoardWriter(path.join(runDir, 'tb'));
    this.timeline = path.join(runDir, 'timeline.jsonl');
  }

  metrics(line: Record<string, unknown>): void {
    if (typeof line.step === 'number') this.tensorboard.scalars(line.step, line);
  }

  /** A sample grid: `samples` (the fixed-z grid), `walk`, `recon`, `manifold`. */
  grid(step: number, name: string, png: Buffer): void {
    this.tensorboard.image(step, name, pngImage(png));
  }

  round(step: number, round: number, phase: string, res: RoundResult): void {
    const ms = (x: number) => Math.round(x * 10) / 10;
    const { send, wait, reduce } = res.timing;
    const blocks = res.blocks.map((b) => ({ ...b, sent: ms(b.sent), received: ms(b.received), computeMs: ms(b.computeMs) }));
    this.event({ type: 'round', t: Date.now(), step, round, phase, sendMs: ms(send), waitMs: ms(wait), reduceMs: ms(reduce), blocks });
  }

  event(e: TimelineEvent): void {
    appendFileSync(this.timeline, JSON.stringify(e) + '\n');
  }

  close(): void {
    this.tensorboard.close();
  }
}
