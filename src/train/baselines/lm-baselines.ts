/**
 * The language-model baselines of a genome, fitted, chosen on validation and scored on test, on exactly
 * the bases a causal model with a given window and k scores (src/train/lm-scoring.ts):
 *
 * - the static Markov model (orders up to 16, additive or interpolated smoothing, alpha, optionally
 *   counting both strands), chosen on validation;
 * - the adaptive mixture of orders (markov-mixture.ts), the model the best DNA compressors use, with
 *   alpha and the forgetting factor chosen on validation.
 *
 * Each is scored on test twice: fitted on train (the data a Locus model trains on) and refitted on
 * train + validation with the chosen settings. Test scores come per window (`LmBlock`), so a model's
 * per-window result can be compared with a paired bootstrap.
 */
import { causalScoredBases, type LmBlock } from '../lm-scoring.js';
import {
  fitMarkov,
  markovScore,
  selectMarkov,
  type MarkovEvaluation,
  type MarkovSmoothing,
  type ScoreBlock,
} from './markov.js';
import { fitMixture, mixtureScore, selectMixture } from './markov-mixture.js';

/** A test sequence: its name and where it starts in its contig (for block coordinates). */
export interface TestPiece {
  name: string;
  offset: number;
  sequence: string;
}

export interface LmBaselineInputs {
  train: string[];
  validation: string[];
  /** Train and validation of each contig as one piece (they are adjacent there) for the refits. */
  trainAndValidation: string[];
  test: TestPiece[];
}

