/**
 * The planted-island genomes of the `locus scan` benchmark (issue 10): E. coli 536 with 28 segments
 * of foreign, phage and shuffled DNA inserted, and a truth BED of where they went.
 *
 *   apt-get install -y kleborate-examples htslib-test kaptive-data   # donors (alien-hunter: run.ts)
 *   npm run build && node dist/bench/scan/make-genomes.js [--split validation|test|all] [--out DIR]
 *
 * Writes, for each split, under DIR/<split>/ (default .bench-data/scan/, git-ignored):
 *   genome.fa      one contig, `ecoli536_planted`, upper case, 60 bases a line
 *   truth.bed      BED6, sorted: contig, start, end, `class:donor`, 0, +
 *   manifest.json  seed, settings, every donor file (SHA-256, Debian package and version, GC of the
 *                  part used) and every segment (donor record and coordinates, orientation, GC,
 *                  host insertion point, planted coordinates)
 *
 * `validation` is for choosing scan settings, `test` for reporting. The two use different seeds and
 * different donor material: the other half of the host, of the Klebsiella chromosome and of C.
 * elegans chromosome I, another Drosophila arm, other capsule loci. Only lambda (48.5 kb) is too short
 * to split: both genomes hold all of it, cut at different points.
 *
 * Segment classes (6 each, 4 for mild_low_gc), lengths 5-30 kb spread evenly within each class, at
 * least 50 kb of host between neighbours:
 *   high_gc        Klebsiella pneumoniae HS11286 chromosome (kleborate-examples), GC ~57%
 *   low_gc         C. elegans chromosome I excerpt (htslib-test), GC ~37%
 *   mild_low_gc    Drosophila dm3 upstream regions (../shared/data), GC ~42%, and Klebsiella capsule
 *                  (K) loci (kaptive-data), GC ~41%: real horizontally acquired bacterial clusters.
 *                  (kaptive-data has only these loci, not whole Klebsiella genomes: the 57% genome is
 *                  kleborate-examples'.)
 *   phage_host_gc  phage lambda (../shared/data), GC ~50%, the host's: cut into 6 consecutive pieces
 *                  (5-~15 kb, since 6 pieces must share 48.5 kb without repeating one another)
 *   shuffled_host  pieces of the host, dinucleotide-shuffled (composition kept, structure lost)
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBed } from '../../src/io/bed.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { findRepoRoot, log } from '../repo.js';
import {
  concatenateDm3,
  readFasta,
  readGenBank,
  recordNamed,
  sourceFile,
  type Dm3Part,
  type SequenceRecord,
  type SourceFile,
} from './donors.js';
import {
  formatFasta,
  gcFraction,
  plantGenome,
  type ClassSpec,
  type Donor,
  type DonorRecord,
  type PlantOptions,
  type PlantedSegment,
} from './planted.js';

export const CONTIG = 'ecoli536_planted';

/** The donor files, relative to the repository root where they are copies in ../shared/data. */
export const FILES = {
  host: { path: '../shared/data/genomes/ecoli_536.fa.gz', copiedFrom: 'bowtie-examples' },
  lambda: { path: '../shared/data/genomes/lambda_virus.fa', copiedFrom: 'bowtie2-examples' },
  dm3: { path: '../shared/data/labeled/dm3_upstream2000.fa.gz', copiedFrom: 'r-bioc-biostrings' },
  klebsiella: { path: '/usr/share/doc/kleborate/examples/data/Klebs_HS11286.fna.xz' },
  capsule: { path: '/usr/share/kaptive/reference_database/Klebsiella_k_locus_primary_reference.gbk' },
  celegans: { path: '/usr/share/htslib-test/test/ce.fa' },
} as const;

/** The Klebsiella chromosome in HS11286's assembly (the other records are plasmids). */
const KLEBSIELLA_CHROMOSOME = 'CP003200.1';
const CELEGANS_CHROMOSOME = 'CHROMOSOME_I';

export type SplitName = 'validation' | 'test';

