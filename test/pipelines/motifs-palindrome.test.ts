/**
 * Palindromic motifs (pipelines/motifs/palindrome.ts): which matrices count as palindromes, that the
 * symmetric form equals its own reverse complement, and that discovery on NFKB1 sites, whose centre
 * is a W, reports the W rather than the A that reading every site on its better strand gives.
 */
import { describe, expect, it } from 'vitest';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import { DISCOVER_DEFAULTS, discoverMotifs } from '../../pipelines/motifs/discover.js';
import { reverseComplementMatrix } from '../../pipelines/motifs/matrix.js';
import {
  PALINDROME_SIMILARITY,
  palindromeFit,
  palindromicForm,
  symmetrize,
} from '../../pipelines/motifs/palindrome.js';
import { baseFrequencies, encodeSequence, type CodedSequence } from '../../pipelines/motifs/sequences.js';
import { kmerShuffle } from '../../pipelines/motifs/shuffle.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
import { sampleSite } from '../../bench/motifs/matrix-properties.js';
import { Random } from '../../src/tokenize/random.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { NFKB1 } from '../helpers/jaspar.js';

const word = (text: string, p = 0.9): Matrix =>
  [...text].map((ch) => [0, 1, 2, 3].map((b) => (b === 'ACGT'.indexOf(ch) ? p : (1 - p) / 3)));

const close = (a: Matrix, b: Matrix) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, j) => row.forEach((v, k) => expect(v).toBeCloseTo(b[j]![k]!, 12)));
};

describe('palindromeFit', () => {
  it('finds NFKB1 and an E-box palindromic, GATA and a poly-A run not', () => {
    expect(palindromeFit(NFKB1)).toMatchObject({ offset: 0 });
    expect(palindromeFit(NFKB1).similarity).toBeGreaterThan(0.95);
    expect(palindromeFit(word('CACGTG')).similarity).toBeGreaterThan(0.99);
    expect(palindromeFit(word('AGATAAGG')).similarity).toBeLessThan(PALINDROME_SIMILARITY);
    expect(palindromeFit(word('AAAAAAAA')).similarity).toBeLessThan(0.2);
  });

  it('finds the centre of a palindrome that sits off the matrix centre', () => {
    // TTGCGCAA is its own reverse complement; one extra column on the left moves the centre right.
    const fit = palindromeFit(word('ATTGCGCAA'));
    expect(fit.offset).toBe(1);
    expect(fit.similarity).toBeGreaterThan(0.99);
  });
});

describe('symmetrize', () => {
  it('gives a matrix equal to its own reverse complement, |offset| columns wider', () => {
    const m = word('GGGGAATCCCC', 0.8);
    for (const offset of [-2, -1, 0, 1, 2]) {
      const s = symmetrize(m, offset);
      expect(s.length).toBe(m.length + Math.abs(offset));
      close(reverseComplementMatrix(s), s);
      for (const row of s) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it("turns the strand-picked A at NFKB1's centre back into a W", () => {
    // What reading each site on its better strand gives: A where the sites have A or T.
    const collapsed = NFKB1.map((row, j) => (j === 6 ? [0.97, 0.01, 0.01, 0.01] : row));
    const symmetric = palindromicForm(collapsed)!;
    expect(symmetric[6]![0]).toBeCloseTo(symmetric[6]![3]!, 12);
    expect(alignMotifs(symmetric, NFKB1).similarity).toBeGreaterThan(
      alignMotifs(collapsed, NFKB1).similarity,
    );
    expect(palindromicForm(word('AGATAAGG'))).toBeUndefined();
  });
});

describe('discovery of a palindromic motif', () => {
  it('reports NFKB1 sites as a symmetric matrix with a W at the centre', () => {
    const rng = new Random(5);
    const targets: CodedSequence[] = Array.from({ length: 150 }, (_, i) => {
      const codes = Array.from({ length: 200 }, () => rng.nextInt(4));
      if (i % 10 < 7) {
        let site = sampleSite(NFKB1, rng);
        if (rng.nextFloat() < 0.5) site = reverseComplement(site);
        codes.splice(rng.nextInt(200 - site.length), site.length, ...encodeSequence(site));
      }
      return { name: `t${i}`, codes: Uint8Array.from(codes) };
    });
    const background = kmerShuffle(targets, 1, 2);
    const { motifs } = discoverMotifs(targets, background, baseFrequencies([...targets, ...background]), {
      ...DISCOVER_DEFAULTS,
      maxMotifs: 1,
      seed: 1,
    });
    const top = motifs[0]!.matrix;
    close(reverseComplementMatrix(top), top);
    expect(alignMotifs(top, NFKB1).similarity).toBeGreaterThan(0.95);
    // The centre column: as much A as T.
    const centre = top[Math.floor(top.length / 2)]!;
    expect(Math.abs(centre[0]! - centre[3]!)).toBeLessThan(1e-9);
  });
});
