/**
 * MEME minimal motif format (https://meme-suite.org/meme/doc/meme-format.html), written so that
 * Biopython's `Bio.motifs.parse(fh, 'minimal')` and the MEME suite (Tomtom, FIMO, SEA) read it, and read
 * back from any MEME-suite tool's minimal or text output.
 *
 *   MEME version 4
 *   ALPHABET= ACGT
 *   strands: + -
 *   Background letter frequencies
 *   A 0.303 C 0.197 G 0.197 T 0.303
 *
 *   MOTIF 1-TATAWAWR locus-1
 *   letter-probability matrix: alength= 4 w= 8 nsites= 412 E= 3.1e-42
 *    0.021 0.097 0.050 0.832
 *   ...
 */
import { LocusInputError } from '../../src/errors.js';
import { UNIFORM } from './matrix.js';
import type { Background, Matrix, Motif } from './types.js';

export interface MemeFile {
  background: Background;
  motifs: Motif[];
}

/** Probabilities to 6 decimals (readers renormalise each row). */
function formatRow(row: readonly number[]): string {
  return ' ' + row.map((p) => p.toFixed(6)).join(' ');
}

/** E-values as MEME prints them: "3.1e-42"; 0 and huge values stay readable. */
export function formatEvalue(e: number): string {
  if (!Number.isFinite(e)) return '1e+300';
  if (e === 0) return '0';
  return e.toExponential(1);
}

export function formatMeme(file: MemeFile): string {
  const bg = file.background;
  const lines = [
    'MEME version 4',
    '',
    'ALPHABET= ACGT',
    '',
    'strands: + -',
    '',
    'Background letter frequencies',
    `A ${bg[0].toFixed(4)} C ${bg[1].toFixed(4)} G ${bg[2].toFixed(4)} T ${bg[3].toFixed(4)}`,
    '',
  ];
  for (const motif of file.motifs) {
    if (/\s/.test(motif.id) || motif.id === '')
      throw new TypeError(`motif id "${motif.id}" must be one word`);
    lines.push(`MOTIF ${motif.id}${motif.name ? ' ' + motif.name.replace(/\s+/g, '_') : ''}`);
    // Biopython rebuilds counts as round(p * nsites): nsites must be a positive integer.
    const nsites = Math.max(1, Math.round(motif.sites));
    lines.push(
      `letter-probability matrix: alength= 4 w= ${motif.matrix.length} nsites= ${nsites} E= ${formatEvalue(motif.evalue ?? 0)}`,
    );
    for (const row of motif.matrix) lines.push(formatRow(row));
    if (motif.url) lines.push(`URL ${motif.url}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Parse MEME minimal (or full text) format. `source` names the file in errors. */
export function parseMeme(text: string, source: string): MemeFile {
  const lines = text.split(/\r?\n/);
  if (!lines.some((l) => l.startsWith('MEME version'))) {
    throw new LocusInputError(
      source,
      `"${source}" is not a MEME motif file: no "MEME version" line`,
      'give a MEME-format file (MEME, STREME, Tomtom and `locus motifs` write them)',
    );
  }
  const alphabet = lines.find((l) => l.startsWith('ALPHABET'));
  if (alphabet && !/ALPHABET=?\s*ACGT\b/.test(alphabet)) {
    throw new LocusInputError(
      source,
      `"${source}" holds motifs over "${alphabet.replace(/^ALPHABET=?\s*/, '')}", not DNA`,
      'give DNA motifs (ALPHABET= ACGT)',
    );
  }
  let background: Background = UNIFORM;
  const bgAt = lines.findIndex((l) => l.startsWith('Background letter frequencies'));
  if (bgAt >= 0) {
    const tokens = (lines[bgAt + 1] ?? '').trim().split(/\s+/);
    const freq = new Map<string, number>();
    for (let i = 0; i + 1 < tokens.length; i += 2) freq.set(tokens[i]!.toUpperCase(), Number(tokens[i + 1]));
    const bg = ['A', 'C', 'G', 'T'].map((b) => freq.get(b) ?? NaN);
    if (bg.every((p) => Number.isFinite(p) && p > 0)) {
      const sum = bg.reduce((a, b) => a + b, 0);
      background = bg.map((p) => p / sum) as unknown as Background;
    }
  }
  const motifs: Motif[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('MOTIF ')) continue;
    const [, id = '', ...rest] = line.trim().split(/\s+/);
    const name = rest.join(' ');
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('letter-probability matrix')) {
      if (lines[j]!.startsWith('MOTIF ')) break;
      j++;
    }
    const header = lines[j] ?? '';
    if (!header.startsWith('letter-probability matrix')) {
      throw new LocusInputError(
        source,
        `"${source}" line ${i + 1}: motif ${id} has no letter-probability matrix`,
        'each MOTIF needs a "letter-probability matrix:" block',
      );
    }
    const field = (key: string): number | undefined => {
      const m = new RegExp(`${key}=\\s*([^\\s]+)`).exec(header);
      return m ? Number(m[1]) : undefined;
    };
    const width = field('w');
    const matrix: Matrix = [];
    for (j = j + 1; j < lines.length; j++) {
      const tokens = lines[j]!.trim().split(/\s+/);
      if (tokens.length !== 4 || !tokens.every((t) => /^[-+0-9.eE]+$/.test(t))) break;
      const row = tokens.map(Number);
      const sum = row.reduce((a, b) => a + b, 0);
      if (!row.every((p) => Number.isFinite(p) && p >= 0) || !(sum > 0)) {
        throw new LocusInputError(
          source,
          `"${source}" line ${j + 1}: motif ${id} has a row that is not four probabilities`,
          'each matrix row holds the probabilities of A C G T',
        );
      }
      matrix.push(row.map((p) => p / sum));
      if (width !== undefined && matrix.length === width) {
        j++;
        break;
      }
    }
    if (matrix.length === 0 || (width !== undefined && matrix.length !== width)) {
      throw new LocusInputError(
        source,
        `"${source}" line ${i + 1}: motif ${id} declares w= ${width} but has ${matrix.length} rows`,
        'fix or remove that motif',
      );
    }
    let url: string | undefined;
    for (let k = j; k < lines.length && k < j + 3; k++) {
      if (lines[k]!.startsWith('MOTIF ')) break;
      const m = /^URL\s+(\S+)/.exec(lines[k]!);
      if (m) url = m[1];
    }
    const evalue = field('E');
    motifs.push({
      id,
      name,
      matrix,
      sites: field('nsites') ?? 20,
      ...(evalue !== undefined && Number.isFinite(evalue) ? { evalue } : {}),
      ...(url ? { url } : {}),
    });
    i = j - 1;
  }
  if (motifs.length === 0) {
    throw new LocusInputError(
      source,
      `"${source}" holds no motifs`,
      'a MEME file lists motifs as "MOTIF id" blocks',
    );
  }
  return { background, motifs };
}
