/** Which bases a causal LM is scored on: the same rule for the model's labels and the baselines' masks. */
import { describe, expect, it } from 'vitest';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { causalLmBatch } from '../../src/train/data/batch.js';
import { IGNORE_LABEL } from '../../src/tokenize/vocab.js';
import { blockTotals, causalScoredBases, countScored } from '../../src/train/lm-scoring.js';

describe('causal LM scoring rule', () => {
  it('skips the first token, tokens with non-ACGT bases and a trailing partial token', () => {
    expect(Array.from(causalScoredBases('ACGTNacgt', 1))).toEqual([0, 1, 1, 1, 0, 1, 1, 1, 1]);
    // k = 3: tokens ACG | TNa | cgt | (a): the first has no context, TNa holds N, the tail is partial.
    expect(Array.from(causalScoredBases('ACGTNacgta', 3))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
    expect(countScored(causalScoredBases('', 2))).toBe(0);
  });

  it('marks exactly the bases of the tokens the model is trained and scored on', () => {
    const sequence = 'ACGTTGCANNNACGRTACGTTGCAtgcaAC';
    for (const k of [1, 2, 3]) {
      const tokenizer = new KmerTokenizer({ k });
      const batch = causalLmBatch([sequence], { tokenizer });
      const scoredTokens = Array.from(batch.labelRows[0]!).filter((l) => l !== IGNORE_LABEL).length;
      expect(countScored(causalScoredBases(sequence, k))).toBe(scoredTokens * k);
    }
  });

  it('sums blocks into bits per base', () => {
    const totals = blockTotals([
      { contig: 'a', start: 0, end: 10, bases: 9, nats: 9 * Math.LN2 },
      { contig: 'a', start: 10, end: 20, bases: 9, nats: 27 * Math.LN2 },
    ]);
    expect(totals).toEqual({ bases: 18, nats: 36 * Math.LN2, bitsPerBase: 2 });
  });
});
