/**
 * The scan benchmark's scores (bench/scan/metrics.ts) on cases small enough to check by hand, and the
 * AUROC against a per-base brute force.
 */
import { describe, expect, it } from 'vitest';
import {
  classOf,
  mergeIntervals,
  scoreIslands,
  trackAuroc,
  type TrackBin,
  type TruthSegment,
} from '../../bench/scan/metrics.js';
import { hostNativeMask, liftHostIntervals } from '../../bench/scan/host-native.js';
import { Random } from '../../src/tokenize/random.js';

const contigs = [{ name: 'c', length: 100 }];
const truth: TruthSegment[] = [
  { chrom: 'c', start: 10, end: 30, name: 'high_gc:x' }, // 20 bases
  { chrom: 'c', start: 50, end: 60, name: 'phage_host_gc:lambda' }, // 10 bases
  { chrom: 'c', start: 80, end: 90, name: 'high_gc:y' }, // 10 bases
];
// Union: [5,28) 23 bases, [55,58) 3 bases, [70,75) 5 bases: 31 predicted bases.
const predicted = [
  { chrom: 'c', start: 5, end: 25 },
  { chrom: 'c', start: 20, end: 28 },
  { chrom: 'c', start: 55, end: 58 },
  { chrom: 'c', start: 70, end: 75 },
];

describe('scoreIslands', () => {
  const scores = scoreIslands({ contigs, truth, predicted, track: [] });

  it('counts a segment found at >= 50% of its bases covered', () => {
    expect(scores.perSegment.map((s) => [s.coveredBases, s.found])).toEqual([
      [18, true], // 18/20
      [3, false], // 3/10
      [0, false],
    ]);
    expect(scores.segments).toEqual({ total: 3, found: 1 });
  });

  it('gives base precision, recall and F1 over the union of all predictions', () => {
    expect(scores.bases).toMatchObject({ truth: 40, predicted: 31, truePositive: 21 });
    expect(scores.bases.precision).toBeCloseTo(21 / 31, 12);
    expect(scores.bases.recall).toBeCloseTo(21 / 40, 12);
    expect(scores.bases.f1).toBeCloseTo((2 * 21) / (31 + 40), 12);
  });

  it('gives planted-only precision from the predictions that touch a planted segment', () => {
    expect(scores.plantedOnly).toMatchObject({ intervals: 2, predicted: 26, truePositive: 21 });
    expect(scores.plantedOnly.precision).toBeCloseTo(21 / 26, 12);
    expect(scores.predictions).toEqual({ intervals: 3, untouchedIntervals: 1 });
  });

  it('groups segments by class (the name before the colon)', () => {
    expect(classOf('high_gc:x')).toBe('high_gc');
    expect(classOf('plain')).toBe('plain');
    expect(scores.perClass).toEqual({
      high_gc: { segments: 2, found: 1, bases: 30, coveredBases: 18, recall: 0.6 },
      phage_host_gc: { segments: 1, found: 0, bases: 10, coveredBases: 3, recall: 0.3 },
    });
  });

  it('counts exactly half covered as found, and honours minCoverage', () => {
    const half = [{ chrom: 'c', start: 10, end: 20 }];
    expect(scoreIslands({ contigs, truth, predicted: half, track: [] }).segments.found).toBe(1);
    expect(
      scoreIslands({ contigs, truth, predicted: half, track: [], minCoverage: 0.6 }).segments.found,
    ).toBe(0);
  });

  it('scores nothing predicted as 0 precision, recall and F1', () => {
    const none = scoreIslands({ contigs, truth, predicted: [], track: [] });
    expect(none.bases).toMatchObject({ predicted: 0, truePositive: 0, precision: 0, recall: 0, f1: 0 });
    expect(none.plantedOnly.precision).toBe(0);
  });

  it('rejects intervals off the contigs, overlapping truth and overlapping bins', () => {
    const past = [{ chrom: 'c', start: 90, end: 101 }];
    expect(() => scoreIslands({ contigs, truth, predicted: past, track: [] })).toThrow(/ends past/);
    const elsewhere = [{ chrom: 'd', start: 0, end: 1 }];
    expect(() => scoreIslands({ contigs, truth, predicted: elsewhere, track: [] })).toThrow(/unknown contig/);
    const overlapping = [...truth, { chrom: 'c', start: 25, end: 35, name: 'low_gc:z' }];
    expect(() => scoreIslands({ contigs, truth: overlapping, predicted, track: [] })).toThrow(/overlap/);
    const bins = [
      { chrom: 'c', start: 0, end: 10, value: 1 },
      { chrom: 'c', start: 5, end: 15, value: 1 },
    ];
    expect(() => scoreIslands({ contigs, truth, predicted, track: bins })).toThrow(/track bins overlap/);
  });
});

