/**
 * Motif databases for matching found motifs: MEME format (any MEME-suite database, or a `locus motifs`
 * output) or JASPAR TRANSFAC text, given as a file or as the name of a database shipped in
 * reference/motifs:
 *   jaspar                     JASPAR 2024 CORE non-redundant, vertebrates and insects (the default)
 *   drosophila-core-promoter   TATA, Inr, DPE, DRE, MTE and Ohler1 from the literature (core-promoter.ts)
 * Several databases are searched as one (matches ranked and q-values computed over all of them).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { checkInputFile } from '../../src/io/files.js';
import { referenceFolder } from '../../src/model/shipped.js';
import { parseMeme, type MemeFile } from './meme-format.js';
import { parseTransfac } from './transfac.js';
import type { Motif } from './types.js';

export const SHIPPED_DATABASES: Readonly<Record<string, { file: string; description: string }>> = {
  jaspar: {
    file: 'JASPAR2024_CORE_non-redundant.meme',
    description: 'JASPAR 2024 CORE non-redundant (vertebrates + insects)',
  },
  'drosophila-core-promoter': {
    file: 'drosophila-core-promoter.meme',
    description: 'Drosophila core-promoter elements (literature consensus: TATA, Inr, DPE, DRE, MTE, Ohler1)',
  },
};

export const DEFAULT_DATABASE = 'jaspar';
export const DEFAULT_DATABASE_NAME = SHIPPED_DATABASES[DEFAULT_DATABASE]!.description;

export function shippedDatabasePath(name: string): string {
  const shipped = SHIPPED_DATABASES[name];
  if (!shipped) throw new TypeError(`no shipped motif database "${name}"`);
  return join(referenceFolder(), 'motifs', shipped.file);
}

export function defaultDatabasePath(): string {
  return shippedDatabasePath(DEFAULT_DATABASE);
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

export interface DatabaseSource {
  /** The file read. */
  path: string;
  /** What the user gave: the shipped database's description, or the path. */
  name: string;
  motifs: number;
}

export interface MotifDatabase {
  motifs: Motif[];
  sources: DatabaseSource[];
}

/**
 * Read the databases given (files, or names of shipped databases: a file of that name wins); none
 * given = the default. A motif ID in two of them is an error, since matches are reported by ID.
 */
export async function readMotifDatabases(given: readonly string[] = []): Promise<MotifDatabase> {
  const entries = given.length > 0 ? given : [DEFAULT_DATABASE];
  const motifs: Motif[] = [];
  const sources: DatabaseSource[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const isFile = existsSync(entry);
    const shipped = isFile ? undefined : SHIPPED_DATABASES[entry];
    const path = shipped ? shippedDatabasePath(entry) : entry;
    // A bare word that is neither: a mistyped name. Anything path-like is left to readMotifFile.
    if (!isFile && !shipped && !/[/.]/.test(entry)) {
      const names = Object.keys(SHIPPED_DATABASES).join(', ');
      throw new LocusInputError(
        entry,
        `motif database "${entry}": no such file, and not a shipped database (${names})`,
        'give a MEME or JASPAR TRANSFAC file, or one of those names',
      );
    }
    const file = await readMotifFile(path);
    for (const motif of file.motifs) {
      const other = seen.get(motif.id);
      if (other !== undefined) {
        throw new LocusInputError(
          path,
          `motif ID ${motif.id} is in both ${other} and ${path}`,
          'give each database once, with distinct IDs',
        );
      }
      seen.set(motif.id, path);
    }
    motifs.push(...file.motifs);
    sources.push({ path, name: shipped ? shipped.description : entry, motifs: file.motifs.length });
  }
  return { motifs, sources };
}
