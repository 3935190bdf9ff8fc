#!/usr/bin/env bash
# make-bench-data.sh: build the inputs of the I/O benchmarks (bench/io) in <repo>/.bench-data/.
#
# Usage (from anywhere):
#   bash bench/io/data/make-bench-data.sh [ECOLI_FA_GZ]
# ECOLI_FA_GZ defaults to ../shared/data/genomes/ecoli_536.fa.gz relative to the repo root
# (Escherichia coli 536, NC_008253.1, 4,938,920 bp, plain gzip; from Debian's bowtie-examples).
# Set BENCH_DATA_DIR to write somewhere else than <repo>/.bench-data (git-ignored; never commit it).
#
# It writes:
#   ecoli.fa(.fai)              the genome, contig renamed to `NC_008253.1` (old header kept as the
#                               description), 60-column lines, samtools faidx index
#   ecoli.fa.gz(.fai,.gzi)      bgzip copy with its samtools faidx indexes
#   regions-1000.txt            1,000 random regions, `NC_008253.1:START-END` (samtools syntax, 1-based
#                               inclusive), lengths 1-10,000 bp, all inside the contig
#   ecoli.truth.vcf             dwgsim's truth VCF of the variants put into the reads
#   ecoli-1M.bam(.bai)          500,000 simulated 2x100 bp pairs (1,000,000 reads, ~20x), minimap2 -ax sr -t 2,
#                               read group sample1, coordinate-sorted, BAI index
#   ecoli-50k.bam(.bai)         the first 25,000 of those pairs (50,000 reads), aligned the same way
#
# Idempotent: a step whose outputs all exist is skipped (delete a file to remake it). Every output is
# written to a temporary name and renamed, so an interrupted run leaves no half-written file.
# Deterministic: fixed seeds (dwgsim -z, a portable LCG for the regions). Prints the time of each step.
#
# Needs: bash, awk, gzip, dwgsim, minimap2, samtools, bcftools, bgzip (htslib/tabix).
set -euo pipefail

SEED=536
PAIRS=500000
SMALL_PAIRS=25000
READ_LEN=100
THREADS=2
CONTIG=NC_008253.1