interface SplitPlan {
  seed: number;
  /** Which half of the host, Klebsiella and C. elegans sequences the split draws from. */
  half: 0 | 1;
  /** Drosophila arm; the same arms as the dm3 task's validation and test splits (src/train/data/dm3.ts). */
  dm3Arm: string;
  /** Capsule-locus records by index parity, so the two splits never share a locus. */
  capsuleParity: 0 | 1;
}

export const SPLITS: Record<SplitName, SplitPlan> = {
  validation: { seed: 1011, half: 0, dm3Arm: 'chr2L', capsuleParity: 0 },
  test: { seed: 2027, half: 1, dm3Arm: 'chr2R', capsuleParity: 1 },
};

export const PLANT: Omit<PlantOptions, 'seed'> = {
  minLength: 5_000,
  maxLength: 30_000,
  minGap: 50_000,
  margin: 25_000,
};

/** Enough Drosophila sequence for its two pieces to be drawn apart. */
const DM3_CONCATENATION = 100_000;

/** Half of a record: [0, n/2) or [n/2, n), numbered as in the file. */
function half(record: SequenceRecord, which: 0 | 1): DonorRecord {
  const middle = Math.floor(record.sequence.length / 2);
  return which === 0
    ? { name: record.name, sequence: record.sequence.slice(0, middle), offset: 0 }
    : { name: record.name, sequence: record.sequence.slice(middle), offset: middle };
}

/** The sequences every split is made of, read once. */
export interface Sources {
  host: SequenceRecord;
  lambda: SequenceRecord;
  klebsiella: SequenceRecord;
  celegans: SequenceRecord;
  dm3: SequenceRecord[];
  capsules: SequenceRecord[];
  files: Record<keyof typeof FILES, SourceFile>;
}

export function readSources(root = findRepoRoot()): Sources {
  const at = (p: string) => resolve(root, p);
  const only = (records: SequenceRecord[], path: string) => {
    if (records.length !== 1) throw new Error(`${path}: expected one record, found ${records.length}`);
    return records[0]!;
  };
  const files = Object.fromEntries(
    Object.entries(FILES).map(([key, f]) => [
      key,
      sourceFile(at(f.path), 'copiedFrom' in f ? f.copiedFrom : undefined),
    ]),
  ) as Record<keyof typeof FILES, SourceFile>;
  return {
    host: only(readFasta(at(FILES.host.path)), FILES.host.path),
    lambda: only(readFasta(at(FILES.lambda.path)), FILES.lambda.path),
    klebsiella: recordNamed(readFasta(FILES.klebsiella.path), KLEBSIELLA_CHROMOSOME, FILES.klebsiella.path),
    celegans: recordNamed(readFasta(FILES.celegans.path), CELEGANS_CHROMOSOME, FILES.celegans.path),
    dm3: readFasta(at(FILES.dm3.path)),
    capsules: readGenBank(FILES.capsule.path),
    files,
  };
}

/** A class spec and the file its donor comes from. */
type SourcedSpec = ClassSpec & { file: keyof typeof FILES };

/** The class specs of one split, and the dm3 records its Drosophila donor is made of. */
function splitSpecs(sources: Sources, plan: SplitPlan): { specs: SourcedSpec[]; dm3Parts: Dm3Part[] } {
  const dm3 = concatenateDm3(sources.dm3, plan.dm3Arm, DM3_CONCATENATION);
  const donor = (id: string, records: DonorRecord[]): Donor => ({ id, records });
  const specs: SourcedSpec[] = [
    {
      class: 'high_gc',
      file: 'klebsiella',
      donor: donor('kpneumoniae_HS11286', [half(sources.klebsiella, plan.half)]),
      count: 6,
      cut: 'spread',
    },
    {
      class: 'low_gc',
      file: 'celegans',
      donor: donor('celegans_chrI', [half(sources.celegans, plan.half)]),
      count: 6,
      cut: 'spread',
    },
    {
      class: 'mild_low_gc',
      file: 'dm3',
      donor: donor(`dm3_upstream_${plan.dm3Arm}`, [
        { name: `dm3_upstream2000_${plan.dm3Arm}_concatenated`, sequence: dm3.sequence, offset: 0 },
      ]),
      count: 2,
      cut: 'spread',
    },
    {
      class: 'mild_low_gc',
      file: 'capsule',
      donor: donor(
        'klebsiella_capsule_locus',
        sources.capsules
          .filter((_, i) => i % 2 === plan.capsuleParity)
          .map((r) => ({ name: r.name, sequence: r.sequence, offset: 0 })),
      ),
      count: 2,
      cut: 'per-record',
    },
    {
      class: 'phage_host_gc',
      file: 'lambda',
      donor: donor('lambda', [{ name: sources.lambda.name, sequence: sources.lambda.sequence, offset: 0 }]),
      count: 6,
      cut: 'partition',
    },
    {
      class: 'shuffled_host',
      file: 'host',
      donor: donor('ecoli536_dishuffled', [half(sources.host, plan.half)]),
      count: 6,
      cut: 'spread',
      shuffle: true,
    },
  ];
  return { specs, dm3Parts: dm3.parts };
}

