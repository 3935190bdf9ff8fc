/**
 * k-mer-count logistic regression: the classification baseline every Locus fine-tuning claim is compared
 * against.
 *
 * Features. For each k in `ks` (default 4, 5, 6), the counts of the k-mers of a sequence divided by the
 * number of its k-mers for that k (overlapping, stride 1; a k-mer holding N or any non-A/C/G/T symbol is
 * skipped; case is ignored), concatenated over the ks. With `canonical`, a k-mer and its reverse
 * complement share one feature (strand-agnostic). Features are stored sparse (a few hundred nonzeros per
 * sequence) and centred and scaled with training-set statistics without densifying (the centring is
 * folded into the bias); a feature constant in training is ignored. Scaling is per feature (unit
 * variance, 'standardize') or one common factor ('global'); see KmerScaling.
 *
 * Model. L2-regularised logistic regression on the centred, scaled features: one logit and a sigmoid for two
 * classes, a multinomial softmax for more. Objective: mean cross-entropy + lambda/2 * ||W||^2 (the bias is
 * not penalised), minimised full-batch with L-BFGS (Float64Arrays). The objective is strictly convex, so
 * the result depends on the data and lambda only, never on a seed: fits are deterministic.
 *
 * Selection. The scaling and lambda are chosen on a validation split (AUROC for two classes, MCC for
 * more, by default); ties go to the larger lambda (the simpler model). The model is trained on the
 * training split only.
 *
 * Labels are class ids 0..K-1; for two classes, class 1 is the positive class.
 */
import {
  argmax,
  auroc,
  classificationReport,
  macroAurocOvR,
  matthewsCorrelation,
  type ClassificationReport,
} from '../metrics.js';
import { BASE_CODE } from '../../tokenize/vocab.js';

export const DEFAULT_KMER_KS: readonly number[] = [4, 5, 6];
export const MAX_KMER_K = 8;
/** Default lambda grid, tried from the largest down (warm-started). */
export const DEFAULT_LAMBDAS: readonly number[] = [
  100, 30, 10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001,
];

/**
 * Feature scaling, fitted on the training set; features are always centred.
 * - 'standardize': each feature to unit variance. Every k-mer weighs the same under the L2 penalty, so
 *   thousands of rare k-mers can drown a few informative ones when training data are small.
 * - 'global': one common factor for all features (their root-mean variance becomes 1), so the relative
 *   scale of frequencies is kept and rare k-mers weigh less. Selection tries both by default.
 */
export type KmerScaling = 'standardize' | 'global';
export const KMER_SCALINGS: readonly KmerScaling[] = ['standardize', 'global'];

export interface KmerFeatureSpec {
  /** k-mer lengths whose frequency blocks are concatenated (each 1..8). */
  ks: readonly number[];
  /** Merge each k-mer with its reverse complement. */
  canonical: boolean;
}

/** Rows of sparse features (CSR): row i holds indices[rowStart[i] .. rowStart[i + 1]). */
export interface SparseFeatures {
  rows: number;
  dimension: number;
  rowStart: Uint32Array;
  indices: Uint32Array;
  values: Float64Array;
}

export interface KmerLogRegModel extends KmerFeatureSpec {
  numClasses: number;
  lambda: number;
  scaling: KmerScaling;
  dimension: number;
  /** Training mean and 1/std of each feature (1/std = 0 for a feature constant in training). */
  mean: Float64Array;
  invStd: Float64Array;
  /** (outputs, dimension) row-major, on standardised features; outputs = 1 for two classes, else K. */
  weights: Float64Array;
  /** (outputs) */
  bias: Float64Array;
  /** L-BFGS iterations used, and whether the gradient tolerance was reached. */
  iterations: number;
  converged: boolean;
}

