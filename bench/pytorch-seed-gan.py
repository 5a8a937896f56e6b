#!/usr/bin/python3
# The PyTorch peer of `ganymede bench step` (issue 10): the seed GAN's training step (PyTorch-GAN's gan.py MLP
# GAN: G z[100] -> 256 -> 512 -> 1024 -> 784 tanh, D 784 -> 1024 -> 512 -> 256 -> 1 logit, LeakyReLU 0.2,
# non-saturating BCE from logits, Adam 2e-4 (0.5, 0.999)), batch 64: one D update on real + fake, then one G
# update, as ganymede's step. Inputs are random pixels in [-1, 1]: the step's cost does not depend on them.
# Usage: python3 bench/pytorch-seed-gan.py [--threads 1] [--steps 200] [--warmup 20]  -> one JSON line.
import argparse
import json
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=200)
p.add_argument('--warmup', type=int, default=20)
p.add_argument('--batch', type=int, default=64)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def mlp(sizes, last):
    layers = []
    for i in range(len(sizes) - 2):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]), *last)


G = mlp([100, 256, 512, 1024, 784], [nn.Tanh()])
D = mlp([784, 1024, 512, 256, 1], [])
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(a.batch, 784) * 2 - 1
ones = torch.ones(a.batch, 1)
zeros = torch.zeros(a.batch, 1)


def step():
    z = torch.randn(a.batch, 100)
    fake = G(z)
    optD.zero_grad()
    (bce(D(real), ones) + bce(D(fake.detach()), zeros)).backward()
    optD.step()
    optG.zero_grad()
    bce(D(fake), ones).backward()
    optG.step()


for _ in range(a.warmup):
    step()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
sec = time.perf_counter() - t0
print(json.dumps({'peer': f'pytorch {torch.__version__}', 'threads': a.threads, 'batch': a.batch, 'steps': a.steps,
                  'stepsPerSec': a.steps / sec, 'samplesPerSec': a.steps * a.batch / sec}))
