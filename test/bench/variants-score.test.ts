/**
 * The variants benchmark's scoring (bench/variants/score.ts): exact-match counting per class and
 * per block, F1, and the block bootstrap, on hand-made allele lists.
 */
import { describe, expect, it } from 'vitest';
import {
  blockKeys,
  bootstrapWeights,
  countByBlock,
  f1Difference,
  f1Of,
  scoreClass,
  type Allele,
} from '../../bench/variants/score.js';

const allele = (contig: string, pos: number, ref: string, alt: string): Allele => ({
  contig,
  pos,
  ref,
  alt,
  qual: 50,
});

const CONTIGS = [
  { name: 'a', length: 250_000 },
  { name: 'b', length: 50_000 },
];

describe('variant scoring', () => {
  const truth = [
    allele('a', 10, 'A', 'G'),
    allele('a', 150_000, 'C', 'T'),
    allele('b', 5, 'AT', 'A'),
    allele('a', 200_001, 'G', 'GA'),
  ];
  const calls = [
    allele('a', 10, 'A', 'G'), // TP SNV
    allele('a', 150_000, 'C', 'A'), // wrong ALT: FP, and the truth SNV is a FN
    allele('b', 5, 'AT', 'A'), // TP indel
    allele('a', 200_002, 'G', 'GA'), // indel one base off: FP + FN
  ];
  const keys = blockKeys(CONTIGS);

  it('cuts contigs into 100 kb blocks', () => {
    expect(keys).toEqual(['a:0', 'a:1', 'a:2', 'b:0']);
  });

  it('counts exact matches per class and per block', () => {
    const snv = countByBlock(truth, calls, 'snv', keys);
    expect(snv.blocks).toEqual([
      { tp: 1, fp: 0, fn: 0 },
      { tp: 0, fp: 1, fn: 1 },
      { tp: 0, fp: 0, fn: 0 },
      { tp: 0, fp: 0, fn: 0 },
    ]);
    const indel = countByBlock(truth, calls, 'indel', keys);
    expect(indel.blocks[2]).toEqual({ tp: 0, fp: 1, fn: 1 });
    expect(indel.blocks[3]).toEqual({ tp: 1, fp: 0, fn: 0 });
  });

  it('computes F1 and intervals that contain it', () => {
    const weights = bootstrapWeights(keys.length, 1, 200);
    const snv = scoreClass(countByBlock(truth, calls, 'snv', keys), weights);
    expect(snv.f1).toBeCloseTo(f1Of({ tp: 1, fp: 1, fn: 1 }), 12);
    expect(snv.f1).toBeCloseTo(0.5, 12);
    expect(snv.f1Interval[0]).toBeLessThanOrEqual(snv.f1);
    expect(snv.f1Interval[1]).toBeGreaterThanOrEqual(snv.f1);
    // A caller compared with itself differs by exactly 0 on every draw.
    const same = countByBlock(truth, calls, 'snv', keys);
    expect(f1Difference(same, same, weights)).toEqual({ difference: 0, interval: [0, 0] });
  });

  it('refuses an allele outside the reference', () => {
    expect(() => countByBlock(truth, [allele('c', 1, 'A', 'C')], 'snv', keys)).toThrow(/outside/);
  });

  it('draws each block the right number of times on average', () => {
    const weights = bootstrapWeights(4, 7, 2000);
    const mean = weights.reduce((sum, w) => sum + w[0]!, 0) / weights.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
    expect(weights.every((w) => w.reduce((a, b) => a + b, 0) === 4)).toBe(true);
  });
});
