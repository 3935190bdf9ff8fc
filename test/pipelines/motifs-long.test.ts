/**
 * What `locus motifs` does differently on long sequences: the shuffle keeps longer k-mers
 * (shuffleKFor), and the sequences are cut into pieces before the hold-out split, so a few long
 * sequences still leave a held-out part for the E-values.
 */
import { describe, expect, it } from 'vitest';
import { HOLDOUT_PIECE_BASES, pieces } from '../../pipelines/motifs/discover.js';
import type { CodedSequence } from '../../pipelines/motifs/sequences.js';
import { kmerShuffle, shuffleKFor, SHUFFLE_K } from '../../pipelines/motifs/shuffle.js';
import { Random } from '../../src/tokenize/random.js';

const ofLength = (length: number, name = 's'): CodedSequence => {
  const rng = new Random(length);
  return { name, codes: Uint8Array.from({ length }, () => rng.nextInt(4)) };
};

describe('shuffleKFor', () => {
  it("keeps STREME's 3-mers up to 2 kb and longer k-mers only where 32 k-mers per (k-1)-mer remain", () => {
    const k = (median: number) => shuffleKFor([ofLength(100), ofLength(median), ofLength(median + 1)]);
    expect(k(200)).toBe(SHUFFLE_K);
    expect(k(2047)).toBe(3);
    expect(k(2048)).toBe(4);
    expect(k(8191)).toBe(4);
    expect(k(10_000)).toBe(5);
    expect(k(40_000)).toBe(6);
    expect(k(1_000_000)).toBe(6);
  });

  it('a 5-mer shuffle of a 10 kb sequence keeps its 5-mer counts and still moves most bases', () => {
    const [s] = [ofLength(10_000)];
    const [shuffled] = kmerShuffle([s!], 4, 5);
    const counts = (codes: Uint8Array) => {
      const m = new Map<string, number>();
      for (let i = 0; i + 5 <= codes.length; i++) {
        const key = codes.subarray(i, i + 5).join('');
        m.set(key, (m.get(key) ?? 0) + 1);
      }
      return m;
    };
    expect(counts(shuffled!.codes)).toEqual(counts(s!.codes));
    let same = 0;
    for (let i = 0; i < s!.codes.length; i++) if (s!.codes[i] === shuffled!.codes[i]) same++;
    // Unrelated sequences agree at a quarter of the positions.
    expect(same / s!.codes.length).toBeLessThan(0.3);
  });
});

describe('pieces', () => {
  it('cuts each sequence into near-equal pieces that hold every base once, in order, with its weight', () => {
    const long = { ...ofLength(10_001, 'long'), weight: 0.5 };
    const short = ofLength(1_500, 'short');
    const cut = pieces([long, short], HOLDOUT_PIECE_BASES);
    const ofLong = cut.filter((p) => p.name.startsWith('long:'));
    expect(ofLong.map((p) => p.name)).toEqual(['long:1', 'long:2', 'long:3', 'long:4', 'long:5']);
    expect(ofLong.every((p) => p.weight === 0.5 && Math.abs(p.codes.length - 2000) <= 1)).toBe(true);
    expect(Buffer.concat(ofLong.map((p) => p.codes)).equals(Buffer.from(long.codes))).toBe(true);
    // A sequence shorter than a piece stays whole, and the pieces are copies.
    expect(cut.at(-1)!.name).toBe('short');
    cut.at(-1)!.codes[0] = 9;
    expect(short.codes[0]).not.toBe(9);
  });
});
