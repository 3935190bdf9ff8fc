/**
 * Attention over a locus as the desktop shows it (what pipelines/attention/locus-attention.ts
 * computes and src/server/contract.ts sends). Import-free, so the renderer can use it as a type.
 */

/** One head (0-based), or every head combined: averaged ('mean') or the strongest per key ('max'). */
export type HeadMode = number | 'mean' | 'max';

/** How LSH hash rounds combine: as the model merges them, the strongest per key, or one round. */
export type ViewRounds = 'merged' | 'max' | number;

export interface LocusAttention {
  model: string;
  contig: string;
  /** The locus shown (0-based half-open). */
  start: number;
  end: number;
  layer: number;
  head: HeadMode;
  /** How LSH hash rounds are combined (as src/model/attention-export.ts RoundsMode). */
  rounds: ViewRounds;
  heads: number;
  layerKind: string;
  /** Model contexts the locus was read in: attention never crosses from one to another. */
  contexts: { start: number; end: number }[];
  /** How many of them this view holds: fewer while the job still runs (a partial view). */
  contextsRead: number;
  /** Bases per query token shown (1 = every token). */
  queryStep: number;
  topK: number;
  /** Query i covers [queryStarts[i], queryEnds[i]). */
  queryStarts: number[];
  queryEnds: number[];
  /** (queries * topK): key genome starts and ends, -1 where a query has fewer keys; weights sum to <= 1 per query. */
  keyStarts: number[];
  keyEnds: number[];
  weights: number[];
  /** How the view was computed, in one sentence for the screen. */
  method: string;
  seconds: number;
  /** Where the seconds went: backend and weights, worker threads (each builds the model), the contexts. */
  timings?: {
    loadModel: number;
    startWorkers: number;
    compute: number;
    workers: number;
    /** Contexts taken from the cache of an earlier view (the desktop's; 0 elsewhere). */
    contextsCached: number;
  };
}
