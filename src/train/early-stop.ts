// Early stopping with patience (as Keras's EarlyStopping / Lightning's): every `every` steps the mean of the
// monitored metric over those steps is compared with the best so far; `patience` checks without an improvement
// of more than minDelta stop the run. Its state goes into checkpoints, so a resumed run decides the same way.
import type { EarlyStopConfig } from '../config/techniques.js';
import { ConfigError } from '../errors.js';

export interface EarlyStopState { best: number | null; bestStep: number; bad: number; sum: number; n: number }

export interface Verdict { improved: boolean; stop: boolean; value?: number }

export class EarlyStopper {
  readonly state: EarlyStopState;

  constructor(private readonly cfg: EarlyStopConfig, saved?: unknown) {
    this.state = saved && typeof saved === 'object' ? { ...(saved as EarlyStopState) } : { best: null, bestStep: 0, bad: 0, sum: 0, n: 0 };
  }

  get enabled(): boolean {
    return this.cfg.metric !== '';
  }

  /** Takes the metrics line of completed step `done`; says whether the mean improved and whether to stop now. */
  observe(done: number, line: Readonly<Record<string, number>>): Verdict {
    if (!this.enabled) return { improved: false, stop: false };
    const v = line[this.cfg.metric];
    if (Number.isFinite(v)) {
      this.state.sum += v;
      this.state.n += 1;
    }
    if (done % this.cfg.every !== 0) return { improved: false, stop: false };
    if (this.state.n === 0) {
      throw new ConfigError(`train.earlyStop.metric: '${this.cfg.metric}' was not logged in steps ${done - this.cfg.every + 1}..${done}`, {
        hint: `logged metrics: ${Object.keys(line).join(', ')}`,
      });
    }
    const value = this.state.sum / this.state.n;
    this.state.sum = 0;
    this.state.n = 0;
    const sign = this.cfg.mode === 'min' ? 1 : -1;
    const improved = this.state.best === null || sign * (this.state.best - value) > this.cfg.minDelta;
    if (improved) {
      this.state.best = value;
      this.state.bestStep = done;
      this.state.bad = 0;
    } else this.state.bad += 1;
    return { improved, stop: this.state.bad >= this.cfg.patience, value };
  }
}