die() { echo "make-bench-data.sh: $*" >&2; exit 1; }

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
if [[ $# -ge 1 ]]; then
  src=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
  src=$repo_root/../shared/data/genomes/ecoli_536.fa.gz
fi
out=${BENCH_DATA_DIR:-$repo_root/.bench-data}

for tool in awk gzip dwgsim minimap2 samtools bcftools bgzip; do
  command -v "$tool" >/dev/null || die "\`$tool\` not found on PATH; install it (Debian: apt-get install -y $tool)"
done

mkdir -p "$out"
cd "$out"
# Leftovers of an interrupted run.
rm -rf ./*.tmp ./*.tmp.* .sim-tmp

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_all=$(now)

# step NAME OUTPUT... -- COMMAND...: run COMMAND unless every OUTPUT exists; print how long it took
# and the size of the first OUTPUT.
step() {
  local name=$1; shift
  local outputs=() missing=0
  while [[ $1 != -- ]]; do outputs+=("$1"); shift; done
  shift
  for f in "${outputs[@]}"; do [[ -e $f ]] || missing=1; done
  if [[ $missing -eq 0 ]]; then
    printf '%-28s skipped (exists: %s)\n' "$name" "${outputs[*]}"
    return
  fi
  local t0; t0=$(now)
  "$@"
  printf '%-28s %8s s  %s %s\n' "$name" "$(since "$t0")" "${outputs[0]}" "$(du -h "${outputs[0]}" | cut -f1)"
}

make_fasta() {
  [[ -r $src ]] || die "cannot read the E. coli FASTA \"$src\"; pass its path as the first argument"
  gzip -dc "$src" | awk -v W=60 -v NAME="$CONTIG" '
    /^>/ { n++; if (n > 1) { print "more than one FASTA record" > "/dev/stderr"; exit 1 }
           sub(/^>/, ""); print ">" NAME " " $0; next }
    { gsub(/[ \t\r]/, ""); buf = buf $0
      while (length(buf) >= W) { print substr(buf, 1, W); buf = substr(buf, W + 1) } }
    END { if (length(buf) > 0) print buf }
  ' > ecoli.fa.tmp
  samtools faidx --fai-idx ecoli.fa.fai.tmp ecoli.fa.tmp
  mv ecoli.fa.tmp ecoli.fa
  mv ecoli.fa.fai.tmp ecoli.fa.fai
}

make_bgzip() {
  bgzip -c -@ "$THREADS" ecoli.fa > ecoli.tmp.fa.gz
  samtools faidx ecoli.tmp.fa.gz   # writes ecoli.tmp.fa.gz.fai and .gzi
  mv ecoli.tmp.fa.gz.fai ecoli.fa.gz.fai
  mv ecoli.tmp.fa.gz.gzi ecoli.fa.gz.gzi
  mv ecoli.tmp.fa.gz ecoli.fa.gz
}

# Park-Miller minimal standard LCG (x = 48271 x mod 2^31-1): products stay below 2^53, so every awk
# (mawk, gawk, busybox) gives the same regions, unlike srand()/rand().
make_regions() {
  local len
  len=$(awk -v C="$CONTIG" '$1 == C { print $2 }' ecoli.fa.fai)
  [[ -n $len ]] || die "contig $CONTIG missing from ecoli.fa.fai"
  awk -v L="$len" -v C="$CONTIG" -v SEED="$SEED" -v N=1000 -v MAXLEN=10000 '
    function next_int(n) { x = (x * 48271) % 2147483647; return x % n }
    BEGIN {
      x = SEED
      for (i = 0; i < N; i++) {
        w = 1 + next_int(MAXLEN)                 # region length, 1..MAXLEN
        s = 1 + next_int(L - w + 1)              # 1-based start, so that end = s + w - 1 <= L
        printf "%s:%d-%d\n", C, s, s + w - 1
      }
    }' > regions-1000.txt.tmp
  # Every region must be readable by samtools.
  local got
  got=$(samtools faidx ecoli.fa -r regions-1000.txt.tmp | grep -c '^>')
  [[ $got -eq 1000 ]] || die "samtools faidx read $got of the 1000 regions"
  mv regions-1000.txt.tmp regions-1000.txt
}

simulate() {
  mkdir -p .sim-tmp
  (cd .sim-tmp && dwgsim -z "$SEED" -N "$PAIRS" -1 "$READ_LEN" -2 "$READ_LEN" -d 400 -s 50 \
    -e 0.001-0.01 -E 0.001-0.01 -r 0.001 -R 0.1 -H -y 0.01 -o 1 ../ecoli.fa sim > dwgsim.log 2>&1) \
    || { cat .sim-tmp/dwgsim.log >&2; die "dwgsim failed"; }
  bcftools view .sim-tmp/sim.mutations.vcf > /dev/null || die "dwgsim's VCF does not pass bcftools view"
  mv .sim-tmp/sim.mutations.vcf ecoli.truth.vcf
  mv .sim-tmp/sim.bwa.read1.fastq* sim.read1.fastq.gz.tmp
  mv .sim-tmp/sim.bwa.read2.fastq* sim.read2.fastq.gz.tmp
  rm -rf .sim-tmp
}

# align OUT.bam R1 R2: minimap2 -ax sr, sort, BAI.
align() {
  local bam=$1 r1=$2 r2=$3 base=${1%.bam}
  minimap2 -ax sr -t "$THREADS" -R '@RG\tID:sample1\tSM:sample1' ecoli.fa "$r1" "$r2" 2> "$base.minimap2.log" \
    | samtools sort -@ "$THREADS" -m 768M -T "$base.sort.tmp" -o "$base.tmp.bam" - \
    || { cat "$base.minimap2.log" >&2; die "aligning $bam failed"; }
  rm -f "$base.minimap2.log"
  samtools quickcheck "$base.tmp.bam" || die "samtools quickcheck failed on $base.tmp.bam"
  samtools index -@ "$THREADS" "$base.tmp.bam" "$base.bam.bai.tmp"
  mv "$base.tmp.bam" "$bam"
  mv "$base.bam.bai.tmp" "$bam.bai"
}

fastqs() {  # simulate again only when a BAM still needs the reads (dwgsim is deterministic)
  [[ -e sim.read1.fastq.gz.tmp && -e sim.read2.fastq.gz.tmp && -e ecoli.truth.vcf ]] || simulate
}

small_fastqs() {  # awk reads to the end (no SIGPIPE under pipefail, unlike head)
  local r
  for r in 1 2; do
    gzip -dc "sim.read$r.fastq.gz.tmp" | awk -v N=$((4 * SMALL_PAIRS)) 'NR <= N' | gzip -1 > "small.read$r.fastq.gz.tmp"
  done
}

step "ecoli.fa + .fai" ecoli.fa ecoli.fa.fai -- make_fasta
step "ecoli.fa.gz + .fai/.gzi" ecoli.fa.gz ecoli.fa.gz.fai ecoli.fa.gz.gzi -- make_bgzip
step "regions-1000.txt" regions-1000.txt -- make_regions
step "dwgsim (500k pairs)" ecoli.truth.vcf ecoli-1M.bam ecoli-50k.bam -- fastqs
step "align ecoli-1M.bam" ecoli-1M.bam ecoli-1M.bam.bai -- align ecoli-1M.bam sim.read1.fastq.gz.tmp sim.read2.fastq.gz.tmp
if [[ ! -e ecoli-50k.bam || ! -e ecoli-50k.bam.bai ]]; then
  step "first 25k pairs" small.read1.fastq.gz.tmp small.read2.fastq.gz.tmp -- small_fastqs
fi
step "align ecoli-50k.bam" ecoli-50k.bam ecoli-50k.bam.bai -- align ecoli-50k.bam small.read1.fastq.gz.tmp small.read2.fastq.gz.tmp
rm -f ./*.fastq.gz.tmp

printf '%-28s %8s s\n' "total" "$(since "$t_all")"
ls -l "$out"