export interface KmerLogRegOptions {
  /** Default [4, 5, 6]. */
  ks?: readonly number[];
  /** Default false. */
  canonical?: boolean;
  /** Number of classes (default: largest training label + 1). */
  numClasses?: number;
  /** How features are scaled after centring (default 'standardize'); see KmerScaling. */
  scaling?: KmerScaling;
  /** L-BFGS iteration cap (default 300). */
  maxIterations?: number;
  /** Stop when the largest gradient entry is below this (default 1e-6). */
  tolerance?: number;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------- features

function checkSpec(spec: KmerFeatureSpec): void {
  if (spec.ks.length === 0) throw new RangeError('ks must name at least one k-mer length');
  for (const k of spec.ks) {
    if (!Number.isInteger(k) || k < 1 || k > MAX_KMER_K) {
      throw new RangeError(`k-mer length must be an integer from 1 to ${MAX_KMER_K}, got ${String(k)}`);
    }
  }
  if (new Set(spec.ks).size !== spec.ks.length)
    throw new RangeError(`ks repeat a value: ${spec.ks.join(',')}`);
}

/** Reverse complement of a k-mer code (A=0 C=1 G=2 T=3, oldest base most significant). */
function reverseComplementCode(code: number, k: number): number {
  let rc = 0;
  for (let i = 0; i < k; i++) {
    rc = (rc << 2) | (3 - (code & 3));
    code >>>= 2;
  }
  return rc;
}

/** k-mer code -> feature index within its block (canonical merges a k-mer with its reverse complement). */
function blockMap(k: number, canonical: boolean): { map: Uint32Array; size: number } {
  const n = 4 ** k;
  const map = new Uint32Array(n);
  if (!canonical) {
    for (let c = 0; c < n; c++) map[c] = c;
    return { map, size: n };
  }
  const id = new Int32Array(n).fill(-1);
  let size = 0;
  for (let c = 0; c < n; c++) {
    const canon = Math.min(c, reverseComplementCode(c, k));
    if (id[canon] === -1) id[canon] = size++;
    map[c] = id[canon]!;
  }
  return { map, size };
}

/** Number of features for a spec: sum over k of 4^k, or (4^k + palindromes) / 2 when canonical. */
export function kmerFeatureDimension(spec: KmerFeatureSpec): number {
  checkSpec(spec);
  return spec.ks.reduce((sum, k) => sum + blockMap(k, spec.canonical).size, 0);
}

/** Normalised k-mer counts of each sequence, sparse. */
export function kmerFeatures(sequences: readonly string[], spec: KmerFeatureSpec): SparseFeatures {
  checkSpec(spec);
  const blocks = spec.ks.map((k) => ({ k, ...blockMap(k, spec.canonical) }));
  const offsets: number[] = [];
  let dimension = 0;
  for (const block of blocks) {
    offsets.push(dimension);
    dimension += block.size;
  }
  const scratch = new Float64Array(Math.max(...blocks.map((b) => b.size)));
  const touched = new Uint32Array(scratch.length);
  const rowStart = new Uint32Array(sequences.length + 1);
  let indices = new Uint32Array(1024);
  let values = new Float64Array(1024);
  let nnz = 0;
  const push = (index: number, value: number) => {
    if (nnz === indices.length) {
      const biggerIndices = new Uint32Array(indices.length * 2);
      biggerIndices.set(indices);
      indices = biggerIndices;
      const biggerValues = new Float64Array(values.length * 2);
      biggerValues.set(values);
      values = biggerValues;
    }
    indices[nnz] = index;
    values[nnz] = value;
    nnz++;
  };
  sequences.forEach((sequence, row) => {
    blocks.forEach((block, b) => {
      const mask = 4 ** block.k - 1;
      let code = 0;
      let run = 0;
      let kmers = 0;
      let distinct = 0;
      for (let i = 0; i < sequence.length; i++) {
        const c = sequence.charCodeAt(i);
        const base = c < 128 ? BASE_CODE[c]! : 4;
        if (base === 4) {
          run = 0;
          code = 0;
          continue;
        }
        code = ((code << 2) | base) & mask;
        if (++run < block.k) continue;
        const feature = block.map[code]!;
        if (scratch[feature] === 0) touched[distinct++] = feature;
        scratch[feature]!++;
        kmers++;
      }
      // Sorted indices: the same row layout whatever the k-mer order, and cache-friendly dot products.
      const used = touched.subarray(0, distinct).sort();
      for (const feature of used) {
        push(offsets[b]! + feature, scratch[feature]! / kmers);
        scratch[feature] = 0;
      }
    });
    rowStart[row + 1] = nnz;
  });
  return {
    rows: sequences.length,
    dimension,
    rowStart,
    indices: indices.slice(0, nnz),
    values: values.slice(0, nnz),
  };
}

// ---------------------------------------------------------------- L-BFGS

interface MinimizeResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

/**
 * Minimise a smooth function with L-BFGS (two-loop recursion, memory 10) and a backtracking Armijo line
 * search. `fg` returns f(x) and writes the gradient into its second argument.
 */
function lbfgs(
  fg: (x: Float64Array, gradient: Float64Array) => number,
  x0: Float64Array,
  maxIterations: number,
  tolerance: number,
  signal?: AbortSignal,
): MinimizeResult {
  const n = x0.length;
  const memory = 10;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fg(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alphaBuffer = new Float64Array(memory);
  const maxAbs = (v: Float64Array) => v.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
  const dot = (a: Float64Array, b: Float64Array) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
    return sum;
  };
  let iterations = 0;
  while (iterations < maxIterations) {
    if (maxAbs(g) <= tolerance) return { x, f, iterations, converged: true };
    signal?.throwIfAborted();
    // Two-loop recursion: direction = -H g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    for (let m = s.length - 1; m >= 0; m--) {
      const a = rho[m]! * dot(s[m]!, direction);
      alphaBuffer[m] = a;
      const ym = y[m]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! - a * ym[i]!;
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
      for (let i = 0; i < n; i++) direction[i] = direction[i]! * gamma;
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) direction[i] = direction[i]! * scale;
    }
    for (let m = 0; m < s.length; m++) {
      const b = rho[m]! * dot(y[m]!, direction);
      const sm = s[m]!;
      const a = alphaBuffer[m]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! + (a - b) * sm[i]!;
    }
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      slope = dot(g, direction);
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * direction[i]!;
      fNew = fg(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    iterations++;
    if (!(fNew <= f + 1e-4 * step * slope)) return { x, f, iterations, converged: false };
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sNew[i] = xNew[i]! - x[i]!;
      yNew[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    const decrease = f - fNew;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    if (decrease <= 1e-14 * Math.max(1, Math.abs(f))) {
      return { x, f, iterations, converged: maxAbs(g) <= tolerance };
    }
  }
  return { x, f, iterations, converged: maxAbs(g) <= tolerance };
}

// ---------------------------------------------------------------- training

function checkLabels(labels: ArrayLike<number>, rows: number, numClasses: number, what: string): void {
  if (labels.length !== rows) {
    throw new TypeError(`${what}: ${rows} sequences but ${labels.length} labels`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new RangeError(`${what}: label ${i} is ${String(y)}; labels must be 0..${numClasses - 1}`);
    }
  }
}

interface Standardisation {
  mean: Float64Array;
  invStd: Float64Array;
}

function standardisation(features: SparseFeatures, scaling: KmerScaling): Standardisation {
  const { rows, dimension, indices, values } = features;
  const mean = new Float64Array(dimension);
  const square = new Float64Array(dimension);
  for (let p = 0; p < indices.length; p++) {
    mean[indices[p]!]! += values[p]!;
    square[indices[p]!]! += values[p]! * values[p]!;
  }
  const invStd = new Float64Array(dimension);
  let varianceSum = 0;
  let varying = 0;
  for (let j = 0; j < dimension; j++) {
    mean[j] = mean[j]! / rows;
    const variance = square[j]! / rows - mean[j]! * mean[j]!;
    if (variance > 1e-24) {
      invStd[j] = 1 / Math.sqrt(variance);
      varianceSum += variance;
      varying++;
    }
  }
  if (scaling === 'global' && varying > 0) {
    const common = 1 / Math.sqrt(varianceSum / varying);
    for (let j = 0; j < dimension; j++) if (invStd[j]! > 0) invStd[j] = common;
  }
  return { mean, invStd };
}

/** Logits (rows, outputs) of sparse features under standardised weights. */
function logits(
  features: SparseFeatures,
  scale: Standardisation,
  weights: Float64Array,
  bias: Float64Array,
  outputs: number,
): Float64Array {
  const { rows, dimension, rowStart, indices, values } = features;
  const { mean, invStd } = scale;
  // Fold standardisation into raw-space weights v = W / std and an offset b - v . mean.
  const v = new Float64Array(outputs * dimension);
  const offset = new Float64Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let shift = 0;
    for (let j = 0; j < dimension; j++) {
      const w = weights[o * dimension + j]! * invStd[j]!;
      v[o * dimension + j] = w;
      shift += w * mean[j]!;
    }
    offset[o] = bias[o]! - shift;
  }
  const z = new Float64Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    const start = rowStart[i]!;
    const end = rowStart[i + 1]!;
    for (let o = 0; o < outputs; o++) {
      let sum = offset[o]!;
      const base = o * dimension;
      for (let p = start; p < end; p++) sum += v[base + indices[p]!]! * values[p]!;
      z[i * outputs + o] = sum;
    }
  }
  return z;
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Class probabilities (rows, numClasses) from logits. */
function probabilitiesFromLogits(z: Float64Array, rows: number, numClasses: number): number[][] {
  const out: number[][] = [];
  if (numClasses === 2) {
    for (let i = 0; i < rows; i++) {
      const p1 = 1 / (1 + Math.exp(-z[i]!));
      out.push([1 - p1, p1]);
    }
    return out;
  }
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, z[i * numClasses + c]!);
    const row = new Array<number>(numClasses);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      row[c] = Math.exp(z[i * numClasses + c]! - max);
      sum += row[c]!;
    }
    for (let c = 0; c < numClasses; c++) row[c] = row[c]! / sum;
    out.push(row);
  }
  return out;
}

