/**
 * Planted-motif benchmark sets for `locus motifs` and its peers: real JASPAR motifs sampled into a
 * background drawn from an order-3 Markov chain fitted on real Drosophila promoter DNA.
 *
 *   npx tsc -p tsconfig.build.json
 *   node dist/bench/motifs/planted.js [--seed 1] [--out DIR] [--jaspar DIR] [--dm3 FILE]
 *
 * --seed    1 = validation sets (for tuning), 2 = test sets (for reporting); any other integer works
 * --out     default .bench-data/motifs/planted/{validation|test|seed-N} (git-ignored)
 * --jaspar  folder of the JASPAR 2024 TRANSFAC files (default ../shared/data/motifs)
 * --dm3     the DNA the background is fitted on (default ../shared/data/labeled/dm3_upstream2000.fa.gz:
 *           all 26,454 records, upper-cased, N and other letters skipped)
 *
 * Three tiers x four motifs = twelve sets, one motif per set:
 *   70pct   200 sequences x 200 bp, one site in 70% of them (140)
 *   40pct   100 sequences x 500 bp, one site in 40% of them (40)
 *   10kb     20 sequences x 10,000 bp, three sites in each (60, one per 3.3 kb): long sequences, as
 *            from broad ChIP domains or whole loci, where sites are sparse among the bases
 * Motifs, one per kind (properties computed here and checked against each kind's rule). The validation
 * sets (seed 1) plant other motifs of the same kinds than the test sets (seed 2), so that settings tuned
 * on validation are not tuned to the motifs that are reported:
 *   kind             rule                                test        validation
 *   short            width <= 8                          GATA2       MA0036.4   SOX2   MA0143.5
 *   long             width >= 15                         REST        MA0138.3   CTCF   MA0139.2
 *   palindromic      palindromicity >= 0.9               NFKB1       MA0105.4   CEBPB  MA0466.4
 *   low_information  mean information < 1 bit/column     Pparg::Rxra MA0065.3   FOXD3  MA0041.3
 * (GATA2, not GATA1: JASPAR 2024's GATA1 matrix, MA0035.5, reads CTAATCT rather than the canonical
 * WGATAR; GATA2's reads CTTATCT, i.e. AGATAAG.)
 * Which sequences get a site is a seeded random choice of exactly round(fraction x n); each site's
 * bases are drawn from the JASPAR probability matrix, its strand is + or - with probability 1/2 and
 * its start uniform over the positions where it fits; it replaces the background bases there.
 *
 * Per set, under DIR/<tier>_<kind>/:
 *   targets.fa     the sequences (seq_001, ...), upper case
 *   background.fa  as many sequences of the same length from the same chain, with no site (a control
 *                  set for discriminative tools; STREME's default is to shuffle the targets instead)
 *   truth.tsv      `#` lines with the set and motif properties, then a header and one row per site:
 *                  sequence, start (0-based), end, strand, site (as read on its strand, 5'->3')
 *   truth.meme     the JASPAR matrix (MEME minimal; background = the chain's base frequencies)
 * and DIR/sets.json lists the sets, their motifs and properties, the seed and the sources (SHA-256).
 * Each set draws from its own stream (seed, tier, kind), so a seed gives the same files byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocusInputError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { Random } from '../../src/tokenize/random.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { deriveSeed, permutation } from '../../src/train/data/rng.js';
import { formatMeme } from '../../pipelines/motifs/meme-format.js';
import type { TransfacEntry } from '../../pipelines/motifs/transfac.js';
import type { Motif } from '../../pipelines/motifs/types.js';
import { findRepoRoot, log } from '../repo.js';
import { formatFasta } from '../scan/planted.js';
import { readFasta } from '../scan/donors.js';
import { readJaspar } from './make-jaspar-reference.js';
import { fitMarkov, sampleMarkov, type MarkovModel } from './markov.js';
import { consensus, meanInformation, palindromicity, sampleSite } from './matrix-properties.js';

export type Tier = '70pct' | '40pct' | '10kb';

export interface TierSpec {
  sequences: number;
  length: number;
  /** Fraction of the sequences that hold sites. */
  fraction: number;
  /** Sites in each of those sequences, never overlapping. */
  sitesPerSequence: number;
}

