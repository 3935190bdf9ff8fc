/**
 * The README's sample for `locus scan`: 300 kb of E. coli 536 with one real foreign island planted in
 * its middle, and the truth BED that says where.
 *
 *   apt-get install -y kaptive-data
 *   npm run build && node dist/bench/scan/make-sample.js [--out DIR]
 *
 * Writes DIR/ecoli-island.fa, DIR/ecoli-island.truth.bed and DIR/PROVENANCE.md (default
 * .bench-data/scan/sample/; a reviewer copies the first two into samples/). Nothing is random: the
 * same inputs give the same bytes.
 *
 * - The stretch: of all 300 kb stretches starting on a 10 kb grid, the one whose 5 kb windows stray
 *   least in GC from the genome's windows (smallest largest |z|), so it is unlikely to hold a large
 *   native island of E. coli 536 that a scan would rightly call but the truth BED would not name.
 * - The island: a whole Klebsiella capsule polysaccharide synthesis (K) locus, serotype K37 (INSDC
 *   AB924575, Klebsiella sp. 8238, 21,400 bp, GC ~38%), as Debian's kaptive-data ships it: a real
 *   horizontally acquired gene cluster, 12 points below the host's GC, so every method should find it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBed } from '../../src/io/bed.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { findRepoRoot, log } from '../repo.js';
import { readFasta, readGenBank, recordNamed, sourceFile, type SourceFile } from './donors.js';
import { FILES } from './make-genomes.js';
import { formatFasta, gcFraction, insertSegments } from './planted.js';
import { buildFai, formatFai } from '../../src/io/fasta-index.js';

const CONTIG = 'ecoli536_island_sample';
const STRETCH = 300_000;
const GRID = 10_000;
const WINDOW = 5_000;
const ISLAND_RECORD = 'AB924575';
const ISLAND_NAME = 'low_gc:klebsiella_capsule_locus_K37';

/**
 * Start of the `length`-base stretch (on a `grid`) whose `window`-base windows have the smallest
 * largest |GC z-score| against all windows of the sequence; the earliest on a tie.
 */
export function quietestStretch(sequence: string, length: number, grid: number, window: number): number {
  const gc: number[] = [];
  for (let at = 0; at + window <= sequence.length; at += window)
    gc.push(gcFraction(sequence.slice(at, at + window)));
  const mean = gc.reduce((a, b) => a + b, 0) / gc.length;
  const sd = Math.sqrt(gc.reduce((a, b) => a + (b - mean) ** 2, 0) / (gc.length - 1));
  const z = gc.map((g) => Math.abs(g - mean) / sd);
  let best = { start: 0, worst: Number.POSITIVE_INFINITY };
  for (let start = 0; start + length <= sequence.length; start += grid) {
    const first = start / window;
    const worst = Math.max(...z.slice(first, first + length / window));
    if (worst < best.worst) best = { start, worst };
  }
  return best.start;
}

/** The licence line of a Debian package's copyright file (the `Files: *` stanza), if installed. */
function debianLicence(pkg: string): string | undefined {
  const path = `/usr/share/doc/${pkg}/copyright`;
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const stanza = text.split(/\n\s*\n/).find((s) => /^Files:\s*\*\s*$/m.test(s)) ?? text;
  return /^License:\s*(.+)$/m.exec(stanza)?.[1]?.trim();
}

