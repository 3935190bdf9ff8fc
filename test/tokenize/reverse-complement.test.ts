import { describe, expect, it } from 'vitest';
import { reverseComplement, reverseComplementBytes } from '../../src/tokenize/reverse-complement.js';
import { randomSequence } from './helpers.js';

describe('reverseComplement', () => {
  it('reverse-complements ACGT', () => {
    expect(reverseComplement('ACGT')).toBe('ACGT');
    expect(reverseComplement('AAACCG')).toBe('CGGTTT');
    expect(reverseComplement('GATTACA')).toBe('TGTAATC');
    expect(reverseComplement('')).toBe('');
  });

  it('complements IUPAC codes and keeps case', () => {
    expect(reverseComplement('RYKMBVDHSWN')).toBe('NWSDHBVKMRY');
    expect(reverseComplement('ryKMbvDHswn')).toBe('nwsDHbvKMry');
    expect(reverseComplement('acgtN')).toBe('Nacgt');
    // Outside the IUPAC DNA alphabet: kept as is.
    expect(reverseComplement('A-U.*')).toBe('*.U-T');
  });

  it('is an involution on long random IUPAC text and agrees for bytes', () => {
    const seq = randomSequence(100_000, 11, 'ACGTRYKMBVDHSWNacgtrykmbvdhswn-.');
    const rc = reverseComplement(seq);
    expect(rc).not.toBe(seq);
    expect(rc).toHaveLength(seq.length);
    expect(reverseComplement(rc)).toBe(seq);
    const bytes = new TextEncoder().encode(seq);
    const rcBytes = reverseComplementBytes(bytes);
    expect(new TextDecoder().decode(rcBytes)).toBe(rc);
    expect(new TextDecoder().decode(bytes)).toBe(seq); // input unchanged
  });

  it('matches a per-base table', () => {
    const table: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A', R: 'Y', Y: 'R', K: 'M', M: 'K' };
    const seq = randomSequence(300, 12, 'ACGTRYKM');
    const expected = [...seq]
      .reverse()
      .map((c) => table[c])
      .join('');
    expect(reverseComplement(seq)).toBe(expected);
  });
});
