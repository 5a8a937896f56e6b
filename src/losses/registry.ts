// The losses, in one explicit list (STYLE.md "Registries"); the config's `loss` names one of them.
export const LOSSES = [
  { name: 'bce-ns', kind: 'gan', description: 'non-saturating BCE from logits (Goodfellow et al. 2014)' },
  { name: 'hinge', kind: 'gan', description: 'hinge loss (Lim & Ye 2017; SNGAN, SAGAN)' },
  { name: 'elbo', kind: 'vae', description: 'negative ELBO: Bernoulli BCE(sum) + Gaussian KL (Kingma & Welling 2014)' },
] as const;
