/**
 * Whole-file passes over any FASTA - plain, gzip or bgzip - without an index: records one at a time,
 * or per-contig base composition counted straight from the bytes (no sequence strings), for `info`.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { LocusInputError } from '../errors.js';
import { compressionOf, readHead } from './compression.js';
import { checkInputFile } from './files.js';

export interface FastaRecord {
  name: string;
  /** Header text after the name (may be empty). */
  description: string;
  sequence: string;
}

async function openBytes(path: string, signal?: AbortSignal): Promise<Readable> {
  const size = await checkInputFile(path, 'FASTA');
  if (size === 0)
    throw new LocusInputError(
      path,
      `FASTA file "${path}" is empty`,
      'give a FASTA file with at least one sequence',
    );
  const raw = createReadStream(path, { highWaterMark: 1 << 20, signal });
  if (compressionOf(await readHead(path)) === 'none') return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

function wrapStreamError(path: string, err: unknown): unknown {
  if (err instanceof Error && /unexpected end of file|incorrect header check|invalid/i.test(err.message)) {
    return new LocusInputError(
      path,
      `"${path}" is truncated or corrupt (${err.message})`,
      're-copy or re-download the file',
    );
  }
  return err;
}

/** Lines of a byte stream, without line endings (\n or \r\n). */
async function* lines(stream: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + chunk.toString('latin1');
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

function splitHeader(line: string): { name: string; description: string } {
  const text = line.slice(1).trimStart();
  const space = text.search(/\s/);
  return space < 0
    ? { name: text, description: '' }
    : { name: text.slice(0, space), description: text.slice(space + 1).trim() };
}

/** Stream the records of a FASTA file (plain, gzip or bgzip). */
export async function* readFastaRecords(path: string, signal?: AbortSignal): AsyncGenerator<FastaRecord> {
  const stream = await openBytes(path, signal);
  let current: { name: string; description: string; parts: string[] } | undefined;
  let lineNumber = 0;
  try {
    for await (const line of lines(stream)) {
      lineNumber++;
      if (line.startsWith('>')) {
        if (current)
          yield { name: current.name, description: current.description, sequence: current.parts.join('') };
        current = { ...splitHeader(line), parts: [] };
      } else if (current) {
        current.parts.push(line.replace(/\s+/g, ''));
      } else if (line.trim() !== '') {
        throw new LocusInputError(
          path,
          `"${path}" is not a FASTA file: line ${lineNumber} comes before any ">" header`,
          'a FASTA file starts with a ">name" line',
        );
      }
    }
  } catch (err) {
    throw wrapStreamError(path, err);
  }
  if (!current)
    throw new LocusInputError(
      path,
      `FASTA file "${path}" holds no sequence`,
      'give a FASTA file with at least one ">name" record',
    );
  yield { name: current.name, description: current.description, sequence: current.parts.join('') };
}

export interface ContigComposition {
  name: string;
  length: number;
  /** Counts of A, C, G, T (either case), N (either case), and any other IUPAC or symbol. */
  a: number;
  c: number;
  g: number;
  t: number;
  n: number;
  other: number;
  /** Lowercase (soft-masked) bases. */
  softMasked: number;
}

/** Per-contig base composition, counted from the bytes in one streaming pass. */
export async function fastaComposition(path: string, signal?: AbortSignal): Promise<ContigComposition[]> {
  const stream = await openBytes(path, signal);
  const contigs: ContigComposition[] = [];
  let current: ContigComposition | undefined;
  let inHeader = false;
  let header: number[] = [];
  let atLineStart = true;
  // Byte -> class: 0 skip (whitespace), 1 A, 2 C, 3 G, 4 T, 5 N, 6 other; +8 when lowercase.
  const classOf = new Uint8Array(256).fill(6);
  for (const c of [9, 10, 11, 12, 13, 32]) classOf[c] = 0;
  'ACGTN'.split('').forEach((ch, i) => {
    classOf[ch.charCodeAt(0)] = i + 1;
    classOf[ch.toLowerCase().charCodeAt(0)] = i + 1 + 8;
  });
  for (let c = 97; c <= 122; c++) if (classOf[c] === 6) classOf[c] = 6 + 8;
  const tally = new Float64Array(16);
  const commit = () => {
    if (!current) return;
    current.a = tally[1]! + tally[9]!;
    current.c = tally[2]! + tally[10]!;
    current.g = tally[3]! + tally[11]!;
    current.t = tally[4]! + tally[12]!;
    current.n = tally[5]! + tally[13]!;
    current.other = tally[6]! + tally[14]!;
    current.softMasked = tally[9]! + tally[10]! + tally[11]! + tally[12]! + tally[13]! + tally[14]!;
    current.length = current.a + current.c + current.g + current.t + current.n + current.other;
    contigs.push(current);
    tally.fill(0);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (inHeader) {
          if (byte === 10) {
            inHeader = false;
            atLineStart = true;
            const { name } = splitHeader(Buffer.from(header).toString('latin1').replace(/\r$/, ''));
            current = { name, length: 0, a: 0, c: 0, g: 0, t: 0, n: 0, other: 0, softMasked: 0 };
          } else header.push(byte);
          continue;
        }
        if (atLineStart && byte === 62) {
          commit();
          current = undefined;
          inHeader = true;
          header = [62];
          continue;
        }
        atLineStart = byte === 10;
        const cls = classOf[byte]!;
        if (cls === 0) continue;
        if (!current) {
          throw new LocusInputError(
            path,
            `"${path}" is not a FASTA file: it does not start with a ">" header`,
            'a FASTA file starts with a ">name" line',
          );
        }
        tally[cls]!++;
      }
    }
  } catch (err) {
    throw wrapStreamError(path, err);
  }
  if (inHeader) {
    const { name } = splitHeader(Buffer.from(header).toString('latin1'));
    current = { name, length: 0, a: 0, c: 0, g: 0, t: 0, n: 0, other: 0, softMasked: 0 };
  }
  commit();
  if (contigs.length === 0)
    throw new LocusInputError(
      path,
      `FASTA file "${path}" holds no sequence`,
      'give a FASTA file with at least one ">name" record',
    );
  return contigs;
}
