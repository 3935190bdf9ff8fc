/**
 * Evaluation metrics: the numbers every Locus training claim is reported with, computed the same way for
 * the baselines (src/train/baselines) and for the Reformer.
 *
 * Classifiers
 * - Labels are class ids 0..K-1 (integers). Binary tasks use class 1 as the positive class.
 * - The confusion matrix has one row per *true* class and one column per *predicted* class
 *   (`counts[true][predicted]`, the scikit-learn convention).
 * - Precision / recall / F1 with a zero denominator are 0 (scikit-learn's `zero_division=0`). Binary tasks
 *   report the positive class; multiclass tasks report the unweighted (macro) mean over the classes that
 *   occur in the true or predicted labels (scikit-learn's default label set).
 * - MCC is Gorodkin's R_K, which is the usual Matthews correlation for two classes; it is 0 when its
 *   denominator is 0 (every true label, or every prediction, is one class).
 * - AUROC is exact: the Mann-Whitney U statistic with mid-ranks for tied scores, so ties count one half.
 *   It is NaN when the true labels hold only one class (no pairs to rank). Multiclass AUROC is the
 *   one-vs-rest macro mean over the classes that have both positives and negatives in `yTrue`.
 *
 * Language models
 * - Losses are summed in nats (natural log) over the scored tokens; derive everything else from the sum.
 * - A k-mer token holds k bases, so bits per *token* and bits per *base* differ by a factor k for
 *   non-overlapping k-mers. Compare models (and the Markov baseline) only in bits per base, counting the
 *   bases that were actually scored: `bitsPerBase(totalNats, bases)`.
 */

const LN2 = Math.LN2;

// ---------------------------------------------------------------- classifier metrics

