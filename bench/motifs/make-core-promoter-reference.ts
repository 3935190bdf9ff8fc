/**
 * Write reference/motifs/drosophila-core-promoter.meme, the literature's Drosophila core-promoter
 * elements (pipelines/motifs/core-promoter.ts) in MEME minimal format: `locus motifs --db
 * drosophila-core-promoter`, and readable by Tomtom or Biopython. Run through reference/motifs/make.sh,
 * or:
 *
 *   npx tsc -p tsconfig.build.json
 *   node dist/bench/motifs/make-core-promoter-reference.js [--out FILE]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/io/files.js';
import { PROMOTER_ELEMENTS } from '../../pipelines/motifs/core-promoter.js';
import { formatMeme } from '../../pipelines/motifs/meme-format.js';
import { findRepoRoot, log } from '../repo.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: {
        type: 'string',
        default: join(findRepoRoot(), 'reference/motifs/drosophila-core-promoter.meme'),
      },
    },
  });
  await writeFileAtomic(
    values.out!,
    formatMeme({ background: [0.25, 0.25, 0.25, 0.25], motifs: [...PROMOTER_ELEMENTS] }),
  );
  log(`wrote ${PROMOTER_ELEMENTS.length} motifs to ${values.out}`);
}

const isMain = process.argv[1]?.endsWith('bench/motifs/make-core-promoter-reference.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
