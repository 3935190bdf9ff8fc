/** `locus shards`: cut a reference into balanced shards for `locus variants --shard` or `--regions-file`. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { VARIANT_DEFAULTS } from '../../../pipelines/variants/variants.js';
import {
  findShard,
  planShards,
  shardBed,
  shardsBed,
  type Shard,
} from '../../../pipelines/variants/shards.js';
import { openFasta } from '../../io/fasta.js';
import { writeFileAtomic } from '../../io/files.js';
import { formatRegion } from '../../io/region.js';
import { wholeContigs } from '../../io/region-options.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';

interface ShardsCliOptions {
  count?: number;
  size?: number;
  grid: number;
  output?: string;
  splitDir?: string;
  shard?: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerShards(program: Command): void {
  program
    .command('shards')
    .description('cut a reference into balanced shards (BED) to call variants region by region')
    .argument('<reference>', 'reference FASTA (plain or bgzip; a missing .fai is built)')
    .option('--count <n>', 'number of shards', integer(1))
    .option(
      '--size <bases>',
      'about this many bases per shard: the count is the genome over this, rounded up (instead of --count)',
      integer(1),
    )
    .option(
      '--grid <bases>',
      'shard edges fall on multiples of this inside a contig: the --chunk-size of locus variants',
      integer(1),
      VARIANT_DEFAULTS.chunkSize,
    )
    .option('-o, --output <bed>', 'write the shard BED here instead of stdout')
    .option('--split-dir <dir>', 'also write one BED per shard, DIR/<shard>.bed, for --regions-file')
    .option('--shard <name>', 'write only this shard (e.g. shard-3), as the BED for --regions-file')
    .option('--json', 'print the shards as JSON (name, bases, regions in samtools syntax)')
    .option('--quiet', 'no messages on stderr')
    .addHelpText(
      'after',
      `
The shards cover every base of every contig exactly once, in reference order; small contigs share a
shard and large ones are cut, so that the largest shard (which sets how long a scattered run takes)
is as small as the grid allows. Edges inside a contig fall on the --grid, which must equal the
--chunk-size given to locus variants (both default to ${VARIANT_DEFAULTS.chunkSize.toLocaleString('en-US')}): each shard is then called
in the same chunks, with the same margins, as a whole-genome run, and the shard VCFs concatenated
(bcftools concat) equal the unsharded VCF. The BED's 4th column names each line's shard.

Examples:
  locus shards ref.fa --count 8 -o shards.bed
  locus shards ref.fa --size 1,000,000 --split-dir shards/
  locus shards ref.fa --count 8 --shard shard-3 -o shard-3.bed
  locus variants sample.bam --ref ref.fa --regions-file shard-3.bed -o shard-3.vcf.gz`,
    )
    .action(async (reference: string, options: ShardsCliOptions) => {
      if ((options.count === undefined) === (options.size === undefined))
        throw new InvalidArgumentError('give exactly one of --count and --size');
      const fasta = await openFasta(reference);
      let shards: Shard[];
      try {
        if (fasta.indexOrigin === 'built-on-disk' && !options.quiet)
          process.stderr.write(`locus: built index ${reference}.fai\n`);
        shards = planShards(wholeContigs(fasta.contigs()), {
          count: options.count,
          size: options.size,
          grid: options.grid,
        });
      } finally {
        await fasta.close();
      }
      if (options.splitDir !== undefined) {
        await mkdir(options.splitDir, { recursive: true });
        for (const shard of shards)
          await writeFileAtomic(join(options.splitDir, `${shard.name}.bed`), shardBed(shard));
      }
      if (options.shard !== undefined) shards = [findShard(shards, options.shard, reference)];
      const bed = shardsBed(shards);
      if (options.json) {
        if (options.output !== undefined) await writeFileAtomic(options.output, bed);
        await withOutput(undefined, (out) =>
          out.write(JSON.stringify(shardsJson(reference, options, shards), null, 2) + '\n'),
        );
      } else {
        await withOutput(options.output, (out) => out.write(bed));
      }
    });
}

function shardsJson(reference: string, options: ShardsCliOptions, shards: readonly Shard[]) {
  return {
    reference,
    grid: options.grid,
    shards: shards.map((s) => ({
      name: s.name,
      bases: s.bases,
      regions: s.intervals.map((r) => formatRegion(r)),
    })),
  };
}
