/**
 * Baselines on synthetic data whose answer is known: the Markov model recovers a source's entropy and
 * order, the k-mer logistic regression separates classes that differ in composition or a motif.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Random } from '../../src/tokenize/random.js';
import {
  fitKmerLogReg,
  kmerFeatureDimension,
  kmerFeatures,
  predictKmerLogReg,
  predictKmerLogRegLabels,
  selectKmerLogReg,
} from '../../src/train/baselines/kmer-logreg.js';
import {
  fitMarkov,
  markovBitsPerBase,
  markovScore,
  reconfigureMarkov,
  selectMarkov,
  splitHeldOut,
} from '../../src/train/baselines/markov.js';
import { accuracy, auroc, classificationReport } from '../../src/train/metrics.js';
import { captureStdout } from '../helpers/capture.js';
import { SAMPLES } from '../helpers/paths.js';

/** A random order-`order` Markov source over A/C/G/T with sharp transition distributions. */
function markovSource(order: number, seed: number): (length: number, seed: number) => string {
  const random = new Random(seed);
  const contexts = 4 ** order;
  const table = Array.from({ length: contexts }, () => {
    const weights = [0, 1, 2, 3].map(() => random.nextFloat() ** 3);
    const sum = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / sum);
  });
  return (length, sampleSeed) => {
    const g = new Random(sampleSeed);
    let context = 0;
    let out = '';
    for (let i = 0; i < length; i++) {
      const p = table[context]!;
      let u = g.nextFloat();
      let b = 0;
      while (b < 3 && u >= p[b]!) u -= p[b++]!;
      out += 'ACGT'[b];
      context = ((context << 2) | b) & (contexts - 1);
    }
    return out;
  };
}

/** Random sequence with P(G or C) = gc. */
function composition(length: number, gc: number, random: Random): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const strong = random.nextFloat() < gc;
    out += strong ? (random.nextFloat() < 0.5 ? 'G' : 'C') : random.nextFloat() < 0.5 ? 'A' : 'T';
  }
  return out;
}