// New tiers go last: a tier's random stream is seeded by its index here.
export const TIERS: Readonly<Record<Tier, TierSpec>> = {
  '70pct': { sequences: 200, length: 200, fraction: 0.7, sitesPerSequence: 1 },
  '40pct': { sequences: 100, length: 500, fraction: 0.4, sitesPerSequence: 1 },
  '10kb': { sequences: 20, length: 10_000, fraction: 1, sitesPerSequence: 3 },
};

export type MotifKind = 'short' | 'long' | 'palindromic' | 'low_information';

export interface MotifProperties {
  width: number;
  /** Mean information content per column, bits against a uniform background. */
  meanInformation: number;
  /** 1 - mean total-variation distance to the reverse complement (1 = perfect palindrome). */
  palindromicity: number;
  consensus: string;
  taxGroup: string;
  dataType: string;
  tfClass: string;
}

interface KindRule {
  rule: string;
  holds: (p: MotifProperties) => boolean;
  /** The JASPAR matrix chosen for this kind in the test sets. */
  id: string;
  name: string;
  /** Another matrix of the kind for the validation sets. */
  validation: { id: string; name: string };
}

export const KINDS: Readonly<Record<MotifKind, KindRule>> = {
  short: {
    rule: 'width <= 8',
    holds: (p) => p.width <= 8,
    id: 'MA0036.4',
    name: 'GATA2',
    validation: { id: 'MA0143.5', name: 'SOX2' },
  },
  long: {
    rule: 'width >= 15',
    holds: (p) => p.width >= 15,
    id: 'MA0138.3',
    name: 'REST',
    validation: { id: 'MA0139.2', name: 'CTCF' },
  },
  palindromic: {
    rule: 'palindromicity >= 0.9',
    holds: (p) => p.palindromicity >= 0.9,
    id: 'MA0105.4',
    name: 'NFKB1',
    validation: { id: 'MA0466.4', name: 'CEBPB' },
  },
  low_information: {
    rule: 'meanInformation < 1',
    holds: (p) => p.meanInformation < 1,
    id: 'MA0065.3',
    name: 'Pparg::Rxra',
    validation: { id: 'MA0041.3', name: 'FOXD3' },
  },
};

export const MOTIF_KINDS = Object.keys(KINDS) as MotifKind[];
export const TIER_NAMES = Object.keys(TIERS) as Tier[];

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function motifProperties(entry: TransfacEntry): MotifProperties {
  const m = entry.motif.matrix;
  return {
    width: m.length,
    meanInformation: round(meanInformation(m)),
    palindromicity: round(palindromicity(m)),
    consensus: consensus(m),
    taxGroup: entry.comments.tax_group ?? '',
    dataType: entry.comments.data_type ?? '',
    tfClass: entry.comments.tf_class ?? '',
  };
}

/** The chosen motif of each kind, with its properties; throws when a choice breaks its kind's rule. */
export function chooseMotifs(
  entries: readonly TransfacEntry[],
  split: 'validation' | 'test' = 'test',
): Record<MotifKind, { motif: Motif; properties: MotifProperties }> {
  const out = {} as Record<MotifKind, { motif: Motif; properties: MotifProperties }>;
  for (const kind of MOTIF_KINDS) {
    const want = { ...KINDS[kind], ...(split === 'validation' ? KINDS[kind].validation : {}) };
    const entry = entries.find((e) => e.motif.id === want.id);
    if (!entry) throw new Error(`JASPAR matrix ${want.id} (${want.name}) is missing`);
    if (entry.motif.name !== want.name)
      throw new Error(`JASPAR matrix ${want.id} is ${entry.motif.name}, expected ${want.name}`);
    const properties = motifProperties(entry);
    if (!want.holds(properties))
      throw new Error(
        `${want.name} (${want.id}) is not ${kind}: ${want.rule} fails (${JSON.stringify(properties)})`,
      );
    out[kind] = { motif: entry.motif, properties };
  }
  return out;
}

export interface NamedSequence {
  name: string;
  sequence: string;
}

/** One planted site; coordinates 0-based half-open on the record's forward strand. */
export interface PlantedSite {
  sequence: string;
  start: number;
  end: number;
  strand: '+' | '-';
  /** The site as read on its strand (on '-', the reverse complement of the record's bases there). */
  text: string;
}

export interface PlantedSet {
  /** `<tier>_<kind>`, e.g. `70pct_short`. */
  name: string;
  tier: Tier;
  kind: MotifKind;
  seed: number;
  motif: Motif;
  properties: MotifProperties;
  targets: NamedSequence[];
  background: NamedSequence[];
  sites: PlantedSite[];
}

