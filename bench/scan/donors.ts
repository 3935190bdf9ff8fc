/**
 * Reading the real sequences the planted-island genomes are made of, and saying where each came from
 * (file, SHA-256, Debian package and version), so a manifest names its sources exactly.
 *
 * The donors are files that Debian packages install under /usr/share, plus three files of
 * ../shared/data (copies from Debian packages, named in ../shared/data/README.md).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseDm3Header } from '../../src/train/data/dm3.js';

export interface SequenceRecord {
  name: string;
  description: string;
  /** Upper case: the donors' soft-masking (lowercase repeats) means nothing to a planted genome. */
  sequence: string;
}

/** Where a donor file came from. */
export interface SourceFile {
  path: string;
  sha256: string;
  /** The Debian package that ships the file (or shipped the copy in ../shared/data). */
  package: string;
  /** Installed version from dpkg, or how the copy was obtained when it is not installed. */
  version: string;
}

/** Raw bytes of a file, decompressed by its suffix: `.gz` with zlib, `.xz` with Debian's `xz`. */
function readDecompressed(path: string): string {
  if (!existsSync(path)) throw new Error(`donor file ${path} is missing: install its Debian package`);
  if (path.endsWith('.xz')) {
    const run = spawnSync('xz', ['-dc', path], { maxBuffer: 1 << 30, encoding: 'latin1' });
    if (run.status !== 0) throw new Error(`xz -dc ${path} failed: ${run.stderr}`);
    return run.stdout;
  }
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1');
}

/** Every record of a FASTA file (plain, .gz or .xz). */
export function readFasta(path: string): SequenceRecord[] {
  const open: { name: string; description: string; lines: string[] }[] = [];
  for (const raw of readDecompressed(path).split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('>')) {
      const header = line.slice(1).trim();
      const space = header.search(/\s/);
      open.push({
        name: space < 0 ? header : header.slice(0, space),
        description: space < 0 ? '' : header.slice(space + 1).trim(),
        lines: [],
      });
    } else {
      open[open.length - 1]?.lines.push(line.trim());
    }
  }
  if (open.length === 0) throw new Error(`${path} holds no FASTA record`);
  return open.map((r) => ({
    name: r.name,
    description: r.description,
    sequence: r.lines.join('').toUpperCase(),
  }));
}

/** Every record of a GenBank flat file: LOCUS name, DEFINITION, and the ORIGIN sequence. */
export function readGenBank(path: string): SequenceRecord[] {
  const records: SequenceRecord[] = [];
  let name = '';
  let description = '';
  let inDefinition = false;
  let sequence: string[] | undefined;
  for (const line of readDecompressed(path).split('\n')) {
    if (line.startsWith('LOCUS')) {
      name = line.split(/\s+/)[1] ?? '';
      description = '';
      sequence = undefined;
    } else if (line.startsWith('DEFINITION')) {
      description = line.slice(10).trim();
      inDefinition = true;
      continue;
    } else if (line.startsWith('ORIGIN')) {
      sequence = [];
    } else if (line.startsWith('//')) {
      if (sequence) records.push({ name, description, sequence: sequence.join('').toUpperCase() });
      sequence = undefined;
    } else if (sequence) {
      sequence.push(line.replace(/[^A-Za-z]/g, ''));
    } else if (inDefinition && line.startsWith(' ')) {
      description += ` ${line.trim()}`;
      continue;
    }
    inDefinition = false;
  }
  if (records.length === 0) throw new Error(`${path} holds no GenBank record with a sequence`);
  return records;
}

/** The one record of a file with this name, or an error listing what the file has. */
export function recordNamed(records: readonly SequenceRecord[], name: string, path: string): SequenceRecord {
  const record = records.find((r) => r.name === name);
  if (!record) {
    throw new Error(`${path} has no record ${name} (it has ${records.map((r) => r.name).join(', ')})`);
  }
  return record;
}

/**
 * The Debian package that owns a path and its installed version; for a copy outside the package
 * (../shared/data), `copiedFrom` names the package and the version says it is a copy.
 */
export function sourceFile(path: string, copiedFrom?: string): SourceFile {
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const query = (args: string[]) => {
    const run = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
    return run.status === 0 ? run.stdout.trim() : undefined;
  };
  const owner = copiedFrom ?? query(['dpkg-query', '-S', path])?.split(':')[0];
  if (!owner) return { path, sha256, package: 'unknown', version: 'unknown' };
  const version = query(['dpkg-query', '-W', '-f=${Version}', owner]);
  return {
    path,
    sha256,
    package: owner,
    version: copiedFrom
      ? `copy in ../shared/data (see its README.md)${version ? `; installed here: ${version}` : ''}`
      : (version ?? 'unknown'),
  };
}

/** One dm3 upstream record inside a concatenation: which record, its genomic interval, where it sits. */
export interface Dm3Part {
  transcript: string;
  chrom: string;
  start: number;
  end: number;
  strand: '+' | '-';
  /** Start of this record's bases in the concatenation. */
  offset: number;
}

/**
 * Consecutive dm3 upstream records of one chromosome arm, joined into one sequence of at least
 * `minLength` bases. Transcripts of one gene share upstream regions, so a record overlapping one
 * already taken is skipped (else the concatenation would repeat itself); records with N are skipped.
 * Records stay in their transcript orientation, as the file has them.
 */
export function concatenateDm3(
  records: readonly SequenceRecord[],
  chrom: string,
  minLength: number,
): { sequence: string; parts: Dm3Part[] } {
  const parts: Dm3Part[] = [];
  const pieces: string[] = [];
  let length = 0;
  for (const record of records) {
    if (length >= minLength) break;
    const header = parseDm3Header(record.name, record.description);
    if (!header || header.chrom !== chrom || !/^[ACGT]+$/.test(record.sequence)) continue;
    if (parts.some((p) => p.start < header.end && header.start < p.end)) continue;
    parts.push({
      transcript: header.transcript,
      chrom: header.chrom,
      start: header.start,
      end: header.end,
      strand: header.strand,
      offset: length,
    });
    pieces.push(record.sequence);
    length += record.sequence.length;
  }
  if (length < minLength) throw new Error(`dm3 arm ${chrom} gives only ${length} bases without overlaps`);
  return { sequence: pieces.join(''), parts };
}