function trainOnFeatures(
  features: SparseFeatures,
  labels: ArrayLike<number>,
  numClasses: number,
  scale: Standardisation,
  lambda: number,
  start: Float64Array | undefined,
  maxIterations: number,
  tolerance: number,
  signal?: AbortSignal,
): { theta: Float64Array; iterations: number; converged: boolean } {
  const { rows, dimension, rowStart, indices, values } = features;
  const { mean, invStd } = scale;
  const outputs = numClasses === 2 ? 1 : numClasses;
  const nW = outputs * dimension;
  const residualSums = new Float64Array(outputs);
  const accumulated = new Float64Array(nW);
  const objective = (theta: Float64Array, gradient: Float64Array): number => {
    const weights = theta.subarray(0, nW);
    const bias = theta.subarray(nW);
    const z = logits(features, scale, weights, bias, outputs);
    // Turn z into residuals dLoss_i/dz_i in place, summing the loss.
    let loss = 0;
    if (outputs === 1) {
      for (let i = 0; i < rows; i++) {
        const y = labels[i]!;
        loss += softplus(z[i]!) - y * z[i]!;
        z[i] = 1 / (1 + Math.exp(-z[i]!)) - y;
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const base = i * outputs;
        let max = -Infinity;
        for (let o = 0; o < outputs; o++) max = Math.max(max, z[base + o]!);
        let sum = 0;
        for (let o = 0; o < outputs; o++) sum += Math.exp(z[base + o]! - max);
        const logSum = max + Math.log(sum);
        loss += logSum - z[base + labels[i]!]!;
        for (let o = 0; o < outputs; o++) z[base + o] = Math.exp(z[base + o]! - logSum);
        z[base + labels[i]!]! -= 1;
      }
    }
    residualSums.fill(0);
    accumulated.fill(0);
    for (let i = 0; i < rows; i++) {
      const start = rowStart[i]!;
      const end = rowStart[i + 1]!;
      for (let o = 0; o < outputs; o++) {
        const r = z[i * outputs + o]!;
        residualSums[o]! += r;
        const base = o * dimension;
        for (let p = start; p < end; p++) accumulated[base + indices[p]!]! += r * values[p]!;
      }
    }
    let penalty = 0;
    for (let o = 0; o < outputs; o++) {
      for (let j = 0; j < dimension; j++) {
        const at = o * dimension + j;
        const w = weights[at]!;
        penalty += w * w;
        gradient[at] = (invStd[j]! * (accumulated[at]! - mean[j]! * residualSums[o]!)) / rows + lambda * w;
      }
      gradient[nW + o] = residualSums[o]! / rows;
    }
    return loss / rows + (lambda / 2) * penalty;
  };
  const theta0 = start ?? new Float64Array(nW + outputs);
  const result = lbfgs(objective, theta0, maxIterations, tolerance, signal);
  return { theta: result.x, iterations: result.iterations, converged: result.converged };
}

