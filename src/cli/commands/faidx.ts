/** `locus faidx`: print regions of a FASTA exactly as `samtools faidx` does. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LocusInputError } from '../../errors.js';
import { openFasta } from '../../io/fasta.js';
import { parseRegion, resolveRegion, type ResolvedRegion } from '../../io/region.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';

interface FaidxOptions {
  regionFile?: string;
  length: number;
  output?: string;
  uppercase?: boolean;
  quiet?: boolean;
}

async function readRegionFile(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/).filter((line) => line.trim() !== '');
  } catch {
    throw new LocusInputError(
      path,
      `Cannot read region file "${path}"`,
      'give a file with one region per line',
    );
  }
}

export function registerFaidx(program: Command): void {
  program
    .command('faidx')
    .description('print FASTA regions (byte-identical to `samtools faidx`); builds a missing .fai')
    .argument('<fasta>', 'FASTA file: plain (indexed or not) or bgzip with .fai and .gzi')
    .argument('[regions...]', 'regions: CHROM, CHROM:START-END or CHROM:START (1-based, inclusive)')
    .option('-r, --region-file <file>', 'read regions from a file, one per line')
    .option('-n, --length <bases>', 'bases per output line', integer(1), 60)
    .option('-u, --uppercase', 'upper-case soft-masked (lowercase) bases')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--quiet', 'no messages on stderr')
    .addHelpText(
      'after',
      `
Examples:
  locus faidx genome.fa chr1:1,000-2,000
  locus faidx genome.fa.gz -r regions.txt -o out.fa
  locus faidx genome.fa            # only builds genome.fa.fai, as samtools does`,
    )
    .action(async (fastaPath: string, regionArgs: string[], options: FaidxOptions) => {
      const texts = [...regionArgs, ...(options.regionFile ? await readRegionFile(options.regionFile) : [])];
      const fasta = await openFasta(fastaPath);
      try {
        if (fasta.indexOrigin !== 'existing' && !options.quiet) {
          process.stderr.write(
            fasta.indexOrigin === 'built-on-disk'
              ? `locus: built index ${fastaPath}.fai\n`
              : `locus: built index of ${fastaPath} in memory (its folder is not writable)\n`,
          );
        }
        // Resolve every region before printing anything: a bad one fails the run with no partial output.
        const lengths = fasta.lengths();
        const names = new Set(lengths.keys());
        const regions: { text: string; region: ResolvedRegion }[] = texts.map((text) => ({
          text,
          region: resolveRegion(parseRegion(text, names), lengths, fastaPath),
        }));
        if (regions.length === 0) return;
        await withOutput(options.output, async (out) => {
          for (const { text, region } of regions) {
            const sequence = await fasta.fetch(region, { uppercase: options.uppercase });
            let block = `>${text.trim()}\n`;
            for (let i = 0; i < sequence.length; i += options.length) {
              block += `${sequence.slice(i, i + options.length)}\n`;
            }
            await out.write(block);
          }
        });
      } finally {
        await fasta.close();
      }
    });
}
