import { describe, expect, it } from 'vitest';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { UNK_ID } from '../../src/tokenize/vocab.js';
import { randomSequence, referenceId, referenceTokenize } from './helpers.js';

describe('KmerTokenizer', () => {
  it('defaults to k=6, stride=6', () => {
    const tokenizer = new KmerTokenizer();
    expect(tokenizer.k).toBe(6);
    expect(tokenizer.stride).toBe(6);
    expect(tokenizer.vocabSize).toBe(4101);
    expect(new KmerTokenizer({ k: 3 }).stride).toBe(3);
  });

  it('tokenizes a known sequence', () => {
    const tokenizer = new KmerTokenizer({ k: 3, stride: 3 });
    const { ids, starts } = tokenizer.tokenize('ACGTTTAAA');
    expect(tokenizer.decode(ids)).toEqual(['ACG', 'TTT', 'AAA']);
    expect([...starts]).toEqual([0, 3, 6]);
    // ACG = 0,1,2 -> 6; TTT = 63; AAA = 0
    expect([...ids]).toEqual([5 + 6, 5 + 63, 5]);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(starts).toBeInstanceOf(Int32Array);
  });

  it('gives overlapping k-mers with stride 1', () => {
    const tokenizer = new KmerTokenizer({ k: 3, stride: 1 });
    const { ids, starts } = tokenizer.tokenize('ACGTA');
    expect(tokenizer.decode(ids)).toEqual(['ACG', 'CGT', 'GTA']);
    expect([...starts]).toEqual([0, 1, 2]);
  });

  it('counts tokens for stride 1 and stride k', () => {
    const seq = randomSequence(1000, 1);
    const overlapping = new KmerTokenizer({ k: 6, stride: 1 });
    const disjoint = new KmerTokenizer({ k: 6, stride: 6 });
    expect(overlapping.tokenize(seq).ids.length).toBe(995);
    expect(disjoint.tokenize(seq).ids.length).toBe(166);
    expect(new KmerTokenizer({ k: 6, stride: 4 }).tokenize(seq).ids.length).toBe(249);
    for (const length of [0, 1, 5, 6, 7, 11, 12, 13]) {
      expect(disjoint.tokenCount(length)).toBe(length < 6 ? 0 : Math.floor((length - 6) / 6) + 1);
      expect(overlapping.tokenCount(length)).toBe(Math.max(0, length - 5));
    }
  });

  it('drops a trailing piece shorter than k', () => {
    const tokenizer = new KmerTokenizer({ k: 4, stride: 4 });
    const { ids, starts } = tokenizer.tokenize('ACGTACGTAC');
    expect(tokenizer.decode(ids)).toEqual(['ACGT', 'ACGT']);
    expect([...starts]).toEqual([0, 4]);
    expect(tokenizer.tokenize('ACG').ids.length).toBe(0);
    expect(tokenizer.tokenize('').ids.length).toBe(0);
    // Stride larger than k skips bases between tokens and still drops the tail.
    const sparse = new KmerTokenizer({ k: 2, stride: 3 });
    expect(sparse.decode(sparse.tokenize('ACGTACGT').ids)).toEqual(['AC', 'TA', 'GT']);
    expect(sparse.decode(sparse.tokenize('ACGTACG').ids)).toEqual(['AC', 'TA']);
  });

  it('maps N and other IUPAC / non-ACGT characters to UNK, only in the k-mers that contain them', () => {
    const tokenizer = new KmerTokenizer({ k: 3, stride: 1 });
    const { ids } = tokenizer.tokenize('ACGNACGT');
    // ACG CGN GNA NAC ACG CGT
    expect(tokenizer.decode(ids)).toEqual(['ACG', '[UNK]', '[UNK]', '[UNK]', 'ACG', 'CGT']);
    for (const code of 'RYKMSWBDHVNnryU-.*é') {
      const out = tokenizer.tokenize(`AC${code}GT`).ids;
      expect([...out]).toEqual([UNK_ID, UNK_ID, UNK_ID]);
    }
  });

  it('tokenizes lowercase (soft-masked) bases like uppercase', () => {
    const seq = randomSequence(500, 2, 'ACGTN');
    const mixed = [...seq].map((c, i) => (i % 3 === 0 ? c.toLowerCase() : c)).join('');
    for (const stride of [1, 6]) {
      const tokenizer = new KmerTokenizer({ k: 6, stride });
      expect(tokenizer.tokenize(seq.toLowerCase()).ids).toEqual(tokenizer.tokenize(seq).ids);
      expect(tokenizer.tokenize(mixed).ids).toEqual(tokenizer.tokenize(seq).ids);
    }
  });

  it('agrees with a string-slicing reference for every k, several strides, strings and bytes', () => {
    const seq = randomSequence(2000, 3, 'ACGTACGTACGTacgtN');
    const bytes = new TextEncoder().encode(seq);
    for (let k = 1; k <= 8; k++) {
      for (const stride of [1, 2, k, k + 3]) {
        const tokenizer = new KmerTokenizer({ k, stride });
        const expected = referenceTokenize(seq, k, stride);
        const fromString = tokenizer.tokenize(seq);
        const fromBytes = tokenizer.tokenize(bytes);
        expect([...fromString.ids]).toEqual(expected.ids);
        expect([...fromString.starts]).toEqual(expected.starts);
        expect(fromBytes.ids).toEqual(fromString.ids);
        expect(fromBytes.starts).toEqual(fromString.starts);
      }
    }
  });

  it('tokenizes 1,000,000+ bases', () => {
    const seq = randomSequence(1_200_000, 4, 'ACGTACGTACGTACGTacgtN');
    const overlapping = new KmerTokenizer({ k: 6, stride: 1 });
    const { ids, starts } = overlapping.tokenize(seq);
    expect(ids.length).toBe(1_200_000 - 5);
    // Spot-check against the reference across the whole length, including the last token.
    for (let i = 0; i < ids.length; i += 9973) {
      expect(ids[i]).toBe(referenceId(seq.slice(i, i + 6)));
      expect(starts[i]).toBe(i);
    }
    expect(ids[ids.length - 1]).toBe(referenceId(seq.slice(-6)));
    const disjoint = new KmerTokenizer({ k: 6, stride: 6 }).tokenize(new TextEncoder().encode(seq));
    expect(disjoint.ids.length).toBe(200_000);
    expect(disjoint.ids[199_999]).toBe(referenceId(seq.slice(1_199_994)));
  });

  it('decodes ids back to tokens', () => {
    const tokenizer = new KmerTokenizer({ k: 2 });
    expect(tokenizer.decode(Int32Array.from([2, 5, 20, 1, 3, 0]))).toEqual([
      '[CLS]',
      'AA',
      'TT',
      '[UNK]',
      '[SEP]',
      '[PAD]',
    ]);
  });

  it('rejects bad options and inputs', () => {
    expect(() => new KmerTokenizer({ k: 9 })).toThrow(RangeError);
    expect(() => new KmerTokenizer({ k: 0 })).toThrow(RangeError);
    expect(() => new KmerTokenizer({ stride: 0 })).toThrow(RangeError);
    expect(() => new KmerTokenizer({ stride: 1.5 })).toThrow(RangeError);
    expect(() => new KmerTokenizer().tokenize(42 as unknown as string)).toThrow(TypeError);
    expect(() => new KmerTokenizer().tokenCount(-1)).toThrow(RangeError);
  });
});
