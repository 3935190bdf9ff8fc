/**
 * What `locus motifs` does differently on long sequences: the shuffle keeps longer k-mers
 * (shuffleKFor), and the sequences are cut into pieces before the hold-out split, so a few long
 * sequences still leave a held-out part for the E-values.
 */
import { describe, expect, it } from 'vitest';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import {
  DISCOVER_DEFAULTS,
  discoverMotifs,
  HOLDOUT_PIECE_BASES,
  pieces,
} from '../../pipelines/motifs/discover.js';
import { baseFrequencies, type CodedSequence } from '../../pipelines/motifs/sequences.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
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

/** A 12-wide motif, each column 0.9 on its letter of GTCACGTGACCA. */
const LONG_MOTIF: Matrix = [...'GTCACGTGACCA'].map((ch) =>
  [0, 1, 2, 3].map((b) => (b === 'ACGT'.indexOf(ch) ? 0.9 : 0.1 / 3)),
);

describe('discovery on long sequences', () => {
  it('finds a sparse motif, holds out pieces and ranks by their test', () => {
    const rng = new Random(21);
    const draw = (probs: readonly number[]) => {
      let u = rng.nextFloat();
      for (let b = 0; b < 4; b++) if ((u -= probs[b]!) < 0) return b;
      return 3;
    };
    // 50 sequences of 2.1 kb (one piece each, so 5 are held out), three sites in each.
    const targets: CodedSequence[] = Array.from({ length: 50 }, (_, i) => {
      const codes = Uint8Array.from({ length: 2100 }, () => draw([0.3, 0.2, 0.2, 0.3]));
      for (const at of [100, 800, 1500]) {
        let site = LONG_MOTIF.map(draw);
        if (rng.nextFloat() < 0.5) site = site.reverse().map((b) => 3 - b);
        codes.set(site, at + rng.nextInt(400));
      }
      return { name: `long${i}`, codes };
    });
    const k = shuffleKFor(targets);
    expect(k).toBe(4);
    const background = kmerShuffle(targets, 1, k);
    const found = discoverMotifs(targets, background, baseFrequencies([...targets, ...background]), {
      ...DISCOVER_DEFAULTS,
      maxWidth: 14,
      maxMotifs: 1,
      // The narrow search of short sequences keeps the test quick; the motif is strong enough for it.
      sitesSearch: { seeds: 16, seedsPerPattern: 3, widened: 3 },
      seed: 1,
    });
    expect(found.countBy).toBe('sites');
    expect(found.heldOut.pieceBases).toBe(HOLDOUT_PIECE_BASES);
    expect(found.heldOut.targets).toBe(5); // 10% of 50 pieces
    expect(found.rankedByTest).toBe(true);
    const [first] = found.motifs;
    expect(alignMotifs(first!.matrix, LONG_MOTIF).similarity).toBeGreaterThan(0.9);
    expect(first!.evalue).toBeLessThan(0.05);
  }, 60_000);
});
