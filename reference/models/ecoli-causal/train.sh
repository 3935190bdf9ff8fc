#!/usr/bin/env bash
# Trains the shipped ecoli-causal model from ../shared/data and ships it: the pretraining run, then
# best/ (chosen on validation) copied here with its card, then the test comparison against the
# baselines and the attention-on-repeats measurement, each writing its JSON under bench/results.
# About 110 minutes of training on 2 cores (one worker), then about 10 minutes of evaluation.
set -euo pipefail
cd "$(dirname "$0")/../../.."
genome=../shared/data/genomes/ecoli_536.fa.gz
run=.bench-data/ecoli-causal
pretrain=(pretrain "$genome" -o "$run" --objective causal -k 1 --context 10000 --steps 400 --batch-size 2
  --workers 1 --lr 1.5e-3 --warmup 30 --dropout 0 --attention local,lsh --token-conv 16
  --reverse-complement --split-fraction 0.1 --eval-every 50 --eval-windows 8 --checkpoint-every 25
  --seed 1 --backend wasm)
npm run build
node dist/src/cli/main.js "${pretrain[@]}" --resume
node dist/bench/train/ship-model.js --run "$run" --name ecoli-causal --tokens-per-step 20000 \
  --description "E. coli 536 causal LM, single bases, 10 kb context (local + LSH layers); bits per base and attention over bacterial DNA" \
  --command "locus ${pretrain[*]}"
node dist/bench/train/ecoli-lm.js --model ecoli-causal --genome "$genome"
node dist/bench/train/ecoli-attention-repeats.js --model ecoli-causal --genome "$genome"
npm run docs
