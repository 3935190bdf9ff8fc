/**
 * Adaptive mixture of Markov models: the compressor-style language model of the best DNA compressors
 * (XM, GeCo, cmix), the strongest classical baseline for bits per base.
 *
 * Components. Interpolated Markov estimators (markov.ts 'interpolated', one alpha) at several top orders,
 * default [1, 2, 3, 4, 6, 8, 10, 11, 12, 14, 16], all reading the same count tables (orders 0..16).
 *
 * Mixture. P(b) = sum_i w_i p_i(b). After each base b is read, w_i <- w_i^gamma p_i(b), renormalised
 * (GeCo's rule): the weights track which order has been predicting well lately, and gamma in (0, 1]
 * forgets old evidence (gamma = 1 is Bayesian model averaging, which forgets nothing). Weights start
 * uniform at each sequence start and after a run of non-A/C/G/T symbols. They are kept as log weights,
 * log w_i <- gamma log w_i + ln p_i(b), so a component that predicted badly for a long stretch never
 * underflows to a weight of exactly 0 and can come back.
 *
 * Adaptive counts. After a base is scored (whether or not the `scored` mask counts it) it is added to
 * every order's counts, so a repeat is predicted from its earlier copy in the same sequence; with
 * reverseComplement also the reverse strand's count at that point (GeCo's "inverted repeats": on the
 * other strand comp(x[p-k]) follows revcomp(x[p-k+1..p])), so a reverse-complemented copy is predicted
 * too. Strictly sequential: base p is predicted from the training counts and bases < p only. A `scored`
 * mask only chooses which bases' nats are summed: the weights and counts move on every base, so a masked
 * score sums the same per-base terms as an unmasked one, at the chosen bases only.
 *
 * Scoring leaves the fitted tables as they were: the increments are undone by walking the scored bases
 * again with -1, so one fitted model scores validation for several settings. Measured at E. coli size
 * (490 kb validation, orders 0-16, both strands) the undo walk takes 1.0-1.3 s, a copy of the 725 MiB of
 * tables 1.4-3.5 s, and the copy would double peak memory; on short sequences the walk costs next to
 * nothing while a copy costs the same. Every (alpha, gamma) of a call is scored in the same pass: the
 * counts are read once per base, and only the estimates and the weights are per setting.
 */
import {
  checkAlpha,
  checkOrder,
  countSequences,
  fitMarkov,
  interpolatedChain,
  MarkovCounter,
  readCounts,
  runScorer,
  MAX_MARKOV_ORDER,
  type MarkovModel,
  type MarkovScore,
  type ScoreOptions,
  type SequentialScorer,
} from './markov.js';

export const DEFAULT_MIXTURE_ORDERS: readonly number[] = [1, 2, 3, 4, 6, 8, 10, 11, 12, 14, 16];
export const DEFAULT_MIXTURE_ALPHAS: readonly number[] = [0.03, 0.1, 0.3, 1, 3, 10];
/** fitMixture's defaults: the choice on E. coli 536 validation (80/10/10 split). */
export const DEFAULT_MIXTURE_ALPHA = 1;
export const DEFAULT_MIXTURE_GAMMA = 0.99;
export const DEFAULT_MIXTURE_GAMMAS: readonly number[] = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1];

export interface MixtureModel {
  /** Component orders, ascending, distinct (0..16). */
  orders: number[];
  /** Pseudo-count of the interpolated estimator (> 0). */
  alpha: number;
  /** Forgetting factor of the weights, in (0, 1]. */
  gamma: number;
  /** Whether the training counts and the adaptive counts include the reverse strand. */
  reverseComplement: boolean;
  /** Count tables of orders 0..max(orders), laid out as markov.ts's (shared, never changed by scoring). */
  counts: Uint32Array[];
  /** A/C/G/T bases counted in training (both strands with reverseComplement). */
  trainingBases: number;
}