describe('Markov baseline', () => {
  it('counts (j+1)-mers for every order, skipping N and backing off at starts', () => {
    const model = fitMarkov(['ACGT', 'NNA'], 1);
    expect(Array.from(model.counts[0]!)).toEqual([2, 1, 1, 1]);
    const pairs = model.counts[1]!;
    expect(pairs[0 * 4 + 1]).toBe(1); // AC
    expect(pairs[1 * 4 + 2]).toBe(1); // CG
    expect(pairs[2 * 4 + 3]).toBe(1); // GT
    expect(pairs.reduce((a, b) => a + b, 0)).toBe(3);
    expect(model.trainingBases).toBe(5);
  });

  it('order 0 on a known composition gives its entropy', () => {
    // A 1/2, C 1/4, G 1/8, T 1/8: H = 0.5*1 + 0.25*2 + 2*0.125*3 = 1.75 bits
    const sequence = 'AAAACCGT'.repeat(500);
    const model = fitMarkov([sequence], 0, 1e-6);
    expect(markovBitsPerBase(model, [sequence])).toBeCloseTo(1.75, 5);
    // Laplace smoothing of an empty model is a uniform guess: 2 bits per base
    expect(markovBitsPerBase(fitMarkov([], 3, 1), ['ACGTTGCA'])).toBeCloseTo(2, 12);
  });

  it('learns a periodic sequence to ~0 bits per base at orders >= its period', () => {
    const unit = 'AACGTTGCAT'; // period 10; A is followed by A, C and T, so order 1 cannot predict it
    const train = unit.repeat(300);
    const heldOut = unit.slice(3) + unit.repeat(100); // another phase
    const full = fitMarkov([train], 10, 0.001);
    for (const order of [0, 1]) {
      expect(markovBitsPerBase(reconfigureMarkov(full, { order }), [heldOut])).toBeGreaterThan(0.5);
    }
    for (const smoothing of ['additive', 'interpolated'] as const) {
      const bits = markovBitsPerBase(reconfigureMarkov(full, { order: 10, smoothing }), [heldOut]);
      expect(bits).toBeLessThan(0.05);
    }
  });

  it('scores every A/C/G/T base, whatever the order, so orders compare on the same bases', () => {
    const model = fitMarkov(['ACGTACGGTCAGT'], 4);
    const sequences = ['ACGTNACGTacgt', 'RYA'];
    for (let order = 0; order <= 4; order++) {
      expect(markovScore(reconfigureMarkov(model, { order }), sequences).bases).toBe(13);
    }
    expect(markovScore(model, ['NNNN']).bitsPerBase).toBeNaN();
  });

  it('chooses the true order of an order-2 source on validation', () => {
    const generate = markovSource(2, 1);
    const selection = selectMarkov([generate(20000, 2)], [generate(10000, 3)], {
      orders: [0, 1, 2, 3, 4, 5],
    });
    expect(selection.chosen.order).toBe(2);
    expect(selection.table).toHaveLength(12);
    expect(selection.evaluations).toHaveLength(6 * 2 * 13);
    expect(selection.validationBases).toBe(10000);
    const byOrder = (k: number) =>
      Math.min(...selection.table.filter((r) => r.order === k).map((r) => r.bitsPerBase));
    expect(byOrder(1) - byOrder(2)).toBeGreaterThan(0.1);
    // on fresh data from the source, the chosen model is close to the source entropy and beats order 1
    const test = [generate(10000, 4)];
    const chosenBits = markovBitsPerBase(selection.model, test);
    expect(chosenBits).toBeLessThan(
      markovBitsPerBase(reconfigureMarkov(selection.model, { order: 1 }), test),
    );
  });

  it('splits a contig into train / validation / test tails without overlap', () => {
    const sequence = 'ACGT'.repeat(25) + 'A'; // 101 bases, t = 10
    const split = splitHeldOut(sequence, 0.1);
    expect(split.test).toHaveLength(10);
    expect(split.validation).toHaveLength(10);
    expect(split.train).toHaveLength(81);
    expect(split.train + split.validation + split.test).toBe(sequence);
    expect(() => splitHeldOut(sequence, 0.5)).toThrow(RangeError);
  });

  it('rejects orders and alphas out of range', () => {
    expect(() => fitMarkov(['ACGT'], 11)).toThrow(RangeError);
    expect(() => fitMarkov(['ACGT'], 2, 0)).toThrow(RangeError);
    expect(() => reconfigureMarkov(fitMarkov(['ACGT'], 2), { order: 3 })).toThrow(RangeError);
  });
});

