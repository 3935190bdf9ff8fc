/** `locus tokenize`: the model's view of a region - k-mer token ids with the genome interval of each. */
import type { Command } from 'commander';
import { openFasta } from '../../io/fasta.js';
import { formatRegion, parseRegion, resolveRegion } from '../../io/region.js';
import { KmerTokenizer, tokenizeWindow, tokenCoordinates, type Strand } from '../../tokenize/index.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';
import { LocusInputError } from '../../errors.js';

interface TokenizeOptions {
  region: string;
  k: number;
  stride?: number;
  strand: string;
  json?: boolean;
  output?: string;
}

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('print the k-mer token ids of a region with the genome interval each token covers')
    .argument('<fasta>', 'reference FASTA (plain or bgzip)')
    .requiredOption('--region <region>', 'CHROM, CHROM:START-END or CHROM:START (1-based, inclusive)')
    .option('-k, --k <k>', 'k-mer length, 1 to 8', integer(1, 8), 6)
    .option('--stride <bases>', 'bases between token starts (default: k; 1 = overlapping k-mers)', integer(1))
    .option(
      '--strand <strand>',
      "'+' or '-' (reverse complement; tokens then run 3' to 5' on the genome)",
      '+',
    )
    .option('--json', 'machine-readable output')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText(
      'after',
      `
Output: BED-like TSV (chrom, 0-based start, end, token id, token). A k-mer holding N or another
IUPAC code is [UNK]; a tail shorter than k is not tokenized.

Examples:
  locus tokenize samples/lambda.fa --region lambda:1-60
  locus tokenize samples/lambda.fa --region lambda:1-60 -k 6 --stride 1 --json`,
    )
    .action(async (fastaPath: string, options: TokenizeOptions) => {
      if (options.strand !== '+' && options.strand !== '-') {
        throw new LocusInputError(options.strand, `Unknown strand "${options.strand}"`, "use '+' or '-'");
      }
      const strand = options.strand as Strand;
      const tokenizer = new KmerTokenizer({ k: options.k, stride: options.stride ?? options.k });
      const fasta = await openFasta(fastaPath);
      try {
        const lengths = fasta.lengths();
        const region = resolveRegion(
          parseRegion(options.region, new Set(lengths.keys())),
          lengths,
          fastaPath,
        );
        const sequence = await fasta.fetch(region);
        const tokenized = tokenizeWindow(tokenizer, region, sequence, strand);
        const names = tokenizer.decode(tokenized.ids);
        await withOutput(options.output, async (out) => {
          if (options.json) {
            const tokens = Array.from(tokenized.ids, (id, i) => {
              const where = tokenCoordinates(tokenized, i);
              return { start: where.start, end: where.end, id, token: names[i] };
            });
            const report = {
              region: formatRegion(region),
              contig: region.contig,
              strand,
              k: tokenizer.k,
              stride: tokenizer.stride,
              vocabSize: tokenizer.vocabSize,
              tokens,
            };
            await out.write(JSON.stringify(report) + '\n');
            return;
          }
          await out.write('#chrom\tstart\tend\tid\ttoken\n');
          for (let i = 0; i < tokenized.ids.length; i++) {
            const where = tokenCoordinates(tokenized, i);
            await out.write(
              `${region.contig}\t${where.start}\t${where.end}\t${tokenized.ids[i]}\t${names[i]}\n`,
            );
          }
        });
      } finally {
        await fasta.close();
      }
    });
}
