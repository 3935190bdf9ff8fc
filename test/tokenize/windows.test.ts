import { describe, expect, it } from 'vitest';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import {
  makeWindows,
  tokenCoordinates,
  tokenizeWindow,
  type GenomeWindow,
} from '../../src/tokenize/windows.js';
import { UNK_ID } from '../../src/tokenize/vocab.js';
import { randomSequence, referenceId } from './helpers.js';

/** Check that windows tile [start, end) with at least `overlap` shared bases and no gaps. */
function checkCover(
  windows: GenomeWindow[],
  start: number,
  end: number,
  size: number,
  overlap: number,
): void {
  expect(windows.length).toBeGreaterThan(0);
  expect(windows[0]?.start).toBe(start);
  expect(windows.at(-1)?.end).toBe(end);
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as GenomeWindow;
    expect(w.end - w.start).toBe(Math.min(size, end - start));
    if (i > 0) {
      const prev = windows[i - 1] as GenomeWindow;
      expect(w.start).toBeGreaterThan(prev.start);
      const shared = prev.end - w.start;
      if (i < windows.length - 1) expect(shared).toBe(overlap);
      else expect(shared).toBeGreaterThanOrEqual(overlap); // the last window is shifted to end at `end`
    }
  }
}

describe('makeWindows', () => {
  it('cuts a region into windows with the requested overlap', () => {
    const windows = makeWindows({ contig: 'chr1', start: 1000, end: 1100 }, { size: 40, overlap: 10 });
    expect(windows).toEqual([
      { contig: 'chr1', start: 1000, end: 1040 },
      { contig: 'chr1', start: 1030, end: 1070 },
      { contig: 'chr1', start: 1060, end: 1100 },
    ]);
  });

  it('shifts the last window to end at the region end', () => {
    const windows = makeWindows({ contig: 'chr2', start: 0, end: 105 }, { size: 40, overlap: 10 });
    expect(windows.map((w) => [w.start, w.end])).toEqual([
      [0, 40],
      [30, 70],
      [60, 100],
      [65, 105],
    ]);
  });

  it('gives the whole region once when it is shorter than a window, and nothing for an empty region', () => {
    expect(makeWindows({ contig: 'c', start: 5, end: 25 }, { size: 40, overlap: 10 })).toEqual([
      { contig: 'c', start: 5, end: 25 },
    ]);
    expect(makeWindows({ contig: 'c', start: 5, end: 45 }, { size: 40 })).toEqual([
      { contig: 'c', start: 5, end: 45 },
    ]);
    expect(makeWindows({ contig: 'c', start: 5, end: 5 }, { size: 40 })).toEqual([]);
  });

  it('covers many regions with the requested overlap', () => {
    for (const [start, end, size, overlap] of [
      [0, 1000, 100, 0],
      [0, 1001, 100, 0],
      [17, 12_345, 512, 64],
      [3, 250, 10, 9],
      [0, 99, 100, 50],
      [1_000_000_000, 1_000_100_003, 100_000, 1_000],
    ] as const) {
      checkCover(makeWindows({ contig: 'chrX', start, end }, { size, overlap }), start, end, size, overlap);
    }
  });

  it('validates its arguments', () => {
    const region = { contig: 'chr1', start: 0, end: 100 };
    expect(() => makeWindows(region, { size: 0 })).toThrow(RangeError);
    expect(() => makeWindows(region, { size: -5 })).toThrow(RangeError);
    expect(() => makeWindows(region, { size: 10.5 })).toThrow(RangeError);
    expect(() => makeWindows(region, { size: 10, overlap: 10 })).toThrow(/0 <= overlap < size/);
    expect(() => makeWindows(region, { size: 10, overlap: -1 })).toThrow(RangeError);
    expect(() => makeWindows({ contig: 'chr1', start: 50, end: 10 }, { size: 10 })).toThrow(RangeError);
    expect(() => makeWindows({ contig: 'chr1', start: -1, end: 10 }, { size: 10 })).toThrow(RangeError);
  });
});

