/**
 * The planted-site ceiling of the motif benchmark (bench/motifs/ceiling.ts): site letter frequencies,
 * and that sites drawn from a matrix come close to it (the more sites, the closer).
 */
import { describe, expect, it } from 'vitest';
import { siteFrequencies } from '../../bench/motifs/ceiling.js';
import { sampleSite } from '../../bench/motifs/matrix-properties.js';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import { Random } from '../../src/tokenize/random.js';
import { NFKB1 } from '../helpers/jaspar.js';

describe('siteFrequencies', () => {
  it('counts each column over the sites, lowercase as uppercase', () => {
    expect(siteFrequencies([{ text: 'AC' }, { text: 'ag' }, { text: 'AT' }, { text: 'CT' }])).toEqual([
      [0.75, 0.25, 0, 0],
      [0, 0.25, 0.25, 0.5],
    ]);
    expect(() => siteFrequencies([{ text: 'AC' }, { text: 'A' }])).toThrow(/unequal width/);
  });

  it('gives sites drawn from a matrix a similarity near 1 that grows with their number', () => {
    const rng = new Random(3);
    const similarity = (n: number) =>
      alignMotifs(siteFrequencies(Array.from({ length: n }, () => ({ text: sampleSite(NFKB1, rng) }))), NFKB1)
        .similarity;
    const few = similarity(20);
    const many = similarity(5000);
    expect(few).toBeGreaterThan(0.85);
    expect(many).toBeGreaterThan(0.99);
    expect(many).toBeGreaterThan(few);
  });
});
