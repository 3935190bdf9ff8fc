/**
 * Masked-language-model masking: BERT's 80/10/10, and DNABERT's span masking for overlapping k-mers.
 *
 * Plain masking (BERT): choose `rate` (15%) of the k-mer tokens; of the chosen, 80% become `[MASK]`,
 * 10% a uniformly random k-mer, 10% stay as they are. `labels` hold the original id at chosen
 * positions and -100 (ignored by the loss) elsewhere. The count is exact, round(rate * eligible) and
 * at least one when anything is eligible, as in BERT's create_pretraining_data, so short sequences
 * still train.
 *
 * Why spans: with overlapping k-mers (stride < k) a masked token's bases are also in its neighbours,
 * so a lone `[MASK]` is answered by copying from them and the model learns nothing. Span masking
 * hides `spanBases` bases (default 1) centred in a chosen "centre" token, at offset
 * floor(k/2) - floor(spanBases/2) from its start, and chooses *every* token that overlaps those bases.
 * For k=6, stride 1, spanBases 1 that is DNABERT's rule exactly: tokens c-2..c+3 (k contiguous tokens)
 * for centre c. No unchosen token then covers a hidden base, so the hidden bases cannot be read off
 * the neighbours. Centres are drawn until round(rate * eligible) tokens are chosen, so `rate` is the
 * fraction of tokens chosen in both modes (the last span may overshoot by a few tokens). The 80/10/10
 * decision is made once per span, not per token: one kept token in an otherwise masked span would give
 * the hidden base away. (A span that is kept, or given random k-mers, is BERT's deliberate noise.)
 * With stride >= k tokens do not overlap and every span is the centre token alone.
 *
 * Eligible centres are k-mer tokens (id >= 5). `[PAD]`, `[CLS]` and `[SEP]` are never chosen and
 * spans stop at them, so masking after adding `[CLS]`/`[SEP]`/padding (model-input.ts) is safe and
 * spans do not run across a separator. An `[UNK]` token inside a span is chosen too (label `[UNK]`).
 * Existing `[MASK]` tokens are left alone.
 *
 * Token geometry is taken from position: consecutive k-mer tokens are assumed to start `stride` bases
 * apart, as the tokenizer makes them.
 */
import { Random } from './random.js';
import {
  CLS_ID,
  FIRST_KMER_ID,
  IGNORE_LABEL,
  MASK_ID,
  PAD_ID,
  SEP_ID,
  UNK_ID,
  checkK,
  vocabSize,
} from './vocab.js';

export interface MaskOptions {
  /** Seed for a fresh generator; give this or `rng`. */
  seed?: number;
  /** A generator to draw from (share one across a batch so rows differ); give this or `seed`. */
  rng?: Random;
  /** Fraction of eligible tokens to choose. Default 0.15. */
  rate?: number;
  /** Of the chosen, the fraction replaced by `[MASK]`. Default 0.8. */
  maskFraction?: number;
  /** Of the chosen, the fraction replaced by a random k-mer. Default 0.1; the rest are kept. */
  randomFraction?: number;
  /** Span masking; default true when stride < k (overlapping tokens), false otherwise. */
  span?: boolean;
  /** Bases hidden per span, >= 1. Default 1 (DNABERT); k hides the centre token's whole k-mer. */
  spanBases?: number;
}

export interface MaskResult {
  /** The ids to feed the model. */
  inputIds: Int32Array;
  /** Original id at chosen positions, -100 elsewhere. */
  labels: Int32Array;
  /** Token indices of the span centres, ascending (in plain mode, every chosen token). */
  centres: Int32Array;
}

/** Where a span lies relative to its centre token (see the top of this file). */
export interface SpanGeometry {
  /** Offset of the first hidden base from the centre token's start (may be negative for wide spans). */
  hiddenOffset: number;
  /** Number of hidden bases. */
  hiddenLength: number;
  /** Token offsets from the centre: the span is tokens centre+first .. centre+last. */
  first: number;
  last: number;
}

/** The span for k, stride and spanBases: every token whose [start, start+k) meets the hidden bases. */
export function spanGeometry(k: number, stride: number, spanBases = 1): SpanGeometry {
  checkK(k);
  if (!Number.isInteger(stride) || stride < 1) {
    throw new RangeError(`stride must be a positive integer, got ${String(stride)}`);
  }
  if (!Number.isInteger(spanBases) || spanBases < 1) {
    throw new RangeError(`spanBases must be a positive integer, got ${String(spanBases)}`);
  }
  const hiddenOffset = Math.floor(k / 2) - Math.floor(spanBases / 2);
  // Token d starts at d*stride; it meets [h, h+B) when d*stride < h+B and d*stride + k > h.
  const first = Math.floor((hiddenOffset - k) / stride) + 1;
  const last = Math.floor((hiddenOffset + spanBases - 1) / stride);
  return { hiddenOffset, hiddenLength: spanBases, first, last };
}

