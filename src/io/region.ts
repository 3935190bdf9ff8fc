/**
 * Region strings.
 *
 * Coordinates inside Locus are 0-based half-open `[start, end)`. At the command line, regions use
 * samtools syntax: 1-based inclusive, commas allowed (`chr1:1,000-2,000`), `chr1` alone for the whole
 * contig, `chr1:100` for 100 to the end, `chr1:-200` for 1 to 200. A contig whose name contains `:`
 * can be written `{HLA-A*01:01}:1-100`, as samtools accepts.
 */
import { LocusInputError } from '../errors.js';

/** A parsed region in 0-based half-open coordinates. `end` is undefined until resolved against a contig. */
export interface Region {
  contig: string;
  start: number;
  end: number | undefined;
}

/** A region resolved against contig lengths: `end` is known and `0 <= start <= end <= length`. */
export interface ResolvedRegion {
  contig: string;
  start: number;
  end: number;
}

const NUMBER = /^[0-9][0-9,]*$/;

function parsePosition(text: string, region: string): number {
  if (!NUMBER.test(text)) {
    throw new LocusInputError(
      region,
      `Malformed region "${region}": "${text}" is not a position`,
      'write regions as CHROM, CHROM:START-END or CHROM:START (1-based, inclusive)',
    );
  }
  const value = Number(text.replaceAll(',', ''));
  if (!Number.isSafeInteger(value)) {
    throw new LocusInputError(region, `Malformed region "${region}": position ${text} is too large`);
  }
  return value;
}

/**
 * Parse a samtools-style region string. `knownContigs`, when given, lets a contig whose name itself
 * contains `:` be matched whole (samtools does the same lookup).
 */
export function parseRegion(text: string, knownContigs?: ReadonlySet<string>): Region {
  const region = text.trim();
  if (region === '') {
    throw new LocusInputError(text, 'Empty region', 'write regions as CHROM, CHROM:START-END or CHROM:START');
  }
  let contig: string;
  let range: string | undefined;
  if (region.startsWith('{')) {
    const close = region.indexOf('}');
    if (close < 0) throw new LocusInputError(text, `Malformed region "${text}": "{" without "}"`);
    contig = region.slice(1, close);
    const rest = region.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) {
      throw new LocusInputError(text, `Malformed region "${text}": expected ":" after "}"`);
    }
    range = rest === '' ? undefined : rest.slice(1);
  } else if (knownContigs?.has(region)) {
    contig = region;
  } else {
    const colon = region.lastIndexOf(':');
    if (colon < 0) {
      contig = region;
    } else {
      contig = region.slice(0, colon);
      range = region.slice(colon + 1);
    }
  }
  if (contig === '') throw new LocusInputError(text, `Malformed region "${text}": no contig name`);
  if (range === undefined || range === '') return { contig, start: 0, end: undefined };

  const dash = range.indexOf('-');
  if (dash < 0) {
    const begin = parsePosition(range, text);
    if (begin < 1) throw new LocusInputError(text, `Malformed region "${text}": positions start at 1`);
    return { contig, start: begin - 1, end: undefined };
  }
  const beginText = range.slice(0, dash);
  const endText = range.slice(dash + 1);
  const begin = beginText === '' ? 1 : parsePosition(beginText, text);
  if (begin < 1) throw new LocusInputError(text, `Malformed region "${text}": positions start at 1`);
  const end = endText === '' ? undefined : parsePosition(endText, text);
  if (end !== undefined && end < begin) {
    throw new LocusInputError(
      text,
      `Malformed region "${text}": end ${end} is before start ${begin}`,
      'regions are CHROM:START-END with START <= END',
    );
  }
  return { contig, start: begin - 1, end };
}

/**
 * Check a region against contig lengths and fill in its end. Unknown contigs and starts past the end
 * are errors (samtools prints nothing for them, which users mistake for "no data"); an end past the
 * contig end is clipped, as samtools does.
 */
export function resolveRegion(
  region: Region,
  lengths: ReadonlyMap<string, number>,
  source: string,
): ResolvedRegion {
  const length = lengths.get(region.contig);
  const shown = formatRegion(region);
  if (length === undefined) {
    const names = [...lengths.keys()];
    const listed = names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length} in all)` : '');
    throw new LocusInputError(
      shown,
      `Unknown contig "${region.contig}" in region "${shown}" for "${source}"`,
      `contigs are: ${listed || '(none)'}`,
    );
  }
  if (region.start >= length && !(region.start === 0 && length === 0)) {
    throw new LocusInputError(
      shown,
      `Region "${shown}" starts past the end of ${region.contig} (length ${length.toLocaleString('en-US')}) in "${source}"`,
      `use a start between 1 and ${length}`,
    );
  }
  const end = region.end === undefined ? length : Math.min(region.end, length);
  return { contig: region.contig, start: region.start, end };
}

/** Format a region in samtools syntax (1-based inclusive), as users type it. */
export function formatRegion(region: Region | ResolvedRegion): string {
  const contig = region.contig.includes(':') ? `{${region.contig}}` : region.contig;
  if (region.end === undefined) return region.start === 0 ? contig : `${contig}:${region.start + 1}`;
  return `${contig}:${region.start + 1}-${region.end}`;
}

/** Regions sorted in the order of `contigs` (reference order), overlapping and touching ones merged. */
export function mergeRegions(
  regions: readonly ResolvedRegion[],
  contigs: readonly string[],
): ResolvedRegion[] {
  const order = new Map(contigs.map((name, i) => [name, i]));
  const sorted = [...regions].sort(
    (a, b) => order.get(a.contig)! - order.get(b.contig)! || a.start - b.start,
  );
  const merged: ResolvedRegion[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.contig === r.contig && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
