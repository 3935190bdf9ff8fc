/**
 * The real motif-discovery benchmark set: Drosophila (dm3) promoters against far-upstream DNA, from
 * `dm3_upstream2000.fa.gz` (Bioconductor Biostrings extdata; 26,454 records, the 2,000 bp upstream of
 * each annotated transcript start, header `>NM_078863_up_2000_chr2L_16764737_f chr2L:16764737-16766736`,
 * 1-based inclusive, `_f`/`_r` the transcript's strand).
 *
 *   npx tsc -p tsconfig.build.json
 *   node dist/bench/motifs/dm3-promoters.js [--dm3 FILE] [--out DIR] [--count 2000] [--seed 1]
 *                                           [--keep-promoter-backgrounds]
 *
 * Orientation. The records are in transcript orientation: '+' records are the genome's forward strand,
 * '-' records its reverse complement, so the transcript start is just after the LAST base of every
 * record. This is checked on every run (`orientationEvidence`; the run stops if it fails):
 *   - TATAAA (the TATA box, ~30 bp upstream of a TSS) starts in the last 40 bases of a record about
 *     1.7-1.9x as often as in an average 40-bp window elsewhere, on '+' and on '-' records alike, while
 *     its reverse complement TTTATA is depleted there (the TATA box is strand-specific);
 *   - where two records of the same strand overlap on the genome, the shared bases agree as written for
 *     '+' records and only after reverse-complementing for '-' records.
 *
 * Steps:
 *   1. targets = the last 500 bases of each record (next to the TSS), background = the first 500 (the
 *      far-upstream end), upper-cased (the file is soft-masked);
 *   2. drop records shorter than 1,000 bases (two, clipped at the start of chr3R) and records whose
 *      target or background has more than 10% N;
 *   3. deduplicate transcripts that share a TSS (same chromosome, strand and TSS coordinate): keep the
 *      first in the file;
 *   4. in a seeded random order, take records whose target does not overlap (on either strand) the
 *      target of a record already taken: the first `count` go to validation, the next `count` to test.
 *      So the splits are disjoint and no two targets share genomic bases (alternative TSSs a few bases
 *      apart would otherwise give near-identical sequences, which motif finders report as motifs);
 *   5. drop a taken record's background if it overlaps the 500 bp next to ANY transcript start in the
 *      file (in this compact genome, the far upstream of one gene is often another gene's promoter),
 *      unless --keep-promoter-backgrounds. Backgrounds may then be fewer than targets.
 *
 * Writes DIR/{validation,test}/{targets.fa,background.fa} (record name as in the file, description =
 * the 500 bp's genomic region, 1-based inclusive, and strand) and DIR/manifest.json (settings, counts
 * at every step, the orientation evidence, the source's SHA-256). Default DIR:
 * .bench-data/motifs/dm3-promoters (git-ignored).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/io/files.js';
import { Random } from '../../src/tokenize/random.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { parseDm3Header } from '../../src/train/data/dm3.js';
import { permutation } from '../../src/train/data/rng.js';
import { findRepoRoot, log } from '../repo.js';
import { readFasta, type SequenceRecord } from '../scan/donors.js';
import { formatFasta } from '../scan/planted.js';

export const REGION = 500;

export interface Dm3Record {
  name: string;
  chrom: string;
  /** 0-based half-open genomic interval of the whole record. */
  start: number;
  end: number;
  strand: '+' | '-';
  /** Upper case, transcript orientation. */
  sequence: string;
}

/** Parse the headers (throws on a header of another form). */
export function dm3Records(records: readonly SequenceRecord[], source: string): Dm3Record[] {
  return records.map((r) => {
    const h = parseDm3Header(r.name, r.description);
    if (!h) throw new Error(`${source}: "${r.name} ${r.description}" is not a dm3 upstream header`);
    return {
      name: r.name,
      chrom: h.chrom,
      start: h.start,
      end: h.end,
      strand: h.strand,
      sequence: r.sequence.toUpperCase(),
    };
  });
}

/** Genomic start (0-based) of the `REGION` bases next to the TSS, and of the far-upstream `REGION`. */
export function regionStarts(r: Pick<Dm3Record, 'start' | 'end' | 'strand'>): {
  target: number;
  background: number;
} {
  return r.strand === '+'
    ? { target: r.end - REGION, background: r.start }
    : { target: r.start, background: r.end - REGION };
}

/** The TSS as a 0-based genomic coordinate: the base after a '+' record, the base before a '-' one. */
export function tssOf(r: Pick<Dm3Record, 'start' | 'end' | 'strand'>): number {
  return r.strand === '+' ? r.end : r.start - 1;
}

function count(text: string, word: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf(word, from); i >= 0 && i < to; i = text.indexOf(word, i + 1)) n++;
  return n;
}

