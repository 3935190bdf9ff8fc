#!/usr/bin/env bash
# train-sample-model.sh: train the small pretrained checkpoint shipped in samples/model/, so the
# README's commands and the pipelines work out of the box without a long training run.
#
# Usage (from the repository root, after `npm ci && npm run build`):
#   bash samples/train-sample-model.sh
#
# A small masked-LM Reformer (6-mers, stride 6, dModel 64, depth 2, 2 heads of 32, LSH attention with
# chunks of 64 and 4 rounds) pretrained on the lambda phage genome in samples/lambda.fa, 3,000-base
# windows, the last 10% of the genome held out; about 10 minutes on two cores. Deterministic given
# the seed and the tfjs backend (wasm).
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
node dist/src/cli/main.js pretrain samples/lambda.fa -o "$run" \
  --objective mlm --context 3000 -k 6 \
  --d-model 64 --depth 2 --heads 2 --d-head 32 --chunk 64 --rounds 4 \
  --steps 200 --batch-size 2 --lr 2e-3 --warmup 20 --eval-every 25 --checkpoint-every 50 \
  --seed 1 --backend wasm --json > "$run/summary.json"
rm -rf samples/model
cp -r "$run/best" samples/model
cp "$run/metrics.jsonl" "$run/loss.svg" "$run/summary.json" samples/model/
du -sh samples/model
