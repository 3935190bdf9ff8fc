/**
 * Order-k Markov model over A/C/G/T: the language-model baseline every Locus bits-per-base claim is
 * compared against.
 *
 * What is scored. Every A/C/G/T base (either case; soft-masked lowercase counts) of every held-out
 * sequence is scored, and nothing else: N and other IUPAC codes are skipped and break the context.
 * A base whose preceding k bases are all A/C/G/T is scored with the order-k context. A base with fewer
 * A/C/G/T bases before it (the first k bases of a sequence, or the first k after an N) backs off to the
 * longest context it has (order 0 at a sequence start). So every order scores *the same bases*, and the
 * bits per base of different orders (and of a neural model scoring the same bases) compare directly.
 * Training counts follow the same rule: each A/C/G/T base adds one count to the table of every order
 * up to its available context.
 *
 * Smoothing. Both estimators have one parameter alpha > 0, chosen on validation data:
 * - 'additive': p(b | c) = (n(c, b) + alpha) / (n(c) + 4 alpha), i.e. a uniform Dirichlet prior.
 * - 'interpolated': the prior is the next-lower order's estimate instead of uniform,
 *   p_j(b | c) = (n(c, b) + 4 alpha p_{j-1}(b | c')) / (n(c) + 4 alpha), where c' drops the oldest base of
 *   c and p_{-1} = 1/4 (a hierarchical Dirichlet / interpolated estimator in the spirit of PPM and
 *   Witten-Bell). Unseen long contexts fall back smoothly on shorter ones, so high orders stop
 *   over-fitting; order 0 is the same under both.
 *
 * Tables: `counts[j]` has 4^(j+1) entries indexed by the (j+1)-mer code (A=0, C=1, G=2, T=3, oldest base
 * most significant), i.e. `context * 4 + base`; order 10 needs 4^11 = 4,194,304 Float64 entries (32 MiB).
 */
import { bitsPerBase } from '../metrics.js';
import { BASE_CODE } from '../../tokenize/vocab.js';

export type MarkovSmoothing = 'additive' | 'interpolated';

export const MAX_MARKOV_ORDER = 10;
export const MARKOV_SMOOTHINGS: readonly MarkovSmoothing[] = ['additive', 'interpolated'];
/** Default alpha grid for selection: half-decades from 0.001 to 1000. */
export const DEFAULT_MARKOV_ALPHAS: readonly number[] = [
  0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000,
];

export interface MarkovModel {
  /** Context length k (0..10). */
  order: number;
  /** Pseudo-count per base (> 0). */
  alpha: number;
  smoothing: MarkovSmoothing;
  /** counts[j][context * 4 + base] for j = 0..order (see the file comment). */
  counts: Float64Array[];
  /** contextTotals[j][context] = sum over the four bases of counts[j][context * 4 + base]. */
  contextTotals: Float64Array[];
  /** A/C/G/T bases counted in training. */
  trainingBases: number;
}

export interface MarkovScore {
  /** -sum ln p over the scored bases. */
  totalNats: number;
  /** Bases scored (every A/C/G/T base). */
  bases: number;
  /** NaN when no base was scored. */
  bitsPerBase: number;
}

const baseCode = (c: number): number => (c < 128 ? BASE_CODE[c]! : 4);

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_MARKOV_ORDER) {
    throw new RangeError(
      `Markov order must be an integer from 0 to ${MAX_MARKOV_ORDER}, got ${String(order)}`,
    );
  }
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`Markov smoothing alpha must be a finite number > 0, got ${String(alpha)}`);
  }
}

function checkSmoothing(smoothing: string): void {
  if (!MARKOV_SMOOTHINGS.includes(smoothing as MarkovSmoothing)) {
    throw new RangeError(`Markov smoothing must be 'additive' or 'interpolated', got ${String(smoothing)}`);
  }
}

