/** Test helpers for the tokenizer: seeded random sequences and a slow, obviously-correct reference. */
import { Random } from '../../src/tokenize/random.js';

/** A random sequence over `alphabet`, reproducible from `seed`. */
export function randomSequence(length: number, seed: number, alphabet = 'ACGT'): string {
  const rng = new Random(seed);
  const codes = new Uint16Array(length);
  for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(rng.nextInt(alphabet.length));
  let text = '';
  for (let i = 0; i < length; i += 8192) text += String.fromCharCode(...codes.subarray(i, i + 8192));
  return text;
}

/**
 * Reference id of a k-mer string, computed independently of vocab.ts: special tokens are 0..4, a k-mer
 * is 5 + its ACGT->0123 digits read in base 4, anything with another character is UNK (1).
 */
export function referenceId(kmer: string): number {
  const upper = kmer.toUpperCase();
  if (!/^[ACGT]+$/.test(upper)) return 1;
  const digits = upper.replace(/[ACGT]/g, (b) => String('ACGT'.indexOf(b)));
  return 5 + parseInt(digits, 4);
}

/** Reference tokenization by slicing strings. */
export function referenceTokenize(
  sequence: string,
  k: number,
  stride: number,
): { ids: number[]; starts: number[] } {
  const ids: number[] = [];
  const starts: number[] = [];
  for (let start = 0; start + k <= sequence.length; start += stride) {
    ids.push(referenceId(sequence.slice(start, start + k)));
    starts.push(start);
  }
  return { ids, starts };
}
