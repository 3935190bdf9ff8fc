/**
 * DNA sequence logos (Schneider & Stephens 1990) as self-contained SVG. Each column is as tall as its
 * information content (relative entropy against the background, in bits) and each letter takes its
 * probability's share of that height, the most probable on top.
 *
 * The letters are path outlines, not text: a font's glyphs differ between machines and its metrics
 * are unknown here, so text could not be stretched to an exact height. Only the axis labels and
 * position numbers are text, where the font does not matter.
 */
import { escapeXml } from '../report/page.js';
import { informationContent, reverseComplementMatrix, UNIFORM } from './matrix.js';
import type { Background, Matrix } from './types.js';

export interface LogoOptions {
  /** Background letter frequencies A C G T; default uniform. */
  background?: Background;
  /** Draw the reverse-complement orientation of the motif. */
  reverseComplement?: boolean;
  /** Caption drawn above the logo. */
  title?: string;
  /** Pixels per motif position; default 28. */
  columnWidth?: number;
  /** Pixels of the 0–2 bit axis; default 120. */
  height?: number;
}

/** Letters below this height (bits) would be slivers of a pixel: left out. */
const MIN_BITS = 0.01;

/**
 * Glyphs in a 100 x 100 box (y down), filled with the even-odd rule so that the A's counter is a hole.
 * The C and G are rings (outer radius 50, inner 30) open on the right between 0/-19° and 40°; the
 * arcs stay correct under the non-uniform scaling every letter gets.
 */
const GLYPHS = [
  'M0 100L38 0L62 0L100 100L78 100L69 76L31 76L22 100Z M37.75 58L62.25 58L50 25.33Z',
  'M88.3 17.86A50 50 0 1 0 88.3 82.14L72.98 69.28A30 30 0 1 1 72.98 30.72Z',
  'M88.3 17.86A50 50 0 1 0 100 50L100 44L52 44L52 60L78.28 60A30 30 0 1 1 72.98 30.72Z',
  'M0 0L100 0L100 20L60 20L60 100L40 100L40 20L0 20Z',
] as const;

/** The usual logo colours (as in WebLogo's classic scheme, slightly deeper): A green, C blue, G orange, T red. */
const COLOURS = ['#109648', '#255C99', '#F7B32B', '#D62839'] as const;

/** Two decimals, and never "-0", so that the same matrix gives byte-identical SVG. */
function num(x: number): string {
  const rounded = Math.round(x * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

/** Glyph units are 1/100 of a letter, so scale factors keep 4 decimals: the same 0.01 px. */
function factor(x: number): string {
  return String(Math.round(x * 10000) / 10000);
}

export function logoSvg(matrix: Matrix, options: LogoOptions = {}): string {
  const background = options.background ?? UNIFORM;
  const columnWidth = options.columnWidth ?? 28;
  const bitHeight = (options.height ?? 120) / 2;
  matrix.forEach((row, i) => {
    if (row.length !== 4)
      throw new RangeError(`logo: row ${i + 1} has ${row.length} letters, not 4 (A C G T)`);
  });
  const rows = options.reverseComplement ? reverseComplementMatrix(matrix) : matrix;
  const ics = rows.map((row) => informationContent(row, background));

  // On a skewed background a column can carry more than 2 bits: the axis grows rather than clipping it.
  const axisBits = Math.max(2, Math.ceil(Math.max(0, ...ics) - 1e-9));
  const plotHeight = axisBits * bitHeight;
  const left = 44;
  const top = options.title ? 30 : 10;
  const bottom = top + plotHeight;
  const width = left + rows.length * columnWidth + 10;
  const height = bottom + 26;
  // A little space between columns so that neighbouring letters stay distinct.
  const gap = Math.min(2, columnWidth / 10);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
      `viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (options.title) {
    parts.push(
      `<text x="${num(width / 2)}" y="18" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`,
    );
  }

  // Y axis: a line, a tick and number per bit, and "bits" written upwards beside it.
  const axisX = left - 6;
  parts.push(`<g stroke="#333333" stroke-width="1" fill="none">`);
  parts.push(`<path d="M${num(axisX)} ${num(top)}V${num(bottom)}"/>`);
  for (let b = 0; b <= axisBits; b++) {
    const y = bottom - b * bitHeight;
    parts.push(`<path d="M${num(axisX - 4)} ${num(y)}H${num(axisX)}"/>`);
  }
  parts.push(`</g>`);
  parts.push(`<g fill="#333333" text-anchor="end">`);
  for (let b = 0; b <= axisBits; b++) {
    parts.push(`<text x="${num(axisX - 6)}" y="${num(bottom - b * bitHeight + 4)}">${b}</text>`);
  }
  parts.push(`</g>`);
  const midY = (top + bottom) / 2;
  parts.push(
    `<text x="12" y="${num(midY)}" text-anchor="middle" transform="rotate(-90 12 ${num(midY)})">bits</text>`,
  );

  parts.push(`<g fill-rule="evenodd">`);
  rows.forEach((row, i) => {
    const x = left + i * columnWidth + gap / 2;
    const scaleX = (columnWidth - gap) / 100;
    // Smallest first, drawn from the baseline up, so the most probable letter ends on top; ties go by A C G T.
    const stack = [0, 1, 2, 3]
      .map((base) => ({ base, bits: (row[base] ?? 0) * ics[i]! }))
      .sort((a, b) => a.bits - b.bits || b.base - a.base);
    let y = bottom;
    for (const { base, bits } of stack) {
      if (bits < MIN_BITS) continue;
      const h = bits * bitHeight;
      y -= h;
      parts.push(
        `<path fill="${COLOURS[base]}" transform="translate(${num(x)} ${num(y)}) scale(${factor(scaleX)} ${factor(h / 100)})" d="${GLYPHS[base]}"/>`,
      );
    }
  });
  parts.push(`</g>`);

  parts.push(`<g fill="#333333" text-anchor="middle">`);
  rows.forEach((_, i) => {
    parts.push(`<text x="${num(left + (i + 0.5) * columnWidth)}" y="${num(bottom + 16)}">${i + 1}</text>`);
  });
  parts.push(`</g>`);
  parts.push(`</svg>`);
  return parts.join('\n') + '\n';
}