/** Count the (j+1)-mers of the training sequences for every order j = 0..order. */
export function fitMarkov(
  train: readonly string[],
  order: number,
  alpha = 1,
  smoothing: MarkovSmoothing = 'additive',
): MarkovModel {
  checkOrder(order);
  checkAlpha(alpha);
  checkSmoothing(smoothing);
  const counts = Array.from({ length: order + 1 }, (_, j) => new Float64Array(4 ** (j + 1)));
  const historyMask = 4 ** order - 1; // last `order` bases; at most 20 bits
  let trainingBases = 0;
  for (const sequence of train) {
    let history = 0;
    let run = 0; // A/C/G/T bases since the start or the last other symbol
    for (let i = 0; i < sequence.length; i++) {
      const b = baseCode(sequence.charCodeAt(i));
      if (b === 4) {
        history = 0;
        run = 0;
        continue;
      }
      const full = (history << 2) | b; // last order+1 bases (fewer when run < order)
      const top = run < order ? run : order;
      for (let j = 0; j <= top; j++) counts[j]![full & ((4 << (2 * j)) - 1)]!++;
      history = full & historyMask;
      run++;
      trainingBases++;
    }
  }
  const contextTotals = counts.map((table) => {
    const totals = new Float64Array(table.length / 4);
    for (let c = 0; c < totals.length; c++) {
      totals[c] = table[4 * c]! + table[4 * c + 1]! + table[4 * c + 2]! + table[4 * c + 3]!;
    }
    return totals;
  });
  return { order, alpha, smoothing, counts, contextTotals, trainingBases };
}

/**
 * The same counts with another order (<= the fitted one), alpha or smoothing. Shares the tables: no copy,
 * so one fit at the highest order serves every model a selection compares.
 */
export function reconfigureMarkov(
  model: MarkovModel,
  changes: { order?: number; alpha?: number; smoothing?: MarkovSmoothing },
): MarkovModel {
  const order = changes.order ?? model.order;
  checkOrder(order);
  if (order > model.order) {
    throw new RangeError(`cannot raise a Markov model's order from ${model.order} to ${order}; refit it`);
  }
  const alpha = changes.alpha ?? model.alpha;
  checkAlpha(alpha);
  const smoothing = changes.smoothing ?? model.smoothing;
  checkSmoothing(smoothing);
  return {
    order,
    alpha,
    smoothing,
    counts: model.counts.slice(0, order + 1),
    contextTotals: model.contextTotals.slice(0, order + 1),
    trainingBases: model.trainingBases,
  };
}

/** Summed negative log-likelihood (nats) of every A/C/G/T base of `sequences`, and how many were scored. */
export function markovScore(model: MarkovModel, sequences: readonly string[]): MarkovScore {
  const { order, alpha, counts, contextTotals } = model;
  const interpolated = model.smoothing === 'interpolated';
  const prior = 4 * alpha;
  const historyMask = 4 ** order - 1;
  let totalNats = 0;
  let bases = 0;
  for (const sequence of sequences) {
    let history = 0;
    let run = 0;
    for (let i = 0; i < sequence.length; i++) {
      const b = baseCode(sequence.charCodeAt(i));
      if (b === 4) {
        history = 0;
        run = 0;
        continue;
      }
      const top = run < order ? run : order; // the longest context this base has
      let p: number;
      if (interpolated) {
        p = 0.25;
        for (let j = 0; j <= top; j++) {
          const context = history & ((1 << (2 * j)) - 1);
          p = (counts[j]![(context << 2) | b]! + prior * p) / (contextTotals[j]![context]! + prior);
        }
      } else {
        const context = history & ((1 << (2 * top)) - 1);
        p = (counts[top]![(context << 2) | b]! + alpha) / (contextTotals[top]![context]! + prior);
      }
      totalNats -= Math.log(p);
      bases++;
      history = ((history << 2) | b) & historyMask;
      run++;
    }
  }
  return { totalNats, bases, bitsPerBase: bases > 0 ? bitsPerBase(totalNats, bases) : NaN };
}

/** Bits per base of `sequences` under the model (NaN when they hold no A/C/G/T base). */
export function markovBitsPerBase(model: MarkovModel, sequences: readonly string[]): number {
  return markovScore(model, sequences).bitsPerBase;
}

export interface MarkovEvaluation {
  order: number;
  smoothing: MarkovSmoothing;
  alpha: number;
  /** Validation bits per base. */
  bitsPerBase: number;
}

export interface MarkovSelectOptions {
  /** Orders to compare (default 0..10). */
  orders?: readonly number[];
  /** Alpha grid (default DEFAULT_MARKOV_ALPHAS). */
  alphas?: readonly number[];
  /** Smoothings to compare (default both). */
  smoothings?: readonly MarkovSmoothing[];
  signal?: AbortSignal;
  /** Called after each (order, smoothing, alpha) is scored on validation. */
  onProgress?: (done: number, total: number, evaluation: MarkovEvaluation) => void;
}