export interface StrandEvidence {
  records: number;
  /** TATAAA starts in the last 40 bases, and the mean per 40-base window over the rest of the record. */
  tataLast40: number;
  tataMeanOther40: number;
  /** The same for its reverse complement TTTATA. */
  ttataLast40: number;
  ttataMeanOther40: number;
  /** Same-strand neighbours overlapping by 500-1,999 bases whose shared bases agree as written ... */
  overlapsAgreeAsWritten: number;
  /** ... or only after reverse-complementing both. */
  overlapsAgreeReverseComplemented: number;
}

/** Evidence that the records are in transcript orientation (see the top of this file). */
export function orientationEvidence(records: readonly Dm3Record[]): Record<'+' | '-', StrandEvidence> {
  const out = {} as Record<'+' | '-', StrandEvidence>;
  for (const strand of ['+', '-'] as const) {
    const full = records.filter((r) => r.strand === strand && r.sequence.length === 2000);
    const windows = 2000 / 40;
    let tataLast = 0;
    let tataOther = 0;
    let ttataLast = 0;
    let ttataOther = 0;
    for (const r of full) {
      // Count by start position: [1960, 2000) is the last window.
      const tata = count(r.sequence, 'TATAAA', 0, 2000);
      const tataEnd = count(r.sequence, 'TATAAA', 1960, 2000);
      tataLast += tataEnd;
      tataOther += tata - tataEnd;
      const ttata = count(r.sequence, 'TTTATA', 0, 2000);
      const ttataEnd = count(r.sequence, 'TTTATA', 1960, 2000);
      ttataLast += ttataEnd;
      ttataOther += ttata - ttataEnd;
    }
    let asWritten = 0;
    let reversed = 0;
    const byChrom = new Map<string, Dm3Record[]>();
    for (const r of full) byChrom.set(r.chrom, [...(byChrom.get(r.chrom) ?? []), r]);
    for (const list of byChrom.values()) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1]!;
        const b = list[i]!;
        const d = b.start - a.start;
        if (d <= 0 || d > 1500) continue;
        if (a.sequence.slice(d) === b.sequence.slice(0, 2000 - d)) asWritten++;
        if (reverseComplement(a.sequence).slice(d) === reverseComplement(b.sequence).slice(0, 2000 - d))
          reversed++;
      }
    }
    const round = (x: number) => Math.round(x * 10) / 10;
    out[strand] = {
      records: full.length,
      tataLast40: tataLast,
      tataMeanOther40: round(tataOther / (windows - 1)),
      ttataLast40: ttataLast,
      ttataMeanOther40: round(ttataOther / (windows - 1)),
      overlapsAgreeAsWritten: asWritten,
      overlapsAgreeReverseComplemented: reversed,
    };
  }
  return out;
}

/** Throws unless the evidence says: TSS at the end of every record, '-' records reverse-complemented. */
export function checkOrientation(evidence: Record<'+' | '-', StrandEvidence>): void {
  for (const strand of ['+', '-'] as const) {
    const e = evidence[strand];
    if (!(e.tataLast40 > 1.3 * e.tataMeanOther40))
      throw new Error(
        `dm3 '${strand}' records: TATAAA is not enriched at the record end (${JSON.stringify(e)})`,
      );
    const expectReversed = strand === '-';
    const good = expectReversed ? e.overlapsAgreeReverseComplemented : e.overlapsAgreeAsWritten;
    const other = expectReversed ? e.overlapsAgreeAsWritten : e.overlapsAgreeReverseComplemented;
    if (!(good > 10 * Math.max(1, other)))
      throw new Error(`dm3 '${strand}' records are not in transcript orientation (${JSON.stringify(e)})`);
  }
}

/** Fixed-length intervals on one chromosome, for "does [s, s + REGION) overlap any?" queries. */
class RegionSet {
  private readonly bins = new Map<string, number[]>();
  add(chrom: string, start: number): void {
    const key = `${chrom}\t${Math.floor(start / REGION)}`;
    const list = this.bins.get(key);
    if (list) list.push(start);
    else this.bins.set(key, [start]);
  }
  overlaps(chrom: string, start: number): boolean {
    const bin = Math.floor(start / REGION);
    for (let b = bin - 1; b <= bin + 1; b++) {
      for (const s of this.bins.get(`${chrom}\t${b}`) ?? []) if (Math.abs(s - start) < REGION) return true;
    }
    return false;
  }
}

export interface SplitOptions {
  /** Records per split. Default 2000. */
  count?: number;
  seed?: number;
  /** Keep backgrounds that overlap a TSS-proximal region. Default false. */
  keepPromoterBackgrounds?: boolean;
}

export interface PromoterSplit {
  targets: { name: string; description: string; sequence: string }[];
  background: { name: string; description: string; sequence: string }[];
}

export interface PromoterSets {
  validation: PromoterSplit;
  test: PromoterSplit;
  counts: Record<string, number>;
}

