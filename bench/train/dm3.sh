#!/usr/bin/env bash
# The dm3 promoter comparison with a Reformer (docs/training.md), from ../shared/data:
#   1. the task's train/validation/test TSVs and the training arms' sequence (dm3-task.js);
#   2. a 6-mer masked-LM Reformer pretrained on the training arms only (both strands), best/ chosen on
#      the validation part of those arms, shipped as reference/models/dm3-mlm;
#   3. fine-tuned on the task's training arms, chosen on the validation arm, and evaluated once on the
#      test arm with bootstrap intervals (bench/results/dm3-reformer.json), beside dm3-kmer-logreg.json;
#   4. the same with --frame-shift (dm3-finetune-frames.json, dm3-reformer-frames.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=.bench-data/dm3
run=.bench-data/dm3-pre
tune=.bench-data/dm3-ft
npm run build
node dist/bench/train/dm3-task.js ../shared/data/labeled/dm3_upstream2000.fa.gz "$data"
pretrain=(pretrain "$data/train-arms.fa" -o "$run" --objective mlm -k 6 --context 1500 --steps 300
  --batch-size 16 --workers 2 --lr 1e-3 --warmup 20 --eval-every 100 --eval-windows 32 --checkpoint-every 50
  --reverse-complement --split-fraction 0.1 --seed 1 --backend wasm --quiet)
node dist/src/cli/main.js "${pretrain[@]}" --resume
node dist/bench/train/ship-model.js --run "$run" --name dm3-mlm --tokens-per-step 4000 \
  --description "Drosophila (dm3) masked LM, 6-mers, 1.5 kb windows, pretrained on the upstream sequence of the training arms" \
  --command "locus ${pretrain[*]}"
node dist/bench/train/record.js --out dm3-finetune.json -- finetune --train "$data/train.tsv" \
  --val "$data/validation.tsv" --from dm3-mlm -o "$tune" --steps 250 --batch-size 32 --workers 2 --lr 5e-4 \
  --warmup 25 --eval-every 125 --checkpoint-every 125 --seed 1 --backend wasm --quiet --json
node dist/bench/train/record.js --out dm3-reformer.json -- eval "$tune/best" "$data/test.tsv" --json
# 4. The same fine-tuning with --frame-shift (each sequence read in a random one of the 6-mers' six
#    reading frames; validation and test score the mean of all six) and six times the steps.
frames=.bench-data/dm3-ft-frames
node dist/bench/train/record.js --out dm3-finetune-frames.json -- finetune --train "$data/train.tsv" \
  --val "$data/validation.tsv" --from dm3-mlm -o "$frames" --frame-shift --steps 1500 --batch-size 32 \
  --workers 2 --lr 5e-4 --warmup 50 --eval-every 500 --checkpoint-every 250 --seed 1 --backend wasm --quiet --json
node dist/bench/train/record.js --out dm3-reformer-frames.json -- eval "$frames/best" "$data/test.tsv" \
  --workers 2 --json
npm run docs
