/**
 * Reading alien_hunter 1.7's outputs (bench/scan/alien-hunter.ts): its EMBL feature tables and its
 * overlapping windows turned into a track of non-overlapping bins.
 */
import { describe, expect, it } from 'vitest';
import { parseEmblFeatures, windowsToTrack } from '../../bench/scan/alien-hunter.js';

// As alien_hunter.pl prints them: predictions with colour, algorithm, note and score ...
const PREDICTIONS = `FT   misc_feature    12501..22500
FT                   /colour=255 0 0
FT                   /algorithm="alien_hunter"
FT                   /note="threshold: 31.250"
FT                   /score=48.123
FT   misc_feature    40001..45000
FT                   /colour=255 200 200
FT                   /algorithm="alien_hunter"
FT                   /note="threshold: 31.250; probably region overlapping rRNA operon"
FT                   /score=33.5
`;
// ... and the .sco file: every window, unsorted (Perl hash order), score only.
const WINDOWS = `FT   misc_feature    5000..10000
FT                   /score=10
FT   misc_feature    1..5000
FT                   /score=0
FT   misc_feature    2500..7500
FT                   /score=100
FT   misc_feature    7000..12000
FT                   /score=20.5
`;

describe('parseEmblFeatures', () => {
  it('reads locations as EMBL (1-based inclusive) into BED coordinates, with score and note', () => {
    expect(parseEmblFeatures(PREDICTIONS)).toEqual([
      { start: 12500, end: 22500, score: 48.123, note: 'threshold: 31.250' },
      {
        start: 40000,
        end: 45000,
        score: 33.5,
        note: 'threshold: 31.250; probably region overlapping rRNA operon',
      },
    ]);
    expect(parseEmblFeatures(WINDOWS)).toHaveLength(4);
    expect(parseEmblFeatures('')).toEqual([]);
  });

  it('rejects a feature without a score and lines it does not know', () => {
    expect(() => parseEmblFeatures('FT   misc_feature    1..10\n', 'x.sco')).toThrow(/x.sco.*no \/score/);
    expect(() => parseEmblFeatures('ID   something\n', 'x.sco')).toThrow(/line 1/);
  });
});

describe('windowsToTrack', () => {
  it('gives each window the bases nearest its centre, from the contig start to its end', () => {
    const windows = parseEmblFeatures(WINDOWS);
    // Centres 2500, 5000, 7500, 9500 (BED [0,5000), [2499,7500), [4999,10000), [6999,12000)).
    expect(windowsToTrack({ name: 'c', length: 13000 }, windows)).toEqual([
      { chrom: 'c', start: 0, end: 3750, value: 0 },
      { chrom: 'c', start: 3750, end: 6250, value: 100 },
      { chrom: 'c', start: 6250, end: 8500, value: 10 },
      { chrom: 'c', start: 8500, end: 13000, value: 20.5 },
    ]);
    expect(windowsToTrack({ name: 'c', length: 10 }, [])).toEqual([]);
  });
});
