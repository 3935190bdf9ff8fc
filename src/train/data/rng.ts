/**
 * Seeded randomness for the data layer, built on the tokenizer's xoshiro128** `Random`.
 *
 * `CountingRandom` counts the 32-bit words it has drawn, so a sampler's generator can be saved as
 * (seed, count) and restored exactly by replaying that many words: no access to private generator
 * state is needed, and a replay of 10 million words takes well under a second.
 */
import { Random } from '../../tokenize/random.js';

const TWO_POW_32 = 4294967296;

/** A `Random` that counts the 32-bit words it has produced. */
export class CountingRandom extends Random {
  /** 32-bit words drawn since construction (every nextInt/nextFloat draws one or more). */
  calls = 0;

  constructor(readonly seed: number) {
    super(seed);
  }

  override nextUint32(): number {
    this.calls++;
    return super.nextUint32();
  }

  /** A generator with `seed` advanced by `calls` words: the state a saved (seed, calls) stands for. */
  static replay(seed: number, calls: number): CountingRandom {
    if (!Number.isSafeInteger(calls) || calls < 0) {
      throw new RangeError(`generator word count must be a non-negative integer, got ${String(calls)}`);
    }
    const rng = new CountingRandom(seed);
    while (rng.calls < calls) rng.nextUint32();
    return rng;
  }
}

/** An integer uniform over [0, n) for 1 <= n <= 2^53 (beyond `nextInt`'s 2^32 for whole genomes). */
export function uniformBelow(rng: Random, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`bound must be a positive safe integer, got ${String(n)}`);
  }
  if (n <= TWO_POW_32) return rng.nextInt(n);
  const highBound = Math.ceil(n / TWO_POW_32);
  for (;;) {
    const value = rng.nextInt(highBound) * TWO_POW_32 + rng.nextUint32();
    if (value < n) return value;
  }
}

/**
 * A 32-bit seed derived from a base seed and integers (epoch, draw index, ...), so independent
 * streams (one per epoch, one per window) need no stored state. Different parts give unrelated seeds.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  if (!Number.isSafeInteger(seed)) throw new TypeError(`seed must be a safe integer, got ${String(seed)}`);
  let h = mix((seed >>> 0) ^ mix(Math.floor(seed / TWO_POW_32) >>> 0));
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new TypeError(`seed part must be a safe integer, got ${part}`);
    h = mix((h ^ mix((part >>> 0) + 0x9e3779b9)) + (Math.floor(part / TWO_POW_32) >>> 0));
  }
  return h;
}

/** The murmur3 32-bit finalizer. */
function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Indices 0..n-1 in a seeded random order (Fisher-Yates). */
export function permutation(n: number, rng: Random): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
