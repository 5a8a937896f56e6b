// The losses, in one explicit list (STYLE.md "Registries"); the config's `loss` names one of them.
import { ConfigError } from '../errors.js';

export const LOSSES = [
  { name: 'bce-ns', kind: 'gan', description: 'non-saturating BCE from logits (Goodfellow et al. 2014)' },
  { name: 'elbo', kind: 'vae', description: 'negative ELBO: Bernoulli BCE(sum) + Gaussian KL (Kingma & Welling 2014)' },
] as const;

export function lossInfo(name: string) {
  const loss = LOSSES.find((l) => l.name === name);
  if (!loss) throw new ConfigError(`loss: unknown '${name}' (valid: ${LOSSES.map((l) => l.name).join(', ')})`);
  return loss;
}
