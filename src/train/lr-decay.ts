// Learning-rate decay as a pure function of the step (DESIGN.md §5), with the formulas of PyTorch's schedulers
// (StepLR, ExponentialLR, LinearLR to zero, CosineAnnealingLR with eta_min 0), counted in training steps.
import type { LrDecayConfig } from '../config/techniques.js';

/** The learning rate at `step` (0-based) for base rate `lr`; `totalSteps` is train.steps, the default horizon. */
export function decayedLr(lr: number, decay: LrDecayConfig, step: number, totalSteps: number): number {
  const t = Math.max(0, step - decay.start); // steps of decay so far
  const horizon = Math.max(1, (decay.steps ?? totalSteps) - decay.start);
  switch (decay.type) {
    case 'none':
      return lr;
    case 'step':
      return lr * decay.gamma ** Math.floor(t / decay.every);
    case 'exponential':
      return lr * decay.gamma ** t;
    case 'linear':
      return lr * Math.max(0, 1 - t / horizon);
    case 'cosine':
      return t >= horizon ? 0 : lr * 0.5 * (1 + Math.cos((Math.PI * t) / horizon));
  }
}
