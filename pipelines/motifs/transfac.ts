/**
 * TRANSFAC-format count matrices as JASPAR distributes them (the "TRANSFAC" format of
 * https://jaspar.elixir.no/downloads/):
 *
 *   AC MA0108.3
 *   XX
 *   ID TBP
 *   XX
 *   DE MA0108.3 TBP ; From JASPAR
 *   PO	A	C	G	T
 *   01	16.0	46.0	18.0	309.0
 *   02	352.0	0.0	2.0	35.0
 *   ...
 *   XX
 *   CC tax_group:vertebrates
 *   CC tf_class:TATA-binding proteins
 *   ...
 *   XX
 *   //
 *
 * Each record becomes a Motif: id = AC, name = ID, matrix = the counts normalised per row (rows of
 * ChIP-derived JASPAR matrices do not always sum to the same total), sites = the first row's total,
 * rounded, and url = the profile's JASPAR page (for JASPAR matrix IDs only). The count header may be
 * `PO` (JASPAR) or `P0` (TRANSFAC proper), its letters in any order; a trailing consensus letter on a
 * count row, as TRANSFAC proper writes, is allowed. Lines with other two-letter codes are ignored.
 * Malformed input (no AC, no matrix, a bad or missing count row, a record not closed by "//")
 * throws LocusInputError naming the file and line.
 */
import { LocusInputError } from '../../src/errors.js';
import type { Matrix, Motif } from './types.js';

/** A record with its `CC key:value` comments (tax_group, tf_class, data_type, ...). */
export interface TransfacEntry {
  motif: Motif;
  comments: Record<string, string>;
}

const HINT = 'give a JASPAR TRANSFAC file (https://jaspar.elixir.no/downloads/, "TRANSFAC" format)';

/** A JASPAR matrix ID (MA0108.3, PB0001.1, CN0001.1, POL001.1, UN0100.1, ...). */
const JASPAR_ID = /^[A-Z]{2,3}\d{3,4}\.\d+$/;

/** The JASPAR web page of a matrix. */
export function jasparUrl(accession: string): string {
  return `https://jaspar.elixir.no/matrix/${accession}/`;
}

/** Parse every record of a TRANSFAC file; `source` names the file in errors. */
export function parseTransfacEntries(text: string, source: string): TransfacEntry[] {
  const fail = (line: number, problem: string, hint = HINT): never => {
    throw new LocusInputError(source, `"${source}" line ${line}: ${problem}`, hint);
  };
  const entries: TransfacEntry[] = [];
  const seen = new Map<string, number>();

  interface Open {
    firstLine: number;
    ac?: string;
    id?: string;
    na?: string;
    /** Column of each of A C G T in the count rows (after the position number). */
    columns?: number[];
    headerLine?: number;
    rows: number[][];
    comments: Record<string, string>;
  }
  let open: Open | undefined;

  const close = () => {
    const r = open!;
    open = undefined;
    const label = r.ac ?? r.id ?? `starting at line ${r.firstLine}`;
    if (r.ac === undefined)
      fail(r.firstLine, `record ${label} has no "AC" (accession) line`, 'each record needs "AC <id>"');
    const ac = r.ac!;
    if (r.columns === undefined)
      fail(r.firstLine, `record ${ac} has no count matrix ("PO A C G T" header)`, 'each record needs one');
    if (r.rows.length === 0) fail(r.headerLine!, `record ${ac} has a matrix header but no count rows`);
    const previous = seen.get(ac);
    if (previous !== undefined)
      fail(r.firstLine, `accession ${ac} appears twice (also at line ${previous})`, 'remove the duplicate');
    seen.set(ac, r.firstLine);
    const matrix: Matrix = r.rows.map((row) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((c) => c / sum);
    });
    const firstTotal = r.rows[0]!.reduce((a, b) => a + b, 0);
    entries.push({
      motif: {
        id: ac,
        name: r.id ?? r.na ?? ac,
        matrix,
        sites: Math.round(firstTotal),
        ...(JASPAR_ID.test(ac) ? { url: jasparUrl(ac) } : {}),
      },
      comments: r.comments,
    });
  };

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (line.startsWith('//')) {
      if (open) close();
      continue;
    }
    const code = line.slice(0, 2);
    const value = line.slice(2).trim();
    if (!open) {
      if (code === 'XX' || code === 'VV') continue;
      open = { firstLine: lineNo, rows: [], comments: {} };
    }
    const r = open;
    if (code === 'AC') {
      if (r.ac !== undefined)
        fail(lineNo, `record ${r.ac} has a second AC line ("${value}"): is a "//" missing?`);
      if (!/^\S+$/.test(value)) fail(lineNo, `AC must be one word, got "${value}"`);
      r.ac = value;
    } else if (code === 'ID') {
      r.id = value.replace(/\s+/g, '_');
    } else if (code === 'NA') {
      r.na = value.replace(/\s+/g, '_');
    } else if (code === 'PO' || code === 'P0') {
      if (r.columns !== undefined) fail(lineNo, `record ${r.ac ?? '?'} has a second matrix header`);
      const letters = value.split(/\s+/).map((l) => l.toUpperCase());
      const columns = ['A', 'C', 'G', 'T'].map((b) => letters.indexOf(b));
      if (letters.length !== 4 || columns.some((c) => c < 0))
        fail(
          lineNo,
          `matrix header "${line.trim()}" is not the four DNA letters A C G T`,
          'only DNA count matrices can be read',
        );
      r.columns = columns;
      r.headerLine = lineNo;
    } else if (/^\d/.test(line)) {
      const columns = r.columns;
      if (columns === undefined)
        return fail(lineNo, `count row before the "PO A C G T" header in record ${r.ac ?? '?'}`);
      const tokens = line.trim().split(/\s+/);
      // Position number, four counts, optionally a consensus letter (TRANSFAC proper).
      if (!(tokens.length === 5 || (tokens.length === 6 && /^[A-Za-z]$/.test(tokens[5]!))))
        fail(
          lineNo,
          `count row "${line.trim()}" of record ${r.ac ?? '?'} does not hold a position and four counts`,
        );
      const position = Number(tokens[0]);
      if (position !== r.rows.length + 1)
        fail(
          lineNo,
          `record ${r.ac ?? '?'}: expected matrix position ${r.rows.length + 1}, found "${tokens[0]}"`,
        );
      const counts = tokens.slice(1, 5).map(Number);
      if (!counts.every((c) => Number.isFinite(c) && c >= 0))
        fail(lineNo, `record ${r.ac ?? '?'} position ${position}: counts must be non-negative numbers`);
      if (!(counts.reduce((a, b) => a + b, 0) > 0))
        fail(lineNo, `record ${r.ac ?? '?'} position ${position}: all four counts are zero`);
      r.rows.push(columns.map((c) => counts[c]!));
    } else if (code === 'CC') {
      const colon = value.indexOf(':');
      if (colon > 0) r.comments[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
    }
    // XX, DE, BF, BA and other TRANSFAC codes carry nothing a Motif needs.
  }
  if (open) {
    fail(
      lines.length,
      `record ${open.ac ?? `starting at line ${open.firstLine}`} is not closed by "//" (is the file truncated?)`,
      're-download the file',
    );
  }
  if (entries.length === 0)
    throw new LocusInputError(source, `"${source}" holds no TRANSFAC matrix records`, HINT);
  return entries;
}

/** Parse every motif of a JASPAR TRANSFAC file; `source` names the file in errors. */
export function parseTransfac(text: string, source: string): Motif[] {
  return parseTransfacEntries(text, source).map((e) => e.motif);
}
