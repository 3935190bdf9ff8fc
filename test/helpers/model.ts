/** A tiny model and token inputs shared by the model and training tests. */
import type { ReformerConfig } from '../../src/model/config.js';

/** k = 3 vocabulary (69 tokens), 2 small layers: fast on either backend, every code path still used. */
export const TINY_CONFIG: Partial<ReformerConfig> = {
  vocabSize: 69,
  dModel: 16,
  depth: 2,
  heads: 2,
  dHead: 8,
  ffMult: 2,
  chunk: 8,
  rounds: 2,
  maxLength: 512,
  // Keep LSH layers on LSH at test lengths (the default switches to full attention up to 1,024 tokens).
  fullAttentionUpTo: 0,
};

/** Deterministic k-mer ids in [5, vocab) (no special tokens). */
export function randomIds(n: number, seed: number, vocab = 69): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return 5 + (s % (vocab - 5));
  });
}
