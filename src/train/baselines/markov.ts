/**
 * Order-k Markov model over A/C/G/T: the language-model baseline every Locus bits-per-base claim is
 * compared against.
 *
 * What is scored. By default every A/C/G/T base (either case; soft-masked lowercase counts) of every
 * held-out sequence is scored, and nothing else: N and other IUPAC codes are skipped and break the
 * context. A `scored` mask narrows that to chosen bases; the others still serve as context. A base whose
 * preceding k bases are all A/C/G/T is scored with the order-k context. A base with fewer A/C/G/T bases
 * before it (the first k bases of a sequence, or the first k after an N) backs off to the longest context
 * it has (order 0 at a sequence start). So every order scores *the same bases*, and the bits per base of
 * different orders (and of a neural model scoring the same bases) compare directly. Training counts
 * follow the same rule: each A/C/G/T base adds one count to the table of every order up to its available
 * context.
 *
 * Both strands. With `reverseComplement` the training counts also hold every sequence's reverse
 * complement (A<->T, C<->G), as if it were a second training sequence: a genome's two strands carry the
 * same statistics mirrored, so this doubles the data the long contexts are estimated from.
 * `trainingBases` then counts both strands (twice the A/C/G/T bases of `train`).
 *
 * Smoothing. Both estimators have one parameter alpha > 0, chosen on validation data:
 * - 'additive': p(b | c) = (n(c, b) + alpha) / (n(c) + 4 alpha), i.e. a uniform Dirichlet prior.
 * - 'interpolated': the prior is the next-lower order's estimate instead of uniform,
 *   p_j(b | c) = (n(c, b) + 4 alpha p_{j-1}(b | c')) / (n(c) + 4 alpha), where c' drops the oldest base of
 *   c and p_{-1} = 1/4 (a hierarchical Dirichlet / interpolated estimator in the spirit of PPM and
 *   Witten-Bell). Unseen long contexts fall back smoothly on shorter ones, so high orders stop
 *   over-fitting; order 0 is the same under both.
 *
 * Tables. `counts[j]` (order j, i.e. j context bases) holds four Uint32 counts per context slot, at
 * `slot * 4 + base` (A=0, C=1, G=2, T=3); a context is coded 2 bits per base, oldest base most
 * significant, and n(c) is the sum of its slot's four counts. There is no separate totals table: the four
 * counts share a cache line, and summing them measured faster than a second random read (reading
 * orders 0-16 at every E. coli validation base: 0.73-0.82 s against 1.20-1.47 s). Orders up to DENSE_MAX_ORDER = 11 (4^11 = 2^22
 * contexts) use the context code as the slot: exact counts, 4^(j+1) entries (order 11: 64 MiB, orders
 * 0-11 together 85 MiB). Orders 12 to 16 would need up to 2^32 contexts (64 GiB at order 16), so each
 * hashes its context code (multiply-shift, with a multiplier per order) into 2^HASH_SLOT_BITS = 2^23 slots
 * (128 MiB per order; 725 MiB for orders 0-16, allocated lazily by the OS as slots are touched).
 * The trade-off: contexts that share a slot pool their counts, so a context never seen in training can
 * inherit a stranger's counts. A training set of n bases has up to n distinct contexts per order (2n with
 * both strands): E. coli's 3.9 Mb training part puts about 0.9 contexts per slot with both strands. The
 * interpolated estimator limits the damage (a slot's few counts weigh against 4 alpha times the lower
 * orders' estimate, and validation picks alpha). Measured on E. coli 536 (80/10/10 split, both strands),
 * 2^23 against 2^22 slots: the static order-16 model 1.8937 against 1.8967 validation bits per base (the
 * same 1.9464 on test); the adaptive mixture (markov-mixture.ts) 1.8268 against 1.8386 validation and
 * 1.9107 against 1.9137 test; peak memory 0.81 against 0.48 GB, the same speed. A stronger hash
 * (a full splitmix32 finaliser) changed nothing (at most 0.0005 bits), so collisions come from the
 * load, not the hash. A count saturates at 2^32 - 1 per (context, base): far above any training set held
 * in JavaScript strings.
 */
import { bitsPerBase } from '../metrics.js';
import { BASE_CODE } from '../../tokenize/vocab.js';

export type MarkovSmoothing = 'additive' | 'interpolated';

