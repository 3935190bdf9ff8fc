/**
 * `locus variants`: germline and low-fraction SNV and indel calling from BAM. Opens and checks the
 * inputs, splits the regions into chunks, calls them on worker threads (the output is the same for
 * any number of workers), and writes a sorted VCF (bgzipped and tabix-indexed for `.vcf.gz`).
 */
import { LocusInputError } from '../../src/errors.js';
import { writeTabixIndex } from '../../src/io/tabix.js';
import { wantsBgzf } from '../../src/io/text-lines.js';
import { writeVcf } from '../../src/io/vcf.js';
import type { ResolvedRegion } from '../../src/io/region.js';
import { callChunks } from './chunk-pool.js';
import { openInputs, regionsToCall } from './inputs.js';
import type { CallChunk, CallSettings, VariantProgress } from './types.js';
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
  workers: 2,
};

export interface VariantsOptions extends CallSettings {
  bams: string[];
  reference: string;
  /** Output VCF path (`.vcf.gz`: BGZF + .tbi), or a writable stream. */
  output: string | NodeJS.WritableStream;
  region?: string;
  regionsFile?: string;
  workers: number;
  chunkSize: number;
  /** The command line, recorded in the VCF header. */
  command: string;
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
  try {
    const regions = await regionsToCall(inputs.reference, options);
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
    const calls = await callChunks({
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
    return {
      samples: inputs.samples,
      regions,
      calls: calls.length,
      passing: calls.filter((c) => c.filters.length === 0).length,
      snvs: calls.filter((c) => c.candidate.kind === 'snv').length,
      indels: calls.filter((c) => c.candidate.kind !== 'snv').length,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: peakRss / 2 ** 20,
      index,
    };
  } finally {
    await Promise.all([inputs.reference.close(), ...inputs.bams.map((b) => b.close())]);
  }
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
