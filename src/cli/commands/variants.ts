/**
 * `locus variants`: germline and low-fraction SNV/indel calling from BAM (pipelines/variants). Parses
 * options, shows progress, prints a one-paragraph summary; the pipeline calls and writes the VCF.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { VARIANT_DEFAULTS } from '../../../pipelines/variants/variants.js';
import type { VariantProgress } from '../../../pipelines/variants/types.js';
import type { VariantsResult } from '../../../pipelines/variants/variants.js';
import { integer } from '../options.js';
import { interruptible } from '../interrupt.js';
import { withOutput } from '../output.js';
import { formatDuration, progressLine } from '../progress.js';

interface VariantsCliOptions {
  ref: string;
  output: string;
  ploidy: '1' | '2';
  minAf?: number;
  region?: string;
  regionsFile?: string;
  shard?: { index: number; count: number };
  workers: number;
  minMq: number;
  minBq: number;
  minQual: number;
  chunkSize: number;
  model?: string;
  backend: string;
  report?: string;
  quiet?: boolean;
  json?: boolean;
}

/** "3/8": shard 3 of 8. */
function shardOption(text: string): { index: number; count: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1) || !(index >= 1 && index <= count))
    throw new InvalidArgumentError(`expected K/N with 1 <= K <= N, such as 3/8; got "${text}"`);
  return { index, count };
}

/** A fraction strictly between 0 and 1. */
function fraction(text: string): number {
  const value = Number(text);
  if (!/^[0-9.eE+-]+$/.test(text) || !(value > 0 && value < 1))
    throw new InvalidArgumentError(
      `expected a fraction between 0 and 1 (exclusive), such as 0.05; got "${text}"`,
    );
  return value;
}