export const MAX_MARKOV_ORDER = 16;
/** The highest order whose table is indexed by the context itself; higher orders hash. */
export const DENSE_MAX_ORDER = 11;
/** log2 of the context slots of each hashed order's table. */
export const HASH_SLOT_BITS = 23;
export const MARKOV_SMOOTHINGS: readonly MarkovSmoothing[] = ['additive', 'interpolated'];
/** Default alpha grid for selection: half-decades from 0.001 to 1000. */
export const DEFAULT_MARKOV_ALPHAS: readonly number[] = [
  0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000,
];

export interface MarkovModel {
  /** Context length k (0..16). */
  order: number;
  /** Pseudo-count per base (> 0). */
  alpha: number;
  smoothing: MarkovSmoothing;
  /** counts[j][slot * 4 + base] for j = 0..order (see the file comment); read slots with contextOffsets. */
  counts: Uint32Array[];
  /** A/C/G/T bases counted in training (both strands with reverseComplement). */
  trainingBases: number;
  /** Whether the counts include the reverse complement of every training sequence. */
  reverseComplement: boolean;
}

export interface MarkovFitOptions {
  /** Also count each training sequence's reverse complement (default false). */
  reverseComplement?: boolean;
}

/** The sums over one block of positions [start, end) of one sequence. */
export interface ScoreBlock {
  /** Index of the sequence in the scored list. */
  sequence: number;
  start: number;
  end: number;
  /** Bases scored in the block. */
  bases: number;
  /** -sum ln p over them. */
  nats: number;
}

export interface MarkovScore {
  /** -sum ln p over the scored bases. */
  totalNats: number;
  /** Bases scored. */
  bases: number;
  /** NaN when no base was scored. */
  bitsPerBase: number;
  /** Per-block sums, every block of every sequence in order, when `blockSize` was given. */
  blocks?: ScoreBlock[];
}

export interface ScoreOptions {
  /**
   * Per sequence, which bases are scored: scored[i][p] === 1 scores base p of sequence i, 0 leaves it out
   * (it still serves as context). An undefined mask (or no `scored`) scores every A/C/G/T base.
   */
  scored?: readonly (Uint8Array | undefined)[];
  /** Also report per-block sums over positions [b * blockSize, (b + 1) * blockSize) of each sequence. */
  blockSize?: number;
}

const baseCode = (c: number): number => (c < 128 ? BASE_CODE[c]! : 4);

// ---------------------------------------------------------------- validation

export function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_MARKOV_ORDER) {
    throw new RangeError(
      `Markov order must be an integer from 0 to ${MAX_MARKOV_ORDER}, got ${String(order)}`,
    );
  }
}

export function checkAlpha(alpha: number): void {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`Markov smoothing alpha must be a finite number > 0, got ${String(alpha)}`);
  }
}

function checkSmoothing(smoothing: string): void {
  if (!MARKOV_SMOOTHINGS.includes(smoothing as MarkovSmoothing)) {
    throw new RangeError(`Markov smoothing must be 'additive' or 'interpolated', got ${String(smoothing)}`);
  }
}

