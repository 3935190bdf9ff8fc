/**
 * The output folder of a scan, readable without Locus:
 *   anomalies.bed     BED6 segments: name = reason, score = 0-1000 from the mean z-score, strand '.'
 *   scores.bedgraph   the per-bin z-score track (NaN bins left out), for IGV next to the genome
 *   report.html       one self-contained page (report.ts)
 *   summary.json      segments, threshold, settings, model, time per phase, peak memory
 *
 * Files are sorted as `bedtools sort` sorts (contig name, then start), so `bedtools sort` leaves them
 * unchanged. Everything is written into a sibling staging folder that is renamed into place at the end
 * (src/replace-folder.ts): an interrupted or failed scan leaves no half-written folder behind.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byBedPosition, formatBed, type BedRecord } from '../../src/io/bed.js';
import { formatBedGraph, type BedGraphRecord } from '../../src/io/bedgraph.js';
import { replaceFolder } from '../../src/replace-folder.js';
import { scanReportHtml } from './report.js';
import type { ScanResult } from './types.js';

export const OUTPUT_FILES = ['anomalies.bed', 'scores.bedgraph', 'report.html', 'summary.json'] as const;

export function anomalyBed(result: ScanResult): string {
  const records: BedRecord[] = result.segments.map((s) => ({
    chrom: s.contig,
    start: s.start,
    end: s.end,
    name: s.reason,
    score: s.bedScore,
    strand: '.',
  }));
  return formatBed(records.sort(byBedPosition), { columns: 6 });
}

export function scoreBedGraph(result: ScanResult): string {
  const records: BedGraphRecord[] = [];
  for (const track of result.tracks) {
    for (let i = 0; i < track.scores.length; i++) {
      const value = track.scores[i]!;
      if (!Number.isFinite(value)) continue;
      const start = track.start + i * track.binSize;
      const end = Math.min(track.start + track.length, start + track.binSize);
      records.push({ chrom: track.contig, start, end, value: Math.round(value * 1000) / 1000 });
    }
  }
  return formatBedGraph(records.sort(byBedPosition));
}

/** summary.json: everything but the per-bin tracks (those are in scores.bedgraph). */
export function scanSummary(result: ScanResult, version: string): Record<string, unknown> {
  const { tracks, ...rest } = result;
  void tracks;
  return { tool: 'locus scan', version, ...rest, outputs: OUTPUT_FILES };
}

/** Write the four outputs into `folder` (replacing it when it exists), atomically as a folder. */
export async function writeScanOutputs(result: ScanResult, folder: string, version: string): Promise<void> {
  await replaceFolder(folder, async (staging) => {
    await writeFile(join(staging, 'anomalies.bed'), anomalyBed(result));
    await writeFile(join(staging, 'scores.bedgraph'), scoreBedGraph(result));
    await writeFile(join(staging, 'report.html'), scanReportHtml(result));
    await writeFile(
      join(staging, 'summary.json'),
      JSON.stringify(scanSummary(result, version), null, 2) + '\n',
    );
  });
}
