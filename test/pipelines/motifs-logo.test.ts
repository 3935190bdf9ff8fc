/**
 * Sequence logos: information content, the reverse complement, and the SVG itself read back letter by
 * letter (colour, position, height) and parsed as XML by xmllint or Python's xml.etree (skipped when
 * neither is present).
 */
import { describe, expect, it } from 'vitest';
import { logoSvg } from '../../pipelines/motifs/logo.js';
import { informationContent, reverseComplementMatrix } from '../../pipelines/motifs/matrix.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
import { hasTool, run } from '../helpers/tools.js';

const COLOUR_BASE: Record<string, string> = {
  '#109648': 'A',
  '#255C99': 'C',
  '#F7B32B': 'G',
  '#D62839': 'T',
};

interface Letter {
  base: string;
  x: number;
  /** Top edge (SVG y grows downwards). */
  y: number;
  width: number;
  height: number;
}

/** The letter paths in document order; glyphs live in a 100 x 100 box, so scale * 100 is the size in px. */
function letters(svg: string): Letter[] {
  const re =
    /<path fill="(#[0-9A-F]{6})" transform="translate\(([-\d.]+) ([-\d.]+)\) scale\(([-\d.]+) ([-\d.]+)\)" d="[^"]+"\/>/g;
  return [...svg.matchAll(re)].map((m) => ({
    base: COLOUR_BASE[m[1]!] ?? `unknown colour ${m[1]}`,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]) * 100,
    height: Number(m[5]) * 100,
  }));
}

/** The y of each axis tick, lowest on the page (the 0-bit baseline) first. */
function ticks(svg: string): number[] {
  return [...svg.matchAll(/<path d="M[\d.]+ ([\d.]+)H[\d.]+"\/>/g)].map((m) => Number(m[1]));
}

/** A matrix with probability 1 on the given letters. */
function oneHot(sequence: string): Matrix {
  return [...sequence].map((c) => [0, 1, 2, 3].map((i) => ('ACGT'[i] === c ? 1 : 0)));
}

/** Letters of each column from top to bottom, as strings. */
function columns(svg: string): string[] {
  const byX = new Map<number, Letter[]>();
  for (const l of letters(svg)) byX.set(l.x, [...(byX.get(l.x) ?? []), l]);
  return [...byX.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, ls]) =>
      ls
        .sort((a, b) => a.y - b.y)
        .map((l) => l.base)
        .join(''),
    );
}

const TATA: Matrix = [
  [0.05, 0.05, 0.1, 0.8],
  [0.9, 0.02, 0.03, 0.05],
  [0.05, 0.05, 0.1, 0.8],
  [0.9, 0.02, 0.03, 0.05],
  [0.6, 0, 0, 0.4],
  [0.8, 0.05, 0.05, 0.1],
  [0.5, 0, 0.5, 0],
  // 0.0145 bits: every letter is under 0.01 bit high.
  [0.3, 0.25, 0.25, 0.2],
];

describe('informationContent', () => {
  it('is 0 bits for a uniform row and 2 bits for a one-hot row', () => {
    expect(informationContent([0.25, 0.25, 0.25, 0.25])).toBe(0);
    expect(informationContent([0.3, 0.25, 0.25, 0.2])).toBeCloseTo(0.0145, 4);
    // A row that sums to just under 1 would come out a hair negative: never below 0.
    expect(informationContent([0.25, 0.25, 0.25, 0.2499])).toBe(0);
    for (const row of oneHot('ACGT')) expect(informationContent(row)).toBeCloseTo(2, 12);
  });

  it('is 1 bit for a two-way split and the relative entropy against a skewed background', () => {
    expect(informationContent([0.5, 0, 0.5, 0])).toBeCloseTo(1, 12);
    const bg = [0.4, 0.1, 0.1, 0.4] as const;
    expect(informationContent([1, 0, 0, 0], bg)).toBeCloseTo(Math.log2(1 / 0.4), 12);
    expect(informationContent([0, 1, 0, 0], bg)).toBeCloseTo(Math.log2(10), 12);
    // A row equal to the background carries nothing, even though it is not uniform.
    expect(informationContent([0.4, 0.1, 0.1, 0.4], bg)).toBeCloseTo(0, 12);
  });
});

