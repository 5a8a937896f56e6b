#!/usr/bin/env bash
# Warm start vs scratch on Fashion-MNIST (issue 11): the same recipe (configs/finetune-fashion.yaml), once from
# the zoo's MNIST seed GAN (--init-from zoo:seed-gan) and once from the seeded initialisation, with FID every
# EVERY steps; a third run adds FreezeD (configs/finetune-fashion-freezed.yaml) when RUNS includes it.
# Writes runs/bench-finetune/<variant>/ (metrics.jsonl, samples/); summarise with scripts/finetune-bench-summary.mjs.
#   STEPS=400 EVERY=100 RUNS="warm scratch freezed" nohup nice scripts/finetune-bench.sh &
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-400}
EVERY=${EVERY:-100}
RUNS=${RUNS:-"warm scratch"}
OUT=${OUT:-runs/bench-finetune}
mkdir -p "$OUT"
common=(--workers 1 --set train.steps="$STEPS" --set eval.every="$EVERY" --set eval.n=1000
  --set train.sampleEvery="$EVERY" --set train.checkpointEvery="$STEPS")
for run in $RUNS; do
  case $run in
    warm) args=(--config configs/finetune-fashion.yaml --init-from zoo:seed-gan) ;;
    scratch) args=(--config configs/finetune-fashion.yaml) ;;
    freezed) args=(--config configs/finetune-fashion-freezed.yaml --init-from zoo:seed-gan) ;;
    *) echo "unknown run $run" >&2; exit 2 ;;
  esac
  rm -rf "${OUT:?}/$run"
  node bin/ganymede.js train "${args[@]}" "${common[@]}" --out "$OUT/$run" > "$OUT/$run.log" 2>&1 &
done
wait