describe('k-mer logistic regression baseline', () => {
  it('builds normalised sparse k-mer frequencies, canonical when asked', () => {
    const features = kmerFeatures(['ACGTN', 'nnnn'], { ks: [2], canonical: false });
    expect(features.dimension).toBe(16);
    expect(Array.from(features.rowStart)).toEqual([0, 3, 3]);
    expect(Array.from(features.indices)).toEqual([1, 6, 11]); // AC, CG, GT
    for (const v of features.values) expect(v).toBeCloseTo(1 / 3, 12);
    // 16 2-mers, 4 of them their own reverse complement: (16 + 4) / 2 = 10; 3-mers: 64 / 2 = 32
    expect(kmerFeatureDimension({ ks: [2], canonical: true })).toBe(10);
    expect(kmerFeatureDimension({ ks: [2, 3], canonical: true })).toBe(42);
    // AC and GT are reverse complements: one canonical feature with both counts
    const canonical = kmerFeatures(['ACGT'], { ks: [2], canonical: true });
    expect(Array.from(canonical.values).sort()).toEqual([1 / 3, 2 / 3]);
  });

  it('separates GC-rich from AT-rich sequences (high test AUROC)', () => {
    const random = new Random(3);
    const make = (n: number) => {
      const sequences: string[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 2;
        sequences.push(composition(80, label === 1 ? 0.58 : 0.42, random));
        labels.push(label);
      }
      return { sequences, labels };
    };
    const train = make(200);
    const validation = make(100);
    const test = make(200);
    const selection = selectKmerLogReg(
      train.sequences,
      train.labels,
      validation.sequences,
      validation.labels,
      {
        ks: [1, 2, 3],
        lambdas: [1, 0.1, 0.01],
      },
    );
    expect(selection.metric).toBe('auroc');
    expect(selection.table.map((r) => r.lambda)).toEqual([1, 0.1, 0.01, 1, 0.1, 0.01]);
    const probabilities = predictKmerLogReg(selection.model, test.sequences);
    const report = classificationReport(test.labels, probabilities);
    expect(report.auroc).toBeGreaterThan(0.9);
    expect(report.accuracy).toBeGreaterThan(0.8);
  });

  it('finds a planted motif among 4096 6-mer features', () => {
    const random = new Random(5);
    const make = (n: number) => {
      const sequences: string[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 2;
        let s = composition(100, 0.5, random);
        if (label === 1) {
          const at = random.nextInt(90);
          s = s.slice(0, at) + 'TATAAT' + s.slice(at + 6);
        }
        sequences.push(s);
        labels.push(label);
      }
      return { sequences, labels };
    };
    const train = make(200);
    const validation = make(100);
    const test = make(100);
    // Unit-variance scaling lets thousands of rare chance 6-mers drown the motif at this sample size;
    // the common ('global') scale keeps it visible, and validation picks it.
    const selection = selectKmerLogReg(
      train.sequences,
      train.labels,
      validation.sequences,
      validation.labels,
      {
        ks: [6],
        lambdas: [1, 0.01],
      },
    );
    expect(selection.model.dimension).toBe(4096);
    expect(selection.table.map((r) => r.scaling)).toEqual(['standardize', 'standardize', 'global', 'global']);
    expect(selection.chosen.scaling).toBe('global');
    const scores = predictKmerLogReg(selection.model, test.sequences).map((row) => row[1]!);
    expect(auroc(test.labels, scores)).toBeGreaterThan(0.95);
  });

  it('is deterministic and converges', () => {
    const random = new Random(9);
    const sequences = Array.from({ length: 60 }, (_, i) => composition(50, i % 2 ? 0.6 : 0.4, random));
    const labels = sequences.map((_, i) => i % 2);
    const a = fitKmerLogReg(sequences, labels, { ks: [2, 3], lambda: 0.1 });
    const b = fitKmerLogReg(sequences, labels, { ks: [2, 3], lambda: 0.1 });
    expect(a.converged).toBe(true);
    // At the optimum the (unpenalised) bias gradient is 0: mean P(class 1) = fraction of class 1.
    const meanP = predictKmerLogReg(a, sequences).reduce((sum, row) => sum + row[1]!, 0) / sequences.length;
    expect(meanP).toBeCloseTo(0.5, 5);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.bias)).toEqual(Array.from(b.bias));
  });

  it('classifies three classes with a softmax', () => {
    const random = new Random(13);
    const make = (n: number) => {
      const sequences: string[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 3;
        sequences.push(composition(80, [0.3, 0.5, 0.7][label]!, random));
        labels.push(label);
      }
      return { sequences, labels };
    };
    const train = make(150);
    const validation = make(60);
    const test = make(150);
    const selection = selectKmerLogReg(
      train.sequences,
      train.labels,
      validation.sequences,
      validation.labels,
      {
        ks: [1, 2],
        lambdas: [0.1, 0.01],
      },
    );
    expect(selection.metric).toBe('mcc');
    const probabilities = predictKmerLogReg(selection.model, test.sequences);
    for (const row of probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // softmax optimum: the mean training probability of each class is its frequency
    const trainP = predictKmerLogReg(selection.model, train.sequences);
    for (let c = 0; c < 3; c++) {
      expect(trainP.reduce((sum, row) => sum + row[c]!, 0) / trainP.length).toBeCloseTo(1 / 3, 4);
    }
    const report = classificationReport(test.labels, probabilities);
    expect(report.average).toBe('macro');
    expect(report.auroc).toBeGreaterThan(0.85);
    expect(accuracy(test.labels, predictKmerLogRegLabels(selection.model, test.sequences))).toBe(
      report.accuracy,
    );
  });

  it('rejects bad labels and k', () => {
    expect(() => fitKmerLogReg(['ACGT', 'TTTT'], [0, 0], { ks: [2] })).toThrow(RangeError);
    expect(() => fitKmerLogReg(['ACGT', 'TTTT'], [0], { ks: [2] })).toThrow(TypeError);
    expect(() => fitKmerLogReg(['ACGT', 'TTTT'], [0, 1], { ks: [9] })).toThrow(RangeError);
  });
});

