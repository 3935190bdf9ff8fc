#!/usr/bin/env bash
# train-sample-model.sh: train the small pretrained checkpoint shipped in samples/model/, so the
# README's commands and the pipelines work out of the box without a long training run.
#
# Usage (from the repository root, after `npm ci && npm run build`):
#   bash samples/train-sample-model.sh
#
# A masked-LM Reformer (6-mers, stride 6, dModel 128, depth 4, 4 heads, LSH attention with chunks of
# 64 and 4 rounds) pretrained on the lambda phage genome in samples/lambda.fa, 6,000-base windows,
# the last 10% of the genome held out. Deterministic given the seed and the tfjs backend (wasm).
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
node dist/src/cli/main.js pretrain samples/lambda.fa -o "$run" \
  --objective mlm --context 6000 -k 6 \
  --d-model 128 --depth 4 --heads 4 --d-head 32 --chunk 64 --rounds 4 \
  --steps 300 --batch-size 2 --lr 1e-3 --warmup 30 --eval-every 50 --checkpoint-every 100 \
  --seed 1 --backend wasm --workers 2 --json > "$run/summary.json"
rm -rf samples/model
cp -r "$run/best" samples/model
cp "$run/metrics.jsonl" "$run/loss.svg" "$run/summary.json" samples/model/
du -sh samples/model
