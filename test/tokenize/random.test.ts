import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tokenize/random.js';

describe('Random (xoshiro128**)', () => {
  it('matches the reference C implementation from state [1, 2, 3, 4]', () => {
    // Printed by Blackman & Vigna's xoshiro128starstar.c next() with s = {1, 2, 3, 4}.
    const rng = Random.fromState([1, 2, 3, 4]);
    const out = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const seqA = Array.from({ length: 100 }, () => a.nextUint32());
    const seqB = Array.from({ length: 100 }, () => b.nextUint32());
    const seqC = Array.from({ length: 100 }, () => c.nextUint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('uses the high bits of large seeds', () => {
    const a = new Random(5);
    const b = new Random(5 + 2 ** 32);
    expect(a.nextUint32()).not.toBe(b.nextUint32());
  });

  it('nextFloat stays in [0, 1) and nextInt is roughly uniform', () => {
    const rng = new Random(7);
    const counts = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const f = rng.nextFloat();
      if (!(f >= 0 && f < 1)) outside++;
      const n = rng.nextInt(10);
      counts[n] = (counts[n] ?? 0) + 1;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('rejects bad seeds and bounds', () => {
    expect(() => new Random(1.5)).toThrow(TypeError);
    expect(() => new Random(Number.NaN)).toThrow(TypeError);
    expect(() => new Random(1).nextInt(0)).toThrow(RangeError);
    expect(() => Random.fromState([0, 0, 0, 0])).toThrow(RangeError);
  });
});
