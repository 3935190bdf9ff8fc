import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadForInference } from '../../src/cli/commands/checkpoint-data.js';
import { LocusInputError } from '../../src/errors.js';
import { selectBackend, type Tf } from '../../src/model/backend.js';
import { resolveConfig } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/model/model-io.js';
import { Reformer } from '../../src/model/reformer.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import {
  addTokenScores,
  attributeBases,
  inputTimesGradient,
} from '../../pipelines/motifs/model-attribution.js';
import { encodeForModel, loadMotifModel } from '../../pipelines/motifs/model-checkpoint.js';
import {
  bothStrands,
  trainMotifClassifier,
  validationIndices,
  type MotifModelSettings,
} from '../../pipelines/motifs/model-classifier.js';

/** A tiny model and run (token convolution and attention included): a few seconds. */
const TINY: Partial<MotifModelSettings> = {
  dModel: 8,
  depth: 1,
  heads: 1,
  dHead: 8,
  ffMult: 2,
  tokenConv: 4,
  maxLength: 128,
  batchSize: 4,
  evalEvery: 2,
  learningRate: 1e-2,
};

/** Seeded sequences; targets carry GATA's AGATAAGA (on either strand) at a random place. */
function planted(count: number, length: number, seed: number, withSite: boolean): string[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    let seq = Array.from({ length }, () => 'ACGT'[Math.floor(next() * 4)]).join('');
    if (withSite) {
      const site = next() < 0.5 ? 'AGATAAGA' : reverseComplement('AGATAAGA');
      const at = Math.floor(next() * (length - site.length));
      seq = seq.slice(0, at) + site + seq.slice(at + site.length);
    }
    return seq;
  });
}

const targets = planted(10, 40, 1, true);
const background = planted(10, 40, 2, false);