describe('locus baseline (in process)', () => {
  const locus = (...args: string[]) => captureStdout(() => main(['node', 'locus', 'baseline', ...args]));

  it('markov --held-out-fraction splits each contig and reports per-order validation and test bits', async () => {
    const { code, stdout } = await locus(
      'markov',
      '--train',
      join(SAMPLES, 'lambda.fa'),
      '--held-out-fraction',
      '0.1',
      '--orders',
      '0-2',
      '--alphas',
      '1,10',
      '--json',
      '--quiet',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // lambda is 48,502 bases, all A/C/G/T: t = 4,850
    expect(report.test.bases).toBe(4850);
    expect(report.validation.bases).toBe(4850);
    expect(report.train.bases).toBe(48502 - 2 * 4850);
    expect(report.table).toHaveLength(6);
    expect(report.testResult.bitsPerBase).toBeGreaterThan(1.8);
    expect(report.testResult.bitsPerBase).toBeLessThan(2.05);
    // The refit counts train and validation (contiguous per contig) and scores the same test bases.
    expect(report.refittedTestResult).toMatchObject({ fittedOn: 'train+validation', bases: 4850 });
    expect(report.refittedTestResult.trainingBases).toBe(48502 - 4850);
    expect(report.refittedTestResult.bitsPerBase).not.toBe(report.testResult.bitsPerBase);
    expect(report.refittedTestResult.bitsPerBase).toBeGreaterThan(1.8);
    expect(report.refittedTestResult.bitsPerBase).toBeLessThan(2.05);
  });

  it('markov rejects a held-out fraction combined with --test, in one line', async () => {
    const { code, stderr } = await locus(
      'markov',
      '--train',
      join(SAMPLES, 'lambda.fa'),
      '--held-out-fraction',
      '0.1',
      '--test',
      join(SAMPLES, 'lambda.fa'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^locus: --held-out-fraction .*; give either/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('kmer-logreg reads sequence,label CSV/TSV files and reports test metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-baseline-'));
    const random = new Random(21);
    const write = (name: string, n: number, separator: string) => {
      const rows = [`label${separator}sequence`];
      for (let i = 0; i < n; i++) {
        const label = i % 2 ? 'promoter' : 'background';
        rows.push(`${label}${separator}${composition(60, i % 2 ? 0.65 : 0.35, random)}`);
      }
      writeFileSync(join(dir, name), rows.join('\n') + '\n');
      return join(dir, name);
    };
    const train = write('train.csv', 80, ',');
    const validation = write('dev.tsv', 40, '\t');
    const test = write('test.csv', 40, ',');
    const args = ['kmer-logreg', '--train', train, '--validation', validation, '--test', test, '-k', '2-3'];
    const { code, stdout } = await locus(...args, '--lambdas', '1,0.1', '--json', '--quiet');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.classes).toEqual(['background', 'promoter']);
    expect(report.features).toBe(16 + 64);
    expect(report.table).toHaveLength(4);
    expect(report.testMetrics.n).toBe(40);
    expect(report.testMetrics.auroc).toBeGreaterThan(0.9);
    const text = await locus(...args, '--lambdas', '1', '--quiet');
    expect(text.stdout).toMatch(/^mcc\t/m);
    expect(text.stdout).toMatch(/^true\\predicted\tbackground\tpromoter$/m);

    writeFileSync(join(dir, 'bad.csv'), 'seq,class\nACGT,1\n');
    const bad = await locus(
      'kmer-logreg',
      '--train',
      join(dir, 'bad.csv'),
      '--validation',
      validation,
      '--test',
      test,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.csv" has no "sequence" and "label" columns/);
  });
});
