/**
 * HTTP range responses (RFC 9110 section 14) for the files igv.js reads: it asks for
 * `bytes=START-END` slices of FASTA, BAM and index files. One range per request is all igv.js sends;
 * a multi-range or unsatisfiable request gets 416, as the RFC allows.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';

/** `[start, end]` inclusive, or 'all' without a Range header, or 'unsatisfiable'. */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | 'all' | 'unsatisfiable' {
  if (header === undefined) return 'all';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  if (match[1] === '') {
    // Suffix range: the last N bytes.
    const length = Math.min(Number(match[2]), size);
    return length === 0 ? 'unsatisfiable' : [size - length, size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}

/** Send a file on disk or bytes in memory, honouring a Range header. */
export async function sendBytes(
  reply: FastifyReply,
  source: { path: string } | { bytes: Buffer },
  rangeHeader: string | undefined,
  contentType = 'application/octet-stream',
): Promise<FastifyReply> {
  const size = 'bytes' in source ? source.bytes.length : (await stat(source.path)).size;
  const range = parseRange(rangeHeader, size);
  reply.header('Accept-Ranges', 'bytes').header('Content-Type', contentType);
  if (range === 'unsatisfiable') {
    return reply.code(416).header('Content-Range', `bytes */${size}`).send();
  }
  const [start, end] = range === 'all' ? [0, size - 1] : range;
  if (range !== 'all') reply.code(206).header('Content-Range', `bytes ${start}-${end}/${size}`);
  reply.header('Content-Length', size === 0 ? 0 : end - start + 1);
  if (size === 0) return reply.send(Buffer.alloc(0));
  if ('bytes' in source) return reply.send(source.bytes.subarray(start, end + 1));
  return reply.send(createReadStream(source.path, { start, end }));
}
