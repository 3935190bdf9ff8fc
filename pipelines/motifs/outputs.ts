/**
 * The output folder of `locus motifs`, readable without Locus:
 *   motifs.meme     MEME minimal format, best first (Biopython, Tomtom, FIMO, SEA read it)
 *   logos/          N.svg and N_rc.svg: each motif's logo, both orientations
 *   sites.tsv       every site: motif, sequence, 0-based start, end, strand, score (bits), p-value, site
 *   sites.bed       the same as BED6 (sequence name as chrom), sorted as `bedtools sort` sorts
 *   report.html     one self-contained page (report.ts)
 *   summary.json    motifs, matches, inputs, settings, time and peak memory
 *   model/best/     with --train-model: the classifier, for `--model OUT/model/best` next time
 * Written into a staging folder renamed into place at the end (src/replace-folder.ts).
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byBedPosition, formatBed, type BedRecord } from '../../src/io/bed.js';
import { replaceFolder } from '../../src/replace-folder.js';
import { logoSvg } from './logo.js';
import { formatMeme } from './meme-format.js';
import type { MotifsResult } from './motifs.js';
import { motifsReportHtml } from './report.js';

export const OUTPUT_FILES = [
  'motifs.meme',
  'logos/',
  'sites.tsv',
  'sites.bed',
  'report.html',
  'summary.json',
] as const;

export function motifsMeme(result: MotifsResult): string {
  return formatMeme({
    background: result.letters,
    motifs: result.motifs.map((m) => ({
      id: m.id,
      name: `locus-${m.rank}`,
      matrix: m.matrix,
      sites: m.targetSites,
      evalue: m.evalue,
    })),
  });
}

export function sitesTsv(result: MotifsResult): string {
  const lines = ['motif\tsequence\tstart\tend\tstrand\tscore\tpvalue\tsite'];
  for (const s of result.sites) {
    lines.push(
      [
        s.motifId,
        s.sequence,
        s.start,
        s.end,
        s.strand,
        s.score.toFixed(3),
        s.pvalue.toExponential(2),
        s.text,
      ].join('\t'),
    );
  }
  return lines.join('\n') + '\n';
}

/** BED6: score 0-1000 from -10 log10 p (capped), so stronger sites are darker in IGV. */
export function sitesBed(result: MotifsResult): string {
  const records: BedRecord[] = result.sites.map((s) => ({
    chrom: s.sequence,
    start: s.start,
    end: s.end,
    name: s.motifId,
    score: Math.min(1000, Math.round(-100 * Math.log10(Math.max(s.pvalue, 1e-10)))),
    strand: s.strand,
  }));
  return formatBed(records.sort(byBedPosition));
}

export function motifsSummary(result: MotifsResult, version: string): Record<string, unknown> {
  const { sites, ...rest } = result;
  return { tool: 'locus motifs', version, ...rest, sites: sites.length, outputs: OUTPUT_FILES };
}

export async function writeMotifsOutputs(
  result: MotifsResult,
  folder: string,
  version: string,
  command: string,
  /** A checkpoint folder trained by this run, copied to model/best. */
  trainedModel?: string,
): Promise<void> {
  // Where the trained model will live once the folder is in place, not the run folder it came from.
  if (trainedModel && result.model)
    result = { ...result, model: { ...result.model, checkpoint: join(folder, 'model', 'best') } };
  await replaceFolder(folder, async (staging) => {
    if (trainedModel) await cp(trainedModel, join(staging, 'model', 'best'), { recursive: true });
    await writeFile(join(staging, 'motifs.meme'), motifsMeme(result));
    await mkdir(join(staging, 'logos'));
    for (const m of result.motifs) {
      const options = { background: result.letters, title: `${m.id} (E ${m.evalue.toExponential(1)})` };
      await writeFile(join(staging, 'logos', `${m.rank}.svg`), logoSvg(m.matrix, options));
      await writeFile(
        join(staging, 'logos', `${m.rank}_rc.svg`),
        logoSvg(m.matrix, { ...options, reverseComplement: true }),
      );
    }
    await writeFile(join(staging, 'sites.tsv'), sitesTsv(result));
    await writeFile(join(staging, 'sites.bed'), sitesBed(result));
    await writeFile(join(staging, 'report.html'), motifsReportHtml(result, command));
    await writeFile(
      join(staging, 'summary.json'),
      JSON.stringify(motifsSummary(result, version), null, 2) + '\n',
    );
  });
}
