/**
 * Windows over a genome region, and the genome coordinates of each token in a window.
 *
 * Coordinates are 0-based half-open `[start, end)`, as everywhere inside Locus.
 *
 * A region is cut into windows of `size` bases that start `size - overlap` bases apart. The last
 * window is *shifted* left to end exactly at the region end rather than clipped, so every window has
 * the full size and a model sees fixed-length inputs; it therefore overlaps its neighbour by `overlap`
 * bases or more. Only a region shorter than `size` gives a shorter window: the whole region, once.
 * (Because of the shift, the last window's tokens are not on the same stride phase as the others'
 * when stride > 1: use the genome coordinates below, never `index * stride`, to line tokens up.)
 */
import type { KmerTokenizer } from './tokenizer.js';
import { reverseComplement, reverseComplementBytes } from './reverse-complement.js';

/** A stretch of one contig, 0-based half-open. */
export interface GenomeWindow {
  contig: string;
  start: number;
  end: number;
}

export interface WindowOptions {
  /** Window length in bases, > 0. */
  size: number;
  /** Bases shared by consecutive windows, 0 <= overlap < size. Default 0. */
  overlap?: number;
}

/** Split `[region.start, region.end)` into windows (see the top of this file). An empty region gives none. */
export function makeWindows(region: GenomeWindow, options: WindowOptions): GenomeWindow[] {
  const { contig, start, end } = region;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Region must have integers 0 <= start <= end, got [${start}, ${end})`);
  }
  const size = options.size;
  const overlap = options.overlap ?? 0;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new RangeError(`Window size must be a positive integer, got ${String(size)}`);
  }
  if (!Number.isSafeInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(
      `Window overlap must be an integer with 0 <= overlap < size (${size}), got ${String(overlap)}`,
    );
  }
  const windows: GenomeWindow[] = [];
  if (end === start) return windows;
  if (end - start <= size) return [{ contig, start, end }];
  const step = size - overlap;
  for (let s = start; ; s += step) {
    if (s + size >= end) {
      // Shifted last window; it starts after the previous one because that one ended before `end`.
      windows.push({ contig, start: end - size, end });
      return windows;
    }
    windows.push({ contig, start: s, end: s + size });
  }
}

/** Which strand a window was read from: '-' means its reverse complement was tokenized. */
export type Strand = '+' | '-';

/** A window's tokens with the genome coordinates of each. */
export interface TokenizedWindow {
  window: GenomeWindow;
  strand: Strand;
  k: number;
  /** Token ids (on the '-' strand, ids of the reverse complement, read 5'->3' on that strand). */
  ids: Int32Array;
  /**
   * Genome start of each token: token i covers `[genomeStarts[i], genomeStarts[i] + k)` on the contig.
   * Float64Array, because contigs can be longer than 2^31 - 1 bases.
   */
  genomeStarts: Float64Array;
}

/**
 * Tokenize a window's sequence. `sequence` must be exactly the window's bases (`end - start` of them),
 * forward strand. With `strand: '-'` its reverse complement is tokenized and each token still maps to
 * the forward-strand interval it came from.
 */
export function tokenizeWindow(
  tokenizer: KmerTokenizer,
  window: GenomeWindow,
  sequence: string | Uint8Array,
  strand: Strand = '+',
): TokenizedWindow {
  const length = window.end - window.start;
  if (sequence.length !== length) {
    throw new RangeError(
      `Sequence for window ${window.contig}:[${window.start}, ${window.end}) has ${sequence.length} bases, expected ${length}`,
    );
  }
  if (strand !== '+' && strand !== '-')
    throw new TypeError(`strand must be '+' or '-', got ${String(strand)}`);
  const input =
    strand === '+'
      ? sequence
      : typeof sequence === 'string'
        ? reverseComplement(sequence)
        : reverseComplementBytes(sequence);
  const { ids, starts } = tokenizer.tokenize(input);
  const k = tokenizer.k;
  const genomeStarts = new Float64Array(starts.length);
  for (let i = 0; i < starts.length; i++) {
    const local = starts[i] as number;
    // On '-', reverse-complement position p is forward position length-1-p, so a token at
    // [p, p+k) came from forward [length-p-k, length-p).
    genomeStarts[i] = strand === '+' ? window.start + local : window.start + length - local - k;
  }
  return { window, strand, k, ids, genomeStarts };
}

/** The genome interval `[start, end)` of token `tokenIndex` of a tokenized window. */
export function tokenCoordinates(tokenized: TokenizedWindow, tokenIndex: number): GenomeWindow {
  const start = tokenized.genomeStarts[tokenIndex];
  if (!Number.isInteger(tokenIndex) || start === undefined) {
    throw new RangeError(
      `Token index ${String(tokenIndex)} is outside the window's ${tokenized.genomeStarts.length} tokens`,
    );
  }
  return { contig: tokenized.window.contig, start, end: start + tokenized.k };
}
