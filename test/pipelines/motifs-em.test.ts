/**
 * EM of a motif's letter probabilities (pipelines/motifs/em.ts): MEME's smoothing of TCM posteriors,
 * the ZOOPS posteriors against their closed form, and the reason ZOOPS is used for short sequences: on a
 * motif that resembles itself one column along, EM started from the true matrix keeps it under ZOOPS.
 */
import { describe, expect, it } from 'vitest';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import { DISCOVER_DEFAULTS } from '../../pipelines/motifs/discover.js';
import { EM_DEFAULTS, emPolish, limitOverlaps } from '../../pipelines/motifs/em.js';
import type { CodedSequence } from '../../pipelines/motifs/sequences.js';
import type { Background, Matrix } from '../../pipelines/motifs/types.js';
import { Random } from '../../src/tokenize/random.js';
import { NFKB1 } from '../helpers/jaspar.js';

const LETTERS: Background = [0.29, 0.21, 0.21, 0.29];

function draw(rng: Random, probs: readonly number[]): number {
  let u = rng.nextFloat() * probs.reduce((a, b) => a + b, 0);
  for (let b = 0; b < 4; b++) if ((u -= probs[b]!) < 0) return b;
  return 3;
}

/** `n` sequences of `length` from LETTERS, a site of `matrix` (either strand) in `share` of them. */
function planted(seed: number, matrix: Matrix, n: number, length: number, share: number): CodedSequence[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, (_, i) => {
    const codes = Uint8Array.from({ length }, () => draw(rng, LETTERS));
    if (i < Math.round(share * n)) {
      let site = matrix.map((column) => draw(rng, column));
      if (rng.nextFloat() < 0.5) site = site.reverse().map((b) => 3 - b);
      codes.set(site, rng.nextInt(length - site.length + 1));
    }
    return { name: `s${i}`, codes };
  });
}

describe('limitOverlaps (MEME smoothing of TCM posteriors)', () => {
  it('leaves no run of w windows above one expected site, and leaves sparse posteriors alone', () => {
    const rng = new Random(3);
    const w = 5;
    const zf = Float64Array.from({ length: 60 }, () => rng.nextFloat());
    const zr = Float64Array.from({ length: 60 }, () => rng.nextFloat() * 0.5);
    limitOverlaps(zf, zr, w);
    for (let start = 0; start + w <= zf.length; start++) {
      let sum = 0;
      for (let i = start; i < start + w; i++) sum += zf[i]! + zr[i]!;
      expect(sum).toBeLessThanOrEqual(1 + 1e-12);
    }
    const sparse = new Float64Array(30);
    sparse[3] = 0.9;
    sparse[20] = 0.6;
    const copy = sparse.slice();
    limitOverlaps(sparse, new Float64Array(30), w);
    expect([...sparse]).toEqual([...copy]);
  });
});

describe('emPolish', () => {
  it('ZOOPS: one sequence, one iteration, gives the closed-form posteriors', () => {
    // A 3-wide motif on "ACGTA": windows ACG, CGT, GTA; counts are the posterior-weighted letters.
    const matrix: Matrix = [
      [0.7, 0.1, 0.1, 0.1],
      [0.1, 0.7, 0.1, 0.1],
      [0.1, 0.1, 0.7, 0.1],
    ];
    const letters: Background = [0.25, 0.25, 0.25, 0.25];
    const codes = Uint8Array.from([0, 1, 2, 3, 0]);
    const gamma = 0.5;
    const ratio = (window: number[]) => window.reduce((p, c, j) => p * (matrix[j]![c]! / 0.25), 1);
    const f = [0, 1, 2].map((i) => ratio([...codes.slice(i, i + 3)]));
    const r = [0, 1, 2].map((i) => ratio([...codes.slice(i, i + 3)].reverse().map((c) => 3 - c)));
    const each = gamma / 6;
    const denominator = 1 - gamma + each * [...f, ...r].reduce((a, b) => a + b, 0);
    const expectedGamma = (each * [...f, ...r].reduce((a, b) => a + b, 0)) / denominator;
    const em = emPolish(
      matrix,
      [{ name: 'x', codes }],
      letters,
      { kind: 'zoops', gamma },
      {
        iterations: 1,
        pseudo: 0,
        tolerance: 0,
      },
    );
    expect(em.model.kind).toBe('zoops');
    expect(em.model.kind === 'zoops' && em.model.gamma).toBeCloseTo(expectedGamma, 12);
    // Column 0 holds the first letter of each forward window and the complement of the last of each reverse one.
    const column0 = [0, 0, 0, 0];
    [0, 1, 2].forEach((i) => {
      column0[codes[i]!]! += (each * f[i]!) / denominator;
      column0[3 - codes[i + 2]!]! += (each * r[i]!) / denominator;
    });
    const total = column0.reduce((a, b) => a + b, 0);
    em.matrix[0]!.forEach((p, b) => expect(p).toBeCloseTo(column0[b]! / total, 12));
  });

  it('ZOOPS keeps a self-similar motif in register and finds the share of sequences with a site', () => {
    const sequences = planted(11, NFKB1, 200, 200, 0.7);
    const zoops = emPolish(NFKB1, sequences, LETTERS, { kind: 'zoops', gamma: 0.5 }, EM_DEFAULTS);
    const alignment = alignMotifs(zoops.matrix, NFKB1);
    expect(alignment.similarity).toBeGreaterThan(0.97);
    // In register: the query's first column lies on the target's first column.
    expect(alignment.offset).toBe(0);
    expect(zoops.model.kind === 'zoops' && zoops.model.gamma).toBeGreaterThan(0.6);
    expect(zoops.model.kind === 'zoops' && zoops.model.gamma).toBeLessThan(0.8);
  });

  it('TCM, in the few steps discovery takes, finds the share of windows that are sites on long sequences', () => {
    const sequences = planted(5, NFKB1, 20, 5000, 1);
    const tcm = emPolish(
      NFKB1,
      sequences,
      LETTERS,
      { kind: 'tcm', lambda: 2e-4 },
      { ...EM_DEFAULTS, iterations: DISCOVER_DEFAULTS.polishIterations },
    );
    // One site in each sequence of 4,988 windows.
    expect(tcm.model.kind === 'tcm' && tcm.model.lambda).toBeGreaterThan(0.5 / 4988);
    expect(tcm.model.kind === 'tcm' && tcm.model.lambda).toBeLessThan(2 / 4988);
    expect(alignMotifs(tcm.matrix, NFKB1).similarity).toBeGreaterThan(0.95);
  });
});
