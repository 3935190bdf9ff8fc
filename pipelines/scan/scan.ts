/**
 * `locus scan`: find the segments of a genome that do not look like the rest of it (horizontally
 * transferred islands, prophages, contamination, chimeric joins), learning only from the genome itself.
 *
 * 1. read: the genome (or one region) into memory, checked (input.ts);
 * 2. models: the genome-wide order-k Markov chain, each tile scored with the region around it left out
 *    of the counts (markov-loss.ts); with `--method reformer` also a causal Reformer trained on the
 *    genome, scoring every base from its own kilobases of context (reformer-loss.ts); none for gc;
 * 3. track: per bin, for the window around it, the genome-wide chain's loss minus the loss of a model
 *    that reads the region itself: the window's own local chain (markov) or the Reformer (reformer);
 *    z-scored against the genome's bulk (track.ts);
 * 4. segment: a two-state HMM fitted to the track by EM, Viterbi runs = segments (segment.ts).
 *
 * Returns data only; outputs.ts writes the files and the CLI prints.
 */
import { LocusInputError } from '../../src/errors.js';
import { binComposition, type BinComposition } from './composition.js';
import { readScanGenome, type ScanGenome } from './input.js';
import { markovBinLoss } from './markov-loss.js';
import type { ReformerScanSettings } from './reformer-loss.js';
import { fitHmm, MIN_ANOMALY_MEAN, viterbiRuns, type HmmFit } from './segment.js';
import { robustCentre, toZ, windowScores, type BinLoss, type WindowScores } from './track.js';
import type {
  AnomalyReason,
  AnomalySegment,
  ContigTrack,
  ScanMethod,
  ScanProgress,
  ScanResult,
} from './types.js';

export interface ScanOptions {
  genome: string;
  method: ScanMethod;
  region?: string;
  /** BED of the regions to scan (instead of `region`); the model and the bulk are learnt from them together. */
  regionsFile?: string;
  /** Bases per scoring window and per track bin (windowSize a multiple of binSize). */
  windowSize: number;
  binSize: number;
  seed: number;
  workers: number;
  /** Order and smoothing of the genome-wide Markov chain (`--method markov`). */
  markovOrder: number;
  markovAlpha: number;
  /** Order and smoothing of each window's local model. */
  localOrder: number;
  localAlpha: number;
  reformer: ReformerScanSettings;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

export const SCAN_DEFAULTS = {
  method: 'reformer' as ScanMethod,
  windowSize: 5000,
  binSize: 500,
  seed: 1,
  workers: 1,
  markovOrder: 5,
  markovAlpha: 1,
  localOrder: 2,
  localAlpha: 1,
  reformer: {
    steps: 100,
    context: 2048,
    batchSize: 4,
    learningRate: 2e-3,
    dModel: 64,
    depth: 2,
    backend: 'auto',
  } satisfies ReformerScanSettings,
};

/** Windows needed genome-wide: the bulk the z-scores and the HMM are fitted on must be a bulk. */
export const MIN_WINDOWS = 8;

/** The smallest genome a scan accepts, in A/C/G/T bases. */
export function minimumBases(windowSize: number): number {
  return MIN_WINDOWS * windowSize;
}

class PhaseClock {
  readonly phases: { name: string; seconds: number }[] = [];
  private last = performance.now();

