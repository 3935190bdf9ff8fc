#!/usr/bin/env bash
# make.sh: build reference/motifs/ (the motif databases Locus ships): JASPAR 2024, and the literature's
# Drosophila core-promoter elements (pipelines/motifs/core-promoter.ts).
#
# Usage (from anywhere; outputs land in <repo>/reference/motifs/):
#   bash reference/motifs/make.sh [JASPAR_DIR]
# JASPAR_DIR defaults to ../shared/data/motifs relative to the repository root and must hold
#   JASPAR2024_CORE_vertebrates_non-redundant.transfac
#   JASPAR2024_CORE_insects_non-redundant.transfac
#   JASPAR_LICENSE.txt
# (the TRANSFAC-format downloads of https://jaspar.elixir.no/downloads/, CORE collection,
# non-redundant, vertebrates and insects).
#
# Writes (and overwrites):
#   reference/motifs/JASPAR2024_CORE_non-redundant.meme   MEME minimal format, both taxa
#   reference/motifs/LICENSE.txt                          JASPAR's licence and citation, unchanged
#   reference/motifs/drosophila-core-promoter.meme        TATA, Inr, DPE, DRE, MTE, Ohler1 (consensus)
# Deterministic: the same TRANSFAC files give byte-identical output.
# Needs: node >= 20 and the repository's dev dependencies (npm ci) for tsc.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JASPAR_DIR="$(cd "${1:-$ROOT/../shared/data/motifs}" && pwd)"
OUT="$ROOT/reference/motifs"

cd "$ROOT"
npx tsc -p tsconfig.build.json
node dist/bench/motifs/make-jaspar-reference.js --data "$JASPAR_DIR" --out "$OUT/JASPAR2024_CORE_non-redundant.meme"
install -m 0644 "$JASPAR_DIR/JASPAR_LICENSE.txt" "$OUT/LICENSE.txt"
node dist/bench/motifs/make-core-promoter-reference.js --out "$OUT/drosophila-core-promoter.meme"