describe('scoreIslands with a host-native mask', () => {
  // The mask covers [65, 78): all of the untouched call [70, 75) and 8 bases no tool called.
  const hostNative = [{ chrom: 'c', start: 65, end: 78 }];
  const track = [
    { chrom: 'c', start: 0, end: 50, value: 1 },
    { chrom: 'c', start: 50, end: 100, value: 2 },
  ];
  const masked = scoreIslands({ contigs, truth, predicted, track, hostNative });

  it('leaves the masked bases out of the predictions and the negatives, not out of recall', () => {
    expect(masked.bases).toEqual(scoreIslands({ contigs, truth, predicted, track }).bases);
    expect(masked.hostNativeExcluded).toMatchObject({ maskBases: 13, predicted: 26 });
    expect(masked.hostNativeExcluded!.precision).toBeCloseTo(21 / 26, 12);
    const recall = 21 / 40;
    const precision = 21 / 26;
    expect(masked.hostNativeExcluded!.f1).toBeCloseTo((2 * precision * recall) / (precision + recall), 12);
    // Positives: 20 at 1, 20 at 2. Negatives without the mask: 30 at 1, 17 at 2.
    expect(masked.hostNativeExcluded!.auroc).toBeCloseTo((20 * 15 + 20 * (30 + 17 / 2)) / (40 * 47), 12);
  });

  it('has no host-native figures without a mask, and rejects a mask over a planted segment', () => {
    expect(scoreIslands({ contigs, truth, predicted, track }).hostNativeExcluded).toBeUndefined();
    const overPlanted = [{ chrom: 'c', start: 25, end: 35 }];
    expect(() => scoreIslands({ contigs, truth, predicted, track, hostNative: overPlanted })).toThrow(
      /overlaps a planted segment/,
    );
  });
});

describe('liftHostIntervals', () => {
  // Host bases: 10 inserted before host base 20, 5 before host base 40.
  const segments = [
    { hostPosition: 40, length: 5 },
    { hostPosition: 20, length: 10 },
  ];

  it('shifts host intervals past the segments inserted before them', () => {
    expect(liftHostIntervals([[0, 20]], segments, 'g')).toEqual([{ chrom: 'g', start: 0, end: 20 }]);
    expect(liftHostIntervals([[20, 30]], segments, 'g')).toEqual([{ chrom: 'g', start: 30, end: 40 }]);
    expect(liftHostIntervals([[45, 50]], segments, 'g')).toEqual([{ chrom: 'g', start: 60, end: 65 }]);
  });

  it('cuts an interval that spans insertion points around the planted segments', () => {
    expect(liftHostIntervals([[15, 42]], segments, 'g')).toEqual([
      { chrom: 'g', start: 15, end: 20 },
      { chrom: 'g', start: 30, end: 50 },
      { chrom: 'g', start: 55, end: 57 },
    ]);
  });
});

describe('hostNativeMask', () => {
  const tool = (name: string, intervals: [number, number][]) => ({
    tool: name,
    command: '',
    seconds: 0,
    peakRssMb: 0,
    intervals,
    bases: 0,
  });

  it('keeps the host DNA that alien_hunter and at least one locus method both call', () => {
    const calls = {
      tools: [
        tool('locus scan --method reformer', [[0, 10]]),
        tool('locus scan --method markov', [
          [5, 20],
          [40, 50],
        ]),
        tool('alien_hunter', [
          [8, 30],
          [45, 60],
          [70, 80],
        ]),
      ],
    };
    expect(hostNativeMask(calls)).toEqual([
      [8, 20],
      [45, 50],
    ]);
    expect(() => hostNativeMask({ tools: calls.tools.slice(0, 2) })).toThrow(/alien_hunter/);
  });
});

describe('mergeIntervals', () => {
  it('joins overlapping and touching intervals per contig and drops empty ones', () => {
    const merged = mergeIntervals([
      { chrom: 'b', start: 0, end: 5 },
      { chrom: 'a', start: 10, end: 20 },
      { chrom: 'a', start: 20, end: 25 },
      { chrom: 'a', start: 0, end: 3 },
      { chrom: 'a', start: 7, end: 7 },
    ]);
    expect(merged).toEqual([
      { chrom: 'b', start: 0, end: 5 },
      { chrom: 'a', start: 0, end: 3 },
      { chrom: 'a', start: 10, end: 25 },
    ]);
  });
});

