import { describe, expect, it } from 'vitest';
import { toModelInput } from '../../src/tokenize/model-input.js';
import { CLS_ID, PAD_ID, SEP_ID } from '../../src/tokenize/vocab.js';

describe('toModelInput', () => {
  const ids = Int32Array.from([10, 11, 12]);

  it('wraps in CLS/SEP and pads, with an attention mask', () => {
    const input = toModelInput(ids, { length: 8 });
    expect([...input.inputIds]).toEqual([CLS_ID, 10, 11, 12, SEP_ID, PAD_ID, PAD_ID, PAD_ID]);
    expect([...input.attentionMask]).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(input.offset).toBe(1);
    expect(input.tokenCount).toBe(3);
  });

  it('pads without special tokens', () => {
    const input = toModelInput(ids, { length: 5, addSpecialTokens: false });
    expect([...input.inputIds]).toEqual([10, 11, 12, PAD_ID, PAD_ID]);
    expect([...input.attentionMask]).toEqual([1, 1, 1, 0, 0]);
    expect(input.offset).toBe(0);
  });

  it('fills the length exactly and refuses to drop tokens unless asked', () => {
    expect([...toModelInput(ids, { length: 5 }).attentionMask]).toEqual([1, 1, 1, 1, 1]);
    expect(() => toModelInput(ids, { length: 4 })).toThrow(/3 tokens do not fit a model input of length 4/);
    const cut = toModelInput(ids, { length: 4, truncate: true });
    expect([...cut.inputIds]).toEqual([CLS_ID, 10, 11, SEP_ID]);
    expect(cut.tokenCount).toBe(2);
    expect(() => toModelInput(ids, { length: 1 })).toThrow(RangeError);
  });
});