function resolveClasses(labels: ArrayLike<number>, numClasses: number | undefined): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) max = Math.max(max, labels[i]!);
  const k = numClasses ?? Math.max(2, max + 1);
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`numClasses must be an integer >= 2, got ${k}`);
  return k;
}

function checkTrainingLabels(labels: ArrayLike<number>): void {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) seen.add(labels[i]!);
  if (seen.size < 2) throw new RangeError('the training labels hold fewer than two classes');
}

function makeModel(
  spec: KmerFeatureSpec,
  numClasses: number,
  lambda: number,
  scaling: KmerScaling,
  dimension: number,
  scale: Standardisation,
  fit: { theta: Float64Array; iterations: number; converged: boolean },
): KmerLogRegModel {
  const outputs = numClasses === 2 ? 1 : numClasses;
  return {
    ks: [...spec.ks],
    canonical: spec.canonical,
    numClasses,
    lambda,
    scaling,
    dimension,
    mean: scale.mean,
    invStd: scale.invStd,
    weights: fit.theta.slice(0, outputs * dimension),
    bias: fit.theta.slice(outputs * dimension),
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

function specOf(options: KmerLogRegOptions): KmerFeatureSpec {
  const spec = { ks: [...(options.ks ?? DEFAULT_KMER_KS)], canonical: options.canonical ?? false };
  checkSpec(spec);
  return spec;
}

function checkLambda(lambda: number): void {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`lambda must be a finite number >= 0, got ${String(lambda)}`);
  }
}

