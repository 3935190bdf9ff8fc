/**
 * Build the motif database Locus ships, `reference/motifs/JASPAR2024_CORE_non-redundant.meme`, from
 * JASPAR 2024's CORE non-redundant TRANSFAC files (vertebrates, then insects, each in file order).
 * Run through `reference/motifs/make.sh`, or:
 *
 *   npx tsc -p tsconfig.build.json
 *   node dist/bench/motifs/make-jaspar-reference.js [--data DIR] [--out FILE]
 *
 * --data  folder holding JASPAR2024_CORE_{vertebrates,insects}_non-redundant.transfac
 *         (default ../shared/data/motifs, relative to the repository root)
 * --out   the .meme file to write (default reference/motifs/JASPAR2024_CORE_non-redundant.meme)
 *
 * MEME minimal format through formatMeme: uniform background, MOTIF <matrix ID> <TF name>, nsites =
 * the first count row's total, E= 0, URL = the matrix's JASPAR page. Prints the counts per taxon on
 * stderr. JASPAR is CC BY 4.0: the folder's LICENSE.txt and README.md carry the attribution.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/io/files.js';
import { formatMeme } from '../../pipelines/motifs/meme-format.js';
import { parseTransfacEntries, type TransfacEntry } from '../../pipelines/motifs/transfac.js';
import { findRepoRoot, log } from '../repo.js';

export const JASPAR_FILES = [
  { taxon: 'vertebrates', file: 'JASPAR2024_CORE_vertebrates_non-redundant.transfac' },
  { taxon: 'insects', file: 'JASPAR2024_CORE_insects_non-redundant.transfac' },
] as const;

/** The JASPAR motifs of every taxon file in `dir`, with the tax_group each record declares. */
export function readJaspar(dir: string): { taxon: string; entries: TransfacEntry[] }[] {
  return JASPAR_FILES.map(({ taxon, file }) => {
    const path = join(dir, file);
    const entries = parseTransfacEntries(readFileSync(path, 'utf8'), path);
    const wrong = entries.find((e) => e.comments.tax_group !== taxon);
    if (wrong) throw new Error(`${path}: ${wrong.motif.id} has tax_group ${wrong.comments.tax_group}`);
    return { taxon, entries };
  });
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(root, '../shared/data/motifs') },
      out: { type: 'string', default: join(root, 'reference/motifs/JASPAR2024_CORE_non-redundant.meme') },
    },
  });
  const taxa = readJaspar(resolve(values.data!));
  const motifs = taxa.flatMap((t) => t.entries.map((e) => ({ ...e.motif, evalue: 0 })));
  const ids = new Set(motifs.map((m) => m.id));
  if (ids.size !== motifs.length) throw new Error('a matrix ID appears in two taxon files');
  await writeFileAtomic(values.out!, formatMeme({ background: [0.25, 0.25, 0.25, 0.25], motifs }));
  for (const t of taxa) log(`${t.taxon}: ${t.entries.length} motifs`);
  log(`wrote ${motifs.length} motifs to ${values.out}`);
}

const isMain = process.argv[1]?.endsWith('bench/motifs/make-jaspar-reference.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
