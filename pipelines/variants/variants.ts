/**
 * `locus variants`: germline and low-fraction SNV and indel calling from BAM. Opens and checks the
 * inputs, splits the regions into chunks, calls them on worker threads (the output is the same for
 * any number of workers), and writes a sorted VCF (bgzipped and tabix-indexed for `.vcf.gz`).
 */
import { availableParallelism } from 'node:os';
import { LocusInputError } from '../../src/errors.js';
import { writeTabixIndex } from '../../src/io/tabix.js';
import { wantsBgzf } from '../../src/io/text-lines.js';
import { writeVcf } from '../../src/io/vcf.js';
import { writeFileAtomic } from '../../src/io/files.js';
import type { ResolvedRegion } from '../../src/io/region.js';
import { callChunks } from './chunk-pool.js';
import { planShards } from './shards.js';
import type { LlrModel } from './llr.js';
import { openInputs, regionsToCall, type OpenedInputs } from './inputs.js';
import { CONTEXT_BASES, rankCalls, reportedCalls, variantsReportHtml, type CallContext } from './report.js';
import type { CallChunk, CallSettings, VariantCall, VariantProgress } from './types.js';
import { variantRecord, variantsHeader } from './vcf-output.js';

export const VARIANT_DEFAULTS: CallSettings & { chunkSize: number; workers: number } = {
  ploidy: 2,
  minAf: undefined,
  minMapQ: 1,
  minBaseQ: 13,
  minAltReads: 2,
  minQual: 20,
  variantPrior: 1.1e-3,
  indelErrorRate: 1e-4,
  chunkSize: 50_000,
  workers: defaultWorkers(),
};

/**
 * One calling thread per core beyond the first, up to 4: BGZF blocks are inflated on libuv's thread
 * pool ahead of the reader, so one calling thread already keeps about 1.4 cores busy. On 2 cores a
 * second worker gave no speed (8.6 s against 9.2 s on the 30x benchmark sample) for 140 MB more.
 */
function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** Threads the model reads windows on after calling with `workers`: those and the main thread, at most one per core. */
export function scoringThreads(workers: number): number {
  return Math.max(1, Math.min(availableParallelism(), workers + 1));
}

export interface VariantsOptions extends CallSettings {
  bams: string[];
  reference: string;
  /** Output VCF path (`.vcf.gz`: BGZF + .tbi), or a writable stream. */
  output: string | NodeJS.WritableStream;
  region?: string;
  regionsFile?: string;
  /** Call only shard `index` (1-based) of `count` of the regions, as `locus shards` cuts them on the chunk grid. */
  shard?: { index: number; count: number };
  workers: number;
  chunkSize: number;
  /** The command line, recorded in the VCF header. */
  command: string;
  /** Masked-LM checkpoint folder (or shipped model name): adds INFO/LLR to every call it can score. */
  model?: string;
  /** TensorFlow.js backend for the model: auto (default), tensorflow-gpu, tensorflow, wasm or cpu. */
  backend?: string;
  /** Path of the HTML report ranking the alleles to look at first (report.ts). */
  report?: string;
  signal?: AbortSignal;
  onProgress?: (p: VariantProgress) => void;
}

export interface VariantsResult {
  samples: string[];
  regions: ResolvedRegion[];
  calls: number;
  passing: number;
  snvs: number;
  indels: number;
  seconds: number;
  peakRssMb: number;
  index?: string;
  report?: string;
  /**
   * With a model, INFO/LLR's scoring apart from the calling: the checkpoint, the calls given an LLR,
   * windows read, forward passes run and the reference bases they read (summed over passes).
   */
  llr?: {
    model: string;
    scored: number;
    windows: number;
    passes: number;
    basesRead: number;
    seconds: number;
  };
}

