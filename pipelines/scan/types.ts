/**
 * The data a genome scan produces: one score track per contig, the segments called on it, and the
 * settings and costs of the run. `scan.ts` computes it; `outputs.ts` writes BED, bedGraph and
 * summary.json from it; `report.ts` draws report.html from it. Coordinates are 0-based half-open.
 */

/** How the per-window anomaly score is computed (see scan.ts). */
export type ScanMethod = 'reformer' | 'markov' | 'gc';
export const SCAN_METHODS: readonly ScanMethod[] = ['reformer', 'markov', 'gc'];

/**
 * Why a segment was called, the BED name column:
 * - `foreign_composition`: the genome's own model explains it worse than a model of the region itself
 *   does, while its GC is within the genome's usual range;
 * - `gc`: as above, and its GC content alone is far from the genome's (|GC z| >= 3);
 * - `surprisal`: surprising under the genome's model and under a local model alike (e.g. low
 *   complexity broken by mutation); rare.
 */
export type AnomalyReason = 'foreign_composition' | 'gc' | 'surprisal';

/**
 * The score track of one contig on a grid of non-overlapping bins: bin i covers
 * [start + i * binSize, min(start + (i + 1) * binSize, start + length)) in contig coordinates. Each bin holds the score of the window of
 * `windowSize` bases centred on it. Scores are z-scores against the genome's bulk (median 0, robust
 * standard deviation 1): positive is more anomalous. NaN marks a bin with too few A/C/G/T bases to
 * score (N runs); such bins are left out of the bedGraph.
 */
export interface ContigTrack {
  contig: string;
  /** Contig coordinate of bin 0: 0, or the region's start with `--region`. */
  start: number;
  /** Bases covered by the track (the contig's length, or the region's). */
  length: number;
  binSize: number;
  /** Anomaly z-score per bin. */
  scores: Float64Array;
  /** GC fraction of the window centred on each bin (NaN where unscored). */
  gc: Float64Array;
}

export interface AnomalySegment {
  contig: string;
  /** 0-based, inclusive. */
  start: number;
  /** 0-based, exclusive. */
  end: number;
  reason: AnomalyReason;
  /** Mean track z-score over the segment's bins. */
  meanScore: number;
  /** Highest bin z-score inside the segment. */
  maxScore: number;
  /** GC fraction of the segment's A/C/G/T bases. */
  gc: number;
  /** BED score column, 0-1000, scaled from meanScore (see outputs.ts). */
  bedScore: number;
}

/** How scores became segments, in words and numbers, so a user can judge and redo the cut. */
export interface ScanThreshold {
  /** Track z-score above which a bin starts an anomalous segment. */
  value: number;
  /** How the threshold and segments were chosen, e.g. "2-state HMM fitted by EM; ...". */
  method: string;
  /** Fitted parameters of the segmenter (state means, sds, switch probability, ...). */
  parameters: Record<string, number>;
}

export interface ScanSettings {
  method: ScanMethod;
  windowSize: number;
  binSize: number;
  seed: number;
  region?: string;
  workers: number;
  /** Method-specific settings (Markov orders, model shape, training steps, ...). */
  details: Record<string, string | number | boolean>;
}

export interface ScanResult {
  genome: string;
  contigs: { name: string; length: number }[];
  settings: ScanSettings;
  tracks: ContigTrack[];
  segments: AnomalySegment[];
  threshold: ScanThreshold;
  /** Checkpoint the Reformer started from, or null (trained from scratch or no model used). */
  model: { source: string | null; trainedSteps: number; bitsPerBase?: number } | null;
  /** Wall seconds per phase, in the order they ran (e.g. read, fit, score, segment, write). */
  phases: { name: string; seconds: number }[];
  seconds: number;
  peakRssMb: number;
}

/** Progress events of a scan: the CLI draws a bar, the desktop a progress view. */
export interface ScanProgress {
  phase: string;
  done: number;
  total: number;
  /** What `done` and `total` count, e.g. "bases" or "steps". */
  unit: string;
}
