/**
 * Metrics against hand-computed values and the edge cases that decide whether a reported number is
 * honest: tied scores in AUROC, one-class MCC, zero denominators, bits per base versus per token.
 */
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  auroc,
  binaryPrecisionRecallF1,
  bitsPerBase,
  bitsPerToken,
  classificationReport,
  confusionMatrix,
  crossEntropyNats,
  languageModelReport,
  macroAurocOvR,
  macroPrecisionRecallF1,
  matthewsCorrelation,
  perplexity,
} from '../../src/train/metrics.js';
import { seededRandom } from '../helpers/paths.js';

/** AUROC by brute force over every (positive, negative) pair. */
function pairwiseAuroc(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('binary classifier metrics', () => {
  // TP = 2 (0, 4), FN = 1 (1), FP = 1 (3), TN = 2 (2, 5)
  const yTrue = [1, 1, 0, 0, 1, 0];
  const yPred = [1, 0, 0, 1, 1, 0];

  it('match hand-computed values', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 12);
    const { precision, recall, f1 } = binaryPrecisionRecallF1(yTrue, yPred);
    expect(precision).toBeCloseTo(2 / 3, 12);
    expect(recall).toBeCloseTo(2 / 3, 12);
    expect(f1).toBeCloseTo(2 / 3, 12);
    // (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (4 - 1) / 9
    expect(matthewsCorrelation(yTrue, yPred)).toBeCloseTo(1 / 3, 12);
  });

  it('precision, recall and F1 are 0 (not NaN) with no predicted or no true positives', () => {
    expect(binaryPrecisionRecallF1([1, 1, 0], [0, 0, 0])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(binaryPrecisionRecallF1([0, 0, 0], [1, 0, 0])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('MCC is 1 for perfect, -1 for inverted and 0 when every prediction or every label is one class', () => {
    expect(matthewsCorrelation([0, 1, 1, 0], [0, 1, 1, 0])).toBeCloseTo(1, 12);
    expect(matthewsCorrelation([0, 1, 1, 0], [1, 0, 0, 1])).toBeCloseTo(-1, 12);
    expect(matthewsCorrelation([0, 1, 1, 0], [1, 1, 1, 1])).toBe(0);
    expect(matthewsCorrelation([1, 1, 1, 1], [1, 0, 1, 0])).toBe(0);
    expect(matthewsCorrelation([1, 1, 1], [1, 1, 1])).toBe(0);
  });

  it('Gorodkin MCC equals the binary formula on random data', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const t = Array.from({ length: 50 }, () => (random() < 0.4 ? 1 : 0));
      const p = Array.from({ length: 50 }, () => (random() < 0.5 ? 1 : 0));
      let tp = 0,
        tn = 0,
        fp = 0,
        fn = 0;
      t.forEach((y, i) => {
        if (y === 1 && p[i] === 1) tp++;
        else if (y === 0 && p[i] === 0) tn++;
        else if (p[i] === 1) fp++;
        else fn++;
      });
      const expected = (tp * tn - fp * fn) / Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
      expect(matthewsCorrelation(t, p)).toBeCloseTo(expected, 12);
    }
  });

  it('rejects mismatched lengths and non-integer labels', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(TypeError);
    expect(() => accuracy([0, 0.5], [0, 1])).toThrow(RangeError);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(RangeError);
  });
});

describe('AUROC', () => {
  it('counts tied scores as one half', () => {
    // positives 0.5, 0.9; negatives 0.1, 0.5: 1 + 0.5 + 1 + 1 of 4 pairs
    expect(auroc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])).toBeCloseTo(0.875, 12);
    expect(auroc([0, 1, 0, 1], [3, 3, 3, 3])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(auroc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(auroc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNaN();
    expect(auroc([], [])).toBeNaN();
  });

  it('handles infinite scores and rejects NaN scores and non-0/1 labels', () => {
    expect(auroc([0, 1, 0, 1], [-Infinity, Infinity, -Infinity, Infinity])).toBe(1);
    expect(() => auroc([0, 1], [0.1, NaN])).toThrow(RangeError);
    expect(() => auroc([0, 2], [0.1, 0.2])).toThrow(RangeError);
  });

  it('matches brute-force pair counting on random data with many ties', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 10; trial++) {
      const y = Array.from({ length: 80 }, () => (random() < 0.3 ? 1 : 0));
      const s = Array.from({ length: 80 }, () => Math.floor(random() * 6) / 5);
      expect(auroc(y, s)).toBeCloseTo(pairwiseAuroc(y, s), 12);
    }
  });

  it('one-vs-rest macro AUROC averages the per-class AUROCs and skips classes absent from yTrue', () => {
    const y = [0, 1, 2, 0, 1, 2];
    const p = [
      [0.8, 0.1, 0.1],
      [0.3, 0.4, 0.3],
      [0.2, 0.2, 0.6],
      [0.3, 0.5, 0.2],
      [0.1, 0.8, 0.1],
      [0.5, 0.1, 0.4],
    ];
    const perClass = [0, 1, 2].map((c) =>
      pairwiseAuroc(
        y.map((v) => (v === c ? 1 : 0)),
        p.map((row) => row[c]!),
      ),
    );
    expect(macroAurocOvR(y, p)).toBeCloseTo((perClass[0]! + perClass[1]! + perClass[2]!) / 3, 12);
    // class 2 never occurs: averaged over classes 0 and 1 only
    const y2 = [0, 1, 0, 1];
    const p2 = p.slice(0, 4);
    const expected2 = [0, 1].map((c) =>
      pairwiseAuroc(
        y2.map((v) => (v === c ? 1 : 0)),
        p2.map((row) => row[c]!),
      ),
    );
    expect(macroAurocOvR(y2, p2)).toBeCloseTo((expected2[0]! + expected2[1]!) / 2, 12);
  });
});

