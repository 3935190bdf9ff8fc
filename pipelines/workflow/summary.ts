/**
 * One sample's results in a batch run, gathered from the files the pipelines wrote (scan's and motifs'
 * summary.json, the merged VCF), so the cohort table reads one small JSON per sample.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { formatRegion } from '../../src/io/region.js';
import { openVcf } from '../../src/io/vcf.js';

export interface ScanSummary {
  folder: string;
  method: string;
  /** Bases of the genome (all contigs). */
  genomeBases: number;
  segments: number;
  anomalousBases: number;
  /** The strongest segments (highest mean z), strongest first. */
  top: { region: string; bases: number; reason: string; meanZ: number; gc: number }[];
}

export interface VariantsSummary {
  vcf: string;
  samples: string[];
  records: number;
  passing: number;
  snvs: number;
  indels: number;
  /** Records failing each named filter (a record may fail several). */
  filtered: Record<string, number>;
}

export interface MotifsSummary {
  folder: string;
  motifs: number;
  top: {
    id: string;
    consensus: string;
    evalue: number;
    match?: { id: string; name: string; similarity: number };
  }[];
}

export interface SampleSummary {
  sample: string;
  pipelines: string[];
  scan?: ScanSummary;
  variants?: VariantsSummary;
  motifs?: MotifsSummary;
}

const TOP = 5;

export async function summarizeSample(options: {
  sample: string;
  scan?: string;
  variants?: string;
  motifs?: string;
}): Promise<SampleSummary> {
  const pipelines: string[] = [];
  const summary: SampleSummary = { sample: options.sample, pipelines };
  if (options.scan !== undefined) {
    pipelines.push('scan');
    summary.scan = await summarizeScan(options.scan);
  }
  if (options.variants !== undefined) {
    pipelines.push('variants');
    summary.variants = await summarizeVariants(options.variants);
  }
  if (options.motifs !== undefined) {
    pipelines.push('motifs');
    summary.motifs = await summarizeMotifs(options.motifs);
  }
  return summary;
}

async function readSummaryJson(folder: string, tool: string): Promise<Record<string, unknown>> {
  const path = join(folder, 'summary.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new LocusInputError(path, `No "${path}"`, `give the output folder of a finished \`${tool}\` run`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new LocusInputError(path, `"${path}" is not JSON`, `rerun \`${tool}\` to rewrite it`);
  }
}

interface ScanSegmentJson {
  contig: string;
  start: number;
  end: number;
  reason: string;
  meanScore: number;
  gc: number;
}

async function summarizeScan(folder: string): Promise<ScanSummary> {
  const json = (await readSummaryJson(folder, 'locus scan')) as {
    contigs: { length: number }[];
    settings: { method: string };
    segments: ScanSegmentJson[];
  };
  const segments = json.segments;
  return {
    folder,
    method: json.settings.method,
    genomeBases: json.contigs.reduce((n, c) => n + c.length, 0),
    segments: segments.length,
    anomalousBases: segments.reduce((n, s) => n + s.end - s.start, 0),
    top: [...segments]
      .sort((a, b) => b.meanScore - a.meanScore)
      .slice(0, TOP)
      .map((s) => ({
        region: formatRegion(s),
        bases: s.end - s.start,
        reason: s.reason,
        meanZ: s.meanScore,
        gc: s.gc,
      })),
  };
}

async function summarizeVariants(vcf: string): Promise<VariantsSummary> {
  const { header, records } = await openVcf(vcf);
  const summary: VariantsSummary = {
    vcf,
    samples: header.samples,
    records: 0,
    passing: 0,
    snvs: 0,
    indels: 0,
    filtered: {},
  };
  for await (const record of records) {
    summary.records++;
    if (record.filter.length === 1 && record.filter[0] === 'PASS') summary.passing++;
    else for (const name of record.filter) summary.filtered[name] = (summary.filtered[name] ?? 0) + 1;
    const snv = record.ref.length === 1 && record.alt.every((a) => a.length === 1);
    if (snv) summary.snvs++;
    else summary.indels++;
  }
  return summary;
}

interface MotifJson {
  id: string;
  consensus: string;
  evalue: number;
  matches?: { id: string; name: string; similarity: number }[];
}

async function summarizeMotifs(folder: string): Promise<MotifsSummary> {
  const json = (await readSummaryJson(folder, 'locus motifs')) as { motifs: MotifJson[] };
  return {
    folder,
    motifs: json.motifs.length,
    top: json.motifs.slice(0, TOP).map((m) => {
      const best = m.matches?.[0];
      return {
        id: m.id,
        consensus: m.consensus,
        evalue: m.evalue,
        ...(best ? { match: { id: best.id, name: best.name, similarity: best.similarity } } : {}),
      };
    }),
  };
}