export function registerVariants(program: Command): void {
  program
    .command('variants')
    .description('call germline and low-fraction SNVs and indels from aligned reads (VCF 4.2)')
    .argument('<bam...>', 'coordinate-sorted, indexed BAMs: one sample each (read-group SM), called jointly')
    .requiredOption('--ref <fasta>', 'reference FASTA the reads were aligned to (plain or bgzip)')
    .requiredOption('-o, --output <vcf>', 'output VCF: .vcf.gz is bgzipped and tabix-indexed; - for stdout')
    .addOption(
      new Option('--ploidy <n>', 'genotype ploidy of the germline mode').choices(['1', '2']).default('2'),
    )
    .option(
      '--min-af <f>',
      'low-fraction mode: report every allele credibly present at a fraction of at least f, with AF and its 95% interval',
      fraction,
    )
    .option('--region <region>', 'call only this region (samtools syntax, e.g. chr1:10,000-20,000)')
    .option('--regions-file <bed>', 'call only the regions of this BED file')
    .option(
      '--shard <k/n>',
      'call only shard k of n of the genome (or of the regions), as `locus shards --count n` cuts it on the --chunk-size grid: the n VCFs concatenated equal one unsharded run',
      shardOption,
    )
    .option(
      '--workers <n>',
      'calling threads, by default one per CPU beyond the first, up to 4 (the output is the same for any number); with --model, the model then reads its windows on n + 1 threads (from 8 windows a thread)',
      integer(1),
      VARIANT_DEFAULTS.workers,
    )
    .option(
      '--min-mq <q>',
      'skip reads with mapping quality below this',
      integer(0, 255),
      VARIANT_DEFAULTS.minMapQ,
    )
    .option('--min-bq <q>', 'skip bases with quality below this', integer(0, 93), VARIANT_DEFAULTS.minBaseQ)
    .option(
      '--min-qual <q>',
      'write alleles with QUAL (phred probability that no sample carries them) at least this',
      integer(0),
      VARIANT_DEFAULTS.minQual,
    )
    .option(
      '--chunk-size <bases>',
      'bases per task given to a worker',
      integer(10_000),
      VARIANT_DEFAULTS.chunkSize,
    )
    .option(
      '--model <dir>',
      'language model (checkpoint folder or shipped name, e.g. ecoli-mlm): add INFO/LLR, ln P(ALT) - ln P(REF) under it',
    )
    .option('--backend <name>', 'with --model: auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu', 'auto')
    .option(
      '--report <html>',
      'also write a self-contained HTML page ranking the alleles to look at first (lowest LLR, lowest fraction, filtered)',
    )
    .option('--quiet', 'no progress line')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
How it works: every read is compared with the reference; alleles seen in at least 2 reads of a
sample become candidates (indels left-aligned as bcftools norm writes them). Each read that spans a
candidate says reference, alternate or other, with its error probability from base and mapping
quality (for indels, a rate that grows with the repeat the indel sits in). The germline mode
genotypes each sample for the ploidy (QUAL = phred probability that no sample carries the allele).
The low-fraction mode (--min-af) estimates each allele's fraction with a 95% interval; QUAL is
the phred probability that the allele is absent, with the germline mode's prior and every fraction
from --min-af to 1 equally likely on a log scale. Both modes write alleles with QUAL of at least
--min-qual (20: a 1% chance of being absent). FILTER names strand bias,
read-position bias, clustered mismatches and low-complexity context; passing records say PASS.

With --model, each record also gets INFO/LLR, ln P(ALT) - ln P(REF) under a language model from
\`locus pretrain\`, reading the reference around the allele. A masked LM (such as the shipped
ecoli-mlm) masks the k-mer token that holds the allele, with every allele token of its window masked
in the same pass: windows on a grid from the contig's start, each read at most once. A causal
single-base model (such as the shipped ecoli-causal) reads at least half its context on each side,
once from the left on the forward strand and once from the right on the reverse strand; LLR is the
mean of the two (an indel is compared at the first base where its haplotype differs, seen from each
side): up to four times the bases of the called regions. Either way one forward pass per window
(and strand) scores all the alleles in it; --json reports the passes and the bases the model read.
No model is used unless you give one; for bacterial genomes, --model ecoli-mlm.

Examples:
  locus variants sample.bam --ref ref.fa -o calls.vcf.gz --ploidy 1
  locus variants a.bam b.bam --ref ref.fa -o joint.vcf.gz --region chr1:1-1,000,000
  locus variants pooled.bam --ref ref.fa -o low.vcf.gz --min-af 0.05
  locus variants sample.bam --ref ref.fa -o scored.vcf.gz --ploidy 1 --model ecoli-mlm --report report.html`,
    )
    .action(async (bams: string[], options: VariantsCliOptions) => {
      const { callVariants } = await import('../../../pipelines/variants/variants.js');
      const line = progressLine({ quiet: options.quiet || options.json || options.output === '-' });
      let result: VariantsResult;
      try {
        result = await interruptible().run((signal) =>
          callVariants({
            ...VARIANT_DEFAULTS,
            bams,
            reference: options.ref,
            output: options.output === '-' ? process.stdout : options.output,
            ploidy: options.ploidy === '1' ? 1 : 2,
            minAf: options.minAf,
            region: options.region,
            regionsFile: options.regionsFile,
            shard: options.shard,
            workers: options.workers,
            minMapQ: options.minMq,
            minBaseQ: options.minBq,
            minQual: options.minQual,
            chunkSize: options.chunkSize,
            model: options.model,
            report: options.report,
            backend: options.backend,
            command: ['locus', ...process.argv.slice(2)].join(' '),
            signal,
            onProgress: progressReporter(line),
          }),
        );
      } finally {
        line.done();
      }
      if (options.output === '-') return;
      await withOutput(undefined, async (out) => {
        if (options.json) await out.write(JSON.stringify(result, null, 2) + '\n');
        else if (!options.quiet) await out.write(textSummary(result, options.output));
      });
    });
}

function progressReporter(line: ReturnType<typeof progressLine>) {
  let started = performance.now();
  let phase: VariantProgress['phase'] | undefined;
  return (p: VariantProgress) => {
    // Rate and ETA per phase: scoring counts windows, not bases.
    if (p.phase !== phase) [phase, started] = [p.phase, performance.now()];
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? p.done / seconds : 0;
    const eta = rate > 0 ? (p.total - p.done) / rate : NaN;
    line.update(
      `variants: ${p.phase} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}, ${Math.round(rate).toLocaleString('en-US')} ${p.unit}/s, ETA ${formatDuration(eta)}`,
    );
  };
}

function textSummary(result: VariantsResult, output: string): string {
  return (
    `${result.calls.toLocaleString('en-US')} alleles called (${result.snvs.toLocaleString('en-US')} SNVs, ${result.indels.toLocaleString('en-US')} indels; ${result.passing.toLocaleString('en-US')} PASS) ` +
    `in ${result.samples.length} sample${result.samples.length === 1 ? '' : 's'} (${result.samples.join(', ')}); ` +
    (result.llr
      ? `LLR for ${result.llr.scored.toLocaleString('en-US')} alleles from ${result.llr.model} (${result.llr.passes} forward passes over ${result.llr.basesRead.toLocaleString('en-US')} bases, ${formatDuration(result.llr.seconds)}); `
      : '') +
    `${formatDuration(result.seconds)}, peak ${Math.round(result.peakRssMb)} MB -> ${output}${result.index ? ` (+ ${result.index})` : ''}${result.report ? `, report ${result.report}` : ''}\n`
  );
}
