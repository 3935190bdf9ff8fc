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
  MarkovCounter,
  markovBitsPerBase,
  markovScore,
  MAX_MARKOV_ORDER,
  reconfigureMarkov,
  selectMarkov,
  splitHeldOut,
} from '../../src/train/baselines/markov.js';
import {
  fitMixture,
  mixtureFromMarkov,
  mixtureScore,
  mixtureScores,
  selectMixture,
} from '../../src/train/baselines/markov-mixture.js';
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

/** Uniform random A/C/G/T. */
function randomBases(length: number, random: Random): string {
  let out = '';
  for (let i = 0; i < length; i++) out += 'ACGT'[random.nextInt(4)];
  return out;
}

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A', a: 't', c: 'g', g: 'c', t: 'a' };
/** Reverse complement; anything but A/C/G/T (either case) becomes N. */
const reverseComplement = (s: string): string =>
  [...s]
    .reverse()
    .map((c) => COMPLEMENT[c] ?? 'N')
    .join('');

/** A mask scoring the positions where `pick` is true. */
const maskOf = (length: number, pick: (p: number) => boolean): Uint8Array =>
  Uint8Array.from({ length }, (_, p) => (pick(p) ? 1 : 0));

const bits = (block: { nats: number; bases: number }): number => block.nats / block.bases / Math.LN2;

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
    expect(model.reverseComplement).toBe(false);
  });

  it('order 0 on a known composition gives its entropy', () => {
    // A 1/2, C 1/4, G 1/8, T 1/8: H = 0.5*1 + 0.25*2 + 2*0.125*3 = 1.75 bits
    const sequence = 'AAAACCGT'.repeat(500);
    const model = fitMarkov([sequence], 0, 1e-6);
    expect(markovBitsPerBase(model, [sequence])).toBeCloseTo(1.75, 5);
    // Laplace smoothing of an empty model is a uniform guess: 2 bits per base
    expect(markovBitsPerBase(fitMarkov([], 3, 1), ['ACGTTGCA'])).toBeCloseTo(2, 12);
  });

  it('learns a periodic sequence to ~0 bits per base at orders >= its period, hashed orders included', () => {
    const unit = 'AACGTTGCAT'; // period 10; A is followed by A, C and T, so order 1 cannot predict it
    const train = unit.repeat(300);
    const heldOut = unit.slice(3) + unit.repeat(100); // another phase
    const full = fitMarkov([train], 16, 0.001);
    for (const order of [0, 1]) {
      expect(markovBitsPerBase(reconfigureMarkov(full, { order }), [heldOut])).toBeGreaterThan(0.5);
    }
    for (const order of [10, 11, 12, 16]) {
      for (const smoothing of ['additive', 'interpolated'] as const) {
        const bits = markovBitsPerBase(reconfigureMarkov(full, { order, smoothing }), [heldOut]);
        expect(bits).toBeLessThan(0.05);
      }
    }
  });

  it('counts an order-16 context exactly: its 17-mer count equals its occurrences', () => {
    // Each 17-mer of a 3 kb random sequence occurs once; hashing must not merge or lose them.
    const sequence = randomBases(3000, new Random(31));
    const model = fitMarkov([sequence], 16);
    const counter = new MarkovCounter(model.counts, 16, false);
    for (let i = 0; i < 16; i++) counter.advance('ACGT'.indexOf(sequence[i]!));
    const base = 'ACGT'.indexOf(sequence[16]!);
    expect(counter.locate()).toBe(16);
    const slot = counter.offsets[16]!;
    expect(model.counts[16]![slot + base]).toBe(1);
    // every 17-mer counted once: order 16 holds length - 16 counts, order 0 all of them
    expect(model.counts[16]!.reduce((a, b) => a + b, 0)).toBe(3000 - 16);
    expect(model.counts[0]!.reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('reverseComplement counts each sequence and its reverse complement, at every order', () => {
    const random = new Random(8);
    const sequences = [randomBases(700, random) + 'NNRY' + randomBases(300, random).toLowerCase(), 'ACGTA'];
    const both = fitMarkov(sequences, 16, 1, 'additive', { reverseComplement: true });
    const explicit = fitMarkov([...sequences, ...sequences.map(reverseComplement)], 16);
    expect(both.reverseComplement).toBe(true);
    expect(both.trainingBases).toBe(2 * 1005);
    expect(both.trainingBases).toBe(explicit.trainingBases);
    for (let j = 0; j <= 16; j++) {
      const a = both.counts[j]!;
      const b = explicit.counts[j]!;
      let differences = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differences++;
      expect(differences, `order ${j}`).toBe(0);
    }
    const selection = selectMarkov(sequences, ['ACGTACGT'], { orders: [2], reverseComplement: true });
    expect(selection.trainingBases).toBe(2 * 1005);
    expect(selection.model.reverseComplement).toBe(true);
  });

  it('scores every A/C/G/T base, whatever the order, so orders compare on the same bases', () => {
    const model = fitMarkov(['ACGTACGGTCAGT'], 4);
    const sequences = ['ACGTNACGTacgt', 'RYA'];
    for (let order = 0; order <= 4; order++) {
      expect(markovScore(reconfigureMarkov(model, { order }), sequences).bases).toBe(13);
    }
    expect(markovScore(model, ['NNNN']).bitsPerBase).toBeNaN();
  });

  it('lists every block, and the totals are the sums of the blocks', () => {
    const model = fitMarkov([randomBases(5000, new Random(2))], 6, 0.5, 'interpolated');
    const sequences = [randomBases(250, new Random(3)) + 'N'.repeat(100) + 'ACGT', 'ACG', ''];
    const score = markovScore(model, sequences, { blockSize: 100 });
    expect(score.blocks!.map((b) => [b.sequence, b.start, b.end, b.bases])).toEqual([
      [0, 0, 100, 100],
      [0, 100, 200, 100],
      [0, 200, 300, 50],
      [0, 300, 354, 4],
      [1, 0, 3, 3],
    ]);
    expect(score.totalNats).toBe(score.blocks!.reduce((sum, b) => sum + b.nats, 0));
    expect(score.bases).toBe(257);
    const whole = markovScore(model, sequences);
    expect(whole.blocks).toBeUndefined();
    expect(score.totalNats).toBeCloseTo(whole.totalNats, 9);
    expect(() => markovScore(model, sequences, { blockSize: 0 })).toThrow(RangeError);
  });

  it('scores exactly the masked bases, the others still serving as context', () => {
    const model = fitMarkov([randomBases(5000, new Random(4))], 5, 0.3, 'interpolated');
    const sequence = randomBases(400, new Random(5)) + 'NN' + randomBases(100, new Random(6));
    const mask = maskOf(sequence.length, (p) => p % 3 === 0 && sequence[p] !== 'N');
    const perBase = markovScore(model, [sequence], { blockSize: 1 }).blocks!;
    const masked = markovScore(model, [sequence], { scored: [mask] });
    const picked = perBase.filter((b) => mask[b.start] === 1);
    expect(masked.bases).toBe(picked.length);
    expect(masked.totalNats).toBeCloseTo(
      picked.reduce((sum, b) => sum + b.nats, 0),
      9,
    );
    // an undefined mask scores everything; a mask must fit its sequence and mark only A/C/G/T
    expect(markovScore(model, [sequence, 'AC'], { scored: [mask, undefined] }).bases).toBe(masked.bases + 2);
    expect(() => markovScore(model, [sequence], { scored: [] })).toThrow(TypeError);
    expect(() => markovScore(model, [sequence], { scored: [mask.subarray(1)] })).toThrow(TypeError);
    expect(() => markovScore(model, ['ANA'], { scored: [Uint8Array.of(0, 1, 0)] })).toThrow(
      /only A\/C\/G\/T/,
    );
    expect(() => markovScore(model, ['ACA'], { scored: [Uint8Array.of(0, 2, 0)] })).toThrow(TypeError);
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

  it('scores the whole selection grid in one pass exactly as markovScore scores each setting', () => {
    const generate = markovSource(3, 11);
    const train = [generate(8000, 12)];
    const validation = [generate(2000, 13) + 'N' + generate(500, 14)];
    const progress: number[] = [];
    const selection = selectMarkov(train, validation, {
      orders: [14, 0, 3, 12],
      alphas: [0.1, 10],
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(selection.evaluations.map((e) => e.order)).toEqual([
      0, 0, 0, 0, 3, 3, 3, 3, 12, 12, 12, 12, 14, 14, 14, 14,
    ]);
    const full = fitMarkov(train, 14);
    for (const { order, smoothing, alpha, bitsPerBase } of selection.evaluations) {
      const alone = markovBitsPerBase(reconfigureMarkov(full, { order, smoothing, alpha }), validation);
      expect(bitsPerBase).toBeCloseTo(alone, 12);
    }
    const aborted = new AbortController();
    aborted.abort();
    expect(() => selectMarkov(train, validation, { signal: aborted.signal })).toThrow(/abort/i);
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
    expect(MAX_MARKOV_ORDER).toBe(16);
    expect(() => fitMarkov(['ACGT'], 17)).toThrow(RangeError);
    expect(() => fitMarkov(['ACGT'], 2.5)).toThrow(RangeError);
    expect(() => fitMarkov(['ACGT'], 2, 0)).toThrow(RangeError);
    expect(() => reconfigureMarkov(fitMarkov(['ACGT'], 2), { order: 3 })).toThrow(RangeError);
    expect(() => selectMarkov(['ACGT'], ['ACGT'], { orders: [17] })).toThrow(RangeError);
  });
});

describe('adaptive Markov mixture', () => {
  const random = new Random(77);
  const train = [randomBases(20000, random)];

  it('predicts the second copy of a repeat from the first (the static model cannot)', () => {
    const unit = randomBases(2000, random);
    const model = fitMixture(train, { alpha: 0.3, gamma: 0.95 });
    const [first, second] = mixtureScore(model, [unit + unit], { blockSize: 2000 }).blocks!;
    expect(bits(first!)).toBeGreaterThan(1.9);
    expect(bits(second!)).toBeLessThan(0.5);
    const validation = [randomBases(4000, random)];
    const staticModel = selectMarkov(train, validation, { alphas: [0.1, 1, 10, 100] }).model;
    const staticBlocks = markovScore(staticModel, [unit + unit], { blockSize: 2000 }).blocks!;
    expect(bits(staticBlocks[1]!)).toBeGreaterThan(1.9);
  });

  it('with reverseComplement, predicts a reverse-complemented copy (inverted repeat)', () => {
    const x = randomBases(3000, random);
    const sequence = x + reverseComplement(x);
    const secondHalf = (rc: boolean) =>
      bits(
        mixtureScore(fitMixture(train, { reverseComplement: rc }), [sequence], { blockSize: 3000 })
          .blocks![1]!,
      );
    expect(secondHalf(true)).toBeLessThan(0.5);
    expect(secondHalf(false)).toBeGreaterThan(1.9);
  });

  it('learns exactly the bases already read: one component equals a static fit on train + the prefix', () => {
    const sequence = randomBases(600, random) + 'n' + randomBases(300, random).toLowerCase();
    const last = maskOf(sequence.length, (p) => p === sequence.length - 1);
    for (const rc of [false, true]) {
      const mixture = fitMixture(train, { orders: [13], alpha: 0.7, reverseComplement: rc });
      const prefix = fitMarkov([...train, sequence.slice(0, -1)], 13, 0.7, 'interpolated', {
        reverseComplement: rc,
      });
      const adaptive = mixtureScore(mixture, [sequence], { scored: [last] });
      expect(adaptive.bases).toBe(1);
      expect(adaptive.totalNats).toBeCloseTo(
        markovScore(prefix, [sequence], { scored: [last] }).totalNats,
        12,
      );
    }
  });

  it('never looks ahead: changing base p + 1 leaves the scores of bases <= p as they were', () => {
    const unit = randomBases(500, random);
    const sequence = unit + randomBases(300, random) + unit;
    const model = fitMixture(train, { reverseComplement: true });
    for (const p of [0, 250, 700, 1100]) {
      const next = sequence[p + 1] === 'A' ? 'C' : 'A';
      const changed = sequence.slice(0, p + 1) + next + sequence.slice(p + 2);
      const upToP = maskOf(sequence.length, (q) => q <= p);
      const a = mixtureScore(model, [sequence], { scored: [upToP], gamma: 0.9 });
      const b = mixtureScore(model, [changed], { scored: [upToP], gamma: 0.9 });
      expect(b.totalNats).toBe(a.totalNats);
      expect(b.bases).toBe(p + 1);
    }
  });

  it('lists every block with totals equal to their sums, and scores exactly the masked bases', () => {
    const unit = randomBases(300, random);
    const sequence = unit + 'NNNN' + unit + randomBases(200, random);
    const model = fitMixture(train, { reverseComplement: true });
    const scores = mixtureScores(model, [sequence, 'ACGT'], { gammas: [0.9, 1], blockSize: 128 });
    expect(scores.map((s) => s.gamma)).toEqual([0.9, 1]);
    for (const { score } of scores) {
      expect(score.blocks).toHaveLength(Math.ceil(sequence.length / 128) + 1);
      expect(score.totalNats).toBe(score.blocks!.reduce((sum, b) => sum + b.nats, 0));
      expect(score.bases).toBe(sequence.length - 4 + 4);
    }
    const perBase = mixtureScore(model, [sequence], { blockSize: 1, gamma: 0.9 }).blocks!;
    const mask = maskOf(sequence.length, (p) => p % 5 === 1 && sequence[p] !== 'N');
    const masked = mixtureScore(model, [sequence], { scored: [mask], gamma: 0.9 });
    const picked = perBase.filter((b) => mask[b.start] === 1);
    expect(masked.bases).toBe(picked.length);
    expect(masked.totalNats).toBeCloseTo(
      picked.reduce((sum, b) => sum + b.nats, 0),
      9,
    );
    expect(() => mixtureScore(model, ['ANA'], { scored: [Uint8Array.of(0, 1, 0)] })).toThrow(TypeError);
  });

  it('leaves the fitted tables unchanged, also when scoring is aborted midway', () => {
    const model = fitMixture(train, { orders: [2, 8, 13], reverseComplement: true });
    const snapshot = () =>
      model.counts.map((table) => {
        const nonzero = new Map<number, number>();
        for (let i = 0; i < table.length; i++) if (table[i] !== 0) nonzero.set(i, table[i]!);
        return nonzero;
      });
    const before = snapshot();
    const sequence = randomBases(70000, random);
    const first = mixtureScore(model, [sequence]);
    expect(snapshot()).toEqual(before);
    expect(mixtureScore(model, [sequence]).totalNats).toBe(first.totalNats);
    // a signal that aborts at its second check (after 65,536 bases were read and learned)
    let checks = 0;
    const signal = {
      throwIfAborted: () => {
        if (++checks === 2) throw new Error('stop');
      },
    } as AbortSignal;
    expect(() => mixtureScores(model, [sequence], { signal })).toThrow('stop');
    expect(checks).toBe(2);
    expect(snapshot()).toEqual(before);
  });

  it('chooses a forgetting factor below 1 where the best order changes along the sequence', () => {
    // Validation alternates fresh stretches of an order-2 source (low orders win) with copies of one
    // 1 kb stretch (high orders win): the weights must move fast, and forgetting nothing (gamma 1) is slow.
    const generate = markovSource(2, 99);
    const repeat = generate(1000, 7);
    const validation = [generate(4000, 6) + repeat + generate(4000, 8) + repeat + generate(4000, 9) + repeat];
    const selection = selectMixture([generate(20000, 5)], validation, { alphas: [0.1, 1] });
    expect(selection.evaluations).toHaveLength(2 * 7);
    expect(selection.chosen.gamma).toBeGreaterThanOrEqual(0.8);
    expect(selection.chosen.gamma).toBeLessThan(1);
    const atChosenAlpha = (gamma: number) =>
      selection.evaluations.find((e) => e.alpha === selection.chosen.alpha && e.gamma === gamma)!.bitsPerBase;
    expect(atChosenAlpha(1) - selection.chosen.bitsPerBase).toBeGreaterThan(0.03);
    expect(atChosenAlpha(0.5) - selection.chosen.bitsPerBase).toBeGreaterThan(0.03);
    expect(selection.model).toMatchObject({ alpha: selection.chosen.alpha, gamma: selection.chosen.gamma });
    expect(mixtureScore(selection.model, validation).bitsPerBase).toBeCloseTo(
      selection.chosen.bitsPerBase,
      12,
    );
    expect(selection.validationBases).toBe(validation[0]!.length);
  });

  it('rejects bad orders, alphas and gammas', () => {
    expect(() => fitMixture(train, { orders: [] })).toThrow(RangeError);
    expect(() => fitMixture(train, { orders: [2, 17] })).toThrow(RangeError);
    expect(() => fitMixture(train, { alpha: -1 })).toThrow(RangeError);
    expect(() => fitMixture(train, { gamma: 0 })).toThrow(RangeError);
    expect(() => fitMixture(train, { gamma: 1.5 })).toThrow(RangeError);
    const model = fitMixture(train, { orders: [1, 4] });
    expect(model.orders).toEqual([1, 4]);
    expect(() => mixtureScore(model, ['ACGT'], { gamma: Number.NaN })).toThrow(RangeError);
    expect(() => mixtureScores(model, ['ACGT'], { gammas: [] })).toThrow(RangeError);
    expect(() => mixtureFromMarkov(fitMarkov(train, 3), { orders: [4] })).toThrow(RangeError);
    expect(() => selectMixture(train, ['ACGT'], { alphas: [] })).toThrow(RangeError);
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

  it('markov --split-fraction splits each contig as every Locus tool does and reports per-order validation and test bits', async () => {
    const { code, stdout } = await locus(
      'markov',
      '--train',
      join(SAMPLES, 'lambda.fa'),
      '--split-fraction',
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
    // lambda is 48,502 bases, all A/C/G/T: h = 4,850
    expect(report.split).toMatchObject({ mode: 'genome', fraction: 0.1 });
    expect(report.test.scoredBases).toBe(4850);
    expect(report.validation.bases).toBe(4850);
    expect(report.train.bases).toBe(48502 - 2 * 4850);
    expect(report.static.table).toHaveLength(6);
    expect(report.static.test.bitsPerBase).toBeGreaterThan(1.8);
    expect(report.static.test.bitsPerBase).toBeLessThan(2.05);
    // 10 kb blocks in genome coordinates, summing to the total.
    expect(report.static.test.blocks[0]).toMatchObject({ contig: 'lambda', start: 48502 - 4850 });
    const blockBases = report.static.test.blocks.reduce((s: number, b: { bases: number }) => s + b.bases, 0);
    expect(blockBases).toBe(4850);
    // The refit counts train and validation (contiguous per contig) and scores the same test bases.
    expect(report.static.refit).toMatchObject({ fittedOn: 'train+validation', bases: 4850 });
    expect(report.static.refit.bitsPerBase).not.toBe(report.static.test.bitsPerBase);
    expect(report.static.refit.bitsPerBase).toBeGreaterThan(1.8);
    expect(report.static.refit.bitsPerBase).toBeLessThan(2.05);
  });

  it('markov rejects a split fraction combined with --test, and --context without -k, in one line', async () => {
    const { code, stderr } = await locus(
      'markov',
      '--train',
      join(SAMPLES, 'lambda.fa'),
      '--split-fraction',
      '0.1',
      '--test',
      join(SAMPLES, 'lambda.fa'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^locus: --split-fraction .*; give either/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    const unpaired = await locus(
      'markov',
      '--train',
      join(SAMPLES, 'lambda.fa'),
      '--split-fraction',
      '0.1',
      '--context',
      '600',
    );
    expect(unpaired.code).toBe(1);
    expect(unpaired.stderr).toMatch(/--context and -k go together/);
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