export interface PlantOptions {
  tier: Tier;
  kind: MotifKind;
  motif: Motif;
  properties: MotifProperties;
  model: MarkovModel;
  seed: number;
}

/** Make one set (no files). Its random stream depends on the seed, tier and kind only. */
export function plantSet(options: PlantOptions): PlantedSet {
  const { tier, kind, motif, model, seed } = options;
  const spec = TIERS[tier];
  const width = motif.matrix.length;
  if (width > spec.length) throw new RangeError(`motif ${motif.id} is wider than the ${tier} sequences`);
  const rng = new Random(deriveSeed(seed, TIER_NAMES.indexOf(tier), MOTIF_KINDS.indexOf(kind)));
  const digits = String(spec.sequences).length;
  const names = Array.from(
    { length: spec.sequences },
    (_, i) => `seq_${String(i + 1).padStart(digits, '0')}`,
  );
  const sequences = names.map(() => sampleMarkov(model, spec.length, rng));
  const withSite = Math.round(spec.fraction * spec.sequences);
  const chosen = Array.from(permutation(spec.sequences, rng).subarray(0, withSite)).sort((a, b) => a - b);
  const sites: PlantedSite[] = [];
  for (const i of chosen) {
    const taken: PlantedSite[] = [];
    for (let k = 0; k < spec.sitesPerSequence; k++) {
      const strand = rng.nextFloat() < 0.5 ? '+' : '-';
      let start = rng.nextInt(spec.length - width + 1);
      // A second or third site is drawn again until it overlaps none before it (one draw in one-site tiers).
      while (taken.some((t) => start < t.end && t.start < start + width))
        start = rng.nextInt(spec.length - width + 1);
      const text = sampleSite(motif.matrix, rng);
      const forward = strand === '+' ? text : reverseComplement(text);
      const s = sequences[i]!;
      sequences[i] = s.slice(0, start) + forward + s.slice(start + width);
      taken.push({ sequence: names[i]!, start, end: start + width, strand, text });
    }
    sites.push(...taken.sort((a, b) => a.start - b.start));
  }
  const background = names.map((name) => ({ name, sequence: sampleMarkov(model, spec.length, rng) }));
  return {
    name: `${tier}_${kind}`,
    tier,
    kind,
    seed,
    motif,
    properties: options.properties,
    targets: names.map((name, i) => ({ name, sequence: sequences[i]! })),
    background,
    sites,
  };
}

/** How many of the set's targets hold a site. */
const sequencesWithSites = (set: PlantedSet) => new Set(set.sites.map((x) => x.sequence)).size;

export const TRUTH_COLUMNS = ['sequence', 'start', 'end', 'strand', 'site'] as const;

export function formatTruthTsv(set: PlantedSet): string {
  const spec = TIERS[set.tier];
  const p = set.properties;
  const lines = [
    `# set=${set.name} seed=${set.seed} sequences=${spec.sequences} length=${spec.length} with_site=${sequencesWithSites(set)}` +
      (spec.sitesPerSequence > 1 ? ` sites=${set.sites.length}` : ''),
    `# motif=${set.motif.id} name=${set.motif.name} kind=${set.kind} (${KINDS[set.kind].rule}) tax_group=${p.taxGroup} data_type=${p.dataType}`,
    `# width=${p.width} mean_information_bits=${p.meanInformation} palindromicity=${p.palindromicity} consensus=${p.consensus}`,
    '# coordinates 0-based half-open on the forward strand; site = bases as read on the strand',
    TRUTH_COLUMNS.join('\t'),
  ];
  for (const s of set.sites) lines.push([s.sequence, s.start, s.end, s.strand, s.text].join('\t'));
  return lines.join('\n') + '\n';
}

/** Read a truth.tsv back (comment lines and the header skipped). */
export function parseTruthTsv(text: string, source: string): PlantedSite[] {
  const sites: PlantedSite[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('#') || line.startsWith('sequence\t')) continue;
    const f = line.split('\t');
    const start = Number(f[1]);
    const end = Number(f[2]);
    if (
      f.length !== 5 ||
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end <= start ||
      (f[3] !== '+' && f[3] !== '-') ||
      f[4]!.length !== end - start
    ) {
      throw new LocusInputError(
        source,
        `"${source}" line ${i + 1} is not "sequence start end strand site"`,
        'regenerate it with bench/motifs/planted.ts',
      );
    }
    sites.push({ sequence: f[0]!, start, end, strand: f[3], text: f[4]! });
  }
  return sites;
}