describe('reverseComplementMatrix', () => {
  it('reverses the positions and swaps A<->T, C<->G', () => {
    const m: Matrix = [
      [0.7, 0.1, 0.15, 0.05],
      [0.2, 0.3, 0.4, 0.1],
    ];
    expect(reverseComplementMatrix(m)).toEqual([
      [0.1, 0.4, 0.3, 0.2],
      [0.05, 0.15, 0.1, 0.7],
    ]);
    expect(reverseComplementMatrix(oneHot('AACG'))).toEqual(oneHot('CGTT'));
  });

  it('is its own inverse and leaves its argument alone', () => {
    const copy = TATA.map((row) => [...row]);
    expect(reverseComplementMatrix(reverseComplementMatrix(TATA))).toEqual(TATA);
    expect(TATA).toEqual(copy);
  });
});

describe('logoSvg', () => {
  it('draws a one-hot ACGT as four full-height letters in order and colour', () => {
    const svg = logoSvg(oneHot('ACGT'));
    const ls = letters(svg);
    expect(ls.map((l) => l.base)).toEqual(['A', 'C', 'G', 'T']);
    const baseline = Math.max(...ticks(svg));
    const twoBits = Math.min(...ticks(svg));
    expect(baseline - twoBits).toBeCloseTo(120, 2); // the default 2-bit axis
    for (const l of ls) {
      expect(l.height).toBeCloseTo(120, 2);
      expect(l.y).toBeCloseTo(twoBits, 2);
      expect(l.y + l.height).toBeCloseTo(baseline, 2);
      expect(l.width).toBeGreaterThan(20);
      expect(l.width).toBeLessThanOrEqual(28);
    }
    for (let i = 1; i < ls.length; i++) expect(ls[i]!.x - ls[i - 1]!.x).toBeCloseTo(28, 2);
    // Letters are outlines: the only text is axis numbers, "bits" and position numbers.
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(['0', '1', '2', 'bits', '1', '2', '3', '4']);
  });

  it('honours columnWidth and height', () => {
    const ls = letters(logoSvg(oneHot('GT'), { columnWidth: 50, height: 200 }));
    expect(ls.map((l) => l.height)).toEqual([200, 200]);
    expect(ls[1]!.x - ls[0]!.x).toBeCloseTo(50, 2);
  });

  it('stacks letters by probability, most probable on top, each p * IC high', () => {
    const row = [0.5, 0.3, 0.2, 0];
    const ic = informationContent(row);
    const svg = logoSvg([row]);
    expect(columns(svg)).toEqual(['ACG']); // T has probability 0: no letter
    const ls = letters(svg).sort((a, b) => a.y - b.y);
    ls.forEach((l, i) => expect(l.height).toBeCloseTo(row[i]! * ic * 60, 1));
    // Stacked without gaps or overlaps, from the baseline up.
    for (let i = 1; i < ls.length; i++) expect(ls[i - 1]!.y + ls[i - 1]!.height).toBeCloseTo(ls[i]!.y, 1);
    expect(ls.at(-1)!.y + ls.at(-1)!.height).toBeCloseTo(Math.max(...ticks(svg)), 1);
  });

  it('draws a realistic TATA box, leaving out letters under 0.01 bit and uninformative columns', () => {
    const svg = logoSvg(TATA);
    // Column 7's 0.5/0.5 tie stacks in A C G T order; column 8 (near uniform) draws nothing.
    expect(columns(svg)).toEqual(['TGAC', 'ATGC', 'TGAC', 'ATGC', 'AT', 'ATCG', 'AG']);
    expect(svg.match(/<text[^>]*>8<\/text>/)).not.toBeNull(); // but still numbered
    for (const l of letters(svg)) expect(l.height).toBeGreaterThanOrEqual(0.01 * 60 - 0.01);
  });

  it('draws the reverse-complement orientation: AACG as CGTT', () => {
    expect(columns(logoSvg(oneHot('AACG'), { reverseComplement: true }))).toEqual(['C', 'G', 'T', 'T']);
    expect(columns(logoSvg(oneHot('AACG')))).toEqual(['A', 'A', 'C', 'G']);
  });

  it('grows the axis past 2 bits rather than clipping on a skewed background', () => {
    const svg = logoSvg(oneHot('AC'), { background: [0.4, 0.1, 0.1, 0.4] });
    const t = ticks(svg);
    expect(t).toHaveLength(5); // 0..4 bits: log2(10) = 3.32 needs 4
    const ls = letters(svg);
    expect(ls[0]!.height).toBeCloseTo(Math.log2(2.5) * 60, 1);
    expect(ls[1]!.height).toBeCloseTo(Math.log2(10) * 60, 1);
    expect(ls[1]!.y).toBeGreaterThan(Math.min(...t));
  });

  it('escapes the title', () => {
    const svg = logoSvg(oneHot('A'), { title: `TBP <"TATA"> & 'co'` });
    expect(svg).toContain('TBP &lt;&quot;TATA&quot;&gt; &amp; &#39;co&#39;');
    expect(svg).not.toContain('<"TATA">');
    expect(logoSvg(oneHot('A'))).not.toContain('TBP');
  });

  it('is deterministic, with rounded numbers and a sized viewBox', () => {
    const a = logoSvg(TATA, { title: 'x' });
    expect(logoSvg(TATA, { title: 'x' })).toBe(a);
    expect(a).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="(\d+)" height="(\d+)" viewBox="0 0 \1 \2"/,
    );
    // Pixels to 2 decimals; scale factors (px per 1/100 glyph) to 4.
    expect(a).not.toMatch(/\d\.\d{5}/);
    for (const m of a.matchAll(/translate\(([^)]*)\)/g)) expect(m[1]).not.toMatch(/\.\d{3}/);
    expect(a).not.toMatch(/-0[ ")]/);
  });

  it('rejects rows that are not A C G T', () => {
    expect(() => logoSvg([[0.5, 0.5, 0]])).toThrow(/row 1 has 3 letters/);
  });
});