function checkScaling(scaling: string): void {
  if (!KMER_SCALINGS.includes(scaling as KmerScaling)) {
    throw new RangeError(`scaling must be 'standardize' or 'global', got ${String(scaling)}`);
  }
}

/** Fit one model with a given L2 strength `lambda` (default 0.01). */
export function fitKmerLogReg(
  train: readonly string[],
  labels: ArrayLike<number>,
  options: KmerLogRegOptions & { lambda?: number } = {},
): KmerLogRegModel {
  const spec = specOf(options);
  const lambda = options.lambda ?? 0.01;
  checkLambda(lambda);
  const scaling = options.scaling ?? 'standardize';
  checkScaling(scaling);
  const numClasses = resolveClasses(labels, options.numClasses);
  const features = kmerFeatures(train, spec);
  checkLabels(labels, features.rows, numClasses, 'training');
  checkTrainingLabels(labels);
  const scale = standardisation(features, scaling);
  const fit = trainOnFeatures(
    features,
    labels,
    numClasses,
    scale,
    lambda,
    undefined,
    options.maxIterations ?? 300,
    options.tolerance ?? 1e-6,
    options.signal,
  );
  return makeModel(spec, numClasses, lambda, scaling, features.dimension, scale, fit);
}

function probabilitiesOfFeatures(model: KmerLogRegModel, features: SparseFeatures): number[][] {
  const outputs = model.numClasses === 2 ? 1 : model.numClasses;
  const z = logits(features, model, model.weights, model.bias, outputs);
  return probabilitiesFromLogits(z, features.rows, model.numClasses);
}

/** Class probabilities, one row of `numClasses` entries per sequence (row[1] = P(positive) for binary). */
export function predictKmerLogReg(model: KmerLogRegModel, sequences: readonly string[]): number[][] {
  return probabilitiesOfFeatures(model, kmerFeatures(sequences, model));
}

/** Most probable class of each sequence (the lower id on ties). */
export function predictKmerLogRegLabels(model: KmerLogRegModel, sequences: readonly string[]): number[] {
  return predictKmerLogReg(model, sequences).map((row) => argmax(row));
}

export type SelectionMetric = 'auroc' | 'mcc';

export interface KmerLogRegSelectOptions extends Omit<KmerLogRegOptions, 'scaling'> {
  /** lambda grid (default DEFAULT_LAMBDAS); tried from the largest down, each warm-started from the last. */
  lambdas?: readonly number[];
  /** Scalings to try (default both). */
  scalings?: readonly KmerScaling[];
  /** Default 'auroc' for two classes, 'mcc' for more. */
  metric?: SelectionMetric;
  /** Called after each (scaling, lambda) is scored on validation. */
  onProgress?: (done: number, total: number, row: KmerLogRegSelectionRow) => void;
}