export interface LmBaselineOptions {
  /** Score like a causal model with windows of `context` bases and k-mer tokens; default: every A/C/G/T base, 10 kb blocks. */
  context?: number;
  k?: number;
  orders?: number[];
  alphas?: number[];
  smoothings?: MarkovSmoothing[];
  reverseComplement?: boolean;
  /** Also fit the adaptive mixture of orders. */
  mixture?: boolean;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface TestResult {
  fittedOn: 'train' | 'train+validation';
  bitsPerBase: number;
  bases: number;
  totalNats: number;
  blocks: LmBlock[];
}

export interface LmBaselineReport {
  scoring: { context: number | null; k: number | null; rule: string };
  trainingBases: number;
  validationBases: number;
  static: {
    table: MarkovEvaluation[];
    chosen: MarkovEvaluation & { reverseComplement: boolean };
    test: TestResult;
    refit: TestResult;
  };
  mixture?: {
    evaluations: { alpha: number; gamma: number; bitsPerBase: number }[];
    chosen: {
      orders: number[];
      alpha: number;
      gamma: number;
      reverseComplement: boolean;
      validationBitsPerBase: number;
    };
    test: TestResult;
    refit: TestResult;
  };
}

const DEFAULT_BLOCK = 10_000;

/** The scored-base mask of one test piece: tiles of `context` bases from its start. */
function pieceMask(sequence: string, context: number, k: number): Uint8Array {
  const mask = new Uint8Array(sequence.length);
  for (let start = 0; start < sequence.length; start += context) {
    mask.set(causalScoredBases(sequence.slice(start, start + context), k), start);
  }
  return mask;
}

/** Fit, choose and score every baseline (see the top of this file). */
export function lmBaselines(inputs: LmBaselineInputs, options: LmBaselineOptions = {}): LmBaselineReport {
  const tiled = options.context !== undefined;
  const context = options.context ?? DEFAULT_BLOCK;
  const k = options.k ?? 1;
  const rc = options.reverseComplement ?? false;
  const progress = options.onProgress ?? (() => undefined);
  const testSequences = inputs.test.map((p) => p.sequence);
  const scored = tiled ? inputs.test.map((p) => pieceMask(p.sequence, context, k)) : undefined;
  const toResult = (
    fittedOn: TestResult['fittedOn'],
    score: { totalNats: number; bases: number; bitsPerBase: number; blocks?: ScoreBlock[] },
  ): TestResult => ({
    fittedOn,
    bitsPerBase: score.bitsPerBase,
    bases: score.bases,
    totalNats: score.totalNats,
    blocks: (score.blocks ?? []).map((b) => {
      const piece = inputs.test[b.sequence]!;
      return {
        contig: piece.name,
        start: piece.offset + b.start,
        end: piece.offset + b.end,
        bases: b.bases,
        nats: b.nats,
      };
    }),
  });
  const scoreOptions = { scored, blockSize: context };

  // Each fit up to order 16 holds ~0.7 GB of count tables: every fit lives in its own function call
  // so that at most one (plus the one being built) is reachable at a time.
  const staticPart = () => {
    progress('static Markov model: choosing order, smoothing and alpha on validation');
    const selection = selectMarkov(inputs.train, inputs.validation, {
      orders: options.orders,
      alphas: options.alphas,
      smoothings: options.smoothings,
      reverseComplement: rc,
      signal: options.signal,
      onProgress: (done, total, e) =>
        progress(
          `validation ${done}/${total}: order ${e.order} ${e.smoothing} alpha ${e.alpha}: ${e.bitsPerBase.toFixed(4)} bits/base`,
        ),
    });
    const test = toResult('train', markovScore(selection.model, testSequences, scoreOptions));
    return { selection: { ...selection, model: undefined }, test };
  };
  const { selection, test: staticTest } = staticPart();
  const { order, smoothing, alpha } = selection.chosen;
  const staticRefit = (() => {
    progress('static Markov model: refitting on train + validation');
    const refitted = fitMarkov(inputs.trainAndValidation, order, alpha, smoothing, { reverseComplement: rc });
    return toResult('train+validation', markovScore(refitted, testSequences, scoreOptions));
  })();
  const report: LmBaselineReport = {
    scoring: {
      context: tiled ? context : null,
      k: tiled ? k : null,
      rule: tiled
        ? `the bases a causal model with ${context}-base windows and k = ${k} scores: every token of a window but the first, k-mers with non-ACGT bases excluded`
        : 'every A/C/G/T base of the test part',
    },
    trainingBases: selection.trainingBases,
    validationBases: selection.validationBases,
    static: {
      table: selection.table,
      chosen: { ...selection.chosen, reverseComplement: rc },
      test: staticTest,
      refit: staticRefit,
    },
  };
  if (!options.mixture) return report;

  const mixturePart = () => {
    progress('adaptive mixture: choosing alpha and gamma on validation');
    const selected = selectMixture(inputs.train, inputs.validation, {
      reverseComplement: rc,
      signal: options.signal,
      onProgress: (done: number, total: number) => progress(`mixture validation ${done}/${total}`),
    });
    const gamma = selected.chosen.gamma;
    const test = toResult('train', mixtureScore(selected.model, testSequences, { ...scoreOptions, gamma }));
    return { chosen: selected.chosen, evaluations: selected.evaluations, test };
  };
  const mixture = mixturePart();
  const gamma = mixture.chosen.gamma;
  const mixtureTest = mixture.test;
  const mixtureRefit = (() => {
    progress('adaptive mixture: refitting on train + validation');
    const refitted = fitMixture(inputs.trainAndValidation, {
      orders: mixture.chosen.orders,
      alpha: mixture.chosen.alpha,
      gamma,
      reverseComplement: rc,
    });
    return toResult('train+validation', mixtureScore(refitted, testSequences, { ...scoreOptions, gamma }));
  })();
  report.mixture = {
    evaluations: mixture.evaluations,
    chosen: {
      orders: mixture.chosen.orders,
      alpha: mixture.chosen.alpha,
      gamma,
      reverseComplement: rc,
      validationBitsPerBase: mixture.chosen.bitsPerBase,
    },
    test: mixtureTest,
    refit: mixtureRefit,
  };
  return report;
}