export async function callVariants(options: VariantsOptions): Promise<VariantsResult> {
  const started = performance.now();
  if (options.minAf !== undefined && !(options.minAf > 0 && options.minAf < 1)) {
    throw new LocusInputError(
      '--min-af',
      `--min-af ${options.minAf} is outside (0, 1)`,
      'give a fraction such as 0.05',
    );
  }
  const inputs = await openInputs(options.bams, options.reference, options.signal);
  let peakRss = process.memoryUsage().rss;
  let scorer: LlrModel | undefined;
  try {
    // Loaded before calling starts, so a bad --model fails at once. Imported on demand: TensorFlow.js
    // takes ~0.6 s to import, which runs without a model should not pay.
    if (options.model !== undefined) {
      const { loadLlrModel } = await import('./llr.js');
      scorer = await loadLlrModel(options.model, options.backend);
    }
    const regions = shardToCall(await regionsToCall(inputs.reference, options), options);
    const chunks = planChunks(regions, options.chunkSize);
    const total = chunks.reduce((n, c) => n + c.end - c.start, 0);
    let done = 0;
    options.onProgress?.({ phase: 'calling', done, total, unit: 'bases' });
    const settings: CallSettings = {
      ploidy: options.ploidy,
      minAf: options.minAf,
      minMapQ: options.minMapQ,
      minBaseQ: options.minBaseQ,
      minAltReads: options.minAltReads,
      minQual: options.minQual,
      variantPrior: options.variantPrior,
      indelErrorRate: options.indelErrorRate,
    };
    let calls = await callChunks({
      chunks,
      workers: options.workers,
      setup: { reference: inputs.reference.path, bams: options.bams, settings },
      inputs: { reference: inputs.reference, bams: inputs.bams, lengths: inputs.reference.lengths() },
      signal: options.signal,
      onChunkDone: (chunk) => {
        done += chunk.end - chunk.start;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        options.onProgress?.({ phase: 'calling', done, total, unit: 'bases' });
      },
    });
    options.signal?.throwIfAborted();
    let llr: VariantsResult['llr'];
    if (scorer) {
      const scoringStarted = performance.now();
      const { expectedPasses, MIN_WINDOWS_PER_THREAD, scoreVariants, startLlrThreads } =
        await import('./llr.js');
      // Calling is over: its workers and this thread, idle while the model runs, read windows; a
      // job of a few windows stays on this thread, where it finishes before threads would start.
      const threads = scoringThreads(options.workers);
      if (expectedPasses(calls, scorer) >= MIN_WINDOWS_PER_THREAD * threads)
        await startLlrThreads(scorer, threads);
      const scoring = await scoreVariants(calls, inputs.reference, scorer, {
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ phase: 'scoring', done, total, unit: 'windows' }),
      });
      calls = calls.map((c, i) => ({ ...c, llr: scoring.llr[i] }));
      llr = {
        model: scorer.path,
        scored: scoring.llr.filter((x) => x !== undefined).length,
        windows: scoring.windows,
        passes: scoring.passes,
        basesRead: scoring.basesRead,
        seconds: (performance.now() - scoringStarted) / 1000,
      };
    }
    const lowFraction = options.minAf !== undefined;
    const header = variantsHeader({
      contigs: inputs.reference.contigs(),
      reference: options.reference,
      samples: inputs.samples,
      lowFraction,
      withModel: calls.some((c) => c.llr !== undefined),
      command: options.command,
    });
    // Chunks come back in reference order and each is sorted by position: the calls are sorted.
    await writeVcf(
      options.output,
      header,
      calls.map((c) => variantRecord(c, lowFraction)),
      {
        signal: options.signal,
      },
    );
    const index =
      typeof options.output === 'string' && wantsBgzf(options.output)
        ? await writeTabixIndex(options.output, 'vcf', { signal: options.signal })
        : undefined;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const seconds = (performance.now() - started) / 1000;
    if (options.report !== undefined) {
      await writeReport(options.report, calls, inputs, options, { seconds, peakRssMb: peakRss / 2 ** 20 });
    }
    return {
      samples: inputs.samples,
      regions,
      calls: calls.length,
      passing: calls.filter((c) => c.filters.length === 0).length,
      snvs: calls.filter((c) => c.candidate.kind === 'snv').length,
      indels: calls.filter((c) => c.candidate.kind !== 'snv').length,
      seconds,
      peakRssMb: peakRss / 2 ** 20,
      index,
      report: options.report,
      llr,
    };
  } finally {
    if (scorer) await (await import('./llr.js')).closeLlrModel(scorer);
    await Promise.all([inputs.reference.close(), ...inputs.bams.map((b) => b.close())]);
  }
}