function checkLabels(name: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0) {
      throw new RangeError(`${name}[${i}] must be a class id (an integer >= 0), got ${String(y)}`);
    }
  }
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new TypeError(`yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  }
  checkLabels('yTrue', yTrue);
  checkLabels('yPred', yPred);
}

function maxLabel(...arrays: ArrayLike<number>[]): number {
  let max = -1;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  return max;
}

/**
 * Confusion matrix, `counts[true][predicted]`, K x K with K = `numClasses` (default: largest label + 1,
 * at least 2).
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses?: number,
): number[][] {
  checkPair(yTrue, yPred);
  const k = numClasses ?? Math.max(2, maxLabel(yTrue, yPred) + 1);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`numClasses must be a positive integer, got ${k}`);
  if (maxLabel(yTrue, yPred) >= k) {
    throw new RangeError(`a label is >= numClasses (${k}); labels must be 0..${k - 1}`);
  }
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) counts[yTrue[i]!]![yPred[i]!]!++;
  return counts;
}

/** Fraction of predictions equal to the true label (NaN for no samples). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return yTrue.length === 0 ? NaN : right / yTrue.length;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function prf(tp: number, fp: number, fn: number): PrecisionRecallF1 {
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  // F1 = 2TP / (2TP + FP + FN): the same as the harmonic mean, and 0 rather than 0/0 when TP = 0.
  return { precision, recall, f1: ratio(2 * tp, 2 * tp + fp + fn) };
}

/** Precision, recall and F1 of one class (`positive`, default 1) against all others. */
export function binaryPrecisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive = 1,
): PrecisionRecallF1 {
  checkPair(yTrue, yPred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === positive;
    const p = yPred[i] === positive;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return prf(tp, fp, fn);
}

/** Macro precision, recall and F1: unweighted means over the classes present in yTrue or yPred. */
export function macroPrecisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
): PrecisionRecallF1 {
  const counts = confusionMatrix(yTrue, yPred);
  const k = counts.length;
  const sum = { precision: 0, recall: 0, f1: 0 };
  let present = 0;
  for (let c = 0; c < k; c++) {
    const tp = counts[c]![c]!;
    let trueTotal = 0;
    let predTotal = 0;
    for (let j = 0; j < k; j++) {
      trueTotal += counts[c]![j]!;
      predTotal += counts[j]![c]!;
    }
    if (trueTotal === 0 && predTotal === 0) continue;
    present++;
    const one = prf(tp, predTotal - tp, trueTotal - tp);
    sum.precision += one.precision;
    sum.recall += one.recall;
    sum.f1 += one.f1;
  }
  if (present === 0) return { precision: NaN, recall: NaN, f1: NaN };
  return { precision: sum.precision / present, recall: sum.recall / present, f1: sum.f1 / present };
}

/**
 * Matthews correlation coefficient from a K x K confusion matrix (Gorodkin 2004, R_K):
 * (c*s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2)(s^2 - sum_k t_k^2)), with c correct, s total,
 * t_k true and p_k predicted counts of class k. Equals the binary MCC for K = 2; 0 when undefined.
 */
export function mccFromConfusion(counts: readonly (readonly number[])[]): number {
  const k = counts.length;
  let correct = 0;
  let total = 0;
  let sumPT = 0;
  let sumP2 = 0;
  let sumT2 = 0;
  for (let c = 0; c < k; c++) {
    let t = 0;
    let p = 0;
    for (let j = 0; j < k; j++) {
      t += counts[c]![j]!;
      p += counts[j]![c]!;
    }
    correct += counts[c]![c]!;
    total += t;
    sumPT += p * t;
    sumP2 += p * p;
    sumT2 += t * t;
  }
  const denominator = Math.sqrt(total * total - sumP2) * Math.sqrt(total * total - sumT2);
  return denominator === 0 ? 0 : (correct * total - sumPT) / denominator;
}

/** Matthews correlation coefficient, binary or multiclass (Gorodkin's R_K); 0 when undefined. */
export function matthewsCorrelation(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses?: number,
): number {
  return mccFromConfusion(confusionMatrix(yTrue, yPred, numClasses));
}

/**
 * Area under the ROC curve for a binary task: P(score of a random positive > score of a random negative)
 * + 1/2 P(equal). Exact, from mid-ranks (Mann-Whitney U); O(n log n). `yTrue` holds 0/1 (or booleans
 * as 0/1); NaN when only one class is present.
 */
export function auroc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (yTrue.length !== scores.length) {
    throw new TypeError(`yTrue and scores differ in length (${yTrue.length} vs ${scores.length})`);
  }
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] !== 0 && yTrue[i] !== 1) {
      throw new RangeError(`auroc needs 0/1 labels; yTrue[${i}] is ${String(yTrue[i])}`);
    }
    if (Number.isNaN(scores[i])) throw new RangeError(`scores[${i}] is NaN`);
  }
  // Compare, not subtract: Infinity - Infinity is NaN.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    scores[a]! < scores[b]! ? -1 : scores[a]! > scores[b]! ? 1 : 0,
  );
  let positives = 0;
  let rankSum = 0; // sum of the (1-based, mid-) ranks of the positives
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const midRank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let i = start; i < end; i++) {
      if (yTrue[order[i]!] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Multiclass AUROC: one-vs-rest, unweighted mean over the classes that have both positives and negatives
 * in `yTrue` (NaN when there is none). `probabilities[i][c]` is the score of class c for sample i.
 */
export function macroAurocOvR(yTrue: ArrayLike<number>, probabilities: ArrayLike<ArrayLike<number>>): number {
  if (yTrue.length !== probabilities.length) {
    throw new TypeError(
      `yTrue and probabilities differ in length (${yTrue.length} vs ${probabilities.length})`,
    );
  }
  checkLabels('yTrue', yTrue);
  const k = probabilities.length > 0 ? probabilities[0]!.length : 0;
  let sum = 0;
  let used = 0;
  const binary = new Uint8Array(yTrue.length);
  const score = new Float64Array(yTrue.length);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < yTrue.length; i++) {
      binary[i] = yTrue[i] === c ? 1 : 0;
      score[i] = probabilities[i]![c]!;
    }
    const value = auroc(binary, score);
    if (!Number.isNaN(value)) {
      sum += value;
      used++;
    }
  }
  return used === 0 ? NaN : sum / used;
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export interface ClassificationReport {
  /** Number of samples. */
  n: number;
  numClasses: number;
  /** 'binary' (positive class 1) for two classes, 'macro' for more. */
  average: 'binary' | 'macro';
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  mcc: number;
  /** Binary AUROC of class 1's probability, or one-vs-rest macro AUROC. */
  auroc: number;
  /** counts[true][predicted]. */
  confusion: number[][];
}

/**
 * Every classifier metric at once, from class probabilities (`probabilities[i]` has one entry per class;
 * the prediction is the most probable class, the lower id on ties).
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<ArrayLike<number>>,
): ClassificationReport {
  if (yTrue.length !== probabilities.length) {
    throw new TypeError(
      `yTrue and probabilities differ in length (${yTrue.length} vs ${probabilities.length})`,
    );
  }
  const numClasses = probabilities.length > 0 ? probabilities[0]!.length : Math.max(2, maxLabel(yTrue) + 1);
  if (numClasses < 2) throw new RangeError('classificationReport needs at least two classes');
  const yPred = Array.from({ length: yTrue.length }, (_, i) => argmax(probabilities[i]!));
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  const binary = numClasses === 2;
  const scores = binary ? Array.from({ length: yTrue.length }, (_, i) => probabilities[i]![1]!) : [];
  const averaged = binary ? binaryPrecisionRecallF1(yTrue, yPred, 1) : macroPrecisionRecallF1(yTrue, yPred);
  return {
    n: yTrue.length,
    numClasses,
    average: binary ? 'binary' : 'macro',
    accuracy: accuracy(yTrue, yPred),
    ...averaged,
    mcc: mccFromConfusion(confusion),
    auroc: binary ? auroc(yTrue, scores) : macroAurocOvR(yTrue, probabilities),
    confusion,
  };
}

// ---------------------------------------------------------------- language-model metrics

function checkCount(name: string, count: number): void {
  if (!(count > 0)) throw new RangeError(`${name} must be > 0, got ${String(count)}`);
}

/** Mean cross-entropy in nats per scored unit (token or base) from a summed loss in nats. */
export function crossEntropyNats(totalNats: number, count: number): number {
  checkCount('count', count);
  return totalNats / count;
}

/** Bits per token from a summed loss in nats. */
export function bitsPerToken(totalNats: number, tokens: number): number {
  checkCount('tokens', tokens);
  return totalNats / tokens / LN2;
}

/**
 * Bits per base from a summed loss in nats and the number of bases those tokens cover (k per scored
 * non-overlapping k-mer token; 1 per base for a base-level model). The unit to compare models in.
 */
export function bitsPerBase(totalNats: number, bases: number): number {
  checkCount('bases', bases);
  return totalNats / bases / LN2;
}

/** Perplexity per scored unit: exp(mean nats). Per token for token counts, per base for base counts. */
export function perplexity(totalNats: number, count: number): number {
  checkCount('count', count);
  return Math.exp(totalNats / count);
}

export interface LanguageModelReport {
  totalNats: number;
  tokens: number;
  bases: number;
  natsPerToken: number;
  bitsPerToken: number;
  bitsPerBase: number;
  perplexityPerToken: number;
  /** 2^(bits per base); 4 is a uniform guess over A/C/G/T. */
  perplexityPerBase: number;
}

/** All language-model numbers from one summed loss: tokens scored and the bases they cover. */
export function languageModelReport(totalNats: number, tokens: number, bases: number): LanguageModelReport {
  return {
    totalNats,
    tokens,
    bases,
    natsPerToken: crossEntropyNats(totalNats, tokens),
    bitsPerToken: bitsPerToken(totalNats, tokens),
    bitsPerBase: bitsPerBase(totalNats, bases),
    perplexityPerToken: perplexity(totalNats, tokens),
    perplexityPerBase: perplexity(totalNats, bases),
  };
}
