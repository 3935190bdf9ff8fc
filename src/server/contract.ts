/**
 * The desktop API contract: every request and response the renderer and `src/server` exchange.
 *
 * One file, shared by both sides: the server validates request bodies with these zod schemas (a bad
 * request gets 400 and zod's message); the renderer imports only the inferred types (`import type`),
 * so zod never reaches the browser bundle.
 *
 * Coordinates are 0-based half-open (`start`, `end`) in every field, as inside the rest of Locus;
 * the UI shows them 1-based, as samtools and IGV do.
 */
import { z } from 'zod';
import type { LocusAttention } from '../../pipelines/attention/types.js';

/** Every request carries this per-launch token: as a header, a cookie (set by the first page load) or `?token=`. */
export const TOKEN_HEADER = 'x-locus-token';
export const TOKEN_COOKIE = 'locus_token';

// ---------------------------------------------------------------------------------------------------
// Files the user opened

export const FILE_KINDS = ['fasta', 'bam', 'cram', 'vcf', 'bed', 'bedgraph'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** An opened file as the renderer sees it: served under `url` (and its index under `indexUrl`). */
export interface OpenedFile {
  id: string;
  kind: FileKind;
  /** Absolute path on the machine running the server (shown to the user, never sent back to read). */
  path: string;
  name: string;
  url: string;
  indexUrl?: string;
  /** bgzip FASTA only: the .gzi block index. */
  gziUrl?: string;
  /** FASTA only: contig names and lengths, in file order. */
  contigs?: { name: string; length: number }[];
}

export const OpenFileRequest = z.object({
  path: z.string().min(1, 'give the path of a file to open'),
});
export type OpenFileRequest = z.infer<typeof OpenFileRequest>;

// ---------------------------------------------------------------------------------------------------
// Regions: samtools syntax in, 0-based half-open out

export const ResolveLocusRequest = z.object({
  /** The FASTA whose contigs the region names. */
  genome: z.string().min(1),
  /** `chr1`, `chr1:1,000-2,000` or `chr1:1000` (1-based inclusive), as samtools takes them. */
  region: z.string().min(1, 'type a region such as chr1:1,000-2,000'),
});
export type ResolveLocusRequest = z.infer<typeof ResolveLocusRequest>;

export interface Locus {
  contig: string;
  start: number;
  end: number;
  /** The region as samtools would print it (1-based inclusive). */
  text: string;
}

// ---------------------------------------------------------------------------------------------------
// Models

export interface ModelInfo {
  /** A shipped model's name, or a checkpoint folder the user fine-tuned in this session. */
  name: string;
  path: string;
  description: string;
  layers: number;
  heads: number;
  /** LSH hash rounds per layer. */
  rounds: number;
  /** Bases one forward pass reads (maxLength tokens as bases). */
  contextBases: number;
  layerKinds: string[];
}

// ---------------------------------------------------------------------------------------------------
// Jobs

const folder = z.string().min(1, 'give an output folder');
const fileId = z.string().min(1);

export const ScanJobOptions = z.object({
  kind: z.literal('scan'),
  genome: fileId,
  output: folder,
  method: z.enum(['reformer', 'markov', 'gc']).default('markov'),
  region: z.string().optional(),
  model: z.string().optional(),
  steps: z.number().int().min(1).max(100_000).optional(),
  force: z.boolean().default(false),
});

export const VariantsJobOptions = z.object({
  kind: z.literal('variants'),
  genome: fileId,
  bams: z.array(fileId).min(1, 'choose at least one opened BAM'),
  /** A `.vcf.gz` path; the index is written beside it. */
  output: z.string().regex(/\.vcf\.gz$/, 'the output must end in .vcf.gz'),
  ploidy: z.union([z.literal(1), z.literal(2)]).default(2),
  region: z.string().optional(),
  minAf: z.number().min(0).max(1).optional(),
  model: z.string().optional(),
  force: z.boolean().default(false),
});

export const MotifsJobOptions = z.object({
  kind: z.literal('motifs'),
  /** Opened FASTA of target sequences. */
  targets: fileId,
  background: fileId.optional(),
  output: folder,
  maxMotifs: z.number().int().min(1).max(50).default(5),
  /** Where the targets are aligned: positional motifs are sought too (locus motifs --anchor). */
  anchor: z.enum(['start', 'center', 'end']).optional(),
  force: z.boolean().default(false),
});

export const FinetuneJobOptions = z.object({
  kind: z.literal('finetune'),
  /** Labeled sequences: paths on the server's machine (TSV/CSV, FASTA with label=, or BED). */
  train: z.string().min(1),
  val: z.string().min(1),
  from: z.string().min(1),
  output: folder,
  steps: z.number().int().min(1).max(1_000_000).default(200),
  force: z.boolean().default(false),
});

/** How the attention of several heads is combined. */
export const HEAD_MODES = ['mean', 'max'] as const;

export const AttentionJobOptions = z.object({
  kind: z.literal('attention'),
  genome: fileId,
  model: z.string().min(1),
  /** Samtools syntax; resolved against the genome's contigs. */
  region: z.string().min(1),
  layer: z.number().int().min(0),
  /** One head (0-based), or every head combined. */
  head: z.union([z.number().int().min(0), z.enum(HEAD_MODES)]).default('mean'),
  /** LSH hash rounds: merged as the model combines them, the strongest per key, or one round (0-based). */
  rounds: z.union([z.enum(['merged', 'max']), z.number().int().min(0)]).default('merged'),
  /** One query token every `queryStep` bases (downsampling; 0 = choose from the region length). */
  queryStep: z.number().int().min(0).max(100_000).default(0),
  topK: z.number().int().min(1).max(64).default(8),
});

export const JobRequest = z.discriminatedUnion('kind', [
  ScanJobOptions,
  VariantsJobOptions,
  MotifsJobOptions,
  FinetuneJobOptions,
  AttentionJobOptions,
]);
export type JobRequest = z.infer<typeof JobRequest>;
export type JobKind = JobRequest['kind'];
export type AttentionJobOptions = z.infer<typeof AttentionJobOptions>;

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  unit: string;
  /** Seconds left at the current phase's rate; null when unknown. */
  etaSeconds: number | null;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  /** One line: what runs on what. */
  title: string;
  startedAt: string;
  finishedAt?: string;
  progress?: JobProgress;
  /** Log lines, oldest first (the newest 200). */
  log: string[];
  error?: string;
  /** Files the job wrote, opened as tracks when it finished. */
  outputs: OpenedFile[];
  /** Output folder or file on the server's machine. */
  output?: string;
}

/** Server-sent events on `/api/events`: the full job record whenever it changes. */
export interface JobEvent {
  type: 'job';
  job: JobInfo;
}

// ---------------------------------------------------------------------------------------------------
// Attention over a locus (the result of an 'attention' job)

/** The result of an 'attention' job (pipelines/attention/types.ts). */
export type AttentionView = LocusAttention;

// ---------------------------------------------------------------------------------------------------
// Sessions

export const Session = z.object({
  version: z.literal(1),
  /** Paths of the opened files; the genome first. */
  files: z.array(z.object({ path: z.string().min(1), kind: z.enum(FILE_KINDS) })),
  genome: z.string().optional(),
  locus: z.string().optional(),
  attention: AttentionJobOptions.omit({ genome: true, kind: true }).partial().optional(),
});
export type Session = z.infer<typeof Session>;

export interface RestoredSession {
  files: OpenedFile[];
  genome?: string;
  locus?: string;
  attention?: Session['attention'];
}

export interface AppState {
  version: string;
  files: OpenedFile[];
  jobs: JobInfo[];
  models: ModelInfo[];
  /** Where output folders go unless the user says otherwise. */
  workDir: string;
}

/** Every error the API returns. */
export interface ApiError {
  error: string;
}