/** report.html: the ranked tables of report.ts, with the reference around each allele shown. */
async function writeReport(
  path: string,
  calls: readonly VariantCall[],
  inputs: OpenedInputs,
  options: VariantsOptions,
  cost: { seconds: number; peakRssMb: number },
): Promise<void> {
  const rankings = rankCalls(calls, options.model !== undefined, options.minAf !== undefined);
  const contexts = new Map<VariantCall, CallContext>();
  const lengths = inputs.reference.lengths();
  for (const call of reportedCalls(rankings)) {
    const { pos, ref } = call.candidate;
    // One fetch per call: the flanks and REF between them.
    const start = Math.max(0, pos - CONTEXT_BASES);
    const end = Math.min(lengths.get(call.contig)!, pos + ref.length + CONTEXT_BASES);
    const bases = await inputs.reference.fetch(
      { contig: call.contig, start, end },
      { uppercase: true, signal: options.signal },
    );
    contexts.set(call, { before: bases.slice(0, pos - start), after: bases.slice(pos + ref.length - start) });
  }
  const html = variantsReportHtml({
    bams: options.bams,
    reference: options.reference,
    samples: inputs.samples,
    calls,
    contexts,
    ploidy: options.ploidy,
    minAf: options.minAf,
    model: options.model,
    regions: options.region ?? options.regionsFile ?? 'all contigs',
    settings: [
      ['--ploidy', String(options.ploidy)],
      ['--min-af', options.minAf === undefined ? '(germline mode)' : String(options.minAf)],
      ['--min-qual', String(options.minQual)],
      ['--min-mq', String(options.minMapQ)],
      ['--min-bq', String(options.minBaseQ)],
      ['--model', options.model ?? '(none)'],
      ['--workers', String(options.workers)],
      ['--chunk-size', String(options.chunkSize)],
    ],
    command: options.command,
    ...cost,
  });
  await writeFileAtomic(path, html);
}

/**
 * With `shard`, its part of the regions: shards are cut on the chunk grid, so a shard is called in the
 * chunks of an unsharded run and the shards' VCFs together equal it.
 */
function shardToCall(regions: ResolvedRegion[], options: VariantsOptions): ResolvedRegion[] {
  if (options.shard === undefined) return regions;
  const { index, count } = options.shard;
  const shards = planShards(regions, { count, grid: options.chunkSize });
  const shard = shards[index - 1];
  if (shard === undefined)
    throw new LocusInputError(
      '--shard',
      `--shard ${index}/${count}: the regions make only ${shards.length} shard${shards.length === 1 ? '' : 's'} of whole ${options.chunkSize.toLocaleString('en-US')}-base chunks`,
      `give a shard from 1 to ${shards.length} (\`locus shards --count ${count} --grid ${options.chunkSize}\` lists them), or a smaller --chunk-size`,
    );
  return shard.intervals;
}

/** Regions cut into chunks of at most `size` bases, in reference order. */
export function planChunks(regions: readonly ResolvedRegion[], size: number): CallChunk[] {
  const chunks: CallChunk[] = [];
  for (const r of regions) {
    for (let start = r.start; start < r.end; start += size)
      chunks.push({ contig: r.contig, start, end: Math.min(r.end, start + size) });
  }
  return chunks;
}
