/**
 * Sequences to model inputs: token ids, a valid mask for padding, and targets for the three
 * objectives (MLM, causal LM, classification).
 *
 * Layout of one row (length T, the same for every row of a batch):
 *   [CLS] k-mer tokens... [SEP] [PAD]...      with addSpecialTokens (default, BERT/DNABERT layout)
 *   k-mer tokens... [PAD]...                  without (the default for causal LM, HyenaDNA layout)
 * `valid` is 1 for CLS, tokens and SEP, 0 for padding. T is the longest row of the batch (or
 * `length`), rounded up to a multiple of `padMultiple` (e.g. the Reformer's LSH chunk length).
 *
 * Truncation policy. `maxTokens` caps the k-mer tokens of a row (CLS/SEP not counted); so does a
 * fixed `length`. A longer sequence is an error by default (`truncation: 'error'`): silently losing
 * sequence surprises people. `'right'` keeps the first tokens and drops the end, as Hugging Face
 * tokenizers do by default (DNABERT-2); `'left'` keeps the last tokens (useful when the informative
 * end is the 3' one, e.g. the bases next to a TSS in upstream sequences). The tokenizer itself drops a
 * trailing piece shorter than k (see tokenize/tokenizer.ts); that is not counted as truncation.
 *
 * Rows are stored flat, row-major: `ids[b * T + t]`; `rows` gives per-row views without copying,
 * in the `{ ids, valid }` shape the model's `SequenceInput` takes.
 */
import type { KmerTokenizer } from '../../tokenize/tokenizer.js';
import { maskTokens, type MaskOptions } from '../../tokenize/masking.js';
import type { Random } from '../../tokenize/random.js';
import { CLS_ID, IGNORE_LABEL, PAD_ID, SEP_ID, UNK_ID } from '../../tokenize/vocab.js';
import { deriveSeed } from './rng.js';

export type Truncation = 'error' | 'right' | 'left';

export interface EncodeOptions {
  tokenizer: KmerTokenizer;
  /** `[CLS]` first and `[SEP]` last. Default true (causalLmBatch: false). */
  addSpecialTokens?: boolean;
  /** At most this many k-mer tokens per row (CLS/SEP not counted); see `truncation`. */
  maxTokens?: number;
  /** What to do with a row over the limit. Default 'error'. */
  truncation?: Truncation;
  /** Fixed row length T (CLS/SEP and padding included). Default: the longest row of the batch. */
  length?: number;
  /** Round T up to a multiple of this. Default 1. */
  padMultiple?: number;
}

export interface TokenRow {
  /** (T) token ids. */
  ids: Int32Array;
  /** (T) 1 for real tokens (CLS/SEP included), 0 for padding. */
  valid: Uint8Array;
}

export interface TokenBatch {
  /** B rows of T tokens. */
  shape: [number, number];
  /** (B * T) token ids, row-major. */
  ids: Int32Array;
  /** (B * T) 1 for real tokens, 0 for padding. */
  valid: Uint8Array;
  /** (B) k-mer tokens kept per row (CLS/SEP not counted). */
  tokenCounts: Int32Array;
  /** (B) k-mer tokens dropped by truncation per row. */
  truncated: Int32Array;
  /** Per-row views into `ids` and `valid`. */
  rows: TokenRow[];
}

export interface MlmBatch extends TokenBatch {
  /** (B * T) original id at masked positions, -100 (IGNORE_LABEL) elsewhere. `ids` holds the masked input. */
  labels: Int32Array;
  labelRows: Int32Array[];
}

export interface CausalLmBatch extends TokenBatch {
  /** (B * T) labels[t] = ids[t + 1] while t + 1 is a valid position; -100 at a row's last valid position and on padding. */
  labels: Int32Array;
  labelRows: Int32Array[];
}

export interface ClassificationBatch extends TokenBatch {
  /** (B) class ids. */
  labels: Int32Array;
}

function checkEncodeOptions(options: EncodeOptions): void {
  const { maxTokens, length, padMultiple, truncation } = options;
  if (!options.tokenizer || typeof options.tokenizer.tokenize !== 'function') {
    throw new TypeError('options.tokenizer must be a KmerTokenizer');
  }
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 0)) {
    throw new RangeError(`maxTokens must be a non-negative integer, got ${String(maxTokens)}`);
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 1)) {
    throw new RangeError(`length must be a positive integer, got ${String(length)}`);
  }
  if (padMultiple !== undefined && (!Number.isSafeInteger(padMultiple) || padMultiple < 1)) {
    throw new RangeError(`padMultiple must be a positive integer, got ${String(padMultiple)}`);
  }
  if (truncation !== undefined && !['error', 'right', 'left'].includes(truncation)) {
    throw new TypeError(`truncation must be 'error', 'right' or 'left', got ${String(truncation)}`);
  }
  if (length !== undefined && padMultiple !== undefined && length % padMultiple !== 0) {
    throw new RangeError(`length ${length} is not a multiple of padMultiple ${padMultiple}`);
  }
}