describe('multiclass metrics', () => {
  // confusion [[5,1,0],[2,3,1],[0,1,4]]
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const confusion = [
    [5, 1, 0],
    [2, 3, 1],
    [0, 1, 4],
  ];
  confusion.forEach((row, t) =>
    row.forEach((n, p) => {
      for (let i = 0; i < n; i++) {
        yTrue.push(t);
        yPred.push(p);
      }
    }),
  );

  it('match hand-computed values', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual(confusion);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(12 / 17, 12);
    // per class (tp, fp, fn): (5,2,1), (3,2,3), (4,1,1)
    const m = macroPrecisionRecallF1(yTrue, yPred);
    expect(m.precision).toBeCloseTo((5 / 7 + 3 / 5 + 4 / 5) / 3, 12);
    expect(m.recall).toBeCloseTo((5 / 6 + 3 / 6 + 4 / 5) / 3, 12);
    expect(m.f1).toBeCloseTo((10 / 13 + 6 / 11 + 8 / 10) / 3, 12);
    // Gorodkin: c = 12, s = 17, t = (6,6,5), p = (7,5,5)
    expect(matthewsCorrelation(yTrue, yPred)).toBeCloseTo(
      (12 * 17 - (7 * 6 + 5 * 6 + 5 * 5)) / Math.sqrt((289 - 99) * (289 - 97)),
      12,
    );
  });

  it('macro averages skip classes absent from both labels and predictions', () => {
    // numClasses inferred as 4 from the label 3; class 2 never appears
    const m = macroPrecisionRecallF1([0, 1, 3, 3], [0, 1, 3, 0]);
    // class 0: tp1 fp1 fn0 -> P .5 R 1 F1 2/3; class 1: 1,1,1; class 3: tp1 fp0 fn1 -> 1, .5, 2/3
    expect(m.precision).toBeCloseTo((0.5 + 1 + 1) / 3, 12);
    expect(m.recall).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
    expect(m.f1).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 3, 12);
  });

  it('MCC is 0 when every prediction is one class', () => {
    expect(matthewsCorrelation([0, 1, 2, 2], [2, 2, 2, 2])).toBe(0);
  });
});

describe('classificationReport', () => {
  it('takes the most probable class and reports binary metrics for class 1', () => {
    const report = classificationReport(
      [1, 0, 1, 0],
      [
        [0.2, 0.8],
        [0.6, 0.4],
        [0.7, 0.3],
        [0.5, 0.5], // tie: class 0
      ],
    );
    expect(report.average).toBe('binary');
    expect(report.confusion).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(report.accuracy).toBeCloseTo(0.75, 12);
    expect(report.precision).toBe(1);
    expect(report.recall).toBe(0.5);
    // positives 0.8, 0.3; negatives 0.4, 0.5 -> 2 + 0 of 4 pairs
    expect(report.auroc).toBeCloseTo(0.5, 12);
  });

  it('reports macro metrics for more than two classes', () => {
    const report = classificationReport(
      [0, 1, 2],
      [
        [0.9, 0.05, 0.05],
        [0.1, 0.8, 0.1],
        [0.1, 0.1, 0.8],
      ],
    );
    expect(report).toMatchObject({ average: 'macro', numClasses: 3, accuracy: 1, f1: 1, auroc: 1 });
    expect(report.mcc).toBeCloseTo(1, 12);
  });
});

describe('language-model metrics', () => {
  it('a uniform guess over A/C/G/T is 2 bits per base and perplexity 4', () => {
    const bases = 1000;
    const totalNats = bases * Math.log(4);
    expect(bitsPerBase(totalNats, bases)).toBeCloseTo(2, 12);
    expect(perplexity(totalNats, bases)).toBeCloseTo(4, 10);
    expect(crossEntropyNats(totalNats, bases)).toBeCloseTo(Math.log(4), 12);
  });

  it('a 6-mer token holds 6 bases: bits per token = 6 x bits per base', () => {
    const tokens = 100;
    const totalNats = tokens * Math.log(4 ** 6); // uniform over 4096 6-mers
    expect(bitsPerToken(totalNats, tokens)).toBeCloseTo(12, 10);
    expect(bitsPerBase(totalNats, tokens * 6)).toBeCloseTo(2, 10);
    const report = languageModelReport(totalNats, tokens, tokens * 6);
    expect(report.perplexityPerToken).toBeCloseTo(4096, 6);
    expect(report.perplexityPerBase).toBeCloseTo(4, 10);
  });

  it('rejects empty counts', () => {
    expect(() => bitsPerBase(1, 0)).toThrow(RangeError);
    expect(() => perplexity(1, 0)).toThrow(RangeError);
  });
});
