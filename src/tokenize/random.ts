/**
 * A small seeded PRNG, so masking (and anything else that samples) is reproducible from `--seed`.
 *
 * The generator is xoshiro128** 1.1 (Blackman & Vigna): 128 bits of state, 32-bit output, fast in plain
 * JavaScript because every step is 32-bit integer arithmetic. The seed is expanded to the state with
 * splitmix32, the seeding the authors recommend, so nearby seeds (0, 1, 2, ...) give unrelated streams.
 * `Math.random` is never used: it cannot be seeded.
 */

const TWO_POW_32 = 4294967296;

/** One splitmix32 step: a well-mixed 32-bit value from a counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

export class Random {
  // The four 32-bit state words, kept as unsigned numbers.
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * A generator seeded with any safe integer (negative numbers and values above 2^32 are fine: all of
   * the integer feeds the state). The same seed always gives the same stream.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new TypeError(`Random seed must be a safe integer, got ${String(seed)}`);
    }
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let counter = low ^ splitmix32(high ^ 0x85ebca6b);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      counter = (counter + 0x9e3779b9) >>> 0;
      words.push(splitmix32(counter));
    }
    // An all-zero state would emit zeros forever; splitmix32 makes it practically impossible, but be sure.
    if (!words.some((w) => w !== 0)) words[0] = 1;
    this.s0 = words[0] ?? 0;
    this.s1 = words[1] ?? 0;
    this.s2 = words[2] ?? 0;
    this.s3 = words[3] ?? 0;
  }

  /** A generator started from an explicit xoshiro128** state (for tests against the reference code). */
  static fromState(state: readonly [number, number, number, number]): Random {
    if (state.every((w) => w >>> 0 === 0)) throw new RangeError('xoshiro128** state must not be all zero');
    const random = new Random(0);
    random.s0 = state[0] >>> 0;
    random.s1 = state[1] >>> 0;
    random.s2 = state[2] >>> 0;
    random.s3 = state[3] >>> 0;
    return random;
  }

  /** The next 32-bit unsigned integer, uniform over [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    // Keep the words unsigned so fromState/toState round-trip and comparisons stay simple.
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A float uniform over [0, 1), with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * An integer uniform over [0, n), for 1 <= n <= 2^32. Uses rejection so there is no modulo bias
   * (which would skew a uniform choice among the 65,536 8-mers, for example).
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`nextInt bound must be an integer from 1 to 2^32, got ${String(n)}`);
    }
    // Largest multiple of n that fits in 32 bits; draws at or above it are rejected.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
