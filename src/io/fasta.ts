/**
 * Indexed FASTA: contigs, lengths and region fetch, byte-identical to `samtools faidx`.
 *
 * Plain FASTA uses `x.fa.fai`; a missing one is built (next to the file when the folder is writable,
 * else in memory) exactly as samtools builds it. bgzip FASTA needs `x.fa.gz.fai` and `x.fa.gz.gzi`
 * (`samtools faidx x.fa.gz` writes both). A plain-gzip FASTA cannot be indexed: it gets an error that
 * says how to recompress it; `readFastaRecords` still streams it for whole-file passes.
 */
import { dirname } from 'node:path';
import { IndexedFasta, BgzipIndexedFasta } from '@gmod/indexedfasta';
import type { GenericFilehandle } from 'generic-filehandle2';
import { LocusInputError } from '../errors.js';
import { checkInputFile, exists, isWritableDir, writeFileAtomic } from './files.js';
import { compressionOf, readHead, sniffReadsFile, type Compression } from './compression.js';
import { buildFai, formatFai, parseFai, recordEnd, type FaiRecord } from './fasta-index.js';
import { MemoryFile, OpenFile } from './filehandle.js';
import type { ResolvedRegion } from './region.js';

export interface Contig {
  name: string;
  length: number;
}

export interface FetchOptions {
  /** Upper-case soft-masked (lowercase) bases. Default false: the sequence is returned as stored. */
  uppercase?: boolean;
  signal?: AbortSignal;
}

export interface OpenFastaOptions {
  signal?: AbortSignal;
  /** Where a missing `.fai` goes: 'auto' (next to the FASTA if writable, else memory) or 'memory'. */
  writeIndex?: 'auto' | 'memory';
}

/** How the index was obtained; the CLI tells the user when it built one. */
export type IndexOrigin = 'existing' | 'built-on-disk' | 'built-in-memory';

export class FastaFile {
  private readonly byName: Map<string, FaiRecord>;

  constructor(
    readonly path: string,
    readonly compression: Compression,
    readonly records: readonly FaiRecord[],
    readonly indexOrigin: IndexOrigin,
    private readonly reader: IndexedFasta,
    private readonly handles: GenericFilehandle[],
  ) {
    this.byName = new Map(records.map((r) => [r.name, r]));
  }

  contigs(): Contig[] {
    return this.records.map(({ name, length }) => ({ name, length }));
  }

  /** Contig lengths by name, for `resolveRegion`. */
  lengths(): Map<string, number> {
    return new Map(this.records.map((r) => [r.name, r.length]));
  }

  has(contig: string): boolean {
    return this.byName.has(contig);
  }

