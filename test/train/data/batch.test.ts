import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KmerTokenizer } from '../../../src/tokenize/tokenizer.js';
import { CLS_ID, IGNORE_LABEL, MASK_ID, PAD_ID, SEP_ID } from '../../../src/tokenize/vocab.js';
import { causalLmBatch, classificationBatch, encodeBatch, mlmBatch } from '../../../src/train/data/batch.js';
import { LabeledExamples, chunks, windowExamples } from '../../../src/train/data/examples.js';
import { GenomeWindowSampler } from '../../../src/train/data/genome-windows.js';
import type { LabeledSequence } from '../../../src/train/data/labeled.js';

const LAMBDA = join(import.meta.dirname, '..', '..', '..', 'samples', 'lambda.fa');
const k3 = new KmerTokenizer({ k: 3 }); // stride 3: 12 bases -> 4 tokens

describe('encodeBatch', () => {
  it('pads rows to the longest with a valid mask, [CLS] ... [SEP] by default', () => {
    const batch = encodeBatch(['ACGTACGTACGT', 'acgtac', 'ACGTACGTACGTACGTAC'], { tokenizer: k3 });
    expect(batch.shape).toEqual([3, 8]);
    expect(Array.from(batch.tokenCounts)).toEqual([4, 2, 6]);
    expect(Array.from(batch.rows[0]!.valid)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(batch.rows[1]!.valid)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(batch.rows[2]!.valid)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    const row1 = Array.from(batch.rows[1]!.ids);
    expect(row1[0]).toBe(CLS_ID);
    expect(row1.slice(1, 3)).toEqual(Array.from(k3.tokenize('ACGTAC').ids)); // case does not matter
    expect(row1.slice(3)).toEqual([SEP_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]);
    // Rows are views of the flat arrays.
    expect(batch.ids.subarray(8, 16)).toEqual(batch.rows[1]!.ids);
    expect(batch.valid).toBeInstanceOf(Uint8Array);
    expect(batch.ids).toBeInstanceOf(Int32Array);
  });

  it('rounds the length up to padMultiple, or uses a fixed length, without special tokens on request', () => {
    const batch = encodeBatch(['ACGTACGTACGT', 'ACG'], {
      tokenizer: k3,
      addSpecialTokens: false,
      padMultiple: 5,
    });
    expect(batch.shape).toEqual([2, 5]);
    expect(Array.from(batch.rows[1]!.valid)).toEqual([1, 0, 0, 0, 0]);
    const fixed = encodeBatch(['ACGTAC'], { tokenizer: k3, length: 6 });
    expect(fixed.shape).toEqual([1, 6]);
    expect(() => encodeBatch(['ACG'], { tokenizer: k3, length: 6, padMultiple: 4 })).toThrow(RangeError);
  });

  it('truncation: an error by default; right keeps the start, left keeps the end', () => {
    const sequence = 'AAACCCGGGTTTAAC'; // 5 tokens
    const ids = Array.from(k3.tokenize(sequence).ids);
    expect(() => encodeBatch([sequence], { tokenizer: k3, maxTokens: 3 })).toThrow(/truncation: 'right'/);
    const right = encodeBatch([sequence], { tokenizer: k3, maxTokens: 3, truncation: 'right' });
    expect(Array.from(right.ids)).toEqual([CLS_ID, ...ids.slice(0, 3), SEP_ID]);
    expect(Array.from(right.truncated)).toEqual([2]);
    const left = encodeBatch([sequence], { tokenizer: k3, maxTokens: 3, truncation: 'left' });
    expect(Array.from(left.ids)).toEqual([CLS_ID, ...ids.slice(2), SEP_ID]);
    // A fixed length caps tokens too.
    const capped = encodeBatch([sequence], { tokenizer: k3, length: 4, truncation: 'right' });
    expect(Array.from(capped.ids)).toEqual([CLS_ID, ids[0], ids[1], SEP_ID]);
    expect(() => encodeBatch([sequence], { tokenizer: k3, length: 4 })).toThrow(RangeError);
  });
});

describe('targets', () => {
  it('MLM: labels only at masked positions, never on CLS/SEP/PAD; reproducible from the seed', () => {
    const sequences = ['ACGTACGTACGTACGTACGTACGTACGTAC', 'GGGCCCAAATTT'];
    const batch = mlmBatch(sequences, { tokenizer: k3, seed: 4, mask: { rate: 0.3 } });
    const plain = encodeBatch(sequences, { tokenizer: k3 });
    const [B, T] = batch.shape;
    let masked = 0;
    for (let i = 0; i < B * T; i++) {
      const original = plain.ids[i]!;
      if (batch.labels[i] !== IGNORE_LABEL) {
        masked++;
        expect(batch.labels[i]).toBe(original);
        expect(plain.valid[i]).toBe(1);
        expect([CLS_ID, SEP_ID, PAD_ID]).not.toContain(original);
      } else {
        expect(batch.ids[i]).toBe(original);
      }
    }
    expect(masked).toBeGreaterThan(0);
    expect(Array.from(batch.ids)).toContain(MASK_ID);
    expect(batch.labelRows[1]).toEqual(batch.labels.subarray(T, 2 * T));
    expect(mlmBatch(sequences, { tokenizer: k3, seed: 4, mask: { rate: 0.3 } })).toEqual(batch);
    expect(() => mlmBatch(sequences, { tokenizer: k3 })).toThrow(TypeError);
  });

  it('causal LM: the next token as label, IGNORE at the last valid position and on padding', () => {
    const batch = causalLmBatch(['ACGTACGTACGT', 'ACGTAC'], { tokenizer: k3 });
    expect(batch.shape).toEqual([2, 4]); // no CLS/SEP by default
    const row0 = Array.from(batch.rows[0]!.ids);
    expect(Array.from(batch.labelRows[0]!)).toEqual([row0[1], row0[2], row0[3], IGNORE_LABEL]);
    const row1 = Array.from(batch.rows[1]!.ids);
    expect(Array.from(batch.labelRows[1]!)).toEqual([row1[1], IGNORE_LABEL, IGNORE_LABEL, IGNORE_LABEL]);
  });

  it('classification: one class id per row', () => {
    const batch = classificationBatch(
      [
        { sequence: 'ACGTAC', label: 1 },
        { sequence: 'ACG', label: 0 },
      ],
      { tokenizer: k3 },
    );
    expect(Array.from(batch.labels)).toEqual([1, 0]);
    expect(batch.shape).toEqual([2, 4]);
    expect(() => classificationBatch([{ sequence: 'ACG', label: -1 }], { tokenizer: k3 })).toThrow(
      RangeError,
    );
  });
});

describe('trainer examples', () => {
  it('window examples resume exactly from the sampler state', async () => {
    const open = () =>
      GenomeWindowSampler.open({
        genomes: [LAMBDA],
        windowSize: 300,
        seed: 3,
        load: 'memory',
        reverseComplement: true,
      });
    const tokenizer = new KmerTokenizer({ k: 6, stride: 1 });
    const options = { objective: 'mlm' as const, seed: 11, tokenizer };
    const whole = windowExamples(await open(), options).take(6);
    const first = windowExamples(await open(), options);
    first.take(4);
    const second = windowExamples(await open(), options);
    second.restore(JSON.parse(JSON.stringify(first.state())));
    expect(second.take(2)).toEqual(whole.slice(4));
    const example = whole[0]!;
    expect(example.input.ids).toHaveLength(295 + 2);
    expect(example.target.kind).toBe('lm');

    const causal = windowExamples(await open(), {
      objective: 'causal',
      seed: 1,
      tokenizer: new KmerTokenizer({ k: 6 }),
    });
    const [c] = causal.take(1);
    expect(c!.input.ids).toHaveLength(50);
  });

  it('labeled examples: seeded epoch orders, each epoch a permutation, exact resume', () => {
    const sequences = ['AAAAAC', 'CCCGGG', 'GGGTTT', 'TTTAAA', 'ACGTAC', 'CGTACG', 'GTAC'];
    const items: LabeledSequence[] = sequences.map((sequence, i) => ({
      id: `s${i}`,
      sequence,
      label: i % 2,
      file: 'x',
      line: i + 1,
    }));
    const options = { tokenizer: k3, seed: 5 };
    const key = (e: { input: { ids: Int32Array } }) => Array.from(e.input.ids).join(',');
    const expected = items.map((item) =>
      key({ input: { ids: encodeBatch([item.sequence], { tokenizer: k3 }).rows[0]!.ids } }),
    );
    const whole = new LabeledExamples(items, options).take(21);
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(
        whole
          .slice(epoch * 7, epoch * 7 + 7)
          .map(key)
          .sort(),
      ).toEqual([...expected].sort());
    }
    expect(whole.slice(0, 7).map(key)).not.toEqual(whole.slice(7, 14).map(key)); // a new order each epoch
    const first = new LabeledExamples(items, options);
    first.take(9);
    expect(first.position).toEqual({ epoch: 1, offset: 2 });
    const resumed = new LabeledExamples(items, options);
    resumed.restore(JSON.parse(JSON.stringify(first.state())));
    expect(resumed.take(12)).toEqual(whole.slice(9));
    expect(() => new LabeledExamples(items.slice(1), options).restore(first.state())).toThrow(
      /does not belong/,
    );
    const inOrder = new LabeledExamples(items, { ...options, shuffle: false }).take(7);
    expect(inOrder.map(key)).toEqual(expected);
    expect(inOrder.map((e) => (e.target.kind === 'classify' ? e.target.label : -1))).toEqual(
      items.map((i) => i.label),
    );
    expect([...chunks([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
  });
});
