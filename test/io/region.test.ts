import { describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { formatRegion, parseRegion, resolveRegion } from '../../src/io/region.js';

const lengths = new Map([
  ['chr1', 10_000],
  ['chr1:1-5', 100],
]);

describe('parseRegion', () => {
  it('converts 1-based inclusive text to 0-based half-open', () => {
    expect(parseRegion('chr1:1,000-2,000')).toEqual({ contig: 'chr1', start: 999, end: 2000 });
    expect(parseRegion('chr1:5-5')).toEqual({ contig: 'chr1', start: 4, end: 5 });
  });
  it('reads a contig alone as the whole contig and CHROM:START as START to the end', () => {
    expect(parseRegion('chr1')).toEqual({ contig: 'chr1', start: 0, end: undefined });
    expect(parseRegion('chr1:100')).toEqual({ contig: 'chr1', start: 99, end: undefined });
    expect(parseRegion('chr1:-200')).toEqual({ contig: 'chr1', start: 0, end: 200 });
  });
  it('matches contig names holding ":" whole, or in braces', () => {
    expect(parseRegion('chr1:1-5', new Set(lengths.keys()))).toEqual({
      contig: 'chr1:1-5',
      start: 0,
      end: undefined,
    });
    expect(parseRegion('{chr1:1-5}:2-3')).toEqual({ contig: 'chr1:1-5', start: 1, end: 3 });
  });
  it.each(['', 'chr1:abc', 'chr1:10-5', 'chr1:0-5', ':1-5', '{chr1:1-5'])(
    'rejects %j with a clear error',
    (text) => {
      expect(() => parseRegion(text)).toThrow(LocusInputError);
    },
  );
});

describe('resolveRegion', () => {
  it('fills the end and clips it to the contig', () => {
    expect(resolveRegion(parseRegion('chr1'), lengths, 'x.fa')).toEqual({
      contig: 'chr1',
      start: 0,
      end: 10_000,
    });
    expect(resolveRegion(parseRegion('chr1:9,990-20,000'), lengths, 'x.fa')).toEqual({
      contig: 'chr1',
      start: 9989,
      end: 10_000,
    });
  });
  it('names the unknown contig and lists the known ones', () => {
    expect(() => resolveRegion(parseRegion('chrZ:1-10'), lengths, 'x.fa')).toThrow(
      /Unknown contig "chrZ".*x\.fa.*chr1/,
    );
  });
  it('rejects a start past the contig end', () => {
    expect(() => resolveRegion(parseRegion('chr1:10,001-10,005'), lengths, 'x.fa')).toThrow(
      /starts past the end/,
    );
  });
  it('formats back to samtools syntax', () => {
    expect(formatRegion({ contig: 'chr1', start: 999, end: 2000 })).toBe('chr1:1000-2000');
    expect(formatRegion({ contig: 'chr1:1-5', start: 0, end: 3 })).toBe('{chr1:1-5}:1-3');
  });
});