/**
 * Mask a sequence of token ids for MLM pretraining. `tokenizer` gives k (for random k-mers and span
 * geometry) and stride. The input array is not changed.
 */
export function maskTokens(
  ids: Int32Array,
  tokenizer: { k: number; stride: number },
  options: MaskOptions,
): MaskResult {
  const { k, stride } = tokenizer;
  const rate = options.rate ?? 0.15;
  const maskFraction = options.maskFraction ?? 0.8;
  const randomFraction = options.randomFraction ?? 0.1;
  const span = options.span ?? stride < k;
  const geometry = spanGeometry(k, stride, options.spanBases ?? 1);
  checkFraction('rate', rate);
  checkFraction('maskFraction', maskFraction);
  checkFraction('randomFraction', randomFraction);
  if (maskFraction + randomFraction > 1) {
    throw new RangeError(
      `maskFraction + randomFraction must be at most 1, got ${maskFraction + randomFraction}`,
    );
  }
  if (options.rng !== undefined && options.seed !== undefined) {
    throw new TypeError('Give maskTokens a seed or an rng, not both');
  }
  const rng = options.rng ?? (options.seed !== undefined ? new Random(options.seed) : undefined);
  if (rng === undefined) {
    throw new TypeError('maskTokens needs a seed or an rng: masking is always reproducible');
  }

  const n = ids.length;
  const size = vocabSize(k);
  const kmerCount = size - FIRST_KMER_ID;
  const eligible = new Int32Array(n);
  let eligibleCount = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (id < 0 || id >= size) {
      throw new RangeError(
        `Token id ${id} at position ${i} is outside the vocabulary for k=${k} (0..${size - 1})`,
      );
    }
    if (id >= FIRST_KMER_ID) eligible[eligibleCount++] = i;
  }

  const inputIds = ids.slice();
  const labels = new Int32Array(n).fill(IGNORE_LABEL);
  const centres: number[] = [];
  const target = rate === 0 || eligibleCount === 0 ? 0 : Math.max(1, Math.round(rate * eligibleCount));
  const first = span ? geometry.first : 0;
  const last = span ? geometry.last : 0;
  // Chosen tokens, span after span in the order drawn; spanEnds[s] is where span s ends in `members`.
  const members: number[] = [];
  const spanEnds: number[] = [];

  // First choose the spans, drawing centres without replacement (a partial Fisher-Yates shuffle of the
  // eligible positions). The 80/10/10 draws come after, so the choice of tokens does not depend on
  // the fractions.
  for (let j = 0; j < eligibleCount && members.length < target; j++) {
    const r = j + rng.nextInt(eligibleCount - j);
    const centre = eligible[r] as number;
    eligible[r] = eligible[j] as number;
    eligible[j] = centre;
    if (labels[centre] !== IGNORE_LABEL) continue; // already inside an earlier span

    const spanStart = members.length;
    members.push(centre);
    for (let d = 1; d <= last; d++) {
      if (!addToSpan(ids, labels, centre + d, members)) break;
    }
    for (let d = -1; d >= first; d--) {
      if (!addToSpan(ids, labels, centre + d, members)) break;
    }
    for (let m = spanStart; m < members.length; m++) {
      const i = members[m] as number;
      labels[i] = ids[i] as number;
    }
    spanEnds.push(members.length);
    centres.push(centre);
  }

  // Then one decision per span, so a span is masked, randomized or kept as a whole.
  let m = 0;
  for (const end of spanEnds) {
    const u = rng.nextFloat();
    const action = u < maskFraction ? 'mask' : u < maskFraction + randomFraction ? 'random' : 'keep';
    for (; m < end; m++) {
      const i = members[m] as number;
      if (action === 'mask') inputIds[i] = MASK_ID;
      else if (action === 'random') inputIds[i] = FIRST_KMER_ID + rng.nextInt(kmerCount);
    }
  }
  // A typed array sorts numerically, and faster than an array with a comparator.
  return { inputIds, labels, centres: new Int32Array(centres).sort() };
}

/**
 * Add token `i` to the span being built. Returns false where the span must stop: the sequence edge or a
 * PAD/CLS/SEP token (no k-mer lies beyond it). Existing MASK tokens and tokens already chosen are
 * skipped but do not stop the span.
 */
function addToSpan(ids: Int32Array, labels: Int32Array, i: number, members: number[]): boolean {
  if (i < 0 || i >= ids.length) return false;
  const id = ids[i] as number;
  if (id === PAD_ID || id === CLS_ID || id === SEP_ID) return false;
  if (id === MASK_ID || labels[i] !== IGNORE_LABEL) return true;
  if (id === UNK_ID || id >= FIRST_KMER_ID) members.push(i);
  return true;
}

function checkFraction(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(`${name} must be a number from 0 to 1, got ${String(value)}`);
  }
}
