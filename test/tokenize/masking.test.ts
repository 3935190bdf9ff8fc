import { describe, expect, it } from 'vitest';
import { maskTokens, spanGeometry } from '../../src/tokenize/masking.js';
import { toModelInput } from '../../src/tokenize/model-input.js';
import { Random } from '../../src/tokenize/random.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { CLS_ID, IGNORE_LABEL, MASK_ID, PAD_ID, SEP_ID, UNK_ID } from '../../src/tokenize/vocab.js';
import { randomSequence } from './helpers.js';

/** Random k-mer ids (5 .. 5 + 4^k - 1). */
function randomKmerIds(n: number, k: number, seed: number): Int32Array {
  const rng = new Random(seed);
  return Int32Array.from({ length: n }, () => 5 + rng.nextInt(4 ** k));
}

function chosenPositions(labels: Int32Array): number[] {
  const out: number[] = [];
  labels.forEach((label, i) => {
    if (label !== IGNORE_LABEL) out.push(i);
  });
  return out;
}

/**
 * Bases of the original sequence that can be read from the given tokens: every token `i` for which
 * `visible(i)` holds reveals [starts[i], starts[i] + k).
 */
function revealedBases(
  length: number,
  starts: Int32Array,
  k: number,
  visible: (i: number) => boolean,
): Uint8Array {
  const known = new Uint8Array(length);
  for (let i = 0; i < starts.length; i++) {
    if (visible(i)) known.fill(1, starts[i], (starts[i] as number) + k);
  }
  return known;
}