export interface SplitOutput {
  split: SplitName;
  dir: string;
  genomeLength: number;
  segments: PlantedSegment[];
}

/** Build one split's genome and write its three files under `outDir/<split>/`. */
export async function makeSplit(sources: Sources, split: SplitName, outDir: string): Promise<SplitOutput> {
  const plan = SPLITS[split];
  const { specs, dm3Parts } = splitSpecs(sources, plan);
  const options: PlantOptions = { seed: plan.seed, ...PLANT };
  const { genome, segments } = plantGenome(sources.host.sequence, specs, options);
  const dir = join(outDir, split);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'genome.fa'), formatFasta(CONTIG, genome));
  const bed = formatBed(
    segments.map((s) => ({
      chrom: CONTIG,
      start: s.start,
      end: s.end,
      name: s.name,
      score: 0,
      strand: '+' as const,
    })),
  );
  await writeFileAtomic(join(dir, 'truth.bed'), bed);

  const manifest = {
    benchmark: 'scan-planted-islands',
    split,
    seed: plan.seed,
    command: `node dist/bench/scan/make-genomes.js --split ${split}`,
    contig: CONTIG,
    genomeLength: genome.length,
    genomeGc: gcFraction(genome),
    host: {
      ...sources.files.host,
      record: sources.host.name,
      length: sources.host.sequence.length,
      gc: gcFraction(sources.host.sequence),
    },
    settings: options,
    donors: specs.map((spec) => ({
      id: spec.donor.id,
      class: spec.class,
      cut: spec.cut,
      shuffled: spec.shuffle === true,
      file: sources.files[spec.file],
      records: spec.donor.records.length,
      // The part of the donor the split drew from: [offset, offset + length) of each record.
      region:
        spec.donor.records.length === 1
          ? {
              record: spec.donor.records[0]!.name,
              start: spec.donor.records[0]!.offset,
              end: spec.donor.records[0]!.offset + spec.donor.records[0]!.sequence.length,
            }
          : `every ${plan.capsuleParity === 0 ? 'even' : 'odd'}-numbered record (0-based) of the file`,
      gc: gcFraction(spec.donor.records.map((r) => r.sequence).join('')),
      ...(spec.file === 'dm3' ? { concatenatedRecords: dm3Parts } : {}),
    })),
    segments,
  };
  await writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { split, dir, genomeLength: genome.length, segments };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'all' },
      out: { type: 'string', default: '.bench-data/scan' },
    },
  });
  const root = findRepoRoot();
  const splits: SplitName[] = values.split === 'all' ? ['validation', 'test'] : [values.split as SplitName];
  for (const s of splits)
    if (!(s in SPLITS)) throw new Error(`--split must be validation, test or all, not ${s}`);
  log('reading host and donors');
  const sources = readSources(root);
  const outDir = resolve(root, values.out!);
  await mkdir(outDir, { recursive: true });
  for (const split of splits) {
    const out = await makeSplit(sources, split, outDir);
    const planted = out.segments.reduce((sum, s) => sum + s.length, 0);
    log(
      `${split}: ${out.segments.length} segments, ${planted.toLocaleString('en-US')} planted bases, ` +
        `genome ${out.genomeLength.toLocaleString('en-US')} bp -> ${out.dir}`,
    );
  }
}

const isMain = process.argv[1]?.endsWith('bench/scan/make-genomes.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