export interface MixtureFitOptions {
  /** Component orders (default DEFAULT_MIXTURE_ORDERS). */
  orders?: readonly number[];
  /** Default 1 (E. coli's validation choice, with gamma 0.99). */
  alpha?: number;
  /** Default 0.99. */
  gamma?: number;
  /** Count the reverse strand, in training and while scoring (default false). */
  reverseComplement?: boolean;
}

export interface MixtureScoreOptions extends ScoreOptions {
  /** Forgetting factor (default the model's). */
  gamma?: number;
}

export interface MixtureGridOptions extends ScoreOptions {
  /** Alphas to score (default [model.alpha]). */
  alphas?: readonly number[];
  /** Gammas to score (default [model.gamma]). */
  gammas?: readonly number[];
  signal?: AbortSignal;
}

export interface MixtureGridScore {
  alpha: number;
  gamma: number;
  score: MarkovScore;
}

// ---------------------------------------------------------------- validation

function checkGamma(gamma: number): void {
  if (!(gamma > 0 && gamma <= 1)) {
    throw new RangeError(`mixture gamma (forgetting factor) must be in (0, 1], got ${String(gamma)}`);
  }
}

/** Sorted distinct component orders; throws on an empty list or an order outside 0..16. */
function normaliseOrders(orders: readonly number[]): number[] {
  if (orders.length === 0) throw new RangeError('a Markov mixture needs at least one component order');
  orders.forEach(checkOrder);
  return [...new Set(orders)].sort((a, b) => a - b);
}

function nonEmpty(name: string, values: readonly number[], check: (value: number) => void): number[] {
  if (values.length === 0) throw new RangeError(`selectMixture needs at least one ${name}`);
  values.forEach(check);
  return [...values];
}

// ---------------------------------------------------------------- model

/**
 * A mixture over the tables of a fitted Markov model (shared, not copied). The model's order must reach
 * the highest component order; its reverseComplement setting carries over.
 */
export function mixtureFromMarkov(
  markov: MarkovModel,
  options: Omit<MixtureFitOptions, 'reverseComplement'> = {},
): MixtureModel {
  const orders = normaliseOrders(options.orders ?? DEFAULT_MIXTURE_ORDERS);
  const top = orders[orders.length - 1]!;
  if (top > markov.order) {
    throw new RangeError(`mixture order ${top} exceeds the Markov model's order ${markov.order}; refit it`);
  }
  const alpha = options.alpha ?? markov.alpha;
  checkAlpha(alpha);
  const gamma = options.gamma ?? DEFAULT_MIXTURE_GAMMA;
  checkGamma(gamma);
  return {
    orders,
    alpha,
    gamma,
    reverseComplement: markov.reverseComplement,
    counts: markov.counts.slice(0, top + 1),
    trainingBases: markov.trainingBases,
  };
}

/** Count the training sequences at orders 0..max(orders) (both strands with reverseComplement). */
export function fitMixture(train: readonly string[], options: MixtureFitOptions = {}): MixtureModel {
  const orders = normaliseOrders(options.orders ?? DEFAULT_MIXTURE_ORDERS);
  const alpha = options.alpha ?? DEFAULT_MIXTURE_ALPHA;
  checkAlpha(alpha);
  const markov = fitMarkov(train, orders[orders.length - 1]!, alpha, 'interpolated', {
    reverseComplement: options.reverseComplement ?? false,
  });
  return mixtureFromMarkov(markov, { orders, alpha, gamma: options.gamma });
}

// ---------------------------------------------------------------- scoring

/**
 * The mixture under every (alpha, gamma) of a grid at once; lane a * gammas + g. Counts are read once per
 * base, then per alpha the components' estimates, per lane the weights.
 */
