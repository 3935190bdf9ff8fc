/**
 * How close to its JASPAR matrix a planted set lets any tool come: the letter frequencies of the sites
 * that were actually planted (each read on its own strand), compared with the planted JASPAR matrix by
 * the similarity the benchmark scores with. A few dozen sites sampled from a matrix do not reproduce it
 * exactly; a tool that recovered every planted site and nothing else would reach this number, so a
 * miss just under the bar tells a sampling limit from a method limit.
 *
 *   npm run build && node dist/bench/motifs/ceiling.js [--data .bench-data/motifs]
 *
 * Writes bench/results/motifs-ceiling.json (both splits; the data's seeds inside). No randomness.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import { parseMeme } from '../../pipelines/motifs/meme-format.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
import { findRepoRoot, provenance, writeResult } from '../repo.js';
import { parseTruthTsv, type PlantedSite } from './planted.js';

/** Letter frequencies of equally long sites: row j = A, C, G, T shares at column j. */
export function siteFrequencies(sites: readonly Pick<PlantedSite, 'text'>[]): Matrix {
  const width = sites[0]?.text.length ?? 0;
  const counts = Array.from({ length: width }, () => [0, 0, 0, 0]);
  for (const { text } of sites) {
    if (text.length !== width) throw new Error(`sites of unequal width (${text.length} and ${width})`);
    for (let j = 0; j < width; j++) {
      const letter = 'ACGT'.indexOf(text[j]!.toUpperCase());
      if (letter >= 0) counts[j]![letter]!++;
    }
  }
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((n) => (total > 0 ? n / total : 0.25));
  });
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({ options: { data: { type: 'string', default: '.bench-data/motifs' } } });
  const data = resolve(root, values.data!);
  const splits = ['validation', 'test'].map((split) => {
    const manifestPath = join(data, 'planted', split, 'sets.json');
    if (!existsSync(manifestPath)) {
      throw new Error(`${manifestPath} is missing: run \`node dist/bench/motifs/planted.js\` first`);
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      seed: number;
      sets: { name: string; dir: string; tier: string; motif: { id: string; name: string } }[];
    };
    const sets = manifest.sets.map((set) => {
      const dir = join(data, 'planted', split, set.dir);
      const truth = parseMeme(readFileSync(join(dir, 'truth.meme'), 'utf8'), 'truth.meme').motifs[0]!.matrix;
      const sites = parseTruthTsv(readFileSync(join(dir, 'truth.tsv'), 'utf8'), 'truth.tsv');
      return {
        set: set.name,
        tier: set.tier,
        motif: set.motif,
        sites: sites.length,
        similarity: alignMotifs(siteFrequencies(sites), truth).similarity,
      };
    });
    return { split, seed: manifest.seed, sets };
  });
  await writeResult(
    join(root, 'bench/results/motifs-ceiling.json'),
    {
      benchmark: 'motifs-ceiling',
      date: new Date().toISOString(),
      command: `node dist/bench/motifs/ceiling.js ${process.argv.slice(2).join(' ')}`.trim(),
      ...provenance(root),
      seed: 'none: the planted sets are read as made (their seeds are in each split)',
      similarity:
        'locus motifs compare similarity (docs/motifs.md) of the planted sites to the planted matrix',
      splits,
    },
    root,
  );
}

if (process.argv[1]?.endsWith('ceiling.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
