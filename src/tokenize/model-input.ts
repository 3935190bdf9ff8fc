/**
 * Fixed-length model input: `[CLS] tokens... [SEP]` then `[PAD]` up to `length`, with an attention mask
 * (1 = real token, 0 = padding), the layout BERT and DNABERT use. Mask *after* this (masking.ts never
 * touches CLS/SEP/PAD), so labels line up with the padded ids without another copy.
 */
import { CLS_ID, PAD_ID, SEP_ID } from './vocab.js';

export interface ModelInputOptions {
  /** Total length of the output, including CLS/SEP and padding. */
  length: number;
  /** Wrap the tokens in `[CLS]` ... `[SEP]`. Default true. */
  addSpecialTokens?: boolean;
  /** Cut tokens that do not fit instead of throwing. Default false: silent loss of sequence surprises. */
  truncate?: boolean;
}

export interface ModelInput {
  /** (length) token ids. */
  inputIds: Int32Array;
  /** (length) 1 for CLS, tokens and SEP; 0 for padding. Int32 because tensor libraries take it as is. */
  attentionMask: Int32Array;
  /** Position in `inputIds` of token 0 of the input (1 with CLS, else 0). */
  offset: number;
  /** Number of input tokens placed (fewer than given only with `truncate`). */
  tokenCount: number;
}

/** Wrap and pad token ids to a fixed length. */
export function toModelInput(ids: Int32Array, options: ModelInputOptions): ModelInput {
  const { length } = options;
  const special = options.addSpecialTokens ?? true;
  const extra = special ? 2 : 0;
  if (!Number.isInteger(length) || length < extra) {
    throw new RangeError(`Model input length must be an integer >= ${extra}, got ${String(length)}`);
  }
  const room = length - extra;
  if (ids.length > room && !options.truncate) {
    throw new RangeError(
      `${ids.length} tokens do not fit a model input of length ${length}${special ? ' with [CLS] and [SEP]' : ''}; ` +
        'use shorter windows or pass truncate: true',
    );
  }
  const tokenCount = Math.min(ids.length, room);
  const inputIds = new Int32Array(length).fill(PAD_ID);
  const attentionMask = new Int32Array(length);
  const offset = special ? 1 : 0;
  if (special) inputIds[0] = CLS_ID;
  inputIds.set(ids.subarray(0, tokenCount), offset);
  if (special) inputIds[offset + tokenCount] = SEP_ID;
  attentionMask.fill(1, 0, tokenCount + extra);
  return { inputIds, attentionMask, offset, tokenCount };
}