const parser = hasTool('xmllint') ? 'xmllint' : hasTool('python3') ? 'python3' : undefined;

describe.skipIf(!parser)(`logoSvg is well-formed XML (${parser ?? 'no parser'})`, () => {
  const svg = logoSvg(TATA, { title: `<script>alert("x & 'y'")</script>`, reverseComplement: true });

  it('parses', () => {
    if (parser === 'xmllint') {
      const result = run('xmllint', ['--noout', '-'], svg);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return;
    }
    // Python reads it back: the root is an SVG element and the title comes back as the original text.
    const script = [
      'import sys, json, xml.etree.ElementTree as ET',
      'root = ET.fromstring(sys.stdin.read())',
      'ns = "{http://www.w3.org/2000/svg}"',
      'print(json.dumps({"tag": root.tag, "viewBox": root.get("viewBox"),',
      '  "title": root.find(ns + "text").text, "paths": len(root.findall(".//" + ns + "path"))}))',
    ].join('\n');
    const result = run('python3', ['-c', script], svg);
    expect(result.stderr).toBe('');
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(parsed.tag).toBe('{http://www.w3.org/2000/svg}svg');
    expect(parsed.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(parsed.title).toBe(`<script>alert("x & 'y'")</script>`);
    expect(parsed.paths).toBeGreaterThan(TATA.length);
  });
});