class MixtureScorer implements SequentialScorer {
  readonly lanes: number;
  /** A/C/G/T bases added to the counts so far (what the undo walk must take back). */
  learned = 0;
  private readonly counter: MarkovCounter;
  private readonly hits = new Float64Array(MAX_MARKOV_ORDER + 1);
  private readonly totals = new Float64Array(MAX_MARKOV_ORDER + 1);
  private readonly chain = new Float64Array(MAX_MARKOV_ORDER + 1);
  /** p[i], ln p[i]: component i's probability of the current base under the current alpha. */
  private readonly p: Float64Array;
  private readonly logP: Float64Array;
  /** logWeights[lane * components + i], unnormalised (shifted so each lane's largest is <= 0). */
  private readonly logWeights: Float64Array;

  constructor(
    private readonly model: MixtureModel,
    private readonly alphas: readonly number[],
    private readonly gammas: readonly number[],
  ) {
    const components = model.orders.length;
    const top = model.orders[components - 1]!;
    this.counter = new MarkovCounter(model.counts, top, model.reverseComplement);
    this.lanes = alphas.length * gammas.length;
    this.p = new Float64Array(components);
    this.logP = new Float64Array(components);
    this.logWeights = new Float64Array(this.lanes * components);
  }

  start(): void {
    this.counter.gap();
    this.logWeights.fill(0);
  }

  gap(): void {
    if (this.counter.atGap) return; // already reset: the rest of an N run
    this.start();
  }

  base(b: number, scored: boolean, nats: Float64Array): void {
    const { counter, hits, totals, chain, p, logP, alphas } = this;
    const orders = this.model.orders;
    const top = counter.locate();
    readCounts(this.model.counts, counter.offsets, b, top, hits, totals);
    for (let a = 0; a < alphas.length; a++) {
      interpolatedChain(hits, totals, top, 4 * alphas[a]!, chain);
      for (let i = 0; i < orders.length; i++) {
        const pi = chain[orders[i]! < top ? orders[i]! : top]!;
        p[i] = pi;
        logP[i] = Math.log(pi);
      }
      this.mix(a, scored, nats);
    }
    counter.count(b, 1);
    this.learned++;
  }

  /** For each gamma of alpha a: add -ln sum_i w_i p_i to its lane (when scored), then update the weights. */
  private mix(a: number, scored: boolean, nats: Float64Array): void {
    const { p, logP, logWeights, gammas } = this;
    const components = p.length;
    for (let g = 0; g < gammas.length; g++) {
      const lane = a * gammas.length + g;
      const w = lane * components;
      let max = -Infinity;
      for (let i = 0; i < components; i++) if (logWeights[w + i]! > max) max = logWeights[w + i]!;
      let sum = 0;
      let mixed = 0;
      for (let i = 0; i < components; i++) {
        const weight = Math.exp(logWeights[w + i]! - max);
        sum += weight;
        mixed += weight * p[i]!;
      }
      if (scored) nats[lane]! -= Math.log(mixed / sum);
      // w_i^gamma p_i up to a common factor (which renormalisation removes): shift by max to stay bounded
      const gamma = gammas[g]!;
      for (let i = 0; i < components; i++) logWeights[w + i] = gamma * (logWeights[w + i]! - max) + logP[i]!;
    }
  }
}

/**
 * Score `sequences` under every (alpha, gamma) of the grid in one pass (alpha-major order). The model's
 * tables are the same after the call as before (also when it throws).
 */
export function mixtureScores(
  model: MixtureModel,
  sequences: readonly string[],
  options: MixtureGridOptions = {},
): MixtureGridScore[] {
  const alphas = [...(options.alphas ?? [model.alpha])];
  const gammas = [...(options.gammas ?? [model.gamma])];
  alphas.forEach(checkAlpha);
  gammas.forEach(checkGamma);
  if (alphas.length === 0 || gammas.length === 0) {
    throw new RangeError('mixtureScores needs at least one alpha and one gamma');
  }
  const scorer = new MixtureScorer(model, alphas, gammas);
  let scores: MarkovScore[];
  try {
    scores = runScorer(scorer, sequences, options, options.signal);
  } finally {
    // Take back exactly the bases the scorer added, by walking them again.
    const top = model.orders[model.orders.length - 1]!;
    const undo = new MarkovCounter(model.counts, top, model.reverseComplement);
    countSequences(undo, sequences, -1, scorer.learned);
  }
  return scores.map((score, lane) => ({
    alpha: alphas[Math.floor(lane / gammas.length)]!,
    gamma: gammas[lane % gammas.length]!,
    score,
  }));
}

