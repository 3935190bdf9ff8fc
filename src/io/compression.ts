/** Sniff how a file is compressed from its first bytes, so users never have to say. */
import { open } from 'node:fs/promises';

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