  lap(name: string): void {
    const now = performance.now();
    this.phases.push({ name, seconds: (now - this.last) / 1000 });
    this.last = now;
  }
}

export async function scanGenome(options: ScanOptions): Promise<ScanResult> {
  checkOptions(options);
  const started = performance.now();
  const clock = new PhaseClock();
  const { signal, onProgress } = options;
  onProgress?.({ phase: 'read', done: 0, total: 1, unit: 'files' });
  const genome = await readScanGenome(options.genome, {
    region: options.region,
    regionsFile: options.regionsFile,
    signal,
  });
  checkLength(genome, options);
  clock.lap('read');

  const compositions = genome.contigs.map((c) =>
    binComposition(c.name, c.sequence, options.binSize, options.localOrder),
  );
  const { losses, contextual, model } = await genomeModelLoss(genome, options, clock);
  signal?.throwIfAborted();

  const windowBins = options.windowSize / options.binSize;
  const windows: WindowScores[] = compositions.map((composition, i) =>
    windowScores(composition, losses?.[i], contextual?.[i], {
      windowBins,
      alpha: options.localAlpha,
      minBases: options.windowSize / 2,
    }),
  );
  const twoSided = options.method === 'gc';
  const centre = robustCentre(windows.map((w) => w.raw));
  const scores = windows.map((w) => toZ(w.raw, centre, twoSided));
  const gcCentre = robustCentre(windows.map((w) => w.gc));
  const localCentre = robustCentre(windows.map((w) => w.local));
  clock.lap('track');

  onProgress?.({ phase: 'segment', done: 0, total: 1, unit: 'tracks' });
  const fit = fitHmm(scores, { mean: 2 * MIN_ANOMALY_MEAN, sd: 2, enter: 1e-3, leave: 0.05 });
  const segments = genome.contigs.flatMap((contig, i) =>
    segmentsOf(contig.name, contig.offset, compositions[i]!, windows[i]!, scores[i]!, fit, {
      method: options.method,
      gc: gcCentre,
      local: localCentre,
    }),
  );
  clock.lap('segment');

  const tracks: ContigTrack[] = genome.contigs.map((contig, i) => ({
    contig: contig.name,
    start: contig.offset,
    length: contig.sequence.length,
    binSize: options.binSize,
    scores: scores[i]!,
    gc: windows[i]!.gc,
  }));
  return {
    genome: options.genome,
    // One entry per contig, though a regions file may scan several stretches of it.
    contigs: [
      ...new Map(genome.contigs.map((c) => [c.name, { name: c.name, length: c.contigLength }])).values(),
    ],
    settings: {
      method: options.method,
      windowSize: options.windowSize,
      binSize: options.binSize,
      seed: options.seed,
      ...(genome.region ? { region: genome.region } : {}),
      workers: options.workers,
      details: methodDetails(options),
    },
    tracks,
    segments,
    threshold: {
      value: fit.threshold,
      method:
        'two-state HMM on the z-scored track (bulk N(0,1); anomalous state, switch rates fitted by EM on this genome), segments = Viterbi runs of the anomalous state; the value is the z at which a bin alone favours the anomalous state',
      parameters: {
        anomalousMean: fit.mean,
        anomalousSd: fit.sd,
        enterPerBin: fit.enter,
        leavePerBin: fit.leave,
        emIterations: fit.iterations,
        rawMedian: centre.median,
        rawRobustSd: centre.sd,
      },
    },
    model,
    phases: clock.phases,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function checkOptions(options: ScanOptions): void {
  if (!Number.isInteger(options.binSize) || options.binSize < 50) {
    throw new RangeError(`binSize must be an integer >= 50, got ${options.binSize}`);
  }
  if (!Number.isInteger(options.windowSize) || options.windowSize % options.binSize !== 0) {
    throw new RangeError(
      `windowSize (${options.windowSize}) must be a multiple of binSize (${options.binSize})`,
    );
  }
}

function checkLength(genome: ScanGenome, options: ScanOptions): void {
  const needed = minimumBases(options.windowSize);
  if (genome.acgtBases < needed) {
    const what = genome.region ? `${genome.region} of "${genome.path}"` : `"${genome.path}"`;
    throw new LocusInputError(
      genome.region ?? genome.path,
      `${what} has ${genome.acgtBases.toLocaleString('en-US')} A/C/G/T bases; a scan needs at least ${needed.toLocaleString('en-US')} (${MIN_WINDOWS} windows of ${options.windowSize.toLocaleString('en-US')}), because it learns what is usual from the genome itself`,
      'scan a longer sequence, or lower --window',
    );
  }
}

/**
 * Every bin's loss under the genome-wide chain (not for the GC method), and for the Reformer method
 * also under the Reformer reading the bin's own context.
 */
async function genomeModelLoss(
  genome: ScanGenome,
  options: ScanOptions,
  clock: PhaseClock,
): Promise<{ losses?: BinLoss[]; contextual?: BinLoss[]; model: ScanResult['model'] }> {
  if (options.method === 'gc') return { model: null };
  const sequences = genome.contigs.map((c) => c.sequence);
  const losses = markovBinLoss(sequences, {
    order: options.markovOrder,
    alpha: options.markovAlpha,
    binSize: options.binSize,
    windowSize: options.windowSize,
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ phase: 'chain', done, total, unit: 'bases' }),
  });
  clock.lap('chain');
  if (options.method === 'markov') return { losses, model: null };
  const { reformerBinLoss } = await import('./reformer-loss.js');
  const fitted = await reformerBinLoss(genome, {
    ...options.reformer,
    binSize: options.binSize,
    seed: options.seed,
    workers: options.workers,
    signal: options.signal,
    onProgress: options.onProgress,
    onPhase: (name) => clock.lap(name),
  });
  return {
    losses,
    contextual: fitted.losses,
    model: {
      source: options.reformer.model ?? null,
      trainedSteps: fitted.trainedSteps,
      bitsPerBase: fitted.bitsPerBase,
    },
  };
}

function methodDetails(options: ScanOptions): Record<string, string | number | boolean> {
  const local = { localOrder: options.localOrder, localAlpha: options.localAlpha };
  const units = { rawScoreUnits: options.method === 'gc' ? 'GC fraction' : 'nats per base' };
  if (options.method === 'gc') return { ...units };
  if (options.method === 'markov') {
    return { ...units, ...local, markovOrder: options.markovOrder, markovAlpha: options.markovAlpha };
  }
  const r = options.reformer;
  return {
    ...units,
    contrast: 'genome-wide chain (leave-region-out) minus the Reformer reading the region in context',
    markovOrder: options.markovOrder,
    markovAlpha: options.markovAlpha,
    startModel: r.model ?? 'none (trained from scratch)',
    steps: r.steps,
    context: r.context,
    batchSize: r.batchSize,
    learningRate: r.learningRate,
    dModel: r.dModel,
    depth: r.depth,
    backend: r.backend,
  };
}

interface ReasonCentres {
  method: ScanMethod;
  gc: { median: number; sd: number };
  local: { median: number; sd: number };
}

/** BED score: 0-1000, rising with the segment's mean z and saturating (z 5 -> 393, 10 -> 632, 30 -> 950). */
export function bedScore(meanScore: number): number {
  return Math.max(0, Math.min(1000, Math.round(1000 * (1 - Math.exp(-meanScore / 10)))));
}

function segmentsOf(
  contig: string,
  offset: number,
  composition: BinComposition,
  window: WindowScores,
  scores: Float64Array,
  fit: HmmFit,
  centres: ReasonCentres,
): AnomalySegment[] {
  const length = composition.length;
  return viterbiRuns(scores, fit).map(([first, end]) => {
    let sum = 0;
    let count = 0;
    let max = -Infinity;
    let acgt = 0;
    let gc = 0;
    let local = 0;
    for (let b = first; b < end; b++) {
      acgt += composition.acgt[b]!;
      gc += composition.gc[b]!;
      const z = scores[b]!;
      if (!Number.isFinite(z)) continue;
      sum += z;
      count++;
      max = Math.max(max, z);
      local += window.local[b]!;
    }
    const meanScore = sum / count;
    const gcFraction = acgt > 0 ? gc / acgt : NaN;
    const reason = reasonOf(gcFraction, local / count, centres);
    return {
      contig,
      start: offset + first * composition.binSize,
      end: offset + Math.min(length, end * composition.binSize),
      reason,
      meanScore,
      maxScore: max,
      gc: gcFraction,
      bedScore: bedScore(meanScore),
    };
  });
}

function reasonOf(gc: number, localPerBase: number, centres: ReasonCentres): AnomalyReason {
  if (centres.method === 'gc') return 'gc';
  if (Math.abs((gc - centres.gc.median) / centres.gc.sd) >= 3) return 'gc';
  if ((localPerBase - centres.local.median) / centres.local.sd >= 3) return 'surprisal';
  return 'foreign_composition';
}
