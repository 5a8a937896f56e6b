// The losses, in one explicit list (STYLE.md "Registries"); the config's `loss` names one of them.
export const LOSSES = [
  { name: 'bce-ns', kind: 'gan', description: 'non-saturating BCE from logits (Goodfellow et al. 2014)' },
  { name: 'minimax', kind: 'gan', description: 'minimax BCE: G minimises log(1 - D(G(z))) (Goodfellow et al. 2014, eq. 1)' },
  { name: 'lsgan', kind: 'gan', description: 'least squares, a-b-c = 0-1-1 (Mao et al. 2017)' },
  { name: 'hinge', kind: 'gan', description: 'hinge loss (Lim & Ye 2017; Miyato et al. 2018)' },
  { name: 'wasserstein', kind: 'gan', description: 'Wasserstein critic loss (Arjovsky et al. 2017); pair with weight clipping or gp' },
  { name: 'elbo', kind: 'vae', description: 'negative ELBO: Bernoulli BCE(sum) + Gaussian KL (Kingma & Welling 2014)' },
] as const;
