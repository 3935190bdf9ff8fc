import { describe, expect, it } from 'vitest';
import {
  CLS_ID,
  FIRST_KMER_ID,
  KmerVocab,
  MASK_ID,
  PAD_ID,
  SEP_ID,
  SPECIAL_TOKENS,
  UNK_ID,
  isSpecialId,
  vocabSize,
} from '../../src/tokenize/vocab.js';
import { referenceId } from './helpers.js';

describe('KmerVocab', () => {
  it('has 4^k + 5 ids for k = 1..8', () => {
    for (let k = 1; k <= 8; k++) {
      expect(vocabSize(k)).toBe(4 ** k + 5);
      expect(new KmerVocab(k).size).toBe(4 ** k + 5);
    }
    expect(vocabSize(6)).toBe(4101);
  });

  it('puts the special tokens first with fixed ids', () => {
    expect([PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID, FIRST_KMER_ID]).toEqual([0, 1, 2, 3, 4, 5]);
    const vocab = new KmerVocab(3);
    expect([0, 1, 2, 3, 4].map((id) => vocab.idToToken(id))).toEqual([
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
    ]);
    expect(SPECIAL_TOKENS.map((t) => vocab.tokenToId(t))).toEqual([0, 1, 2, 3, 4]);
    expect(isSpecialId(4)).toBe(true);
    expect(isSpecialId(5)).toBe(false);
  });

  it('lists the k-mers in lexicographic ACGT order after the special tokens', () => {
    const vocab = new KmerVocab(2);
    const kmers = Array.from({ length: 16 }, (_, i) => vocab.idToToken(5 + i));
    expect(kmers).toEqual([
      'AA',
      'AC',
      'AG',
      'AT',
      'CA',
      'CC',
      'CG',
      'CT',
      'GA',
      'GC',
      'GG',
      'GT',
      'TA',
      'TC',
      'TG',
      'TT',
    ]);
    const six = new KmerVocab(6);
    const all = Array.from({ length: 4 ** 6 }, (_, i) => six.idToToken(5 + i));
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(4 ** 6);
  });

  it('gives the known ids of known k-mers', () => {
    const vocab = new KmerVocab(6);
    expect(vocab.tokenToId('AAAAAA')).toBe(5);
    expect(vocab.tokenToId('AAAAAC')).toBe(6);
    expect(vocab.tokenToId('AAAACA')).toBe(9);
    expect(vocab.tokenToId('CAAAAA')).toBe(5 + 1024);
    expect(vocab.tokenToId('TTTTTT')).toBe(4100);
    // ACGTAC = 0,1,2,3,0,1 in base 4 = 0*1024 + 256 + 2*64 + 3*16 + 0 + 1 = 433
    expect(vocab.tokenToId('ACGTAC')).toBe(5 + 433);
    expect(new KmerVocab(1).tokenToId('G')).toBe(7);
    expect(new KmerVocab(8).tokenToId('TTTTTTTT')).toBe(5 + 65535);
  });

  it('round-trips every id for k = 1..6 and agrees with the reference', () => {
    for (let k = 1; k <= 6; k++) {
      const vocab = new KmerVocab(k);
      for (let id = FIRST_KMER_ID; id < vocab.size; id++) {
        const token = vocab.idToToken(id);
        expect(token).toHaveLength(k);
        expect(vocab.tokenToId(token)).toBe(id);
        if (id % 97 === 0) expect(referenceId(token)).toBe(id);
      }
    }
  });

  it('is case-insensitive for k-mers and maps N, IUPAC codes and wrong lengths to UNK', () => {
    const vocab = new KmerVocab(4);
    expect(vocab.tokenToId('acgt')).toBe(vocab.tokenToId('ACGT'));
    expect(vocab.tokenToId('AcGt')).toBe(vocab.tokenToId('ACGT'));
    for (const token of ['ACGN', 'RACG', 'acgn', 'ACGU', 'AC-T', 'ACG', 'ACGTA', '', '[pad]', 'ACGé']) {
      expect(vocab.tokenToId(token)).toBe(UNK_ID);
    }
  });

  it('rejects bad k and out-of-range ids', () => {
    expect(() => new KmerVocab(0)).toThrow(RangeError);
    expect(() => new KmerVocab(9)).toThrow(RangeError);
    expect(() => new KmerVocab(2.5)).toThrow(RangeError);
    expect(() => vocabSize(9)).toThrow(/k must be an integer from 1 to 8, got 9/);
    const vocab = new KmerVocab(2);
    expect(() => vocab.idToToken(21)).toThrow(RangeError);
    expect(() => vocab.idToToken(-1)).toThrow(RangeError);
    expect(vocab.idToToken(20)).toBe('TT');
  });
});