describe('trackAuroc', () => {
  const ten = [{ name: 'c', length: 10 }];
  const planted = [{ chrom: 'c', start: 0, end: 2 }];

  it('weights bases by bin length and counts ties one half', () => {
    // Positives: 2 bases at 1. Negatives: 3 at 1 (ties), 5 at 0. AUC = 2 * (5 + 3/2) / (2 * 8).
    const track = [
      { chrom: 'c', start: 0, end: 5, value: 1 },
      { chrom: 'c', start: 5, end: 10, value: 0 },
    ];
    expect(trackAuroc(ten, planted, track)).toEqual({
      value: 13 / 16,
      positiveBases: 2,
      negativeBases: 8,
      unscoredBases: 0,
    });
  });

  it('gives bases outside any bin, and NaN bins, the lowest score', () => {
    const track = [
      { chrom: 'c', start: 0, end: 2, value: -5 },
      { chrom: 'c', start: 2, end: 4, value: Number.NaN },
    ];
    expect(trackAuroc(ten, planted, track)).toMatchObject({ value: 1, unscoredBases: 8 });
    expect(trackAuroc(ten, planted, []).value).toBe(0.5);
  });

  it('is 0.5 for a constant track, 0 for an inverted one, null without positives', () => {
    const constant = [{ chrom: 'c', start: 0, end: 10, value: 3 }];
    expect(trackAuroc(ten, planted, constant).value).toBe(0.5);
    const inverted = [
      { chrom: 'c', start: 0, end: 2, value: 0 },
      { chrom: 'c', start: 2, end: 10, value: 1 },
    ];
    expect(trackAuroc(ten, planted, inverted).value).toBe(0);
    expect(trackAuroc(ten, [], constant).value).toBeNull();
  });

  it('counts the bases of contigs without truth or bins as negatives', () => {
    const two = [...ten, { name: 'd', length: 6 }];
    const track = [{ chrom: 'c', start: 0, end: 2, value: 1 }];
    expect(trackAuroc(two, planted, track)).toEqual({
      value: 1,
      positiveBases: 2,
      negativeBases: 14,
      unscoredBases: 14,
    });
  });

  it('matches a per-base brute force on random tracks with ties and gaps', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 20; trial++) {
      const length = 50 + rng.nextInt(50);
      const lengths = [{ name: 'c', length }];
      const track: TrackBin[] = [];
      for (let at = rng.nextInt(3); at < length;) {
        const end = Math.min(length, at + 1 + rng.nextInt(7));
        // A few distinct values so ties are common; some gaps between bins.
        track.push({ chrom: 'c', start: at, end, value: rng.nextInt(4) });
        at = end + rng.nextInt(3);
      }
      const truthIvs = [
        { chrom: 'c', start: 5, end: 5 + 1 + rng.nextInt(10) },
        { chrom: 'c', start: 30, end: 30 + 1 + rng.nextInt(15) },
      ];
      const score = new Array<number>(length).fill(Number.NEGATIVE_INFINITY);
      for (const b of track) for (let i = b.start; i < b.end; i++) score[i] = b.value;
      const positive = score.map((_, i) => truthIvs.some((t) => t.start <= i && i < t.end));
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < length; i++) {
        if (!positive[i]) continue;
        for (let j = 0; j < length; j++) {
          if (positive[j]) continue;
          pairs++;
          wins += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
        }
      }
      expect(trackAuroc(lengths, truthIvs, track).value).toBeCloseTo(wins / pairs, 12);
      // With a mask over some host bases: the brute force over the bases left.
      const mask = [{ chrom: 'c', start: 20, end: 20 + 1 + rng.nextInt(8) }];
      const kept = (i: number) => !mask.some((m) => m.start <= i && i < m.end);
      let maskedWins = 0;
      let maskedPairs = 0;
      for (let i = 0; i < length; i++) {
        if (!positive[i]) continue;
        for (let j = 0; j < length; j++) {
          if (positive[j] || !kept(j)) continue;
          maskedPairs++;
          maskedWins += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
        }
      }
      expect(trackAuroc(lengths, truthIvs, track, mask).value).toBeCloseTo(maskedWins / maskedPairs, 12);
    }
  });
});
