/**
 * Bootstrap intervals: the paired block bootstrap refuses blocks that scored different bases, is
 * centred on the observed difference, excludes zero for a real difference and covers zero for none;
 * the classification bootstrap brackets AUROC and MCC.
 */
import { describe, expect, it } from 'vitest';
import { checkSameBases, classificationBootstrap, pairedBlockBootstrap } from '../../src/train/bootstrap.js';
import type { LmBlock } from '../../src/train/lm-scoring.js';
import { Random } from '../../src/tokenize/random.js';

/** 50 blocks of 10 kb whose bits per base vary around `mean` with a shared per-block difficulty. */
function blocks(mean: number, noise: number, seed: number, shared: Float64Array): LmBlock[] {
  const random = new Random(seed);
  return Array.from(shared, (difficulty, i) => {
    const bits = mean + difficulty + noise * (random.nextFloat() - 0.5);
    return {
      contig: 'chr',
      start: i * 10_000,
      end: (i + 1) * 10_000,
      bases: 9_999,
      nats: bits * 9_999 * Math.LN2,
    };
  });
}

const random = new Random(3);
const difficulty = Float64Array.from({ length: 50 }, () => 0.2 * (random.nextFloat() - 0.5));

describe('paired block bootstrap', () => {
  it('finds a small real difference that the spread between blocks would hide', () => {
    const model = blocks(1.93, 0.002, 1, difficulty);
    const baseline = blocks(1.935, 0.002, 2, difficulty);
    const result = pairedBlockBootstrap(model, baseline, { seed: 7 });
    expect(result.difference.estimate).toBeCloseTo(result.bitsPerBaseA - result.bitsPerBaseB, 12);
    expect(result.difference.estimate).toBeCloseTo(-0.005, 3);
    expect(result.difference.high).toBeLessThan(0);
    expect(result.difference.low).toBeLessThan(result.difference.estimate);
    expect(result.bases).toBe(50 * 9_999);
    // Same seed, same interval.
    expect(pairedBlockBootstrap(model, baseline, { seed: 7 })).toEqual(result);
  });

  it('covers zero when two models are equally good', () => {
    const result = pairedBlockBootstrap(blocks(1.93, 0.01, 1, difficulty), blocks(1.93, 0.01, 2, difficulty));
    expect(result.difference.low).toBeLessThan(0);
    expect(result.difference.high).toBeGreaterThan(0);
  });

  it('refuses to compare blocks that scored different bases', () => {
    const a = blocks(1.9, 0, 1, difficulty);
    const b = a.map((block, i) => (i === 7 ? { ...block, bases: block.bases + 1 } : block));
    expect(() => checkSameBases(a, b, ['model', 'markov'])).toThrow(
      /block 7 differs: model scored 9999 bases/,
    );
    expect(() => pairedBlockBootstrap(a, a.slice(1))).toThrow(/different tiles/);
  });
});

describe('classification bootstrap', () => {
  it('brackets AUROC and MCC of a classifier', () => {
    const r = new Random(5);
    const labels: number[] = [];
    const probabilities: number[][] = [];
    for (let i = 0; i < 400; i++) {
      const label = i % 2;
      const p = Math.min(0.999, Math.max(0.001, 0.5 + (label ? 0.2 : -0.2) + 0.6 * (r.nextFloat() - 0.5)));
      labels.push(label);
      probabilities.push([1 - p, p]);
    }
    const result = classificationBootstrap(labels, probabilities, { replicates: 300, seed: 1 });
    expect(result.auroc.low).toBeLessThan(result.auroc.estimate);
    expect(result.auroc.high).toBeGreaterThan(result.auroc.estimate);
    expect(result.auroc.low).toBeGreaterThan(0.75);
    expect(result.mcc.low).toBeGreaterThan(0.3);
    expect(result.mcc.high).toBeLessThan(1);
    expect(() => classificationBootstrap([0], [[0.2, 0.3, 0.5]])).toThrow(/binary/);
  });
});
