/**
 * FASTA records with the line numbers they came from, so a bad record can be reported as
 * `file line N` (the readers in src/io report contigs, not lines). Plain, gzip or bgzip.
 */
import { LocusInputError } from '../../errors.js';
import { readTextLines } from '../../io/text-lines.js';

export interface NumberedFastaRecord {
  name: string;
  /** Header text after the name (may be empty). */
  description: string;
  sequence: string;
  /** Line number of the `>` header, 1-based. */
  line: number;
  /** Where each sequence line starts in `sequence`, and its line number (for `lineOf`). */
  pieces: { offset: number; line: number }[];
}

/** The file line that holds base `index` of a record's sequence. */
export function lineOf(record: NumberedFastaRecord, index: number): number {
  let found = record.line;
  for (const piece of record.pieces) {
    if (piece.offset > index) break;
    found = piece.line;
  }
  return found;
}

/** Records of a FASTA file, each with its header line number. Whitespace inside lines is dropped. */
export async function* readNumberedFasta(
  path: string,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<NumberedFastaRecord> {
  let current: NumberedFastaRecord | undefined;
  let parts: string[] = [];
  let length = 0;
  const finish = (): NumberedFastaRecord => {
    const record = current!;
    record.sequence = parts.join('');
    parts = [];
    length = 0;
    return record;
  };
  for await (const { text, number } of readTextLines(path, { signal: options.signal, kind: 'FASTA' })) {
    if (text.startsWith('>')) {
      if (current) yield finish();
      const header = text.slice(1).trim();
      const space = header.search(/\s/);
      current = {
        name: space < 0 ? header : header.slice(0, space),
        description: space < 0 ? '' : header.slice(space + 1).trim(),
        sequence: '',
        line: number,
        pieces: [],
      };
    } else if (current) {
      const bases = text.replace(/\s+/g, '');
      if (bases === '') continue;
      current.pieces.push({ offset: length, line: number });
      parts.push(bases);
      length += bases.length;
    } else if (text.trim() !== '') {
      throw new LocusInputError(
        path,
        `"${path}" line ${number} comes before any ">" header: not a FASTA file`,
        'a FASTA file starts with a ">name" line',
      );
    }
  }
  if (!current) {
    throw new LocusInputError(
      path,
      `FASTA file "${path}" holds no sequence`,
      'give a FASTA file with at least one ">name" record',
    );
  }
  yield finish();
}
