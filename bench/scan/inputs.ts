/**
 * The files of one benchmark split (made by make-genomes.ts) and the readers every tool's outputs go
 * through, so each tool is scored from the same truth and contig lengths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBed } from '../../src/io/bed.js';
import { readBedGraph } from '../../src/io/bedgraph.js';
import { buildFai } from '../../src/io/fasta-index.js';
import type { ContigLength, Interval, TrackBin, TruthSegment } from './metrics.js';
import type { PlantedSegment } from './planted.js';

export interface SplitFiles {
  split: string;
  dir: string;
  genome: string;
  truth: string;
  manifest: string;
}

/** Where make-genomes.ts put a split; an error naming the command when it has not been run. */
export function splitFiles(root: string, split: string, dataDir = '.bench-data/scan'): SplitFiles {
  const dir = resolve(root, dataDir, split);
  const files = {
    split,
    dir,
    genome: join(dir, 'genome.fa'),
    truth: join(dir, 'truth.bed'),
    manifest: join(dir, 'manifest.json'),
  };
  for (const path of [files.genome, files.truth, files.manifest]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run \`node dist/bench/scan/make-genomes.js --split ${split}\``);
    }
  }
  return files;
}

/** What the scorer needs from a split: contig lengths, truth segments and the manifest's segments. */
export interface SplitInputs {
  files: SplitFiles;
  contigs: ContigLength[];
  truth: TruthSegment[];
  segments: PlantedSegment[];
  hostGc: number;
  /** Checksum of the host file the genome was planted in (host-calls.ts must have read the same). */
  hostSha256: string;
  seed: number;
  /** The host's own anomalous DNA in this genome's coordinates (run.ts adds it when it has one). */
  hostNative?: Interval[];
}

export async function readSplit(files: SplitFiles): Promise<SplitInputs> {
  const fai = await buildFai(files.genome);
  const truth = (await readBed(files.truth)).map((r) => ({
    chrom: r.chrom,
    start: r.start,
    end: r.end,
    name: r.name ?? '',
  }));
  const manifest = JSON.parse(readFileSync(files.manifest, 'utf8')) as {
    seed: number;
    host: { gc: number; sha256: string };
    segments: PlantedSegment[];
  };
  return {
    files,
    contigs: fai.map((r) => ({ name: r.name, length: r.length })),
    truth,
    segments: manifest.segments,
    hostGc: manifest.host.gc,
    hostSha256: manifest.host.sha256,
    seed: manifest.seed,
  };
}

/** Predicted intervals of a BED file (any column count; only the coordinates are used). */
export async function readPredictions(path: string): Promise<Interval[]> {
  return (await readBed(path)).map((r) => ({ chrom: r.chrom, start: r.start, end: r.end }));
}

/** A bedGraph as track bins. */
export async function readTrack(path: string): Promise<TrackBin[]> {
  return (await readBedGraph(path)).map((r) => ({
    chrom: r.chrom,
    start: r.start,
    end: r.end,
    value: r.value,
  }));
}