const nFraction = (s: string) => (s.length - s.replace(/N/g, '').length) / s.length;

function region(r: Dm3Record, start: number): string {
  return `${r.chrom}:${start + 1}-${start + REGION}(${r.strand})`;
}

/** Steps 1-5 of the top of this file, on parsed records (no files). */
export function promoterSets(records: readonly Dm3Record[], options: SplitOptions = {}): PromoterSets {
  const { count: perSplit = 2000, seed = 1, keepPromoterBackgrounds = false } = options;
  const counts: Record<string, number> = { records: records.length };
  const long = records.filter((r) => r.sequence.length >= 2 * REGION);
  counts.droppedShort = records.length - long.length;
  const clean = long.filter(
    (r) => nFraction(r.sequence.slice(-REGION)) <= 0.1 && nFraction(r.sequence.slice(0, REGION)) <= 0.1,
  );
  counts.droppedN = long.length - clean.length;
  const seen = new Set<string>();
  const unique = clean.filter((r) => {
    const key = `${r.chrom}\t${r.strand}\t${tssOf(r)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  counts.droppedSameTss = clean.length - unique.length;
  counts.uniqueTss = unique.length;

  const promoters = new RegionSet();
  for (const r of records) if (r.sequence.length >= REGION) promoters.add(r.chrom, regionStarts(r).target);

  const order = permutation(unique.length, new Random(seed));
  const taken = new RegionSet();
  const splits: PromoterSplit[] = [
    { targets: [], background: [] },
    { targets: [], background: [] },
  ];
  let skippedOverlap = 0;
  let droppedBackgrounds = 0;
  for (const i of order) {
    if (splits[1]!.targets.length >= perSplit) break;
    const r = unique[i]!;
    const { target, background } = regionStarts(r);
    if (taken.overlaps(r.chrom, target)) {
      skippedOverlap++;
      continue;
    }
    taken.add(r.chrom, target);
    const split = splits[0]!.targets.length < perSplit ? splits[0]! : splits[1]!;
    split.targets.push({ name: r.name, description: region(r, target), sequence: r.sequence.slice(-REGION) });
    if (!keepPromoterBackgrounds && promoters.overlaps(r.chrom, background)) {
      droppedBackgrounds++;
      continue;
    }
    split.background.push({
      name: r.name,
      description: region(r, background),
      sequence: r.sequence.slice(0, REGION),
    });
  }
  counts.skippedOverlappingTarget = skippedOverlap;
  counts.droppedPromoterBackgrounds = droppedBackgrounds;
  counts.validationTargets = splits[0]!.targets.length;
  counts.validationBackground = splits[0]!.background.length;
  counts.testTargets = splits[1]!.targets.length;
  counts.testBackground = splits[1]!.background.length;
  return { validation: splits[0]!, test: splits[1]!, counts };
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      dm3: { type: 'string', default: resolve(root, '../shared/data/labeled/dm3_upstream2000.fa.gz') },
      out: { type: 'string', default: join(root, '.bench-data/motifs/dm3-promoters') },
      count: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      'keep-promoter-backgrounds': { type: 'boolean', default: false },
    },
  });
  const perSplit = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(perSplit) || perSplit < 1) throw new TypeError(`--count must be a positive integer`);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`--seed must be an integer`);
  const path = resolve(values.dm3!);
  const records = dm3Records(readFasta(path), path);
  const evidence = orientationEvidence(records);
  checkOrientation(evidence);
  const sets = promoterSets(records, {
    count: perSplit,
    seed,
    keepPromoterBackgrounds: values['keep-promoter-backgrounds'],
  });
  const out = resolve(values.out!);
  for (const name of ['validation', 'test'] as const) {
    const dir = join(out, name);
    await mkdir(dir, { recursive: true });
    const fasta = (list: PromoterSplit['targets']) =>
      list.map((r) => formatFasta(`${r.name} ${r.description}`, r.sequence)).join('');
    await writeFileAtomic(join(dir, 'targets.fa'), fasta(sets[name].targets));
    await writeFileAtomic(join(dir, 'background.fa'), fasta(sets[name].background));
    log(
      `${name}: ${sets[name].targets.length} targets, ${sets[name].background.length} background -> ${dir}`,
    );
  }
  const manifest = {
    generator: 'bench/motifs/dm3-promoters.ts',
    source: {
      path: relative(root, path),
      sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
    },
    settings: {
      regionLength: REGION,
      perSplit,
      seed,
      maxNFraction: 0.1,
      keepPromoterBackgrounds: values['keep-promoter-backgrounds'],
    },
    orientationEvidence: evidence,
    counts: sets.counts,
  };
  await writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  log(JSON.stringify({ orientationEvidence: evidence, counts: sets.counts }, null, 2));
}

const isMain = process.argv[1]?.endsWith('bench/motifs/dm3-promoters.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
