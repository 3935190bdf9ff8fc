/**
 * A genome to cut sequences from: random access through the index for plain or bgzip FASTA, or the
 * whole genome in memory (always for plain gzip, which cannot be read by region; on request for the
 * others, e.g. to sample synchronously inside a training loop). Coordinates are 0-based half-open.
 */
import { LocusInputError } from '../../errors.js';
import { compressionOf, readHead } from '../../io/compression.js';
import { openFasta, type FastaFile } from '../../io/fasta.js';
import { readFastaRecords } from '../../io/fasta-stream.js';
import { checkInputFile } from '../../io/files.js';

export interface GenomeContig {
  name: string;
  length: number;
}

/**
 * - `auto` (default): through the index for plain FASTA (a missing `.fai` is built, as `samtools
 *   faidx` would) and bgzip FASTA (needs `.fai` and `.gzi`); in memory for plain gzip.
 * - `memory`: read every sequence into memory (bacterial and viral genomes: a few MB).
 * - `index`: random access only; plain gzip is then an error that says how to recompress.
 */
export type GenomeLoad = 'auto' | 'memory' | 'index';

export interface OpenGenomeOptions {
  load?: GenomeLoad;
  signal?: AbortSignal;
}

export interface Genome {
  readonly path: string;
  readonly contigs: readonly GenomeContig[];
  /** True when every sequence is in memory, so `getSync` works. */
  readonly inMemory: boolean;
  /** Contig length, or undefined for an unknown contig. */
  length(contig: string): number | undefined;
  /** Bases `[start, end)` of a contig, as stored (soft-masked lowercase kept). */
  get(contig: string, start: number, end: number): Promise<string>;
  /** Same, synchronously; only when `inMemory` (a TypeError otherwise). */
  getSync(contig: string, start: number, end: number): string;
  close(): Promise<void>;
}

function checkRange(genome: Genome, contig: string, start: number, end: number): void {
  const length = genome.length(contig);
  if (length === undefined) {
    throw new LocusInputError(contig, `Unknown contig "${contig}" in "${genome.path}"`);
  }
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end > length ||
    start > end
  ) {
    throw new RangeError(`[${start}, ${end}) is outside ${contig} (0..${length}) in "${genome.path}"`);
  }
}

class MemoryGenome implements Genome {
  readonly inMemory = true;
  private readonly sequences: Map<string, string>;
  readonly contigs: readonly GenomeContig[];

  constructor(
    readonly path: string,
    records: readonly { name: string; sequence: string }[],
  ) {
    this.sequences = new Map();
    for (const r of records) {
      if (this.sequences.has(r.name)) {
        throw new LocusInputError(
          path,
          `FASTA "${path}" has two sequences named "${r.name}"`,
          'give every sequence a unique name (the first word of its ">" line)',
        );
      }
      this.sequences.set(r.name, r.sequence);
    }
    this.contigs = records.map((r) => ({ name: r.name, length: r.sequence.length }));
  }

  length(contig: string): number | undefined {
    return this.sequences.get(contig)?.length;
  }

  getSync(contig: string, start: number, end: number): string {
    checkRange(this, contig, start, end);
    return this.sequences.get(contig)!.slice(start, end);
  }

  async get(contig: string, start: number, end: number): Promise<string> {
    return this.getSync(contig, start, end);
  }

  async close(): Promise<void> {}
}

class IndexedGenome implements Genome {
  readonly inMemory = false;
  readonly contigs: readonly GenomeContig[];
  private readonly lengths: Map<string, number>;

  constructor(private readonly fasta: FastaFile) {
    this.contigs = fasta.contigs();
    this.lengths = fasta.lengths();
  }

  get path(): string {
    return this.fasta.path;
  }

  length(contig: string): number | undefined {
    return this.lengths.get(contig);
  }

  async get(contig: string, start: number, end: number): Promise<string> {
    checkRange(this, contig, start, end);
    return this.fasta.fetch({ contig, start, end });
  }

  getSync(): string {
    throw new TypeError(
      `Genome "${this.path}" is read through its index, not held in memory; open it with load: 'memory' to read synchronously`,
    );
  }

  close(): Promise<void> {
    return this.fasta.close();
  }
}

/** Open a FASTA genome (plain, gzip or bgzip) for cutting sequences. */
export async function openGenome(path: string, options: OpenGenomeOptions = {}): Promise<Genome> {
  const load = options.load ?? 'auto';
  if (load !== 'auto' && load !== 'memory' && load !== 'index') {
    throw new TypeError(`load must be 'auto', 'memory' or 'index', got ${String(load)}`);
  }
  await checkInputFile(path, 'FASTA');
  const compression = compressionOf(await readHead(path));
  if (load === 'memory' || (load === 'auto' && compression === 'gzip')) {
    const records: { name: string; sequence: string }[] = [];
    for await (const record of readFastaRecords(path, options.signal)) {
      records.push({ name: record.name, sequence: record.sequence });
    }
    return new MemoryGenome(path, records);
  }
  return new IndexedGenome(await openFasta(path, { signal: options.signal }));
}
