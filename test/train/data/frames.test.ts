import { describe, expect, it } from 'vitest';
import { KmerTokenizer } from '../../../src/tokenize/tokenizer.js';
import { encodeBatch } from '../../../src/train/data/batch.js';
import { LabeledExamples } from '../../../src/train/data/examples.js';
import {
  averageOverFrames,
  inFrame,
  readingFrames,
  trainedWithFrameShift,
} from '../../../src/train/data/frames.js';
import type { LabeledSequence } from '../../../src/train/data/labeled.js';

describe('reading frames', () => {
  it('lists every frame of the stride when shifted, frame 0 alone otherwise', () => {
    expect(readingFrames(6, true)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readingFrames(6, false)).toEqual([0]);
    expect(readingFrames(1, true)).toEqual([0]);
    expect(() => readingFrames(0, true)).toThrow(/stride/);
  });

  it('reads a sequence in a frame by dropping its first bases, never below one k-mer', () => {
    const k3 = new KmerTokenizer({ k: 3 });
    const sequence = 'ACGTTGCA';
    // Frame 1 of a 3-mer tokenizer gives the 3-mers that start at bases 1 and 4.
    const ids = encodeBatch([inFrame(sequence, 1, 3)], { tokenizer: k3, addSpecialTokens: false }).rows[0]!
      .ids;
    const expected = encodeBatch(['CGT', 'TGC'], { tokenizer: k3, addSpecialTokens: false }).rows.map(
      (r) => r.ids[0],
    );
    expect(Array.from(ids)).toEqual(expected);
    expect(inFrame(sequence, 0, 3)).toBe(sequence);
    expect(inFrame('ACGT', 2, 3)).toBe('ACGT'); // 2 bases would be left: kept whole
  });

  it('averages class probabilities over frames, per sequence', () => {
    const perFrame = [
      [Float32Array.of(0.2, 0.8), Float32Array.of(1, 0)],
      [Float32Array.of(0.6, 0.4), Float32Array.of(0.5, 0.5)],
    ];
    const mean = averageOverFrames(perFrame);
    expect(mean[0]![0]).toBeCloseTo(0.4, 6);
    expect(mean[0]![1]).toBeCloseTo(0.6, 6);
    expect(mean[1]).toEqual([0.75, 0.25]);
    expect(() => averageOverFrames([[Float32Array.of(1, 0)], []])).toThrow(/same sequences/);
    expect(() => averageOverFrames([])).toThrow(/at least one frame/);
  });

  it('reads the flag from a checkpoint config', () => {
    expect(trainedWithFrameShift({ task: { kind: 'finetune', frameShift: true } })).toBe(true);
    expect(trainedWithFrameShift({ task: { kind: 'finetune' } })).toBe(false);
    expect(trainedWithFrameShift({})).toBe(false);
  });
});

describe('labeled examples with --frame-shift', () => {
  const k3 = new KmerTokenizer({ k: 3 });
  const sequence = 'ACGTTGCAAGCTTACG'; // 16 bases
  const items: LabeledSequence[] = Array.from({ length: 8 }, (_, i) => ({
    id: `s${i}`,
    sequence,
    label: i % 2,
    file: 'x',
    line: i + 1,
  }));
  const frameIds = [0, 1, 2].map((f) =>
    Array.from(encodeBatch([sequence.slice(f)], { tokenizer: k3 }).rows[0]!.ids).join(','),
  );

  it('reads each example in one of the frames, drawn from the seed, and resumes exactly', () => {
    const options = { tokenizer: k3, seed: 3, frameShift: true };
    const taken = new LabeledExamples(items, options).take(48);
    const frames = taken.map((e) => frameIds.indexOf(Array.from(e.input.ids).join(',')));
    expect(frames.every((f) => f >= 0)).toBe(true);
    // Every frame comes up, each a fair share of 48 draws.
    for (const f of [0, 1, 2]) expect(frames.filter((x) => x === f).length).toBeGreaterThan(6);
    expect(new LabeledExamples(items, options).take(48)).toEqual(taken);
    const first = new LabeledExamples(items, options);
    first.take(13);
    const resumed = new LabeledExamples(items, options);
    resumed.restore(JSON.parse(JSON.stringify(first.state())));
    expect(resumed.take(35)).toEqual(taken.slice(13));
  });

  it('reads frame 0 alone without the option', () => {
    const taken = new LabeledExamples(items, { tokenizer: k3, seed: 3 }).take(16);
    expect(taken.every((e) => Array.from(e.input.ids).join(',') === frameIds[0])).toBe(true);
  });
});