/** Throws unless `scored` (when given) has one mask per sequence, of its length, marking only A/C/G/T. */
function checkScoreOptions(sequences: readonly string[], options: ScoreOptions): void {
  const { scored, blockSize } = options;
  if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize > 0)) {
    throw new RangeError(`blockSize must be an integer > 0, got ${String(blockSize)}`);
  }
  if (scored === undefined) return;
  if (scored.length !== sequences.length) {
    throw new TypeError(`scored has ${scored.length} masks for ${sequences.length} sequences`);
  }
  for (let i = 0; i < scored.length; i++) {
    const mask = scored[i];
    if (mask === undefined) continue;
    const sequence = sequences[i]!;
    if (mask.length !== sequence.length) {
      throw new TypeError(`scored[${i}] has length ${mask.length}, but sequence ${i} has ${sequence.length}`);
    }
    for (let p = 0; p < mask.length; p++) {
      const m = mask[p]!;
      if (m > 1) throw new TypeError(`scored[${i}][${p}] is ${m}; a mask holds 0 (not scored) or 1`);
      if (m === 1 && baseCode(sequence.charCodeAt(p)) === 4) {
        throw new TypeError(
          `scored[${i}][${p}] marks "${sequence[p]}" as scored, but only A/C/G/T bases can be scored`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------- count tables

/** CONTEXT_MASK[j] keeps the last j bases of a 2-bit history; 1 << 32 === 1 in JS, so order 16 is -1. */
const CONTEXT_MASK = Int32Array.from({ length: MAX_MARKOV_ORDER + 1 }, (_, j) =>
  j === 16 ? -1 : (1 << (2 * j)) - 1,
);
/** A context of j bases sits in the top 2j bits of a 32-bit reverse-complement register. */
const REVERSE_SHIFT = Int32Array.from({ length: MAX_MARKOV_ORDER + 1 }, (_, j) => (j === 0 ? 0 : 32 - 2 * j));
/** One odd multiplier per hashed order (the order mixed into the hash), from a splitmix32 finaliser. */
const HASH_MULTIPLIER = Int32Array.from({ length: MAX_MARKOV_ORDER + 1 }, (_, j) => {
  let z = Math.imul(j + 1, 0x9e3779b9);
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) | 1;
});
const HASH_SHIFT = 32 - HASH_SLOT_BITS;

/** Empty count tables for orders 0..order. */
export function allocateCounts(order: number): Uint32Array[] {
  checkOrder(order);
  return Array.from(
    { length: order + 1 },
    (_, j) => new Uint32Array(j <= DENSE_MAX_ORDER ? 4 ** (j + 1) : 4 << HASH_SLOT_BITS),
  );
}

/** Index of the first of the four counts of the order-j (j > DENSE_MAX_ORDER) context `context`. */
function hashedOffset(context: number, j: number): number {
  return (Math.imul(context, HASH_MULTIPLIER[j]!) >>> HASH_SHIFT) << 2;
}

/**
 * offsets[j] = index in counts[j] of the first of the four counts of the order-j context that ends
 * `history` (its last j bases; history holds up to 16 bases, newest in the lowest 2 bits), j = 0..top.
 */
export function contextOffsets(history: number, top: number, offsets: Int32Array): void {
  const dense = top < DENSE_MAX_ORDER ? top : DENSE_MAX_ORDER;
  for (let j = 0; j <= dense; j++) offsets[j] = (history & CONTEXT_MASK[j]!) << 2;
  for (let j = DENSE_MAX_ORDER + 1; j <= top; j++) offsets[j] = hashedOffset(history & CONTEXT_MASK[j]!, j);
}

/**
 * The reverse strand's counts at base p = x[p], j = 0..top: read on the other strand, base comp(x[p-j])
 * follows the context revcomp(x[p-j+1..p]). `reverse` is revcomp of the last 16 bases up to and including
 * x[p] (comp(x[p]) in the top 2 bits), `history` the 16 bases before x[p]. indices[j] = count index.
 */
function reverseIndices(reverse: number, history: number, b: number, top: number, indices: Int32Array): void {
  indices[0] = 3 - b;
  const dense = top < DENSE_MAX_ORDER ? top : DENSE_MAX_ORDER;
  for (let j = 1; j <= dense; j++) {
    const base = 3 - ((history >>> (2 * j - 2)) & 3); // comp(x[p-j])
    indices[j] = ((reverse >>> REVERSE_SHIFT[j]!) << 2) | base;
  }
  for (let j = DENSE_MAX_ORDER + 1; j <= top; j++) {
    const base = 3 - ((history >>> (2 * j - 2)) & 3);
    indices[j] = hashedOffset(reverse >>> REVERSE_SHIFT[j]!, j) | base;
  }
}

/**
 * Reads a sequence base by base against count tables: where each base's contexts sit (`locate`), and
 * optionally adds the base to the counts of every order (`count`, both strands when asked). The fit, the
 * static scorer and the adaptive mixture all walk sequences with it, so they agree on contexts exactly.
 */
export class MarkovCounter {
  /** offsets[j]: see contextOffsets; valid for j = 0..top after `locate`. */
  readonly offsets = new Int32Array(MAX_MARKOV_ORDER + 1);
  /** The context length the current base has: min(A/C/G/T run before it, order). */
  top = 0;
  private readonly reverseIndex = new Int32Array(MAX_MARKOV_ORDER + 1);
  private history = 0; // the last 16 bases read, newest in the lowest 2 bits (int32)
  private reverse = 0; // their reverse complement: complement of the newest in the top 2 bits
  private run = 0; // A/C/G/T bases read since the sequence start or the last other symbol

  constructor(
    private readonly counts: Uint32Array[],
    /** Highest order read or counted (<= counts.length - 1). */
    readonly order: number,
    /** Whether `count` also adds the reverse strand's counts. */
    readonly bothStrands: boolean,
  ) {}

  /** A sequence start or a non-A/C/G/T symbol: the next base has no context. */
  gap(): void {
    this.history = 0;
    this.reverse = 0;
    this.run = 0;
  }

  /** True right after `gap` (nothing read since). */
  get atGap(): boolean {
    return this.run === 0;
  }

  /** Find the next base's contexts (orders 0..top); returns top. */
  locate(): number {
    const top = this.run < this.order ? this.run : this.order;
    this.top = top;
    contextOffsets(this.history, top, this.offsets);
    return top;
  }

  /** Add `delta` (+1 or -1) to the count of base b in every located context (both strands), then read b. */
  count(b: number, delta: number): void {
    const { counts, offsets, top } = this;
    for (let j = 0; j <= top; j++) counts[j]![offsets[j]! + b]! += delta;
    if (this.bothStrands) {
      const reverse = (this.reverse >>> 2) | ((3 - b) << 30);
      reverseIndices(reverse, this.history, b, top, this.reverseIndex);
      const indices = this.reverseIndex;
      for (let j = 0; j <= top; j++) counts[j]![indices[j]!]! += delta;
    }
    this.advance(b);
  }

  /** Read base b without counting it. */
  advance(b: number): void {
    this.history = (this.history << 2) | b;
    this.reverse = (this.reverse >>> 2) | ((3 - b) << 30);
    this.run++;
  }
}

/**
 * Count the A/C/G/T bases of `sequences` (at most `limit` of them, from the start) into the counter's
 * tables with `delta` per base; returns how many bases were counted (one strand).
 */
export function countSequences(
  counter: MarkovCounter,
  sequences: readonly string[],
  delta: number,
  limit = Infinity,
): number {
  let counted = 0;
  for (const sequence of sequences) {
    counter.gap();
    for (let i = 0; i < sequence.length; i++) {
      const b = baseCode(sequence.charCodeAt(i));
      if (b === 4) {
        counter.gap();
        continue;
      }
      if (counted >= limit) return counted;
      counter.locate();
      counter.count(b, delta);
      counted++;
    }
  }
  return counted;
}

/** hits[j] = n(c_j, b) and totals[j] = n(c_j) of the located contexts c_j, j = 0..top. */
export function readCounts(
  counts: Uint32Array[],
  offsets: Int32Array,
  b: number,
  top: number,
  hits: Float64Array,
  totals: Float64Array,
): void {
  for (let j = 0; j <= top; j++) {
    const table = counts[j]!;
    const o = offsets[j]!;
    hits[j] = table[o + b]!;
    totals[j] = table[o]! + table[o + 1]! + table[o + 2]! + table[o + 3]!;
  }
}

/** The interpolated estimates p_j(b) of orders j = 0..top into out[j] (prior = 4 alpha). */
export function interpolatedChain(
  hits: Float64Array,
  totals: Float64Array,
  top: number,
  prior: number,
  out: Float64Array,
  outOffset = 0,
): void {
  let p = 0.25;
  for (let j = 0; j <= top; j++) {
    p = (hits[j]! + prior * p) / (totals[j]! + prior);
    out[outOffset + j] = p;
  }
}

// ---------------------------------------------------------------- fitting

/** Count the (j+1)-mers of the training sequences for every order j = 0..order. */
export function fitMarkov(
  train: readonly string[],
  order: number,
  alpha = 1,
  smoothing: MarkovSmoothing = 'additive',
  options: MarkovFitOptions = {},
): MarkovModel {
  checkOrder(order);
  checkAlpha(alpha);
  checkSmoothing(smoothing);
  const reverseComplement = options.reverseComplement ?? false;
  const counts = allocateCounts(order);
  const counted = countSequences(new MarkovCounter(counts, order, reverseComplement), train, 1);
  const trainingBases = reverseComplement ? 2 * counted : counted;
  return { order, alpha, smoothing, counts, trainingBases, reverseComplement };
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
  return { ...model, order, alpha, smoothing, counts: model.counts.slice(0, order + 1) };
}

// ---------------------------------------------------------------- scoring

/**
 * A left-to-right scorer, fed every symbol of every sequence in order. It may compute several results
 * at once ("lanes": one per model setting), all over the same bases.
 */
export interface SequentialScorer {
  readonly lanes: number;
  /** A new sequence starts. */
  start(): void;
  /** A symbol other than A/C/G/T: it breaks the context. */
  gap(): void;
  /** Base b (0..3): when `scored`, add -ln p(b) of each lane to nats[lane]; then read past b. */
  base(b: number, scored: boolean, nats: Float64Array): void;
}

/**
 * Feed `sequences` to `scorer` and sum its nats per lane (and per block with `blockSize`). Totals are the
 * sums of the blocks, added in order. Checks `signal` every 65,536 symbols.
 */
export function runScorer(
  scorer: SequentialScorer,
  sequences: readonly string[],
  options: ScoreOptions = {},
  signal?: AbortSignal,
): MarkovScore[] {
  checkScoreOptions(sequences, options);
  signal?.throwIfAborted();
  const { lanes } = scorer;
  const recordBlocks = options.blockSize !== undefined;
  const step = options.blockSize ?? Infinity;
  const totals = new Float64Array(lanes);
  const blockNats = recordBlocks ? new Float64Array(lanes) : totals;
  const blocks: ScoreBlock[][] = Array.from({ length: lanes }, () => []);
  let bases = 0;
  let symbols = 0;
  for (let s = 0; s < sequences.length; s++) {
    const sequence = sequences[s]!;
    const mask = options.scored?.[s];
    scorer.start();
    for (let start = 0; start < sequence.length; start += step) {
      const end = Math.min(sequence.length, start + step);
      if (recordBlocks) blockNats.fill(0);
      let blockBases = 0;
      for (let p = start; p < end; p++) {
        if ((++symbols & 0xffff) === 0) signal?.throwIfAborted();
        const b = baseCode(sequence.charCodeAt(p));
        if (b === 4) {
          scorer.gap();
          continue;
        }
        const scored = mask === undefined || mask[p] === 1;
        if (scored) blockBases++;
        scorer.base(b, scored, blockNats);
      }
      bases += blockBases;
      if (!recordBlocks) continue;
      for (let lane = 0; lane < lanes; lane++) {
        blocks[lane]!.push({ sequence: s, start, end, bases: blockBases, nats: blockNats[lane]! });
        totals[lane]! += blockNats[lane]!;
      }
    }
  }
  return Array.from({ length: lanes }, (_, lane) => {
    const totalNats = totals[lane]!;
    const score: MarkovScore = {
      totalNats,
      bases,
      bitsPerBase: bases > 0 ? bitsPerBase(totalNats, bases) : NaN,
    };
    if (recordBlocks) score.blocks = blocks[lane]!;
    return score;
  });
}

/**
 * Static Markov models over a grid of (order, smoothing, alpha), scored in one pass: each base's counts
 * are read once at every order, then every setting's estimate is computed from them. Lane
 * (o * smoothings + s) * alphas + a holds orders[o], smoothings[s], alphas[a].
 */
class MarkovGridScorer implements SequentialScorer {
  readonly lanes: number;
  private readonly counter: MarkovCounter;
  private readonly counts: Uint32Array[];
  private readonly hits = new Float64Array(MAX_MARKOV_ORDER + 1);
  private readonly totals = new Float64Array(MAX_MARKOV_ORDER + 1);
  /** chains[a * 17 + j]: interpolated p_j(b) under alphas[a]. */
  private readonly chains: Float64Array;
  private readonly interpolated: boolean;

  constructor(
    model: MarkovModel,
    private readonly orders: readonly number[],
    private readonly smoothings: readonly MarkovSmoothing[],
    private readonly alphas: readonly number[],
  ) {
    const order = Math.max(...orders);
    this.counts = model.counts;
    this.counter = new MarkovCounter(model.counts, order, false);
    this.lanes = orders.length * smoothings.length * alphas.length;
    this.chains = new Float64Array(alphas.length * (MAX_MARKOV_ORDER + 1));
    this.interpolated = smoothings.includes('interpolated');
  }

  start(): void {
    this.counter.gap();
  }

  gap(): void {
    this.counter.gap();
  }

  base(b: number, scored: boolean, nats: Float64Array): void {
    const { counter, hits, totals, chains, alphas, orders, smoothings } = this;
    if (!scored) {
      counter.advance(b);
      return;
    }
    const top = counter.locate();
    readCounts(this.counts, counter.offsets, b, top, hits, totals);
    const stride = MAX_MARKOV_ORDER + 1;
    if (this.interpolated) {
      for (let a = 0; a < alphas.length; a++)
        interpolatedChain(hits, totals, top, 4 * alphas[a]!, chains, a * stride);
    }
    let lane = 0;
    for (let o = 0; o < orders.length; o++) {
      const level = orders[o]! < top ? orders[o]! : top;
      for (let s = 0; s < smoothings.length; s++) {
        if (smoothings[s] === 'additive') {
          const n = hits[level]!;
          const total = totals[level]!;
          for (let a = 0; a < alphas.length; a++) {
            const alpha = alphas[a]!;
            nats[lane++]! -= Math.log((n + alpha) / (total + 4 * alpha));
          }
        } else {
          for (let a = 0; a < alphas.length; a++) nats[lane++]! -= Math.log(chains[a * stride + level]!);
        }
      }
    }
    counter.advance(b);
  }
}

/**
 * Summed negative log-likelihood (nats) of the scored bases of `sequences` (every A/C/G/T base unless
 * `options.scored` says otherwise), how many were scored, and per-block sums with `options.blockSize`.
 */
export function markovScore(
  model: MarkovModel,
  sequences: readonly string[],
  options: ScoreOptions = {},
): MarkovScore {
  const scorer = new MarkovGridScorer(model, [model.order], [model.smoothing], [model.alpha]);
  return runScorer(scorer, sequences, options)[0]!;
}

/** Bits per base of `sequences` under the model (NaN when they hold no A/C/G/T base). */
export function markovBitsPerBase(model: MarkovModel, sequences: readonly string[]): number {
  return markovScore(model, sequences).bitsPerBase;
}

// ---------------------------------------------------------------- selection

export interface MarkovEvaluation {
  order: number;
  smoothing: MarkovSmoothing;
  alpha: number;
  /** Validation bits per base. */
  bitsPerBase: number;
}

export interface MarkovSelectOptions {
  /** Orders to compare (default 0..16). */
  orders?: readonly number[];
  /** Alpha grid (default DEFAULT_MARKOV_ALPHAS). */
  alphas?: readonly number[];
  /** Smoothings to compare (default both). */
  smoothings?: readonly MarkovSmoothing[];
  /** Also count the reverse complement of the training sequences (default false). */
  reverseComplement?: boolean;
  signal?: AbortSignal;
  /**
   * Called for each (order, smoothing, alpha) in the order of `evaluations`; the whole grid is scored in
   * one pass over the validation bases, so the calls come together at its end.
   */
  onProgress?: (done: number, total: number, evaluation: MarkovEvaluation) => void;
}

export interface MarkovSelection {
  /** Every (order, smoothing, alpha) scored on validation: by order, then smoothing, then alpha. */
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
 * scores every combination in one pass over the validation sequences; the returned model is trained on
 * `train` only (not refitted on train + validation), as a neural model trained on the same split would be.
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
  options.signal?.throwIfAborted();
  const full = fitMarkov(train, orders[orders.length - 1]!, alphas[0]!, smoothings[0]!, {
    reverseComplement: options.reverseComplement ?? false,
  });
  if (full.trainingBases === 0) throw new RangeError('the training sequences hold no A/C/G/T base');
  const scorer = new MarkovGridScorer(full, orders, smoothings, alphas);
  const scores = runScorer(scorer, validation, {}, options.signal);
  const validationBases = scores[0]!.bases;
  if (validationBases === 0) throw new RangeError('the validation sequences hold no A/C/G/T base');
  const evaluations: MarkovEvaluation[] = [];
  const table: MarkovEvaluation[] = [];
  let chosen: MarkovEvaluation | undefined;
  for (const order of orders) {
    for (const smoothing of smoothings) {
      let best: MarkovEvaluation | undefined;
      for (const alpha of alphas) {
        const evaluation = { order, smoothing, alpha, bitsPerBase: scores[evaluations.length]!.bitsPerBase };
        evaluations.push(evaluation);
        if (!best || evaluation.bitsPerBase < best.bitsPerBase) best = evaluation;
        options.onProgress?.(evaluations.length, scores.length, evaluation);
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
