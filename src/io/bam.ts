/**
 * BAM files: header, contigs, read groups, region queries that return exactly what `samtools view`
 * returns, and the index chunks the fast record reader (`bam-records.ts`) needs.
 *
 * @gmod/bam parses the indexes (BAI and CSI) and serves region queries as `BamRecord` objects;
 * whole-file and pileup passes use `visitRecords`, which is several times faster because it never
 * builds an object per read.
 */
import { BamFile as GmodBamFile, BAI, CSI, type BamRecord } from '@gmod/bam';
import { LocusInputError } from '../errors.js';
import { hasBgzfEof } from './bgzf.js';
import {
  readBamHeader,
  visitRecords,
  type BamHeader,
  type ChunkRange,
  type RawRecord,
} from './bam-records.js';
import { compressionOf, readHead } from './compression.js';
import { checkInputFile, exists } from './files.js';
import { OpenFile } from './filehandle.js';
import type { ResolvedRegion } from './region.js';

/** samtools-style read filters: `-f` (all bits required), `-F` (no bit allowed), `-q` (minimum MAPQ). */
export interface ReadFilter {
  flagRequire?: number;
  flagExclude?: number;
  minMapQ?: number;
}

export function passesFilter(flag: number, mapq: number, filter: ReadFilter): boolean {
  const require = filter.flagRequire ?? 0;
  return (
    (flag & require) === require && (flag & (filter.flagExclude ?? 0)) === 0 && mapq >= (filter.minMapQ ?? 0)
  );
}

export interface ReadGroup {
  id: string;
  /** Other @RG fields (SM, LB, PL, ...). */
  fields: Record<string, string>;
}

/** Index next to a BAM, in samtools' search order: x.bam.bai, x.bai, x.bam.csi. */
export async function findBamIndex(path: string): Promise<{ kind: 'bai' | 'csi'; path: string } | undefined> {
  const candidates: { kind: 'bai' | 'csi'; path: string }[] = [
    { kind: 'bai', path: `${path}.bai` },
    { kind: 'bai', path: path.replace(/\.bam$/, '.bai') },
    { kind: 'csi', path: `${path}.csi` },
  ];
  for (const candidate of candidates) {
    if (candidate.path !== path && (await exists(candidate.path))) return candidate;
  }
  return undefined;
}

export class BamReader {
  private readonly references: Map<string, number>;
  private gmod: GmodBamFile | undefined;
  private readonly handles: OpenFile[] = [];

  constructor(
    readonly path: string,
    readonly header: BamHeader,
    readonly index: { kind: 'bai' | 'csi'; path: string } | undefined,
  ) {
    this.references = new Map(header.references.map((r, i) => [r.name, i]));
  }

  contigs(): { name: string; length: number }[] {
    return this.header.references.map(({ name, length }) => ({ name, length }));
  }

  lengths(): Map<string, number> {
    return new Map(this.header.references.map((r) => [r.name, r.length]));
  }

  refId(contig: string): number {
    const id = this.references.get(contig);
    if (id === undefined)
      throw new LocusInputError(contig, `Unknown contig "${contig}" in BAM "${this.path}"`);
    return id;
  }

  readGroups(): ReadGroup[] {
    const groups: ReadGroup[] = [];
    for (const line of this.header.text.split('\n')) {
      if (!line.startsWith('@RG\t')) continue;
      const fields: Record<string, string> = {};
      for (const field of line.split('\t').slice(1)) {
        const colon = field.indexOf(':');
        if (colon > 0) fields[field.slice(0, colon)] = field.slice(colon + 1);
      }
      const { ID: id = '', ...rest } = fields;
      groups.push({ id, fields: rest });
    }
    return groups;
  }

  private requireIndex(): { kind: 'bai' | 'csi'; path: string } {
    if (!this.index) {
      throw new LocusInputError(
        this.path,
        `Cannot read BAM index for "${this.path}": no ${this.path}.bai or ${this.path}.csi`,
        `run \`samtools index ${this.path}\``,
      );
    }
    return this.index;
  }

  private gmodFile(): GmodBamFile {
    if (!this.gmod) {
      const index = this.requireIndex();
      const bam = new OpenFile(this.path);
      const indexHandle = new OpenFile(index.path);
      this.handles.push(bam, indexHandle);
      this.gmod =
        index.kind === 'bai'
          ? new GmodBamFile({ bamFilehandle: bam, baiFilehandle: indexHandle })
          : new GmodBamFile({ bamFilehandle: bam, csiFilehandle: indexHandle });
    }
    return this.gmod;
  }

  /**
   * Records overlapping a region, as `samtools view BAM REGION` returns them, then filtered.
   * @gmod/bam also returns reads that end exactly at the region start; they are dropped here.
   */
  async queryReads(
    region: ResolvedRegion,
    filter: ReadFilter = {},
    signal?: AbortSignal,
  ): Promise<BamRecord[]> {
    const bam = this.gmodFile();
    await bam.getHeader({ signal });
    const records = await bam.getRecordsForRange(region.contig, region.start, region.end, { signal });
    return records.filter(
      (r) =>
        Math.max(r.end, r.start + 1) > region.start &&
        r.start < region.end &&
        passesFilter(r.flags, r.mq ?? 255, filter),
    );
  }

  /** Index chunks (virtual-offset ranges) that hold every read overlapping the region. */
  async chunksFor(region: ResolvedRegion, signal?: AbortSignal): Promise<ChunkRange[]> {
    const index = this.requireIndex();
    const handle = new OpenFile(index.path);
    this.handles.push(handle);
    const reader = index.kind === 'bai' ? new BAI({ filehandle: handle }) : new CSI({ filehandle: handle });
    const chunks = await reader.blocksForRange(this.refId(region.contig), region.start, region.end, {
      signal,
    });
    return chunks.map((c) => ({
      startBlock: c.minv.blockPosition,
      startInBlock: c.minv.dataPosition,
      endBlock: c.maxv.blockPosition,
      endInBlock: c.maxv.dataPosition,
    }));
  }

  /**
   * Visit raw records: the whole file, or (with a region) only the index chunks that can overlap it.
   * Records from the chunks may lie outside the region; callers check positions.
   */
  async visit(
    visitor: (record: RawRecord) => boolean | void,
    options: { region?: ResolvedRegion; signal?: AbortSignal; onBlock?: () => Promise<void> | void } = {},
  ): Promise<void> {
    const chunks = options.region ? await this.chunksFor(options.region, options.signal) : undefined;
    await visitRecords(this.path, visitor, { chunks, signal: options.signal, onBlock: options.onBlock });
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}

/** Open a BAM: checks that it exists, is BGZF with the BAM magic, and is not truncated. */
export async function openBam(path: string): Promise<BamReader> {
  const size = await checkInputFile(path, 'BAM');
  if (size === 0)
    throw new LocusInputError(path, `BAM file "${path}" is empty`, 'give a BAM file written by samtools');
  if (compressionOf(await readHead(path)) !== 'bgzf') {
    throw new LocusInputError(
      path,
      `"${path}" is not a BAM file (not BGZF-compressed)`,
      'convert SAM with `samtools view -b -o out.bam in.sam`',
    );
  }
  if (!(await hasBgzfEof(path))) {
    throw new LocusInputError(
      path,
      `BAM "${path}" is truncated: it does not end with the BGZF end-of-file marker`,
      're-copy or regenerate the file (check it with `samtools quickcheck`)',
    );
  }
  const header = await readBamHeader(path);
  return new BamReader(path, header, await findBamIndex(path));
}