  /** Bases of `[start, end)` on a contig. The region must already be resolved against `lengths()`. */
  async fetch(region: ResolvedRegion, options: FetchOptions = {}): Promise<string> {
    const record = this.byName.get(region.contig);
    if (!record) {
      throw new LocusInputError(region.contig, `Unknown contig "${region.contig}" in "${this.path}"`);
    }
    if (region.start < 0 || region.end > record.length || region.start > region.end) {
      throw new RangeError(
        `region [${region.start}, ${region.end}) is outside ${region.contig} (0..${record.length})`,
      );
    }
    const sequence = await this.reader.getSequence(region.contig, region.start, region.end, {
      signal: options.signal,
    });
    if (sequence === undefined) {
      throw new LocusInputError(region.contig, `Unknown contig "${region.contig}" in "${this.path}"`);
    }
    if (sequence.length !== region.end - region.start) {
      throw new LocusInputError(
        this.path,
        `FASTA "${this.path}" returned ${sequence.length} bases for ${region.contig}:${region.start + 1}-${region.end}, expected ${region.end - region.start}: the file is truncated or its index is stale`,
        `delete "${this.path}.fai" and run \`samtools faidx ${this.path}\``,
      );
    }
    return options.uppercase ? sequence.toUpperCase() : sequence;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}

const staleHint = (path: string) =>
  `delete "${path}.fai" and run \`samtools faidx ${path}\` (or let Locus rebuild it)`;

/**
 * Check an existing index against its FASTA without reading the whole file: every record's header
 * line must name the contig (first and last 64 records), and for plain FASTA the last record must end
 * where the file ends. This catches the common stale index: a FASTA edited or replaced after indexing.
 */
async function checkIndexMatches(
  path: string,
  records: readonly FaiRecord[],
  data: GenericFilehandle,
  compression: Compression,
  fileSize: number,
): Promise<void> {
  if (records.length === 0) {
    throw new LocusInputError(`${path}.fai`, `FASTA index "${path}.fai" is empty`, staleHint(path));
  }
  const sampled = records.length <= 128 ? records : [...records.slice(0, 64), ...records.slice(-64)];
  for (const record of sampled) {
    const window = Math.min(record.offset, record.name.length + 4096);
    const bytes = await data.read(window, record.offset - window);
    const text = Buffer.from(bytes).toString('latin1');
    const headerStart = text.lastIndexOf('>', text.length - 1);
    const header = headerStart < 0 ? '' : text.slice(headerStart + 1).replace(/\r?\n$/, '');
    const nameInHeader = header.trimStart().split(/\s/, 1)[0];
    if (!text.endsWith('\n') || nameInHeader !== record.name) {
      throw new LocusInputError(
        `${path}.fai`,
        `FASTA index "${path}.fai" does not match "${path}": contig "${record.name}" is not at byte ${record.offset}`,
        staleHint(path),
      );
    }
  }
  if (compression === 'none') {
    const last = records[records.length - 1]!;
    const end = recordEnd(last);
    const tail =
      end <= fileSize
        ? Buffer.from(await data.read(Math.min(fileSize - end, 4096), end)).toString('latin1')
        : null;
    if (tail === null || fileSize - end > 4096 || /[^\r\n]/.test(tail)) {
      throw new LocusInputError(
        `${path}.fai`,
        `FASTA index "${path}.fai" does not match "${path}": the file is ${fileSize} bytes but the index ends its last contig at byte ${end}`,
        staleHint(path),
      );
    }
  }
}

/**
 * Throws when a file given as a FASTA is reads or alignments (a BAM is BGZF like a bgzip FASTA), so
 * the message says what the file is rather than asking for an index of it.
 */
async function checkNotReadsFile(path: string): Promise<void> {
  const kind = await sniffReadsFile(path);
  if (kind) {
    throw new LocusInputError(
      path,
      `"${path}" is a ${kind} file, not a FASTA`,
      'give a FASTA of the sequences themselves (e.g. the reference ref.fa); this file holds reads',
    );
  }
}

/** Open a FASTA for random access, building or checking its index as needed. */
export async function openFasta(path: string, options: OpenFastaOptions = {}): Promise<FastaFile> {
  const size = await checkInputFile(path, 'FASTA');
  if (size === 0) {
    throw new LocusInputError(
      path,
      `FASTA file "${path}" is empty`,
      'give a FASTA file with at least one sequence',
    );
  }
  const compression = compressionOf(await readHead(path));
  const faiPath = `${path}.fai`;

  if (compression === 'gzip') {
    // genome.fa.gz -> genome.bgz.fa.gz: a name that still says FASTA and bgzip.
    const recompressed = `${path.replace(/\.gz$/, '').replace(/\.(fa|fasta|fna|fas)$/i, '')}.bgz.fa.gz`;
    throw new LocusInputError(
      path,
      `FASTA "${path}" is gzip-compressed, not bgzip-compressed, so it cannot be read by region`,
      `recompress it: \`gunzip -c ${path} | bgzip > ${recompressed} && samtools faidx ${recompressed}\``,
    );
  }

  let records: FaiRecord[];
  let indexOrigin: IndexOrigin = 'existing';
  let faiHandle: GenericFilehandle;
  if (await exists(faiPath)) {
    faiHandle = new OpenFile(faiPath);
    records = parseFai(Buffer.from(await faiHandle.readFile()).toString('latin1'), faiPath);
  } else if (compression === 'bgzf') {
    await checkNotReadsFile(path);
    throw new LocusInputError(
      path,
      `No index for bgzip FASTA "${path}": ${faiPath} is missing`,
      `run \`samtools faidx ${path}\``,
    );
  } else {
    await checkNotReadsFile(path);
    records = await buildFai(path, options.signal);
    const text = formatFai(records);
    if (options.writeIndex !== 'memory' && (await isWritableDir(dirname(path)))) {
      await writeFileAtomic(faiPath, text);
      faiHandle = new OpenFile(faiPath);
      indexOrigin = 'built-on-disk';
    } else {
      faiHandle = new MemoryFile(new TextEncoder().encode(text));
      indexOrigin = 'built-in-memory';
    }
  }

  const dataHandle = new OpenFile(path);
  const handles: GenericFilehandle[] = [dataHandle, faiHandle];
  let reader: IndexedFasta;
  if (compression === 'bgzf') {
    const gziPath = `${path}.gzi`;
    if (!(await exists(gziPath))) {
      throw new LocusInputError(
        path,
        `No .gzi index for bgzip FASTA "${path}": ${gziPath} is missing`,
        `run \`samtools faidx ${path}\``,
      );
    }
    const gziHandle = new OpenFile(gziPath);
    handles.push(gziHandle);
    reader = new BgzipIndexedFasta({ fasta: dataHandle, fai: faiHandle, gzi: gziHandle });
  } else {
    reader = new IndexedFasta({ fasta: dataHandle, fai: faiHandle });
  }

  try {
    // For bgzip the data reads go through the decompressing handle, in uncompressed coordinates.
    const readable =
      compression === 'bgzf' ? (reader as unknown as { fasta: GenericFilehandle }).fasta : dataHandle;
    if (indexOrigin === 'existing') await checkIndexMatches(path, records, readable, compression, size);
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    throw err;
  }
  return new FastaFile(path, compression, records, indexOrigin, reader, handles);
}
