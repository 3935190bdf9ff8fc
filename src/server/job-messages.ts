/**
 * What the job manager (jobs.ts) and a job's worker thread (job-worker.ts) say to each other. Jobs
 * arrive here with file ids already turned into paths, and with every default filled in.
 */
import type { LocusAttention } from '../../pipelines/attention/locus-attention.js';
import type { HeadMode, ViewRounds } from '../../pipelines/attention/types.js';
import type { Anchor } from '../../pipelines/motifs/positional.js';

interface Common {
  /** Locus version, written into outputs. */
  version: string;
  force: boolean;
}

export type WorkerJob =
  | (Common & {
      kind: 'scan';
      genome: string;
      output: string;
      method: 'reformer' | 'markov' | 'gc';
      region?: string;
      model?: string;
      steps?: number;
    })
  | (Common & {
      kind: 'variants';
      reference: string;
      bams: string[];
      output: string;
      ploidy: 1 | 2;
      region?: string;
      minAf?: number;
      model?: string;
    })
  | (Common & {
      kind: 'motifs';
      targets: string;
      background?: string;
      output: string;
      maxMotifs: number;
      anchor?: Anchor;
    })
  | (Common & {
      kind: 'attention';
      fasta: string;
      model: string;
      region: string;
      layer: number;
      head: HeadMode;
      rounds: ViewRounds;
      queryStep: number;
      topK: number;
    });

export type WorkerMessage =
  | { type: 'progress'; phase: string; done: number; total: number; unit: string }
  | { type: 'log'; line: string }
  | { type: 'partial'; attention: LocusAttention }
  | { type: 'done'; outputs: string[]; attention?: LocusAttention }
  | { type: 'failed'; message: string; cancelled: boolean };

/** To the attention service's long-lived worker (attention-worker.ts). */
export type AttentionServiceRequest =
  | { type: 'run'; id: string; job: Extract<WorkerJob, { kind: 'attention' }> }
  | { type: 'cancel'; id: string };

/** From it: one job's message, tagged with the job's id. */
export interface AttentionServiceReply {
  id: string;
  message: WorkerMessage;
}