function provenanceText(o: {
  host: SourceFile;
  hostRecord: string;
  stretchStart: number;
  island: SourceFile;
  islandLength: number;
  islandGc: number;
  stretchGc: number;
  insertAt: number;
  truth: { start: number; end: number };
  sampleLength: number;
}): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const islandLicence = debianLicence(o.island.package) ?? 'see /usr/share/doc/kaptive-data/copyright';
  return [
    '# ecoli-island sample: provenance',
    '',
    `\`ecoli-island.fa\` (one contig, \`${CONTIG}\`, ${n(o.sampleLength)} bp) is bases ` +
      `${n(o.stretchStart + 1)}-${n(o.stretchStart + STRETCH)} (1-based, inclusive) of *Escherichia coli* 536 ` +
      `(RefSeq NC_008253.1, record \`${o.hostRecord}\`), GC ${pct(o.stretchGc)}, from the copy in ` +
      `\`../shared/data/genomes/ecoli_536.fa.gz\` of Debian package \`${o.host.package}\` (package licence ` +
      `Artistic-2.0 per ../shared/data/README.md; the sequence itself is public NCBI RefSeq data). ` +
      `The stretch is the 300 kb one whose 5 kb windows stray least in GC from the whole genome's, to keep ` +
      `large native islands out. Into it, before its base ${n(o.insertAt + 1)} (after ${n(o.insertAt)} bases), ` +
      `is inserted, forward and unchanged, the whole capsular polysaccharide synthesis gene cluster of ` +
      `*Klebsiella* sp. 8238, serotype K37 (INSDC ${ISLAND_RECORD}, ${n(o.islandLength)} bp, GC ${pct(o.islandGc)}) ` +
      `from Debian package \`${o.island.package}\` ${o.island.version} ` +
      `(\`${o.island.path}\`, licence ${islandLicence}; the sequence itself is public INSDC data). ` +
      `\`ecoli-island.truth.bed\` gives its place in the sample: \`${CONTIG}\` ${o.truth.start}-${o.truth.end} ` +
      `(BED, 0-based half-open; \`${CONTIG}:${n(o.truth.start + 1)}-${n(o.truth.end)}\` as a region). ` +
      `Regenerate with \`node dist/bench/scan/make-sample.js\` (bench/scan/make-sample.ts); inputs' SHA-256: ` +
      `host ${o.host.sha256}, island ${o.island.sha256}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: '.bench-data/scan/sample' } } });
  const root = findRepoRoot();
  const hostPath = resolve(root, FILES.host.path);
  const [host] = readFasta(hostPath);
  const island = recordNamed(readGenBank(FILES.capsule.path), ISLAND_RECORD, FILES.capsule.path);
  if (!host || !/^[ACGT]+$/.test(island.sequence)) throw new Error('unexpected host or island sequence');

  const stretchStart = quietestStretch(host.sequence, STRETCH, GRID, WINDOW);
  const stretch = host.sequence.slice(stretchStart, stretchStart + STRETCH);
  const insertAt = STRETCH / 2;
  const { genome, placed } = insertSegments(stretch, [{ position: insertAt, sequence: island.sequence }]);
  const truth = placed[0]!;

  const outDir = resolve(root, values.out!);
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(join(outDir, 'ecoli-island.fa'), formatFasta(CONTIG, genome));
  // Its index, as `samtools faidx` writes it: the desktop and region commands read it instead of
  // building one inside samples/.
  await writeFileAtomic(
    join(outDir, 'ecoli-island.fa.fai'),
    formatFai(await buildFai(join(outDir, 'ecoli-island.fa'))),
  );
  await writeFileAtomic(
    join(outDir, 'ecoli-island.truth.bed'),
    formatBed([
      { chrom: CONTIG, start: truth.start, end: truth.end, name: ISLAND_NAME, score: 0, strand: '+' },
    ]),
  );
  const text = provenanceText({
    host: sourceFile(hostPath, FILES.host.copiedFrom),
    hostRecord: host.name,
    stretchStart,
    island: sourceFile(FILES.capsule.path),
    islandLength: island.sequence.length,
    islandGc: gcFraction(island.sequence),
    stretchGc: gcFraction(stretch),
    insertAt,
    truth,
    sampleLength: genome.length,
  });
  await writeFileAtomic(join(outDir, 'PROVENANCE.md'), text);
  log(
    `sample: E. coli 536 ${stretchStart}-${stretchStart + STRETCH} + ${ISLAND_RECORD} at ${truth.start}-${truth.end} -> ${outDir}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