export interface MarkovSelection {
  /** Every (order, smoothing, alpha) scored on validation, in the order tried. */
  evaluations: MarkovEvaluation[];
  /** The best alpha of each (order, smoothing): the per-order validation table. */
  table: MarkovEvaluation[];
  /** Lowest validation bits per base (the first tried - lower order, additive, smaller alpha - on ties). */
  chosen: MarkovEvaluation;
  /** The chosen model, fitted on `train` only. */
  model: MarkovModel;
  trainingBases: number;
  validationBases: number;
}

/**
 * Choose order, smoothing and alpha by validation bits per base. Counts once at the highest order and
 * rescores the validation sequences for every combination; the returned model is trained on `train`
 * only (not refitted on train + validation), as a neural model trained on the same split would be.
 */
export function selectMarkov(
  train: readonly string[],
  validation: readonly string[],
  options: MarkovSelectOptions = {},
): MarkovSelection {
  const orders = [...(options.orders ?? Array.from({ length: MAX_MARKOV_ORDER + 1 }, (_, k) => k))];
  const alphas = [...(options.alphas ?? DEFAULT_MARKOV_ALPHAS)];
  const smoothings = [...(options.smoothings ?? MARKOV_SMOOTHINGS)];
  if (orders.length === 0 || alphas.length === 0 || smoothings.length === 0) {
    throw new RangeError('selectMarkov needs at least one order, one alpha and one smoothing');
  }
  orders.forEach(checkOrder);
  alphas.forEach(checkAlpha);
  smoothings.forEach(checkSmoothing);
  orders.sort((a, b) => a - b);
  const full = fitMarkov(train, orders[orders.length - 1]!, alphas[0]!, smoothings[0]!);
  if (full.trainingBases === 0) throw new RangeError('the training sequences hold no A/C/G/T base');
  const evaluations: MarkovEvaluation[] = [];
  const table: MarkovEvaluation[] = [];
  const total = orders.length * smoothings.length * alphas.length;
  let validationBases = 0;
  let chosen: MarkovEvaluation | undefined;
  for (const order of orders) {
    for (const smoothing of smoothings) {
      let best: MarkovEvaluation | undefined;
      for (const alpha of alphas) {
        options.signal?.throwIfAborted();
        const score = markovScore(reconfigureMarkov(full, { order, alpha, smoothing }), validation);
        if (score.bases === 0) throw new RangeError('the validation sequences hold no A/C/G/T base');
        validationBases = score.bases;
        const evaluation = { order, smoothing, alpha, bitsPerBase: score.bitsPerBase };
        evaluations.push(evaluation);
        if (!best || evaluation.bitsPerBase < best.bitsPerBase) best = evaluation;
        options.onProgress?.(evaluations.length, total, evaluation);
      }
      table.push(best!);
      if (!chosen || best!.bitsPerBase < chosen.bitsPerBase) chosen = best;
    }
  }
  const { order, alpha, smoothing } = chosen!;
  return {
    evaluations,
    table,
    chosen: chosen!,
    model: reconfigureMarkov(full, { order, alpha, smoothing }),
    trainingBases: full.trainingBases,
    validationBases,
  };
}

export interface HeldOutSplit {
  /** [0, length - 2t) */
  train: string;
  /** [length - 2t, length - t) */
  validation: string;
  /** [length - t, length), with t = floor(length * fraction) */
  test: string;
}

/**
 * Split one contig by position, without overlap: the last `fraction` of it is test, the `fraction`
 * before that validation, the rest train (t = floor(length * fraction) bases each). A model trained on
 * the train piece never sees held-out bases, and contexts do not cross the cuts because each piece is
 * scored as its own sequence. A neural model compared against the Markov baseline must use the same cuts.
 */
export function splitHeldOut(sequence: string, fraction: number): HeldOutSplit {
  if (!(fraction > 0 && fraction < 0.5)) {
    throw new RangeError(`held-out fraction must be > 0 and < 0.5, got ${String(fraction)}`);
  }
  const t = Math.floor(sequence.length * fraction);
  const cut = sequence.length - 2 * t;
  return {
    train: sequence.slice(0, cut),
    validation: sequence.slice(cut, cut + t),
    test: sequence.slice(cut + t),
  };
}