/** Tokenize and pad sequences into one batch (see the top of this file). */
export function encodeBatch(sequences: readonly string[], options: EncodeOptions): TokenBatch {
  checkEncodeOptions(options);
  const { tokenizer } = options;
  const special = options.addSpecialTokens ?? true;
  const extra = special ? 2 : 0;
  const truncation = options.truncation ?? 'error';
  let limit = options.maxTokens ?? Infinity;
  if (options.length !== undefined) {
    if (options.length < extra) {
      throw new RangeError(`length ${options.length} leaves no room for [CLS] and [SEP]`);
    }
    limit = Math.min(limit, options.length - extra);
  }
  const B = sequences.length;
  const tokenCounts = new Int32Array(B);
  const truncated = new Int32Array(B);
  const kept: Int32Array[] = [];
  sequences.forEach((sequence, b) => {
    if (typeof sequence !== 'string') throw new TypeError(`sequence ${b} is not a string`);
    let ids = tokenizer.tokenize(sequence).ids;
    if (ids.length > limit) {
      if (truncation === 'error') {
        throw new RangeError(
          `sequence ${b} (${sequence.length} bases) gives ${ids.length} tokens, more than the ${limit} allowed; ` +
            "pass truncation: 'right' (keep the start) or 'left' (keep the end), or raise maxTokens/length",
        );
      }
      truncated[b] = ids.length - limit;
      ids = truncation === 'right' ? ids.subarray(0, limit) : ids.subarray(ids.length - limit);
    }
    tokenCounts[b] = ids.length;
    kept.push(ids);
  });
  const multiple = options.padMultiple ?? 1;
  const longest = kept.reduce((m, ids) => Math.max(m, ids.length + extra), extra);
  const T = options.length ?? Math.max(multiple, Math.ceil(longest / multiple) * multiple);
  const ids = new Int32Array(B * T).fill(PAD_ID);
  const valid = new Uint8Array(B * T);
  const rows: TokenRow[] = [];
  kept.forEach((tokens, b) => {
    const row = ids.subarray(b * T, (b + 1) * T);
    const mask = valid.subarray(b * T, (b + 1) * T);
    const offset = special ? 1 : 0;
    if (special) row[0] = CLS_ID;
    row.set(tokens, offset);
    if (special) row[offset + tokens.length] = SEP_ID;
    mask.fill(1, 0, tokens.length + extra);
    rows.push({ ids: row, valid: mask });
  });
  return { shape: [B, T], ids, valid, tokenCounts, truncated, rows };
}

export interface MlmOptions extends EncodeOptions {
  /** One generator for the whole batch (rows get different masks); or give `seed`. */
  rng?: Random;
  /** Row b is masked with a generator seeded by deriveSeed(seed, b). */
  seed?: number;
  /** Masking rates and span settings (tokenize/masking.ts); defaults there (15%, 80/10/10). */
  mask?: Omit<MaskOptions, 'rng' | 'seed'>;
}

/**
 * MLM batch: padded first, then masked row by row (masking never touches CLS/SEP/PAD, and spans
 * stop at them), so `labels` line up with `ids`.
 */
export function mlmBatch(sequences: readonly string[], options: MlmOptions): MlmBatch {
  if ((options.rng === undefined) === (options.seed === undefined)) {
    throw new TypeError('mlmBatch needs exactly one of seed or rng: masking is always reproducible');
  }
  const batch = encodeBatch(sequences, options);
  const rng = options.rng;
  const [B, T] = batch.shape;
  const labels = new Int32Array(B * T).fill(IGNORE_LABEL);
  const labelRows: Int32Array[] = [];
  batch.rows.forEach((row, b) => {
    const masked = maskTokens(row.ids, options.tokenizer, {
      ...options.mask,
      ...(rng ? { rng } : { seed: deriveSeed(options.seed!, b) }),
    });
    row.ids.set(masked.inputIds);
    labels.set(masked.labels, b * T);
    labelRows.push(labels.subarray(b * T, (b + 1) * T));
  });
  return { ...batch, labels, labelRows };
}

/**
 * Causal-LM batch (next-token prediction): `labels[t] = ids[t + 1]`, -100 at each row's last valid
 * position and on padding. No CLS/SEP by default. With overlapping k-mers (stride < k) the next
 * token shares k - 1 bases with the current one, which makes the task trivial: use stride = k.
 */
export function causalLmBatch(sequences: readonly string[], options: EncodeOptions): CausalLmBatch {
  const batch = encodeBatch(sequences, { ...options, addSpecialTokens: options.addSpecialTokens ?? false });
  const [B, T] = batch.shape;
  const labels = new Int32Array(B * T).fill(IGNORE_LABEL);
  const labelRows: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const row = batch.rows[b]!;
    const out = labels.subarray(b * T, (b + 1) * T);
    // An `[UNK]` next token (a k-mer with N or another IUPAC code) is not a prediction to learn or
    // score: it stays IGNORE, as the Markov baseline skips non-ACGT bases (src/train/lm-scoring.ts).
    for (let t = 0; t + 1 < T && row.valid[t + 1] === 1; t++) {
      const next = row.ids[t + 1]!;
      if (next !== UNK_ID) out[t] = next;
    }
    labelRows.push(out);
  }
  return { ...batch, labels, labelRows };
}

/** Classification batch: token rows plus one class id per row. */
export function classificationBatch(
  items: readonly { sequence: string; label: number }[],
  options: EncodeOptions,
): ClassificationBatch {
  const labels = new Int32Array(items.length);
  items.forEach((item, b) => {
    if (!Number.isSafeInteger(item.label) || item.label < 0) {
      throw new RangeError(`item ${b} has label ${String(item.label)}; class ids are non-negative integers`);
    }
    labels[b] = item.label;
  });
  const batch = encodeBatch(
    items.map((item) => item.sequence),
    options,
  );
  return { ...batch, labels };
}
