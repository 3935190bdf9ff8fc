/**
 * Motif databases for matching found motifs: MEME format (any MEME-suite database, or a `locus motifs`
 * output) or JASPAR TRANSFAC text. The default is the JASPAR 2024 CORE non-redundant collection
 * (vertebrates and insects) that ships in reference/motifs, with its licence.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInputFile } from '../../src/io/files.js';
import { referenceFolder } from '../../src/model/shipped.js';
import { parseMeme, type MemeFile } from './meme-format.js';
import { parseTransfac } from './transfac.js';

export const DEFAULT_DATABASE_NAME = 'JASPAR 2024 CORE non-redundant (vertebrates + insects)';

export function defaultDatabasePath(): string {
  return join(referenceFolder(), 'motifs', 'JASPAR2024_CORE_non-redundant.meme');
}

/** Read a MEME or TRANSFAC motif file (told apart by content, not by name). */
export async function readMotifFile(path: string): Promise<MemeFile> {
  await checkInputFile(path, 'motif file');
  const text = await readFile(path, 'latin1');
  if (/^(AC|ID|DE)\s/m.test(text) && !/^MEME version/m.test(text)) {
    return { background: [0.25, 0.25, 0.25, 0.25], motifs: parseTransfac(text, path) };
  }
  return parseMeme(text, path);
}
