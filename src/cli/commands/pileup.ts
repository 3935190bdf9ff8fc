/** `locus pileup`: per-position base, deletion and insertion counts, as `samtools mpileup -B -d 0` counts them. */
import type { Command } from 'commander';
import { openBam } from '../../io/bam.js';
import { openFasta } from '../../io/fasta.js';
import { DEFAULT_FLAG_EXCLUDE, pileup, STRIDE, type PileupChunk } from '../../io/pileup.js';
import { parseRegion, resolveRegion } from '../../io/region.js';
import { LocusInputError } from '../../errors.js';
import { integer, samFlag } from '../options.js';
import { withOutput } from '../output.js';
import { TextBuffer } from '../text-buffer.js';

interface PileupCliOptions {
  ref: string;
  region?: string;
  minMq: number;
  minBq: number;
  excludeFlags: number;
  requireFlags: number;
  countOrphans?: boolean;
  overlapCorrection: boolean;
  strand?: boolean;
  output?: string;
}

const HEADER = 'chrom\tpos\tref\tdepth\tA\tC\tG\tT\tN\tdel\tins';
const STRAND_HEADER = '\tA+\tC+\tG+\tT+\tN+\tdel+\tins+\tA-\tC-\tG-\tT-\tN-\tdel-\tins-';

const TAB = 9;
const NEWLINE = 10;

/** TSV rows for the positions of a chunk that have reads, written as bytes (see text-buffer.ts). */
function formatChunk(out: TextBuffer, chunk: PileupChunk, reference: string, strand: boolean): void {
  const { depth, reads, counts } = chunk;
  const contig = Buffer.from(chunk.contig, 'latin1');
  for (let i = 0; i < chunk.length; i++) {
    if (reads[i] === 0) continue;
    const o = i * STRIDE;
    out
      .bytes(contig)
      .byte(TAB)
      .uint(chunk.start + i + 1)
      .byte(TAB);
    out
      .byte(i < reference.length ? reference.charCodeAt(i) : 78)
      .byte(TAB)
      .uint(depth[i]!);
    for (let k = 0; k < 7; k++) out.byte(TAB).uint(counts[o + k]! + counts[o + 7 + k]!);
    if (strand) for (let k = 0; k < STRIDE; k++) out.byte(TAB).uint(counts[o + k]!);
    out.byte(NEWLINE);
  }
}

export function registerPileup(program: Command): void {
  program
    .command('pileup')
    .description(
      'per-position A/C/G/T/N, deletion and insertion counts (equal to `samtools mpileup -B -d 0`)',
    )
    .argument('<bam>', 'coordinate-sorted BAM (indexed when --region is given)')
    .requiredOption('--ref <fasta>', 'reference FASTA the reads were aligned to')
    .option('--region <region>', 'only this region: CHROM, CHROM:START-END (1-based, inclusive)')
    .option('-q, --min-mq <mapq>', 'skip reads with mapping quality below this', integer(0, 255), 0)
    .option('-Q, --min-bq <baseq>', 'skip bases with base quality below this', integer(0, 255), 13)
    .option(
      '--exclude-flags <flag>',
      'skip reads with any of these flags (samtools --ff)',
      samFlag,
      DEFAULT_FLAG_EXCLUDE,
    )
    .option('--require-flags <flag>', 'keep only reads with all of these flags (samtools --rf)', samFlag, 0)
    .option('-A, --count-orphans', 'count paired reads that are not properly paired')
    .option('-x, --no-overlap-correction', 'count both mates where they overlap (samtools -x)')
    .option('--strand', 'add forward (+) and reverse (-) strand columns')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText(
      'after',
      `
Output: TSV with a header line; pos is 1-based; A..N and del are summed over both strands;
ins counts reads with an insertion after this position. Positions with no reads are not printed.

Examples:
  locus pileup sample.bam --ref ref.fa --region chr1:10,000-20,000
  locus pileup sample.bam --ref ref.fa -q 20 -Q 20 --strand -o counts.tsv`,
    )
    .action(async (bamPath: string, options: PileupCliOptions) => {
      const bam = await openBam(bamPath);
      const fasta = await openFasta(options.ref);
      try {
        for (const contig of bam.contigs()) {
          const refLength = fasta.lengths().get(contig.name);
          if (refLength !== undefined && refLength !== contig.length) {
            throw new LocusInputError(
              options.ref,
              `Reference "${options.ref}" does not match BAM "${bamPath}": ${contig.name} is ${refLength} bp in the FASTA but ${contig.length} bp in the BAM header`,
              'give the FASTA the reads were aligned to',
            );
          }
        }
        const region = options.region
          ? resolveRegion(parseRegion(options.region, new Set(bam.lengths().keys())), bam.lengths(), bamPath)
          : undefined;
        if (region && !fasta.has(region.contig)) {
          throw new LocusInputError(
            options.ref,
            `Contig "${region.contig}" is not in reference "${options.ref}"`,
            'give the FASTA the reads were aligned to',
          );
        }
        await withOutput(options.output, async (out) => {
          await out.write(HEADER + (options.strand ? STRAND_HEADER : '') + '\n');
          const lengths = fasta.lengths();
          const text = new TextBuffer();
          await pileup(
            bam,
            async (chunk: PileupChunk) => {
              const contigLength = lengths.get(chunk.contig) ?? 0;
              const end = Math.min(chunk.start + chunk.length, contigLength);
              const reference = await fasta.fetch(
                { contig: chunk.contig, start: chunk.start, end },
                { uppercase: true },
              );
              formatChunk(text, chunk, reference, options.strand ?? false);
              await out.write(text.take());
            },
            {
              region,
              minMapQ: options.minMq,
              minBaseQ: options.minBq,
              flagExclude: options.excludeFlags,
              flagRequire: options.requireFlags,
              countOrphans: options.countOrphans ?? false,
              overlapCorrection: options.overlapCorrection,
            },
          );
        });
      } finally {
        await Promise.all([bam.close(), fasta.close()]);
      }
    });
}
