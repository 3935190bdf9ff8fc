/**
 * The k-mer tokenizer.
 *
 * Token i covers bases [i * stride, i * stride + k) of the input, for every i with
 * i * stride + k <= length. A trailing piece shorter than k is dropped, not padded: it has no k-mer
 * id, and padding it with N would only add an `[UNK]`. So with k=6, stride=6 a 100-base sequence
 * gives 16 tokens covering bases 0..96, and the last 4 bases are not covered; a sequence shorter than
 * k gives no tokens. Windows (windows.ts) overlap, so a base dropped at the end of one window is
 * covered by the next.
 *
 * Case does not matter (soft-masked lowercase tokenizes like uppercase). A k-mer that contains N or
 * any other non-ACGT character is `[UNK]`.
 *
 * Speed: a whole chromosome goes through here, so there is no per-token string. One pass over the
 * bases keeps a rolling 2-bit code of the last k bases and the position of the last non-ACGT base;
 * a token is emitted every `stride` bases.
 */
import { makeTokenizerConfig, validateTokenizerConfig, type TokenizerConfig } from './config.js';
import { BASE_CODE, FIRST_KMER_ID, KmerVocab, UNK_ID, checkK } from './vocab.js';

export interface TokenizerOptions {
  /** k-mer length, 1..8. Default 6 (DNABERT's choice). */
  k?: number;
  /** Bases between token starts, >= 1. Default k (non-overlapping); 1 gives overlapping k-mers. */
  stride?: number;
}

export interface Tokens {
  /** Token ids. */
  ids: Int32Array;
  /** Start of each token in the input, 0-based; the token covers [starts[i], starts[i] + k). */
  starts: Int32Array;
}

export class KmerTokenizer {
  readonly k: number;
  readonly stride: number;
  readonly vocab: KmerVocab;

  constructor(options: TokenizerOptions = {}) {
    const k = options.k ?? 6;
    checkK(k);
    const stride = options.stride ?? k;
    if (!Number.isInteger(stride) || stride < 1) {
      throw new RangeError(`stride must be a positive integer, got ${String(stride)}`);
    }
    this.k = k;
    this.stride = stride;
    this.vocab = new KmerVocab(k);
  }

  /** A tokenizer from a loaded config; throws LocusInputError naming `source` if the config is bad. */
  static fromConfig(value: unknown, source?: string): KmerTokenizer {
    const config = validateTokenizerConfig(value, source);
    return new KmerTokenizer({ k: config.k, stride: config.stride });
  }

  /** The config to store with a checkpoint; `JSON.stringify` it. */
  toConfig(): TokenizerConfig {
    return makeTokenizerConfig(this.k, this.stride);
  }

  /** 4^k + 5. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Number of tokens for a sequence of `length` bases (the short tail is dropped). */
  tokenCount(length: number): number {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`length must be a non-negative integer, got ${String(length)}`);
    }
    return length < this.k ? 0 : Math.floor((length - this.k) / this.stride) + 1;
  }

  /**
   * Tokenize a sequence given as a string or as ASCII bytes (what a FASTA reader returns).
   * Starts are relative to the start of `sequence`.
   */
  tokenize(sequence: string | Uint8Array): Tokens {
    if (typeof sequence !== 'string' && !(sequence instanceof Uint8Array)) {
      throw new TypeError('tokenize expects a string or a Uint8Array of ASCII bases');
    }
    const length = sequence.length;
    const count = this.tokenCount(length);
    const ids = new Int32Array(count);
    const starts = new Int32Array(count);
    if (count === 0) return { ids, starts };

    const { k, stride } = this;
    const mask = (1 << (2 * k)) - 1;
    // Only bases up to the end of the last token matter.
    const last = (count - 1) * stride + k;
    const isString = typeof sequence === 'string';
    let code = 0;
    let lastBad = -1; // position of the most recent non-ACGT base
    let next = 0; // index of the next token to emit
    let nextEnd = k - 1; // position of the last base of token `next`
    for (let pos = 0; pos < last; pos++) {
      const c = isString ? sequence.charCodeAt(pos) : (sequence[pos] as number);
      const b = c < 128 ? (BASE_CODE[c] as number) : 4;
      if (b > 3) lastBad = pos;
      code = ((code << 2) | (b & 3)) & mask;
      if (pos === nextEnd) {
        const start = pos - k + 1;
        ids[next] = lastBad >= start ? UNK_ID : FIRST_KMER_ID + code;
        starts[next] = start;
        next++;
        nextEnd += stride;
      }
    }
    return { ids, starts };
  }

  /** Token strings for ids (`[CLS]`, `ACGTAC`, ...), for display and debugging. */
  decode(ids: ArrayLike<number>): string[] {
    const tokens = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) tokens[i] = this.vocab.idToToken(ids[i] as number);
    return tokens;
  }
}
