/**
 * The k-mer vocabulary.
 *
 * Ids are fixed by arithmetic, not by a stored list, so every tool that agrees on k agrees on ids:
 * the five special tokens come first (`[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3, `[MASK]`=4, the
 * BERT/DNABERT names), then all 4^k k-mers in lexicographic ACGT order, k-mer id = 5 + its value as a
 * base-4 number with A=0, C=1, G=2, T=3 (so `AAAAAA` is 5 and `TTTTTT` is 5 + 4^6 - 1 = 4100).
 * k runs from 1 to 8: 4^8 + 5 = 65,541 ids is already a large embedding table, and k <= 8 keeps a
 * k-mer's 2-bit code inside 16 bits.
 */

export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;
/** Id of the first k-mer (`A...A`); every id below it is a special token. */
export const FIRST_KMER_ID = 5;
/** Label for positions that take no part in the loss (PyTorch's `ignore_index`, as in BERT/DNABERT). */
export const IGNORE_LABEL = -100;

/** Special token strings, in id order. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export const MIN_K = 1;
export const MAX_K = 8;

const BASES = 'ACGT';

/**
 * 2-bit code of each byte/char code below 128: A/a=0, C/c=1, G/g=2, T/t=3, anything else 4 (not ACGT:
 * N, the other IUPAC codes, gaps, U). Lowercase is soft-masking in FASTA, so it codes like uppercase.
 */
export const BASE_CODE: Uint8Array = (() => {
  const table = new Uint8Array(128).fill(4);
  for (let i = 0; i < 4; i++) {
    table[BASES.charCodeAt(i)] = i;
    table[BASES.toLowerCase().charCodeAt(i)] = i;
  }
  return table;
})();

/** Throw a RangeError unless k is an integer from 1 to 8. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) {
    throw new RangeError(`k must be an integer from ${MIN_K} to ${MAX_K}, got ${String(k)}`);
  }
}

/** Number of ids for k: 4^k k-mers plus the 5 special tokens. */
export function vocabSize(k: number): number {
  checkK(k);
  return 4 ** k + FIRST_KMER_ID;
}

/** True for PAD, UNK, CLS, SEP and MASK. */
export function isSpecialId(id: number): boolean {
  return id >= 0 && id < FIRST_KMER_ID;
}

export class KmerVocab {
  readonly k: number;
  /** 4^k + 5. */
  readonly size: number;

  constructor(k: number) {
    checkK(k);
    this.k = k;
    this.size = 4 ** k + FIRST_KMER_ID;
  }

  /** The token string for an id: `[PAD]` ... `[MASK]`, or the k-mer in uppercase. */
  idToToken(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new RangeError(
        `Token id ${String(id)} is outside the vocabulary for k=${this.k} (0..${this.size - 1})`,
      );
    }
    if (id < FIRST_KMER_ID) return SPECIAL_TOKENS[id] as string;
    let code = id - FIRST_KMER_ID;
    const chars = new Array<string>(this.k);
    for (let i = this.k - 1; i >= 0; i--) {
      chars[i] = BASES[code & 3] as string;
      code >>>= 2;
    }
    return chars.join('');
  }

  /**
   * The id of a token string. Special tokens match exactly; a k-mer matches case-insensitively. Anything
   * else (wrong length, N or another IUPAC code) is `[UNK]`, as the tokenizer would make it.
   */
  tokenToId(token: string): number {
    const special = (SPECIAL_TOKENS as readonly string[]).indexOf(token);
    if (special >= 0) return special;
    if (token.length !== this.k) return UNK_ID;
    let code = 0;
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i);
      const b = c < 128 ? (BASE_CODE[c] as number) : 4;
      if (b > 3) return UNK_ID;
      code = (code << 2) | b;
    }
    return FIRST_KMER_ID + code;
  }
}