describe('tokenizeWindow', () => {
  // A contig with soft-masking and Ns; the region starts away from 0 so offsets matter.
  const contig = randomSequence(5000, 21, 'ACGTACGTACGTacgtN');
  const region = { contig: 'chr7', start: 123, end: 4321 };

  for (const [k, stride] of [
    [6, 6],
    [6, 1],
    [5, 3],
    [3, 7],
  ] as const) {
    for (const strand of ['+', '-'] as const) {
      it(`maps every token back to the genome (k=${k}, stride=${stride}, strand ${strand})`, () => {
        const tokenizer = new KmerTokenizer({ k, stride });
        const windows = makeWindows(region, { size: 500, overlap: 50 });
        let checked = 0;
        let kmers = 0;
        for (const window of windows) {
          const tokenized = tokenizeWindow(tokenizer, window, contig.slice(window.start, window.end), strand);
          expect(tokenized.ids.length).toBe(tokenizer.tokenCount(window.end - window.start));
          for (let i = 0; i < tokenized.ids.length; i++) {
            const { contig: name, start, end } = tokenCoordinates(tokenized, i);
            expect(name).toBe('chr7');
            expect(start).toBe(tokenized.genomeStarts[i]);
            expect(end - start).toBe(k);
            expect(start).toBeGreaterThanOrEqual(window.start);
            expect(end).toBeLessThanOrEqual(window.end);
            const forward = contig.slice(start, end);
            const onStrand = strand === '+' ? forward : reverseComplement(forward);
            const id = tokenized.ids[i] as number;
            expect(id).toBe(referenceId(onStrand));
            if (id !== UNK_ID) {
              expect(tokenizer.vocab.idToToken(id)).toBe(onStrand.toUpperCase());
              kmers++;
            }
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(100);
        expect(kmers).toBeGreaterThan(checked / 2);
      });
    }
  }

  it('numbers minus-strand tokens 5′->3′ on that strand', () => {
    const tokenizer = new KmerTokenizer({ k: 3, stride: 3 });
    const window = { contig: 'c', start: 100, end: 108 };
    const tokenized = tokenizeWindow(tokenizer, window, 'AACCGGTA', '-');
    // reverse complement TACCGGTT -> TAC CGG (TT dropped) from forward [105,108) and [102,105)
    expect(tokenizer.decode(tokenized.ids)).toEqual(['TAC', 'CGG']);
    expect([...tokenized.genomeStarts]).toEqual([105, 102]);
  });

  it('takes bytes as well as strings', () => {
    const tokenizer = new KmerTokenizer({ k: 4, stride: 2 });
    const window = { contig: 'c', start: 10, end: 30 };
    const seq = contig.slice(10, 30);
    for (const strand of ['+', '-'] as const) {
      const a = tokenizeWindow(tokenizer, window, seq, strand);
      const b = tokenizeWindow(tokenizer, window, new TextEncoder().encode(seq), strand);
      expect(b.ids).toEqual(a.ids);
      expect(b.genomeStarts).toEqual(a.genomeStarts);
    }
  });

  it('rejects a sequence of the wrong length and a bad token index', () => {
    const tokenizer = new KmerTokenizer();
    const window = { contig: 'c', start: 0, end: 12 };
    expect(() => tokenizeWindow(tokenizer, window, 'ACGT')).toThrow(/has 4 bases, expected 12/);
    const tokenized = tokenizeWindow(tokenizer, window, 'ACGTACGTACGT');
    expect(() => tokenCoordinates(tokenized, 2)).toThrow(RangeError);
    expect(() => tokenCoordinates(tokenized, -1)).toThrow(RangeError);
    expect(tokenCoordinates(tokenized, 1)).toEqual({ contig: 'c', start: 6, end: 12 });
  });
});