export interface KmerLogRegSelectionRow {
  scaling: KmerScaling;
  lambda: number;
  /** The selection metric on validation. */
  validation: number;
  iterations: number;
  converged: boolean;
}

export interface KmerLogRegSelection {
  metric: SelectionMetric;
  /** One row per (scaling, lambda): scalings in the order given, largest lambda first. */
  table: KmerLogRegSelectionRow[];
  chosen: KmerLogRegSelectionRow;
  /** The chosen model, trained on the training split only. */
  model: KmerLogRegModel;
  /** Full validation metrics of the chosen model. */
  validationReport: ClassificationReport;
}

/** The selection metric of class probabilities (higher is better). */
function selectionScore(
  metric: SelectionMetric,
  labels: ArrayLike<number>,
  probabilities: number[][],
  numClasses: number,
): number {
  if (metric === 'mcc') {
    return matthewsCorrelation(
      labels,
      probabilities.map((row) => argmax(row)),
      numClasses,
    );
  }
  return numClasses === 2
    ? auroc(
        labels,
        probabilities.map((row) => row[1]!),
      )
    : macroAurocOvR(labels, probabilities);
}

/**
 * Choose the scaling and lambda by a validation metric: the first best in table order wins (so, for equal
 * scores, the larger lambda); NaN never wins over a number.
 */
export function selectKmerLogReg(
  train: readonly string[],
  trainLabels: ArrayLike<number>,
  validation: readonly string[],
  validationLabels: ArrayLike<number>,
  options: KmerLogRegSelectOptions = {},
): KmerLogRegSelection {
  const spec = specOf(options);
  const lambdas = [...(options.lambdas ?? DEFAULT_LAMBDAS)].sort((a, b) => b - a);
  const scalings = [...(options.scalings ?? KMER_SCALINGS)];
  if (lambdas.length === 0) throw new RangeError('lambdas must hold at least one value');
  if (scalings.length === 0) throw new RangeError('scalings must hold at least one value');
  lambdas.forEach(checkLambda);
  scalings.forEach(checkScaling);
  const numClasses = resolveClasses(trainLabels, options.numClasses);
  const metric = options.metric ?? (numClasses === 2 ? 'auroc' : 'mcc');
  if (metric !== 'auroc' && metric !== 'mcc') throw new RangeError(`metric must be 'auroc' or 'mcc'`);
  const trainFeatures = kmerFeatures(train, spec);
  checkLabels(trainLabels, trainFeatures.rows, numClasses, 'training');
  checkTrainingLabels(trainLabels);
  const validationFeatures = kmerFeatures(validation, spec);
  checkLabels(validationLabels, validationFeatures.rows, numClasses, 'validation');
  if (validationFeatures.rows === 0) throw new RangeError('the validation set is empty');
  const table: KmerLogRegSelectionRow[] = [];
  const total = lambdas.length * scalings.length;
  let best: { row: KmerLogRegSelectionRow; model: KmerLogRegModel; probabilities: number[][] } | undefined;
  for (const scaling of scalings) {
    const scale = standardisation(trainFeatures, scaling);
    let previous: Float64Array | undefined;
    for (const lambda of lambdas) {
      const fit = trainOnFeatures(
        trainFeatures,
        trainLabels,
        numClasses,
        scale,
        lambda,
        previous,
        options.maxIterations ?? 300,
        options.tolerance ?? 1e-6,
        options.signal,
      );
      previous = fit.theta;
      const model = makeModel(spec, numClasses, lambda, scaling, trainFeatures.dimension, scale, fit);
      const probabilities = probabilitiesOfFeatures(model, validationFeatures);
      const score = selectionScore(metric, validationLabels, probabilities, numClasses);
      const row = {
        scaling,
        lambda,
        validation: score,
        iterations: fit.iterations,
        converged: fit.converged,
      };
      table.push(row);
      const better =
        !best || score > best.row.validation || (Number.isNaN(best.row.validation) && !Number.isNaN(score));
      if (better) best = { row, model, probabilities };
      options.onProgress?.(table.length, total, row);
    }
  }
  return {
    metric,
    table,
    chosen: best!.row,
    model: best!.model,
    validationReport: classificationReport(validationLabels, best!.probabilities),
  };
}