describe('motif classifier and base attribution', () => {
  let tf: Tf;
  let checkpoint: string;
  beforeAll(async () => {
    tf = (await selectBackend('wasm')).tf;
    const result = await trainMotifClassifier({
      targets,
      background,
      seed: 3,
      steps: 4,
      backend: 'wasm',
      outputDir: mkdtempSync(join(tmpdir(), 'locus-motifs-')),
      settings: TINY,
    });
    checkpoint = result.checkpoint;
  });

  it('holds out a seeded 20% of each class', () => {
    const a = validationIndices(10, 0.2, 3, 1);
    expect(a.size).toBe(2);
    expect([...validationIndices(10, 0.2, 3, 1)]).toEqual([...a]);
    expect([...validationIndices(10, 0.2, 4, 1)]).not.toEqual([...a]);
    expect(validationIndices(5, 0.2, 3, 0).size).toBe(1);
  });

  it('trains on both strands of every training sequence', () => {
    const items = bothStrands(['AACG', 'TTTG'], 1, 'target');
    expect(items.map((i) => [i.sequence, i.label])).toEqual([
      ['AACG', 1],
      ['CGTT', 1],
      ['TTTG', 1],
      ['CAAA', 1],
    ]);
  });

  it('stops when aborted, keeping what it saved', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const output = mkdtempSync(join(tmpdir(), 'locus-motifs-'));
    await expect(
      trainMotifClassifier({
        targets,
        background,
        seed: 3,
        steps: 50,
        backend: 'wasm',
        outputDir: output,
        settings: TINY,
        signal: controller.signal,
        onProgress: (done) => {
          if (done === 2) controller.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
    expect(tf.memory().numTensors).toBe(before);
    const saved = await loadModel(tf, join(output, 'model'));
    expect((saved.config.training as { step: number }).step).toBe(2);
    saved.model.dispose();
  });

  it('trains a checkpoint the project loaders read, deterministically and without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const output = mkdtempSync(join(tmpdir(), 'locus-motifs-'));
    const result = await trainMotifClassifier({
      targets,
      background,
      seed: 3,
      steps: 4,
      backend: 'wasm',
      outputDir: output,
      settings: TINY,
      onProgress: (done, total) => progress.push(done * 100 + total),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([104, 204, 304, 404]);
    expect(result.steps).toBe(4);
    expect(result.checkpoint).toBe(join(output, 'best'));
    expect(result.counts).toEqual({ train: [8, 8], validation: [2, 2] });
    expect(result.validationAuroc).toBeGreaterThanOrEqual(0);
    expect(result.validationAuroc).toBeLessThanOrEqual(1);
    // Same seed, same weights: byte-identical to the run in beforeAll.
    expect(readFileSync(join(result.checkpoint, 'model.safetensors'))).toEqual(
      readFileSync(join(checkpoint, 'model.safetensors')),
    );

    const { model, config } = await loadModel(tf, result.checkpoint);
    try {
      expect(model.head).toEqual({ kind: 'classify', classes: 2, pooling: 'mean' });
      expect(model.config.tokenConv).toBe(4);
      expect(config.classes).toEqual(['background', 'target']);
      expect(config.tokenizer).toMatchObject({ k: 4, stride: 1 });
      expect(config.task).toMatchObject({
        kind: 'motif-classifier',
        addSpecialTokens: false,
        targetClass: 1,
      });
    } finally {
      model.dispose();
    }
    // `--model DIR` goes through the CLI's loader: same tokenizer, no [CLS]/[SEP].
    const loaded = await loadForInference(result.checkpoint, 'wasm');
    expect(loaded.tokenizer.k).toBe(4);
    expect(loaded.addSpecialTokens).toBe(false);
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives one finite score per base, both strands averaged, deterministically', async () => {
    const sequences = [targets[0]!, background[0]!, targets[1]!.slice(0, 25) + 'NNN', 'ACG', ''];
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const both = await attributeBases({
      checkpoint,
      sequences,
      backend: 'wasm',
      attention: true,
      onProgress: (done) => seen.push(done),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(both.inputTimesGradient.map((a) => a.length)).toEqual(sequences.map((s) => s.length));
    expect(both.attention!.map((a) => a.length)).toEqual(sequences.map((s) => s.length));
    for (const a of [...both.inputTimesGradient, ...both.attention!]) {
      for (const v of a) expect(Number.isFinite(v)).toBe(true);
    }
    // Not all zero: the model's decision does depend on the bases.
    expect(both.inputTimesGradient[0]!.some((v) => v !== 0)).toBe(true);
    // Attention received: every query's weights sum to 1, so a sequence's total is its token count.
    const total = both.attention![0]!.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(sequences[0]!.length - 3, 3);

    const again = await attributeBases({ checkpoint, sequences, backend: 'wasm' });
    expect(again.inputTimesGradient).toEqual(both.inputTimesGradient);
    expect(again.attention).toBeUndefined();

    const forward = await attributeBases({ checkpoint, sequences, backend: 'wasm', strands: 'forward' });
    const reverse = await attributeBases({ checkpoint, sequences, backend: 'wasm', strands: 'reverse' });
    sequences.forEach((_, i) => {
      const mean = forward.inputTimesGradient[i]!.map((f, j) => (f + reverse.inputTimesGradient[i]![j]!) / 2);
      expect(both.inputTimesGradient[i]!.length).toBe(mean.length);
      both.inputTimesGradient[i]!.forEach((v, j) => expect(v).toBeCloseTo(mean[j]!, 6));
    });
    // The two strands really differ (the model is not symmetric by construction)...
    expect(forward.inputTimesGradient[0]).not.toEqual(reverse.inputTimesGradient[0]);
    // ...yet the combined attribution is: rc(s) gets s's scores reversed.
    const flipped = await attributeBases({
      checkpoint,
      sequences: sequences.map(reverseComplement),
      backend: 'wasm',
    });
    sequences.forEach((sequence, i) => {
      const mirrored = Array.from(both.inputTimesGradient[i]!).reverse();
      flipped.inputTimesGradient[i]!.forEach((v, j) => expect(v).toBeCloseTo(mirrored[j]!, 6));
      // Shorter than one 4-mer: nothing to read, no evidence.
      if (sequence.length < 4) {
        expect(both.logOdds[i]).toBeNaN();
        expect(both.inputTimesGradient[i]!.every((v) => v === 0)).toBe(true);
      } else expect(flipped.logOdds[i]).toBeCloseTo(both.logOdds[i]!, 5);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes the log-odds predict gives and its exact gradient (finite differences)', async () => {
    const loaded = await loadMotifModel(checkpoint, 'wasm');
    const { model } = loaded;
    try {
      const encoded = encodeForModel(loaded.tokenizer, false, model.config.maxLength, targets[2]!);
      const { tokenScores, logOdds } = inputTimesGradient(model, encoded.input, 1);
      const logOddsOf = (): number => {
        const logits = model.predict(encoded.input);
        const [a, b] = logits.dataSync() as Float32Array;
        logits.dispose();
        return b! - a!;
      };
      expect(logOdds).toBeCloseTo(logOddsOf(), 4);
      // Scaling the token table by s scales every token embedding: d logOdds / ds at s = 1 is the sum
      // of the input x gradient scores.
      const table = model.param('embed.tokens');
      const original = table.clone();
      const h = 1e-2;
      const at = (s: number) => {
        const scaled = tf.mul(original, s);
        table.assign(scaled);
        scaled.dispose();
        return logOddsOf();
      };
      const numeric = (at(1 + h) - at(1 - h)) / (2 * h);
      table.assign(original);
      original.dispose();
      const analytic = tokenScores.reduce((a, b) => a + b, 0);
      expect(Math.abs(analytic - numeric)).toBeLessThan(1e-2 * Math.max(1, Math.abs(numeric)));
      expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('shares a k-mer token among its bases and maps the reverse strand back', () => {
    const bases = new Float64Array(8);
    // Two 3-mers at bases 0 and 3 of an 8-base strand, after one [CLS].
    addTokenScores(bases, [99, 3, 6], { offset: 1, starts: Int32Array.of(0, 3) }, 3, false, 1);
    expect(Array.from(bases)).toEqual([1, 1, 1, 2, 2, 2, 0, 0]);
    bases.fill(0);
    addTokenScores(bases, [3, 6], { offset: 0, starts: Int32Array.of(0, 3) }, 3, true, 0.5);
    expect(Array.from(bases)).toEqual([0, 0, 1, 1, 1, 0.5, 0.5, 0.5]);
  });

  it('names bad inputs', async () => {
    await expect(
      trainMotifClassifier({
        targets: targets.slice(0, 3),
        background,
        seed: 1,
        outputDir: mkdtempSync(join(tmpdir(), 'locus-motifs-')),
        settings: TINY,
      }),
    ).rejects.toThrow(LocusInputError);
    const dir = mkdtempSync(join(tmpdir(), 'locus-motifs-lm-'));
    const lm = new Reformer(tf, resolveConfig({ vocabSize: 9, dModel: 8, depth: 1, heads: 1, dHead: 8 }), {
      kind: 'lm',
    });
    await saveModel(dir, lm, {});
    lm.dispose();
    await expect(attributeBases({ checkpoint: dir, sequences: ['ACGT'], backend: 'wasm' })).rejects.toThrow(
      /not a classifier/,
    );
    await expect(
      attributeBases({ checkpoint, sequences: ['A'.repeat(200)], backend: 'wasm' }),
    ).rejects.toThrow(/more than the model's 128/);
  });
});
