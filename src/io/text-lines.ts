/**
 * Line-oriented text files (BED, bedGraph, VCF): read plain, gzip or bgzip input line by line, and
 * write output atomically (plain, or BGZF when the name ends in `.gz`/`.bgz` so `tabix` can index it).
 *
 * Compression is sniffed from the first bytes, never from the file name, so users never have to say.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LocusInputError } from '../errors.js';
import { BGZF_BLOCK_INPUT, BGZF_EOF, bgzfBlock } from './bgzf.js';
import { checkInputFile, outputError } from './files.js';

/** A path to read, or an already open byte stream (e.g. `process.stdin`) with a name for messages. */
export type TextSource = string | { stream: AsyncIterable<Uint8Array | string>; name: string };

/** Where output goes: a path (written atomically) or an open stream such as `process.stdout`. */
export type TextTarget = string | NodeJS.WritableStream;

export interface TextLine {
  /** The line without its `\n` or `\r\n`. */
  text: string;
  /** 1-based line number, as editors and error messages show it. */
  number: number;
}

export function sourceName(source: TextSource): string {
  return typeof source === 'string' ? source : source.name;
}

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Bytes of the source with gzip (and bgzip, which is multi-member gzip) undone. */
async function* decompressed(
  chunks: AsyncIterable<Uint8Array | string>,
  name: string,
): AsyncGenerator<Uint8Array | string> {
  const iterator = chunks[Symbol.asyncIterator]();
  // Collect at least two bytes before deciding: a stream may deliver its first byte alone.
  const head: (Uint8Array | string)[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const rest = async function* (): AsyncGenerator<Uint8Array | string> {
    yield* head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  // A stream that already yields strings (setEncoding was called) is text, never gzip.
  const firstBytes = head.some((c) => typeof c === 'string')
    ? new Uint8Array(0)
    : Buffer.concat(head as Uint8Array[]);
  if (!isGzip(firstBytes)) {
    yield* rest();
    return;
  }
  const input = Readable.from(rest(), { objectMode: false });
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (err) {
    if (err instanceof LocusInputError || !isZlibError(err)) throw err;
    throw new LocusInputError(
      name,
      `"${name}" is truncated or is not valid gzip: ${(err as Error).message}`,
      're-copy or regenerate the file (check it with `gzip -t`)',
      { cause: err },
    );
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/**
 * The lines of a text file, plain or gzip/bgzip, with 1-based line numbers. `\r\n` endings are
 * accepted (files edited on Windows); a missing final newline is fine. Bytes are decoded as UTF-8.
 */
export async function* readTextLines(
  source: TextSource,
  options: { signal?: AbortSignal; kind?: string } = {},
): AsyncGenerator<TextLine> {
  const name = sourceName(source);
  let stream: AsyncIterable<Uint8Array | string>;
  if (typeof source === 'string') {
    await checkInputFile(source, options.kind ?? 'input');
    stream = createReadStream(source);
  } else {
    stream = source.stream;
  }
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let number = 0;
  const byteStream = decompressed(stream, name);
  try {
    for await (const chunk of byteStream) {
      options.signal?.throwIfAborted();
      pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let from = 0;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n', from)) {
        const end = newline > from && pending.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
        yield { text: pending.slice(from, end), number: ++number };
        from = newline + 1;
      }
      pending = pending.slice(from);
    }
    pending += decoder.decode();
    if (pending !== '') yield { text: pending.replace(/\r$/, ''), number: ++number };
  } finally {
    await byteStream.return(undefined);
    if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy();
  }
}

/** Lines of an in-memory text, with the same numbering and line-ending rules as `readTextLines`. */
export function* splitTextLines(text: string): Generator<TextLine> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) yield { text: lines[i]!.replace(/\r$/, ''), number: i + 1 };
}

// ---------------------------------------------------------------------------------------------------
// Writing

/** True when output to `path` should be BGZF-compressed (`.gz`, `.bgz`), as bcftools and tabix expect. */
export function wantsBgzf(path: string): boolean {
  return /\.b?gz$/i.test(path);
}

/** Re-chunk text into BGZF blocks, ending with the EOF marker block. */
async function* bgzfChunks(text: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  let buffered: Buffer[] = [];
  let length = 0;
  for await (const piece of text) {
    buffered.push(Buffer.from(piece, 'utf8'));
    length += buffered[buffered.length - 1]!.length;
    if (length >= BGZF_BLOCK_INPUT) {
      const all = Buffer.concat(buffered);
      let from = 0;
      for (; all.length - from >= BGZF_BLOCK_INPUT; from += BGZF_BLOCK_INPUT) {
        yield await bgzfBlock(all.subarray(from, from + BGZF_BLOCK_INPUT));
      }
      buffered = [all.subarray(from)];
      length = all.length - from;
    }
  }
  if (length > 0) yield await bgzfBlock(Buffer.concat(buffered));
  yield BGZF_EOF;
}

/** Group many small strings into ~64 KiB pieces so a stream sees few large writes. */
async function* batched(pieces: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let batch = '';
  for await (const piece of pieces) {
    batch += piece;
    if (batch.length >= 1 << 16) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;
}

async function writeAll(stream: NodeJS.WritableStream, chunks: AsyncIterable<string | Uint8Array>) {
  for await (const chunk of chunks) await writeChunk(stream, chunk);
  throwIfFailed(stream);
}

/**
 * Write one chunk, waiting for 'drain' when the stream's buffer is full. A stream that has failed (its
 * file could not be opened, the disk is full) emits 'error' once and then never drains, so a write
 * after the failure throws it rather than waiting for ever: an await that never settles lets Node
 * exit with status 0 and nothing written.
 */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  throwIfFailed(stream);
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(failure(stream) ?? closedEarly());
    stream.once('drain', onDrain);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

function failure(stream: NodeJS.WritableStream): Error | undefined {
  const writable = stream as Partial<Writable>;
  if (writable.errored) return writable.errored;
  if (writable.destroyed) return closedEarly();
  return undefined;
}

const closedEarly = () => new Error('the output stream was closed before it was written');

function throwIfFailed(stream: NodeJS.WritableStream): void {
  const err = failure(stream);
  if (err) throw err;
}

/**
 * Write text to a target. A path is written to a temporary file in the same folder and renamed over
 * the target only when everything was written, so an error or interruption leaves no half-written
 * output (and any previous file intact); a path ending in `.gz`/`.bgz` is BGZF-compressed. A stream
 * is written to and left open (it may be `process.stdout`).
 */
export async function writeTextTo(
  target: TextTarget,
  pieces: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  if (typeof target !== 'string') {
    await writeAll(target, batched(pieces));
    return;
  }
  const temporary = `${target}.tmp-${process.pid}-${Date.now()}`;
  const out = createWriteStream(temporary);
  const closed = finished(out);
  closed.catch(() => {}); // surfaced below through writeAll or the final await
  try {
    await writeAll(out, wantsBgzf(target) ? bgzfChunks(batched(pieces)) : batched(pieces));
    out.end();
    await closed;
    await rename(temporary, target);
  } catch (err) {
    out.destroy();
    await rm(temporary, { force: true });
    throw outputError(target, err);
  }
}

/**
 * Write formatted lines (see `writeTextTo`) and return how many records they held: every line but
 * the `headerLines` first ones (e.g. a `track` line).
 */
export async function writeRecordLines(
  target: TextTarget,
  lines: AsyncIterable<string> | Iterable<string>,
  headerLines: number,
): Promise<number> {
  let count = 0;
  const counted = async function* () {
    for await (const line of lines) {
      count++;
      yield line;
    }
  };
  await writeTextTo(target, counted());
  return count - headerLines;
}
