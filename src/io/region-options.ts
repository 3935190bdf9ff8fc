/**
 * The part of a genome a command reads, from its `--region` and `--regions-file` options: one region,
 * the records of a BED file (in reference order, overlapping and touching ones merged, so no base is
 * read twice), or every contig whole. Shared by the commands that take both options (scan, variants).
 */
import { LocusInputError } from '../errors.js';
import { readBed } from './bed.js';
import { mergeRegions, parseRegion, resolveRegion, type ResolvedRegion } from './region.js';

export interface RegionOptions {
  region?: string;
  regionsFile?: string;
}

/** Every contig, whole, in the order given. */
export function wholeContigs(contigs: readonly { name: string; length: number }[]): ResolvedRegion[] {
  return contigs.map((c) => ({ contig: c.name, start: 0, end: c.length }));
}

/**
 * The regions `options` choose on `contigs` (reference order); `source` names the sequence file in
 * errors about a region outside it.
 */
export async function regionsOfOptions(
  options: RegionOptions,
  contigs: readonly { name: string; length: number }[],
  source: string,
): Promise<ResolvedRegion[]> {
  if (options.region !== undefined && options.regionsFile !== undefined)
    throw new LocusInputError('--region', 'Give --region or --regions-file, not both');
  const lengths = new Map(contigs.map((c) => [c.name, c.length]));
  if (options.region !== undefined)
    return [resolveRegion(parseRegion(options.region, new Set(lengths.keys())), lengths, source)];
  if (options.regionsFile === undefined) return wholeContigs(contigs);
  const records = await readBed(options.regionsFile);
  if (records.length === 0)
    throw new LocusInputError(
      options.regionsFile,
      `Regions file "${options.regionsFile}" has no regions`,
      'give a BED file with at least one line',
    );
  const regions = records.map((r) =>
    resolveRegion({ contig: r.chrom, start: r.start, end: r.end }, lengths, source),
  );
  return mergeRegions(
    regions,
    contigs.map((c) => c.name),
  );
}
