/**
 * What make-data.ts builds and run.ts reads for the `locus variants` benchmark: the samples, their
 * simulation settings and seeds, and where every file lives under .bench-data/variants/ (git-ignored).
 *
 *   node dist/bench/variants/make-data.js [--seed 1]   # writes the files below
 *   node dist/bench/variants/run.js                    # reads them
 */
import { join, resolve } from 'node:path';

/** The reference: E. coli 536 and phage lambda as two contigs, named by their RefSeq accessions. */
export const SOURCES = [
  { contig: 'NC_008253.1', path: '../shared/data/genomes/ecoli_536.fa.gz', what: 'Escherichia coli 536' },
  {
    contig: 'NC_001416.1',
    path: '../shared/data/genomes/lambda_virus.fa',
    what: 'Enterobacteria phage lambda',
  },
] as const;

/** dwgsim settings shared by every simulation (the mutation set and all reads). */
export const DWGSIM = {
  /** Mutations per base, and the fraction of them that are indels. */
  mutationRate: 0.001,
  indelFraction: 0.1,
  /** Probability that an indel is extended by one more base (dwgsim's default; lengths are geometric). */
  indelExtension: 0.3,
  /** Indels longer than this are dropped from the mutation set before reads are simulated. */
  maxIndelLength: 10,
  readLength: 150,
  outerDistance: 500,
  distanceSd: 50,
} as const;

/** One dwgsim run that contributes reads to a sample. */
export interface ReadPart {
  /** Reads from the mutated genome (the kept mutation set) or from the unmutated reference. */
  genome: 'mutated' | 'reference';
  /** dwgsim -C: mean coverage of both mates together (pairs = C * length / 300 at 150/150). */
  coverage: number;
  /** dwgsim -e and -E: per-base substitution error of read 1 and read 2. */
  error1: number;
  error2: number;
  /** Added to 1000 * --seed to give dwgsim's -z. */
  seedOffset: number;
}

export interface SampleSpec {
  name: string;
  description: string;
  parts: ReadPart[];
  /** Added to 1000 * --seed to seed the shuffle that renames pairs. */
  shuffleSeedOffset: number;
}

/** Modern Illumina, with read 2 worse than read 1. */
const GOOD = { error1: 0.002, error2: 0.004 };

export const SAMPLES: readonly SampleSpec[] = [
  {
    name: 'hap30',
    description: 'haploid, 30x, error 0.2% (read 1) / 0.4% (read 2)',
    parts: [{ genome: 'mutated', coverage: 30, ...GOOD, seedOffset: 1 }],
    shuffleSeedOffset: 11,
  },
  {
    name: 'hap12',
    description: 'haploid, 12x, error 1% / 2%',
    parts: [{ genome: 'mutated', coverage: 12, error1: 0.01, error2: 0.02, seedOffset: 2 }],
    shuffleSeedOffset: 12,
  },
  {
    name: 'mix60',
    description:
      '60x: 6x from the mutated genome + 54x from the reference (every variant at 10%), error 0.2% / 0.4%',
    parts: [
      { genome: 'mutated', coverage: 6, ...GOOD, seedOffset: 3 },
      { genome: 'reference', coverage: 54, ...GOOD, seedOffset: 4 },
    ],
    shuffleSeedOffset: 13,
  },
];

export const SAMPLE_NAMES = SAMPLES.map((s) => s.name);

/** The seed of one random step: 1000 * base + offset, so every step of every sample has its own. */
export const seedFor = (base: number, offset: number): number => base * 1000 + offset;

/** Every path of the benchmark's data, from the repository root and the data folder. */
export function dataFiles(root: string, dataDir = '.bench-data/variants') {
  const dir = resolve(root, dataDir);
  return {
    dir,
    reference: join(dir, 'ref.fa'),
    truth: join(dir, 'truth.vcf.gz'),
    manifest: join(dir, 'manifest.json'),
    /** dwgsim's outputs: the mutation set and each read part (FASTQs deleted once renamed). */
    simDir: join(dir, 'sim'),
    readsDir: join(dir, 'reads'),
    bam: (sample: string) => join(dir, `${sample}.bam`),
    /** Each tool's calls on each sample (run.ts). */
    runsDir: join(dir, 'runs'),
  };
}

export type DataFiles = ReturnType<typeof dataFiles>;