describe('maskTokens, plain BERT 80/10/10', () => {
  const k = 6;
  const tokenizer = { k, stride: k };

  it('chooses 15% of tokens and splits them 80/10/10 over a large sample', () => {
    const ids = randomKmerIds(200_000, k, 1);
    const { inputIds, labels } = maskTokens(ids, tokenizer, { seed: 123 });
    const chosen = chosenPositions(labels);
    expect(chosen.length).toBe(30_000);
    let masked = 0;
    let replaced = 0;
    let kept = 0;
    const randomIds = new Set<number>();
    for (const i of chosen) {
      expect(labels[i]).toBe(ids[i]);
      const input = inputIds[i] as number;
      if (input === MASK_ID) masked++;
      else if (input !== ids[i]) {
        replaced++;
        randomIds.add(input);
        expect(input).toBeGreaterThanOrEqual(5);
        expect(input).toBeLessThan(5 + 4 ** k);
      } else kept++;
    }
    expect(masked / chosen.length).toBeCloseTo(0.8, 1);
    expect(Math.abs(masked / chosen.length - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(replaced / chosen.length - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(kept / chosen.length - 0.1)).toBeLessThan(0.01);
    // Random replacements spread over the k-mers, not a few ids.
    expect(randomIds.size).toBeGreaterThan(2000);
    // Unchosen positions are untouched.
    let changedElsewhere = 0;
    for (let i = 0; i < ids.length; i++)
      if (labels[i] === IGNORE_LABEL && inputIds[i] !== ids[i]) changedElsewhere++;
    expect(changedElsewhere).toBe(0);
  });

  it('honours other rates and fractions', () => {
    const ids = randomKmerIds(50_000, k, 2);
    const { inputIds, labels } = maskTokens(ids, tokenizer, {
      seed: 1,
      rate: 0.3,
      maskFraction: 1,
      randomFraction: 0,
    });
    const chosen = chosenPositions(labels);
    expect(chosen.length).toBe(15_000);
    expect(chosen.every((i) => inputIds[i] === MASK_ID)).toBe(true);
    expect(chosenPositions(maskTokens(ids, tokenizer, { seed: 1, rate: 0 }).labels)).toEqual([]);
  });

  it('never masks PAD, CLS, SEP, UNK or MASK and chooses at least one token', () => {
    const ids = Int32Array.from([CLS_ID, 10, UNK_ID, 20, MASK_ID, 30, SEP_ID, 40, SEP_ID, PAD_ID, PAD_ID]);
    const all = maskTokens(ids, tokenizer, { seed: 3, rate: 1 });
    expect(chosenPositions(all.labels)).toEqual([1, 3, 5, 7]);
    for (const i of [0, 2, 4, 6, 8, 9, 10]) expect(all.inputIds[i]).toBe(ids[i]);
    const one = maskTokens(Int32Array.from([CLS_ID, 10, 11, SEP_ID]), tokenizer, { seed: 3 });
    expect(chosenPositions(one.labels)).toHaveLength(1);
    const none = maskTokens(Int32Array.from([CLS_ID, UNK_ID, SEP_ID]), tokenizer, { seed: 3 });
    expect(chosenPositions(none.labels)).toEqual([]);
  });

  it('is deterministic for a seed, differs between seeds, and leaves the input alone', () => {
    const ids = randomKmerIds(5000, k, 4);
    const copy = Int32Array.from(ids);
    const a = maskTokens(ids, tokenizer, { seed: 99 });
    const b = maskTokens(ids, tokenizer, { seed: 99 });
    const c = maskTokens(ids, tokenizer, { seed: 100 });
    const d = maskTokens(ids, tokenizer, { rng: new Random(99) });
    expect(b).toEqual(a);
    expect(d).toEqual(a);
    expect(c.labels).not.toEqual(a.labels);
    expect(ids).toEqual(copy);
    // A shared generator gives different rows of a batch different masks.
    const rng = new Random(7);
    const row1 = maskTokens(ids, tokenizer, { rng });
    const row2 = maskTokens(ids, tokenizer, { rng });
    expect(row2.labels).not.toEqual(row1.labels);
  });

  it('rejects bad options', () => {
    const ids = randomKmerIds(10, k, 5);
    expect(() => maskTokens(ids, tokenizer, {})).toThrow(TypeError);
    expect(() => maskTokens(ids, tokenizer, { seed: 1, rng: new Random(1) })).toThrow(TypeError);
    expect(() => maskTokens(ids, tokenizer, { seed: 1, rate: 1.5 })).toThrow(RangeError);
    expect(() => maskTokens(ids, tokenizer, { seed: 1, maskFraction: 0.95, randomFraction: 0.1 })).toThrow(
      RangeError,
    );
    expect(() => maskTokens(Int32Array.from([5000]), tokenizer, { seed: 1 })).toThrow(
      /outside the vocabulary/,
    );
    expect(() => maskTokens(ids, tokenizer, { seed: 1, spanBases: 0 })).toThrow(RangeError);
  });
});

describe('maskTokens, span masking for overlapping k-mers', () => {
  it('uses DNABERT spans: k contiguous tokens c-2..c+3 for k=6, stride 1', () => {
    expect(spanGeometry(6, 1)).toEqual({ hiddenOffset: 3, hiddenLength: 1, first: -2, last: 3 });
    expect(spanGeometry(5, 1)).toEqual({ hiddenOffset: 2, hiddenLength: 1, first: -2, last: 2 });
    expect(spanGeometry(4, 1)).toEqual({ hiddenOffset: 2, hiddenLength: 1, first: -1, last: 2 });
    expect(spanGeometry(3, 1)).toEqual({ hiddenOffset: 1, hiddenLength: 1, first: -1, last: 1 });
    expect(spanGeometry(6, 2)).toEqual({ hiddenOffset: 3, hiddenLength: 1, first: -1, last: 1 });
    expect(spanGeometry(6, 6)).toEqual({ hiddenOffset: 3, hiddenLength: 1, first: 0, last: 0 });
    expect(spanGeometry(6, 1, 6)).toEqual({ hiddenOffset: 0, hiddenLength: 6, first: -5, last: 5 });

    const ids = randomKmerIds(2000, 6, 6);
    const { labels, centres } = maskTokens(ids, { k: 6, stride: 1 }, { seed: 8, rate: 0.05 });
    const chosen = new Set(chosenPositions(labels));
    expect(centres.length).toBeGreaterThan(5);
    for (const c of centres) {
      for (let d = -2; d <= 3; d++)
        if (c + d >= 0 && c + d < ids.length) expect(chosen.has(c + d)).toBe(true);
    }
    // Isolated centres make exactly six-token runs.
    const runs: number[] = [];
    let run = 0;
    for (let i = 0; i <= ids.length; i++) {
      if (i < ids.length && chosen.has(i)) run++;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    expect(runs.filter((r) => r === 6).length).toBeGreaterThan(centres.length / 2);
    expect(runs.every((r) => r >= 6)).toBe(true);
  });

  const cases = [
    [6, 1, 1],
    [6, 2, 1],
    [6, 3, 1],
    [6, 5, 1],
    [6, 1, 6],
    [5, 2, 3],
    [3, 1, 1],
    [8, 1, 2],
  ] as const;
  for (const [k, stride, spanBases] of cases) {
    it(`hides bases that no unmasked token reveals (k=${k}, stride=${stride}, spanBases=${spanBases})`, () => {
      const seq = randomSequence(30_000, 40 + k * stride, 'ACGT');
      const tokenizer = new KmerTokenizer({ k, stride });
      const { ids, starts } = tokenizer.tokenize(seq);
      const { labels, centres } = maskTokens(ids, tokenizer, { seed: 9, spanBases });
      const chosen = chosenPositions(labels).length;
      expect(chosen).toBeGreaterThanOrEqual(Math.round(0.15 * ids.length));
      expect(chosen / ids.length).toBeLessThan(0.16);

      // The hidden bases, worked out from the token starts, not from the span geometry.
      const offset = Math.floor(k / 2) - Math.floor(spanBases / 2);
      const hidden: number[] = [];
      for (const c of centres) {
        for (let b = 0; b < spanBases; b++) {
          const base = (starts[c] as number) + offset + b;
          if (base >= 0 && base < seq.length) hidden.push(base);
        }
      }
      expect(hidden.length).toBeGreaterThan(100);

      // 1. No unchosen token covers a hidden base.
      const fromUnchosen = revealedBases(seq.length, starts, k, (i) => labels[i] === IGNORE_LABEL);
      expect(hidden.filter((b) => fromUnchosen[b] === 1)).toEqual([]);

      // 2. Reading the model input: with every chosen token masked, no visible token covers a hidden base.
      const allMasked = maskTokens(ids, tokenizer, {
        seed: 9,
        spanBases,
        maskFraction: 1,
        randomFraction: 0,
      });
      const fromInput = revealedBases(seq.length, starts, k, (i) => allMasked.inputIds[i] !== MASK_ID);
      expect(allMasked.centres).toEqual(centres);
      expect(hidden.filter((b) => fromInput[b] === 1)).toEqual([]);
    });
  }

  it('would leak without spans: the no-leak check can fail', () => {
    const seq = randomSequence(30_000, 50, 'ACGT');
    const tokenizer = new KmerTokenizer({ k: 6, stride: 1 });
    const { ids, starts } = tokenizer.tokenize(seq);
    const { labels, centres } = maskTokens(ids, tokenizer, { seed: 9, span: false });
    const fromUnchosen = revealedBases(seq.length, starts, 6, (i) => labels[i] === IGNORE_LABEL);
    const leaked = [...centres].filter((c) => fromUnchosen[(starts[c] as number) + 3] === 1);
    expect(leaked.length).toBeGreaterThan(centres.length / 2);
  });

  it('decides 80/10/10 once per span, with token-level shares near 80/10/10', () => {
    const seq = randomSequence(400_000, 51, 'ACGT');
    const tokenizer = new KmerTokenizer({ k: 6, stride: 1 });
    const { ids } = tokenizer.tokenize(seq);
    const { inputIds, labels, centres } = maskTokens(ids, tokenizer, { seed: 10 });
    let mixedSpans = 0;
    let randomSpans = 0;
    let isolated = 0;
    const centreSet = new Set(centres);
    for (const c of centres) {
      // Only spans no other span touches: no other centre within 5 tokens.
      let alone = true;
      for (let d = -5; d <= 5; d++) if (d !== 0 && centreSet.has(c + d)) alone = false;
      if (!alone || c < 2 || c + 3 >= ids.length) continue;
      isolated++;
      const span = [c - 2, c - 1, c, c + 1, c + 2, c + 3];
      const maskedHere = span.filter((i) => inputIds[i] === MASK_ID).length;
      const changed = span.filter((i) => inputIds[i] !== ids[i]).length;
      // All [MASK], or none; a random span changes (nearly) every token, a kept span none.
      if (maskedHere !== 0 && maskedHere !== 6) mixedSpans++;
      else if (maskedHere === 0 && changed > 0) {
        randomSpans++;
        if (changed < 5) mixedSpans++;
      }
    }
    expect(isolated).toBeGreaterThan(1000);
    expect(Math.abs(randomSpans / isolated - 0.1)).toBeLessThan(0.02);
    expect(mixedSpans).toBe(0);
    const chosen = chosenPositions(labels);
    const masked = chosen.filter((i) => inputIds[i] === MASK_ID).length / chosen.length;
    const kept = chosen.filter((i) => inputIds[i] === ids[i]).length / chosen.length;
    expect(Math.abs(masked - 0.8)).toBeLessThan(0.02);
    expect(Math.abs(kept - 0.1)).toBeLessThan(0.02);
  });

  it('never masks CLS/SEP/PAD and does not run a span across them', () => {
    const tokenizer = new KmerTokenizer({ k: 6, stride: 1 });
    const a = tokenizer.tokenize(randomSequence(40, 60)).ids;
    const b = tokenizer.tokenize(randomSequence(40, 61)).ids;
    // [CLS] a [SEP] b [SEP] [PAD]...
    const ids = Int32Array.from([CLS_ID, ...a, SEP_ID, ...b, SEP_ID, PAD_ID, PAD_ID, PAD_ID]);
    const sepA = a.length + 1;
    for (let seed = 0; seed < 50; seed++) {
      const { inputIds, labels, centres } = maskTokens(ids, tokenizer, { seed, rate: 0.05 });
      for (let i = 0; i < ids.length; i++) {
        if ((ids[i] as number) < 5) {
          expect(labels[i]).toBe(IGNORE_LABEL);
          expect(inputIds[i]).toBe(ids[i]);
        }
      }
      // Each span stays in its centre's segment: chosen tokens touch no centre from the other segment.
      for (const i of chosenPositions(labels)) {
        const segment = i < sepA ? 0 : 1;
        const near = [...centres].filter((c) => i - 3 <= c && c <= i + 2);
        expect(near.some((c) => (c < sepA ? 0 : 1) === segment)).toBe(true);
      }
    }
    // Centres at the segment edges give clipped spans: rate 1 chooses every k-mer token.
    const all = maskTokens(ids, tokenizer, { seed: 1, rate: 1 });
    expect(chosenPositions(all.labels).length).toBe(a.length + b.length);
  });

  it('masks wrapped, padded model input', () => {
    const tokenizer = new KmerTokenizer({ k: 6, stride: 1 });
    const { ids } = tokenizer.tokenize(randomSequence(300, 70));
    const input = toModelInput(ids, { length: 400 });
    const { labels } = maskTokens(input.inputIds, tokenizer, { seed: 2 });
    for (let i = 0; i < 400; i++) {
      if (input.attentionMask[i] === 0 || i === 0 || i === input.offset + input.tokenCount) {
        expect(labels[i]).toBe(IGNORE_LABEL);
      }
    }
    expect(chosenPositions(labels).length).toBeGreaterThanOrEqual(Math.round(0.15 * ids.length));
  });
});
