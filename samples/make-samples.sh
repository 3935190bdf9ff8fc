#!/usr/bin/env bash
# make-samples.sh: build Locus's sample inputs in samples/ from the lambda phage genome.
#
# Usage (from anywhere; outputs always land in <repo>/samples/):
#   bash samples/make-samples.sh [LAMBDA_FASTA]      # or: npm run samples
# LAMBDA_FASTA defaults to ../shared/data/genomes/lambda_virus.fa relative to the repo root
# (Enterobacteria phage lambda, NC_001416.1, 48,502 bp, one record; from Debian's bowtie2-examples).
#
# It writes (and overwrites):
#   samples/lambda.fa(.fai)             the genome, contig renamed to `lambda`, 60-column lines
#   samples/lambda.fa.gz(.fai,.gzi)     bgzip copy of it, indexed by samtools faidx
#   samples/lambda.truth.vcf            dwgsim's truth VCF: the SNPs and small indels put into the reads
#   samples/lambda.bam(.bai)            4,000 simulated 2x150 bp pairs (~25x), minimap2 -ax sr,
#                                       read group sample1, coordinate-sorted, BAI index
# Intermediate FASTQs are made in a temporary folder and deleted.
#
# Needs: bash, awk, dwgsim, minimap2, samtools, bcftools, bgzip (htslib/tabix).
# Deterministic: dwgsim runs with a fixed seed and every command sees only relative paths,
# so the same tool versions give byte-identical outputs (the @PG lines record the versions).
set -euo pipefail

SEED=11
PAIRS=4000          # 4,000 pairs x 2 x 150 bp / 48,502 bp = ~24.7x coverage
READ_LEN=150
MUT_RATE=0.001      # ~50 mutations on 48.5 kb
INDEL_FRAC=0.2      # of which ~20% are small indels
RANDOM_READS=0.01   # 1% of pairs are random DNA: they stay unmapped (an edge case readers must handle)

die() { echo "make-samples.sh: $*" >&2; exit 1; }

# Resolve the input against the caller's directory before moving to the repo root.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 1 ]]; then
  src=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
  src=$repo_root/../shared/data/genomes/lambda_virus.fa
fi
[[ -r $src ]] || die "cannot read the lambda FASTA \"$src\"; pass its path as the first argument"

for tool in awk dwgsim minimap2 samtools bcftools bgzip; do
  command -v "$tool" >/dev/null || die "\`$tool\` not found on PATH; install it (Debian: apt-get install -y $tool)"
done

out=$repo_root/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 1. Reference: one record, contig renamed to `lambda` (old header kept as the description), 60-column lines.
nrec=$(grep -c '^>' "$src" || true)
[[ $nrec -eq 1 ]] || die "expected one FASTA record in \"$src\", found $nrec"
awk -v W=60 '
  /^>/ { sub(/^>/, ""); print ">lambda " $0; next }
  { gsub(/[ \t\r]/, ""); buf = buf $0
    while (length(buf) >= W) { print substr(buf, 1, W); buf = substr(buf, W + 1) } }
  END { if (length(buf) > 0) print buf }
' "$src" > lambda.fa
samtools faidx lambda.fa
bgzip -c lambda.fa > lambda.fa.gz
samtools faidx lambda.fa.gz            # writes lambda.fa.gz.fai and lambda.fa.gz.gzi

# 2. Simulated reads with known variants (haploid: a phage has one genome copy).
dwgsim -z "$SEED" -N "$PAIRS" -1 "$READ_LEN" -2 "$READ_LEN" -d 400 -s 50 \
  -e 0.001-0.01 -E 0.001-0.01 -r "$MUT_RATE" -R "$INDEL_FRAC" -H -y "$RANDOM_READS" -o 1 \
  lambda.fa sim > dwgsim.log 2>&1 || { cat dwgsim.log >&2; die "dwgsim failed"; }
# dwgsim writes sim.bwa.read{1,2}.fastq.gz (older versions: .fastq without .gz).
r1=$(ls sim.bwa.read1.fastq* | head -1)
r2=$(ls sim.bwa.read2.fastq* | head -1)

# Truth VCF: dwgsim's VCF 4.1 passes bcftools as written; check it and that REF matches the genome.
bcftools view sim.mutations.vcf > /dev/null || die "dwgsim's VCF does not pass bcftools view"
bcftools norm --check-ref e -f lambda.fa sim.mutations.vcf -o /dev/null 2> norm.log \
  || { cat norm.log >&2; die "dwgsim's VCF REF alleles do not match lambda.fa"; }
cp sim.mutations.vcf lambda.truth.vcf

# 3. Align, sort, index. minimap2 strips the /1 and /2 suffixes from the read names.
minimap2 -ax sr -t 2 -R '@RG\tID:sample1\tSM:sample1' lambda.fa "$r1" "$r2" 2> minimap2.log \
  | samtools sort -o lambda.bam - \
  || { cat minimap2.log >&2; die "alignment failed"; }
samtools index lambda.bam
samtools quickcheck lambda.bam || die "samtools quickcheck failed on lambda.bam"

# 4. Publish (FASTQs and logs stay behind in the temporary folder).
for f in lambda.fa lambda.fa.fai lambda.fa.gz lambda.fa.gz.fai lambda.fa.gz.gzi \
         lambda.truth.vcf lambda.bam lambda.bam.bai; do
  cp "$f" "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"
done

nvar=$(grep -vc '^#' lambda.truth.vcf)
echo "samples/: $(samtools view -c lambda.bam) reads, $(samtools view -c -f 2 lambda.bam) properly paired," \
  "$nvar truth variants; $(du -ch "$out"/lambda.* | tail -1 | cut -f1) in all"
