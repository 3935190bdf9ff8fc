/**
 * The genome a scan reads: every record of a FASTA (plain, gzip or bgzip) in memory, or one region of
 * it, checked for the mistakes people make when pointing a genome tool at a file: a BAM, a protein
 * FASTA, an empty or too short sequence.
 */
import { LocusInputError } from '../../src/errors.js';
import { sniffReadsFile } from '../../src/io/compression.js';
import { checkInputFile } from '../../src/io/files.js';
import { readFastaRecords } from '../../src/io/fasta-stream.js';
import { formatRegion } from '../../src/io/region.js';
import { regionsOfOptions, type RegionOptions } from '../../src/io/region-options.js';
import { countAmbiguous } from '../../src/train/data/genome-windows.js';

export interface ScanContig {
  name: string;
  /** Bases as stored (soft-masked lowercase and N runs kept; the scan reads case-insensitively). */
  sequence: string;
  /** Where `sequence` starts on the contig (non-zero only with a region). */
  offset: number;
  /** Full contig length in the FASTA. */
  contigLength: number;
}

export interface ScanGenome {
  path: string;
  contigs: ScanContig[];
  /** A/C/G/T bases in all, either case. */
  acgtBases: number;
  /** What was scanned when not the whole genome: a region in samtools syntax, or the regions file. */
  region?: string;
}

async function checkNotAlignmentFile(path: string): Promise<void> {
  const kind = await sniffReadsFile(path);
  if (kind === 'BAM' || kind === 'CRAM') {
    throw new LocusInputError(
      path,
      `"${path}" is a ${kind} alignment file, not a genome FASTA`,
      'give the assembly or reference FASTA to scan (e.g. genome.fa or genome.fa.gz)',
    );
  }
  if (kind === 'FASTQ') {
    throw new LocusInputError(
      path,
      `"${path}" looks like FASTQ reads, not a genome FASTA`,
      'assemble the reads first and scan the assembly FASTA',
    );
  }
}

const DNA_SYMBOLS = /[^ACGTUNRYSWKMBDHVacgtunryswkmbdhv\-*.]/g;

/** Read the genome (or regions of it) into memory and check it is DNA. */
export async function readScanGenome(
  path: string,
  options: RegionOptions & { signal?: AbortSignal } = {},
): Promise<ScanGenome> {
  await checkInputFile(path, 'FASTA');
  await checkNotAlignmentFile(path);
  const contigs: ScanContig[] = [];
  const names = new Set<string>();
  for await (const record of readFastaRecords(path, options.signal)) {
    if (names.has(record.name)) {
      throw new LocusInputError(
        path,
        `FASTA "${path}" has two sequences named "${record.name}"`,
        'give every sequence a unique name (the first word of its ">" line)',
      );
    }
    names.add(record.name);
    contigs.push({
      name: record.name,
      sequence: record.sequence,
      offset: 0,
      contigLength: record.sequence.length,
    });
  }
  let region: string | undefined;
  let chosen = contigs;
  if (options.region !== undefined || options.regionsFile !== undefined) {
    const resolved = await regionsOfOptions(
      options,
      contigs.map((c) => ({ name: c.name, length: c.contigLength })),
      path,
    );
    chosen = resolved.map((r) => {
      const contig = contigs.find((c) => c.name === r.contig)!;
      return {
        name: contig.name,
        sequence: contig.sequence.slice(r.start, r.end),
        offset: r.start,
        contigLength: contig.contigLength,
      };
    });
    region =
      options.region !== undefined
        ? formatRegion(resolved[0]!)
        : `${resolved.length.toLocaleString('en-US')} region${resolved.length === 1 ? '' : 's'} of ${options.regionsFile}`;
  }
  checkDna(path, chosen);
  let acgtBases = 0;
  for (const c of chosen) acgtBases += c.sequence.length - countAmbiguous(c.sequence);
  return { path, contigs: chosen, acgtBases, ...(region ? { region } : {}) };
}

/** More than 10% of symbols outside the DNA/IUPAC alphabet means protein (or text), not a genome. */
function checkDna(path: string, contigs: readonly ScanContig[]): void {
  let total = 0;
  let foreign = 0;
  for (const c of contigs) {
    total += c.sequence.length;
    foreign += c.sequence.match(DNA_SYMBOLS)?.length ?? 0;
  }
  if (total === 0) {
    throw new LocusInputError(path, `"${path}" holds only empty sequences`, 'give a FASTA with DNA sequence');
  }
  if (foreign > 0.1 * total) {
    throw new LocusInputError(
      path,
      `"${path}" does not look like DNA: ${((100 * foreign) / total).toFixed(0)}% of its symbols are not A/C/G/T/N or IUPAC codes (a protein FASTA?)`,
      'give a nucleotide FASTA of the genome to scan',
    );
  }
}
