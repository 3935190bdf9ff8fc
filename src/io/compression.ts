/** Sniff how a file is compressed from its first bytes, so users never have to say. */
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bgzf';

/**
 * BGZF is gzip with an extra field holding a `BC` subfield (SAM spec, section 4.1): bytes 0-1 are the
 * gzip magic, byte 3 has FEXTRA set, and the subfield id at bytes 12-13 is 'B','C'.
 */
export function compressionOf(head: Uint8Array): Compression {
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return 'none';
  const hasExtra = head.length >= 4 && ((head[3] ?? 0) & 0x04) !== 0;
  if (hasExtra && head.length >= 14 && head[12] === 0x42 && head[13] === 0x43) return 'bgzf';
  return 'gzip';
}

/** Read the first bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, length = 18): Promise<Uint8Array> {
  const fd = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await fd.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fd.close();
  }
}

/** First bytes of the file after gzip/BGZF decompression (enough to recognise BAM, CRAM, FASTQ). */
async function decompressedHead(path: string): Promise<Uint8Array> {
  const head = await readHead(path, 64 * 1024);
  if (compressionOf(head) === 'none') return head;
  try {
    // One BGZF block or the start of a gzip stream: a partial inflate is enough for a magic number.
    return gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).subarray(0, 16);
  } catch {
    return new Uint8Array();
  }
}

/**
 * Which read or alignment format a file given as a FASTA really is, from its magic number (BAM,
 * CRAM) or first character (FASTQ's '@'), compressed or not; undefined when it is none of them.
 */
export async function sniffReadsFile(path: string): Promise<'BAM' | 'CRAM' | 'FASTQ' | undefined> {
  const head = await decompressedHead(path);
  const text = String.fromCharCode(...head.subarray(0, 4));
  if (text === 'BAM\x01') return 'BAM';
  if (text.startsWith('CRAM')) return 'CRAM';
  if (text.startsWith('@')) return 'FASTQ';
  return undefined;
}
