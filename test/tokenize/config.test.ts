import { describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { parseTokenizerConfig, validateTokenizerConfig } from '../../src/tokenize/config.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';

const good = {
  version: 1,
  k: 6,
  stride: 1,
  vocabSize: 4101,
  specialTokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'],
};

/** The error thrown by loading `value`, which must be a LocusInputError. */
function loadError(value: unknown): LocusInputError {
  try {
    KmerTokenizer.fromConfig(value, 'ckpt/tokenizer.json');
  } catch (err) {
    expect(err).toBeInstanceOf(LocusInputError);
    return err as LocusInputError;
  }
  throw new Error('config was accepted');
}

describe('tokenizer config', () => {
  it('serializes to JSON and back', () => {
    for (const [k, stride] of [
      [6, 1],
      [6, 6],
      [1, 1],
      [8, 3],
    ] as const) {
      const tokenizer = new KmerTokenizer({ k, stride });
      const text = JSON.stringify(tokenizer.toConfig());
      const loaded = KmerTokenizer.fromConfig(JSON.parse(text));
      expect(loaded.k).toBe(k);
      expect(loaded.stride).toBe(stride);
      expect(loaded.vocabSize).toBe(4 ** k + 5);
      expect(parseTokenizerConfig(text)).toEqual(tokenizer.toConfig());
      const seq = 'ACGTNACGTTGCAacgtaGGCATTACGA';
      expect(loaded.tokenize(seq)).toEqual(tokenizer.tokenize(seq));
    }
    expect(new KmerTokenizer({ k: 6, stride: 1 }).toConfig()).toEqual(good);
  });

  it('accepts a hand-written config', () => {
    expect(validateTokenizerConfig(structuredClone(good))).toEqual(good);
  });

  it.each([
    ['k out of range', { ...good, k: 9 }, /"k" must be an integer from 1 to 8, got 9/],
    ['k as a string', { ...good, k: '6' }, /"k" must be an integer from 1 to 8, got "6"/],
    ['stride 0', { ...good, stride: 0 }, /"stride" must be a positive integer, got 0/],
    ['fractional stride', { ...good, stride: 1.5 }, /"stride" must be a positive integer/],
    ['wrong vocabSize', { ...good, vocabSize: 4096 }, /"vocabSize" is 4096 but k=6 gives 4101/],
    ['vocabSize for another k', { ...good, k: 5 }, /"vocabSize" is 4101 but k=5 gives 1029/],
    [
      'reordered special tokens',
      { ...good, specialTokens: ['[PAD]', '[CLS]', '[UNK]', '[SEP]', '[MASK]'] },
      /"specialTokens" must be/,
    ],
    ['missing special token', { ...good, specialTokens: ['[PAD]', '[UNK]'] }, /"specialTokens" must be/],
    [
      'newer version',
      { ...good, version: 2 },
      /version 2 is newer than this Locus reads \(1\); upgrade Locus/,
    ],
    [
      'version missing',
      { k: 6, stride: 1, vocabSize: 4101, specialTokens: good.specialTokens },
      /missing field "version"/,
    ],
    ['unknown field', { ...good, strid: 2 }, /unknown field "strid"/],
    ['not an object', [good], /expected a JSON object/],
    ['null', null, /expected a JSON object, got null/],
  ])('rejects %s with a clear error', (_name, value, message) => {
    const err = loadError(value);
    expect(err.message).toMatch(message);
    expect(err.message).toContain('Invalid tokenizer config "ckpt/tokenizer.json"');
    expect(err.input).toBe('ckpt/tokenizer.json');
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseTokenizerConfig('{"k": 6,', 'tok.json')).toThrow(
      /Invalid tokenizer config "tok.json": not JSON/,
    );
  });
});