/** Nats, bases and bits per base of the scored bases (and blocks) under the model (with options.gamma). */
export function mixtureScore(
  model: MixtureModel,
  sequences: readonly string[],
  options: MixtureScoreOptions = {},
): MarkovScore {
  const { gamma, ...rest } = options;
  return mixtureScores(model, sequences, { ...rest, gammas: [gamma ?? model.gamma] })[0]!.score;
}

// ---------------------------------------------------------------- selection

export interface MixtureEvaluation {
  alpha: number;
  gamma: number;
  /** Validation bits per base. */
  bitsPerBase: number;
}

export interface MixtureSelectOptions {
  /** Component orders (default DEFAULT_MIXTURE_ORDERS). */
  orders?: readonly number[];
  /** Default DEFAULT_MIXTURE_ALPHAS. */
  alphas?: readonly number[];
  /** Default DEFAULT_MIXTURE_GAMMAS. */
  gammas?: readonly number[];
  /** Count the reverse strand in training and while scoring (default false). */
  reverseComplement?: boolean;
  signal?: AbortSignal;
  /** Called for each (alpha, gamma) in the order of `evaluations`, after the one validation pass. */
  onProgress?: (done: number, total: number, evaluation: MixtureEvaluation) => void;
}

export interface MixtureSelection {
  /** Every (alpha, gamma) scored on validation, alpha-major. */
  evaluations: MixtureEvaluation[];
  /** Lowest validation bits per base (the first in `evaluations` on ties). */
  chosen: MixtureEvaluation & { orders: number[] };
  /** Fitted on `train` only, with the chosen alpha and gamma. */
  model: MixtureModel;
  trainingBases: number;
  validationBases: number;
}

/**
 * Choose alpha and gamma by validation bits per base. Counts `train` once (alpha only enters the
 * estimates, so no refit per alpha) and scores the whole grid in one pass over the validation sequences.
 */
export function selectMixture(
  train: readonly string[],
  validation: readonly string[],
  options: MixtureSelectOptions = {},
): MixtureSelection {
  const orders = normaliseOrders(options.orders ?? DEFAULT_MIXTURE_ORDERS);
  const alphas = nonEmpty('alpha', options.alphas ?? DEFAULT_MIXTURE_ALPHAS, checkAlpha);
  const gammas = nonEmpty('gamma', options.gammas ?? DEFAULT_MIXTURE_GAMMAS, checkGamma);
  options.signal?.throwIfAborted();
  const fitted = fitMixture(train, {
    orders,
    alpha: alphas[0]!,
    reverseComplement: options.reverseComplement,
  });
  if (fitted.trainingBases === 0) throw new RangeError('the training sequences hold no A/C/G/T base');
  const grid = mixtureScores(fitted, validation, { alphas, gammas, signal: options.signal });
  const validationBases = grid[0]!.score.bases;
  if (validationBases === 0) throw new RangeError('the validation sequences hold no A/C/G/T base');
  const evaluations = grid.map(({ alpha, gamma, score }) => ({
    alpha,
    gamma,
    bitsPerBase: score.bitsPerBase,
  }));
  let chosen = evaluations[0]!;
  evaluations.forEach((evaluation, i) => {
    if (evaluation.bitsPerBase < chosen.bitsPerBase) chosen = evaluation;
    options.onProgress?.(i + 1, evaluations.length, evaluation);
  });
  return {
    evaluations,
    chosen: { ...chosen, orders },
    model: { ...fitted, alpha: chosen.alpha, gamma: chosen.gamma },
    trainingBases: fitted.trainingBases,
    validationBases,
  };
}
