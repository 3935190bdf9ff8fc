#!/usr/bin/env bash
# Trains the shipped ecoli-mlm model from ../shared/data and ships it: the pretraining run, then best/
# (chosen on validation) copied here with its card, then its test bits per base (read once), then
# what INFO/LLR costs and captures with it in `locus variants`, each writing its JSON under
# bench/results. About 40 minutes of training on 2 cores (two workers), then about 10 minutes of
# evaluation. The LLR steps need the variants benchmark's data (node dist/bench/variants/make-data.js).
set -euo pipefail
cd "$(dirname "$0")/../../.."
genome=../shared/data/genomes/ecoli_536.fa.gz
run=.bench-data/ecoli-mlm
# A small model (dModel 64, 2 layers) so that scoring a bacterial genome's calls takes seconds, not
# minutes; single-base tokens, so every allele is one masked token.
pretrain=(pretrain "$genome" -o "$run" --objective mlm -k 1 --context 8000 --d-model 64 --depth 2
  --heads 2 --d-head 32 --attention local,lsh --token-conv 16 --steps 1500 --batch-size 2 --workers 2
  --lr 2e-3 --warmup 50 --dropout 0 --reverse-complement --split-fraction 0.1 --eval-every 100
  --eval-windows 8 --checkpoint-every 50 --seed 1 --backend wasm --quiet)
npm run build
node dist/src/cli/main.js "${pretrain[@]}" --resume
node dist/bench/train/ship-model.js --run "$run" --name ecoli-mlm --tokens-per-step 16000 \
  --description "E. coli 536 masked LM, single bases, 8 kb windows (local + LSH layers); INFO/LLR of locus variants in one pass" \
  --command "locus ${pretrain[*]}"
node dist/bench/train/mlm-test.js --model ecoli-mlm --genome "$genome"
node dist/bench/variants/llr-cost.js
node dist/bench/variants/llr-repeats.js --model ecoli-mlm --output variants-llr-repeats-mlm.json
npm run docs