function fasta(records: readonly NamedSequence[]): string {
  return records.map((r) => formatFasta(r.name, r.sequence)).join('');
}

/** Write a set's four files into `dir` (created). */
export async function writePlantedSet(dir: string, set: PlantedSet, model: MarkovModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'targets.fa'), fasta(set.targets));
  await writeFileAtomic(join(dir, 'background.fa'), fasta(set.background));
  await writeFileAtomic(join(dir, 'truth.tsv'), formatTruthTsv(set));
  await writeFileAtomic(
    join(dir, 'truth.meme'),
    formatMeme({ background: model.baseFrequencies, motifs: [{ ...set.motif, evalue: 0 }] }),
  );
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The split a seed stands for. */
export function splitOfSeed(seed: number): 'validation' | 'test' | undefined {
  return seed === 1 ? 'validation' : seed === 2 ? 'test' : undefined;
}

export const BACKGROUND_ORDER = 3;

export interface MakeOptions {
  seed: number;
  out: string;
  jasparDir: string;
  dm3Path: string;
}

/** Fit the background, plant every set and write them with sets.json; returns the manifest. */
export async function makePlantedSets(options: MakeOptions): Promise<Record<string, unknown>> {
  const root = findRepoRoot();
  const jaspar = readJaspar(options.jasparDir);
  // Seeds other than 1 and 2 plant the test motifs.
  const chosen = chooseMotifs(
    jaspar.flatMap((t) => t.entries),
    splitOfSeed(options.seed) === 'validation' ? 'validation' : 'test',
  );
  log(`fitting an order-${BACKGROUND_ORDER} Markov chain on ${options.dm3Path}`);
  const model = fitMarkov(
    readFasta(options.dm3Path).map((r) => r.sequence),
    BACKGROUND_ORDER,
  );
  const sets: Record<string, unknown>[] = [];
  for (const tier of TIER_NAMES) {
    for (const kind of MOTIF_KINDS) {
      const { motif, properties } = chosen[kind];
      const set = plantSet({ tier, kind, motif, properties, model, seed: options.seed });
      const dir = join(options.out, set.name);
      await writePlantedSet(dir, set, model);
      const spec = TIERS[tier];
      sets.push({
        name: set.name,
        dir: set.name,
        tier,
        kind,
        ...spec,
        withSite: sequencesWithSites(set),
        sites: set.sites.length,
        plusStrandSites: set.sites.filter((s) => s.strand === '+').length,
        motif: { id: motif.id, name: motif.name, url: motif.url, jasparSites: motif.sites },
        rule: KINDS[kind].rule,
        properties,
        files: ['targets.fa', 'background.fa', 'truth.tsv', 'truth.meme'],
      });
      log(
        `${set.name}: ${motif.name} ${motif.id}, ${set.sites.length} sites in ${spec.sequences} sequences -> ${dir}`,
      );
    }
  }
  const rel = (p: string) => relative(root, p);
  const manifest = {
    generator: 'bench/motifs/planted.ts',
    seed: options.seed,
    split: splitOfSeed(options.seed) ?? null,
    background: {
      model: `Markov chain, order ${BACKGROUND_ORDER}, pseudocount 1`,
      fittedOn: {
        path: rel(options.dm3Path),
        sha256: sha256(options.dm3Path),
        basesCounted: model.basesCounted,
      },
      baseFrequencies: model.baseFrequencies.map((f) => round(f, 5)),
    },
    jaspar: jaspar.map((t) => ({ taxon: t.taxon, motifs: t.entries.length })),
    jasparDir: rel(options.jasparDir),
    sets,
  };
  await writeFileAtomic(join(options.out, 'sets.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      jaspar: { type: 'string', default: resolve(root, '../shared/data/motifs') },
      dm3: { type: 'string', default: resolve(root, '../shared/data/labeled/dm3_upstream2000.fa.gz') },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`--seed must be an integer, got ${values.seed}`);
  const out = resolve(
    values.out ?? join(root, '.bench-data/motifs/planted', splitOfSeed(seed) ?? `seed-${seed}`),
  );
  await makePlantedSets({ seed, out, jasparDir: resolve(values.jaspar!), dm3Path: resolve(values.dm3!) });
  log(`wrote ${out}/sets.json`);
}

const isMain = process.argv[1]?.endsWith('bench/motifs/planted.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
