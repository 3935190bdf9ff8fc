/**
 * The files the user opened, and nothing else: the server reads a path only after the user opened it
 * (through the path box, the Electron dialog, a session or `locus serve FILE...`), and the renderer
 * then names files by id. A URL can never carry a path, so `..` in a request reaches no file.
 *
 * Opening checks what igv.js will need, with samtools' words for the fix: a BAM needs its .bai/.csi,
 * a bgzip FASTA its .fai and .gzi, a bgzip VCF its .tbi/.csi. A plain FASTA without a .fai gets one
 * built (next to it when the folder is writable, else served from memory), as `locus` does elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { LocusInputError } from '../errors.js';
import { findBamIndex } from '../io/bam.js';
import { exists } from '../io/files.js';
import { openFasta } from '../io/fasta.js';
import { formatFai } from '../io/fasta-index.js';
import type { FileKind, OpenedFile } from './contract.js';

/** What the server keeps for a file: where its bytes and its index's bytes come from. */
export interface OpenedEntry {
  file: OpenedFile;
  path: string;
  /** The index on disk, or its bytes when built in memory. */
  index?: { path: string } | { bytes: Buffer };
  /** bgzip FASTA: the .gzi block index igv.js also reads. */
  gzi?: string;
}

/** File kinds by name, longest suffix first; compressed forms carry the same kind. */
const SUFFIXES: [RegExp, FileKind][] = [
  [/\.(fa|fasta|fna|fas)(\.gz)?$/i, 'fasta'],
  [/\.bam$/i, 'bam'],
  [/\.cram$/i, 'cram'],
  [/\.vcf(\.gz)?$/i, 'vcf'],
  [/\.(bedgraph|bdg|bedGraph)(\.gz)?$/i, 'bedgraph'],
  [/\.bed(\.gz)?$/i, 'bed'],
];

export function kindOf(path: string): FileKind | undefined {
  return SUFFIXES.find(([pattern]) => pattern.test(path))?.[1];
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) if (await exists(path)) return path;
  return undefined;
}

export class OpenedFiles {
  private readonly byId = new Map<string, OpenedEntry>();
  private readonly byPath = new Map<string, OpenedEntry>();

  /** Open `path` (relative paths resolve against `cwd`); opening a file twice returns the same entry. */
  async open(path: string, cwd = process.cwd()): Promise<OpenedFile> {
    const absolute = isAbsolute(path) ? resolve(path) : resolve(cwd, path);
    const known = this.byPath.get(absolute);
    if (known) return known.file;
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new LocusInputError(
        path,
        `Cannot open "${path}": no such file`,
        'check the path (it is read on the machine running Locus)',
      );
    }
    if (!info.isFile()) {
      throw new LocusInputError(
        path,
        `Cannot open "${path}": it is a folder, not a file`,
        'give the path of a FASTA, BAM, CRAM, VCF, BED or bedGraph file',
      );
    }
    const kind = kindOf(absolute);
    if (!kind) {
      throw new LocusInputError(
        path,
        `Cannot open "${path}": unknown file type`,
        'open a .fa/.fasta(.gz), .bam, .cram, .vcf(.gz), .bed(.gz) or .bedgraph file',
      );
    }
    const id = randomBytes(9).toString('base64url');
    const name = basename(absolute);
    const entry: OpenedEntry = {
      path: absolute,
      file: { id, kind, path: absolute, name, url: `/files/${id}/${encodeURIComponent(name)}` },
    };
    await this.attachIndex(entry, path);
    this.byId.set(id, entry);
    this.byPath.set(absolute, entry);
    return entry.file;
  }

  get(id: string): OpenedEntry | undefined {
    return this.byId.get(id);
  }

  /** The entry of an opened file id, or an error naming the id (for job options). */
  require(id: string, kinds: readonly FileKind[]): OpenedEntry {
    const entry = this.byId.get(id);
    if (!entry) throw new LocusInputError(id, `No opened file has id "${id}"`, 'open the file first');
    if (!kinds.includes(entry.file.kind)) {
      throw new LocusInputError(
        entry.file.name,
        `"${entry.file.name}" is a ${entry.file.kind} file`,
        `choose a ${kinds.join(' or ')} file`,
      );
    }
    return entry;
  }

  list(): OpenedFile[] {
    return [...this.byId.values()].map((e) => e.file);
  }

  private async attachIndex(entry: OpenedEntry, shown: string): Promise<void> {
    const { path, file } = entry;
    const indexUrl = (suffix: string) => `/files/${file.id}/index/${encodeURIComponent(file.name + suffix)}`;
    switch (file.kind) {
      case 'fasta': {
        const fasta = await openFasta(path);
        try {
          file.contigs = fasta.contigs();
          if (fasta.indexOrigin === 'built-in-memory') {
            entry.index = { bytes: Buffer.from(formatFai(fasta.records)) };
          } else {
            entry.index = { path: `${path}.fai` };
          }
          file.indexUrl = indexUrl('.fai');
          if (fasta.compression === 'bgzf') {
            entry.gzi = `${path}.gzi`;
            file.gziUrl = `/files/${file.id}/gzi/${encodeURIComponent(file.name + '.gzi')}`;
          }
        } finally {
          await fasta.close();
        }
        return;
      }
      case 'bam':
      case 'cram': {
        // A BAM's index is looked for as samtools does (x.bam.bai, x.bai, x.bam.csi).
        const index =
          file.kind === 'bam' ? (await findBamIndex(path))?.path : await firstExisting([`${path}.crai`]);
        if (!index) {
          const expected = file.kind === 'bam' ? `${file.name}.bai or ${file.name}.csi` : `${file.name}.crai`;
          throw new LocusInputError(
            shown,
            `Cannot open "${shown}": no index (${expected})`,
            `run \`samtools index ${shown}\``,
          );
        }
        entry.index = { path: index };
        file.indexUrl = indexUrl(index.slice(index.lastIndexOf('.')));
        return;
      }
      case 'vcf':
      case 'bed':
      case 'bedgraph': {
        if (!/\.gz$/i.test(path)) return; // plain text: igv.js reads the whole file
        const index = await firstExisting([`${path}.tbi`, `${path}.csi`]);
        if (!index) {
          throw new LocusInputError(
            shown,
            `Cannot open "${shown}": a compressed ${file.kind.toUpperCase()} needs a tabix index`,
            `run \`tabix -p ${file.kind === 'vcf' ? 'vcf' : 'bed'} ${shown}\``,
          );
        }
        entry.index = { path: index };
        file.indexUrl = indexUrl(index.slice(index.lastIndexOf('.')));
        return;
      }
    }
  }
}
