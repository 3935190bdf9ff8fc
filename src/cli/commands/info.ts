/** `locus info`: what a FASTA or BAM file holds. */
import type { Command } from 'commander';
import { compressionOf, readHead } from '../../io/compression.js';
import { fastaComposition } from '../../io/fasta-stream.js';
import { checkInputFile } from '../../io/files.js';
import { openBam } from '../../io/bam.js';
import { FLAG_SECONDARY, FLAG_SUPPLEMENTARY, FLAG_UNMAPPED } from '../../io/bam-records.js';
import { withOutput } from '../output.js';

interface InfoOptions {
  json?: boolean;
  output?: string;
}

async function isBam(path: string): Promise<boolean> {
  if (compressionOf(await readHead(path)) !== 'bgzf') return false;
  // BGZF FASTA and BAM share the container; the BAM magic is the first decompressed bytes.
  const { readBgzfBlocks } = await import('../../io/bgzf.js');
  for await (const block of readBgzfBlocks(path)) {
    return (
      block.data[0] === 0x42 && block.data[1] === 0x41 && block.data[2] === 0x4d && block.data[3] === 0x01
    );
  }
  return false;
}

async function fastaInfo(path: string) {
  const contigs = (await fastaComposition(path)).map((c) => ({
    name: c.name,
    length: c.length,
    gc: c.length - c.n > 0 ? (c.g + c.c) / (c.a + c.c + c.g + c.t) || 0 : 0,
    n: c.n,
    nFraction: c.length > 0 ? c.n / c.length : 0,
    softMasked: c.softMasked,
    otherIupac: c.other,
  }));
  const total = contigs.reduce((sum, c) => sum + c.length, 0);
  return { type: 'fasta' as const, path, contigs: contigs.length, totalLength: total, sequences: contigs };
}

async function bamInfo(path: string) {
  const bam = await openBam(path);
  try {
    const refs = bam.contigs().map((c) => ({ ...c, mapped: 0, unmapped: 0 }));
    let unplaced = 0;
    let secondary = 0;
    let supplementary = 0;
    let total = 0;
    await bam.visit((r) => {
      total++;
      const flag = r.flag;
      if (flag & FLAG_SECONDARY) secondary++;
      if (flag & FLAG_SUPPLEMENTARY) supplementary++;
      const ref = refs[r.refId];
      if (!ref) unplaced++;
      else if (flag & FLAG_UNMAPPED) ref.unmapped++;
      else ref.mapped++;
    });
    const sortOrder = /^@HD.*\tSO:(\S+)/m.exec(bam.header.text)?.[1] ?? 'unknown';
    return {
      type: 'bam' as const,
      path,
      index: bam.index?.path ?? null,
      sortOrder,
      reads: total,
      mapped: refs.reduce((s, r) => s + r.mapped, 0),
      unmapped: refs.reduce((s, r) => s + r.unmapped, 0) + unplaced,
      unplacedUnmapped: unplaced,
      secondary,
      supplementary,
      readGroups: bam.readGroups(),
      contigs: refs,
    };
  } finally {
    await bam.close();
  }
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description(
      'summarise a FASTA (contigs, lengths, GC, N) or BAM (contigs, mapped/unmapped reads, read groups)',
    )
    .argument('<file>', 'FASTA (plain, gzip or bgzip) or BAM')
    .option('--json', 'machine-readable output')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (path: string, options: InfoOptions) => {
      await checkInputFile(path, 'input');
      const info = (await isBam(path)) ? await bamInfo(path) : await fastaInfo(path);
      await withOutput(options.output, async (out) => {
        if (options.json) {
          await out.write(JSON.stringify(info, null, 2) + '\n');
          return;
        }
        if (info.type === 'fasta') {
          await out.write(`# ${info.path}: FASTA, ${info.contigs} contigs, ${info.totalLength} bp\n`);
          await out.write('contig\tlength\tgc\tN\tsoft_masked\n');
          for (const c of info.sequences) {
            await out.write(`${c.name}\t${c.length}\t${c.gc.toFixed(4)}\t${c.n}\t${c.softMasked}\n`);
          }
        } else {
          await out.write(
            `# ${info.path}: BAM, sorted ${info.sortOrder}, index ${info.index ?? 'none'}\n` +
              `# reads ${info.reads}, mapped ${info.mapped}, unmapped ${info.unmapped}, secondary ${info.secondary}, supplementary ${info.supplementary}\n`,
          );
          for (const rg of info.readGroups) {
            const fields = Object.entries(rg.fields)
              .map(([k, v]) => `${k}:${v}`)
              .join(' ');
            await out.write(`# read group ${rg.id}${fields ? ` ${fields}` : ''}\n`);
          }
          await out.write('contig\tlength\tmapped\tunmapped\n');
          for (const c of info.contigs)
            await out.write(`${c.name}\t${c.length}\t${c.mapped}\t${c.unmapped}\n`);
        }
      });
    });
}
