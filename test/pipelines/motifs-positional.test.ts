/**
 * Positional motif discovery (`locus motifs --anchor`, pipelines/motifs/positional.ts) at tiny sizes:
 * the null density and the window grid against brute force, a TATA-like motif planted at a fixed
 * distance from the sequence end found with its window, a centred motif found on both strands, nothing
 * significant in sequences without one, and the CLI's outputs and bad value.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  discoverPositional,
  frameOf,
  POSITIONAL_DEFAULTS,
  windowDensity,
  windowGrid,
  type Anchor,
} from '../../pipelines/motifs/positional.js';
import { DISCOVER_DEFAULTS } from '../../pipelines/motifs/discover.js';
import { encodeSequence, MASKED, type CodedSequence } from '../../pipelines/motifs/sequences.js';
import { windowText } from '../../pipelines/motifs/types.js';
import { Random } from '../../src/tokenize/random.js';
import { ROOT } from '../helpers/paths.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const LETTERS = [0.25, 0.25, 0.25, 0.25] as const;

interface PlantOptions {
  n?: number;
  length?: number;
  share?: number;
  /** Where the site starts: bases before the end (anchor end) or around the centre (anchor center). */
  anchor: Anchor;
  offset: number;
  /** Plant on either strand at random (else as written). */
  bothStrands?: boolean;
}

/** Random sequences (A/T-rich, as promoters are) with `word` planted at a fixed place in `share` of them. */
function planted(seed: number, word: string, o: PlantOptions): { name: string; text: string }[] {
  const rng = new Random(seed);
  const { n = 300, length = 300, share = 0.4 } = o;
  const out: { name: string; text: string }[] = [];
  for (let i = 0; i < n; i++) {
    const bases: string[] = Array.from({ length }, () => {
      const u = rng.nextFloat();
      return u < 0.3 ? 'A' : u < 0.5 ? 'C' : u < 0.7 ? 'G' : 'T';
    });
    if (rng.nextFloat() < share) {
      let site = word;
      if (o.bothStrands && rng.nextFloat() < 0.5) {
        site = [...site]
          .reverse()
          .map((b) => 'TGCA'['ACGT'.indexOf(b)])
          .join('');
      }
      // A little jitter, as real sites have.
      const jitter = rng.nextInt(3) - 1;
      const start =
        o.anchor === 'end' ? length + o.offset + jitter : Math.floor(length / 2) + o.offset + jitter;
      bases.splice(start, site.length, ...site);
      bases.length = length;
    }
    out.push({ name: `seq${i}`, text: bases.join('') });
  }
  return out;
}

const coded = (records: { name: string; text: string }[]): CodedSequence[] =>
  records.map((r) => ({ name: r.name, codes: encodeSequence(r.text) }));

function options(anchor: Anchor) {
  return { ...DISCOVER_DEFAULTS, ...POSITIONAL_DEFAULTS, anchor, seed: 1, maxMotifs: 3 };
}

describe('positional null and windows', () => {
  it('counts unmasked windows by centre offset as brute force does, for every anchor', () => {
    const rng = new Random(3);
    const sequences: CodedSequence[] = Array.from({ length: 12 }, (_, i) => {
      const codes = new Uint8Array(20 + rng.nextInt(40)).map(() => rng.nextInt(4));
      for (let j = 0; j < codes.length; j++) if (rng.nextFloat() < 0.05) codes[j] = MASKED;
      return { name: `s${i}`, codes };
    });
    for (const anchor of ['start', 'center', 'end'] as const) {
      for (const width of [1, 4, 7]) {
        const frame = frameOf(anchor, sequences);
        const cum = windowDensity(sequences, width, frame);
        const brute = new Float64Array(frame.range);
        for (const s of sequences) {
          const L = s.codes.length;
          const at = anchor === 'start' ? 0 : anchor === 'end' ? L : Math.floor(L / 2);
          for (let i = 0; i + width <= L; i++) {
            if (s.codes.subarray(i, i + width).includes(MASKED)) continue;
            brute[i + (width >> 1) - at - frame.minOffset]!++;
          }
        }
        const fromCum = Array.from({ length: frame.range }, (_, i) => cum[i + 1]! - cum[i]!);
        expect(fromCum).toEqual([...brute]);
      }
    }
  });

  it('tiles windows of 8 bases to half the range, each within the range', () => {
    const grid = windowGrid(200);
    const widths = [...new Set(grid.map((w) => w.to - w.from))];
    expect(widths).toEqual([8, 12, 16, 24, 32, 48, 64, 96]);
    for (const w of grid) {
      expect(w.from).toBeGreaterThanOrEqual(0);
      expect(w.to).toBeLessThanOrEqual(200);
    }
    // Every 8-base stretch is inside some 8-wide window, so a narrow crowd is never missed by much.
    expect(grid.filter((w) => w.to - w.from === 8).length).toBe((200 - 8) / 2 + 1);
  });

  it('writes windows as signed inclusive offsets from the anchor', () => {
    expect(windowText({ anchor: 'end', from: -33, to: -25 })).toBe('centres -33 to -26 from the end');
    expect(windowText({ anchor: 'center', from: -4, to: 5 })).toBe('centres -4 to +4 around the centre');
  });
});

describe('discoverPositional', () => {
  it('finds a TATA-like word 31 bases before the end, with its window, on the given strand', () => {
    const targets = coded(planted(1, 'TATAAAAG', { anchor: 'end', offset: -31 }));
    const { motifs, heldOut } = discoverPositional(targets, LETTERS, options('end'));
    expect(heldOut).toBe(30);
    const first = motifs[0]!;
    expect(first.consensus).toContain('TATAAA');
    expect(first.evalue).toBeLessThan(1e-3);
    // The planted centres: start -31 (+-1) plus half the motif's width.
    const centre = -31 + 4;
    expect(first.position.from).toBeLessThanOrEqual(centre);
    expect(first.position.to).toBeGreaterThan(centre);
    expect(first.position.to - first.position.from).toBeLessThanOrEqual(24);
    expect(first.position.testInWindow).toBeGreaterThan(3 * first.position.testExpected);
    // Anchored at an end, the reverse complement is a different word: it must not be what was found.
    expect(first.consensus).not.toContain('TTTATA');
  });

  it('finds a motif centred on its sequences on either strand', () => {
    const targets = coded(planted(2, 'GGTCACACTG', { anchor: 'center', offset: -5, bothStrands: true }));
    const { motifs } = discoverPositional(targets, LETTERS, options('center'));
    const first = motifs[0]!;
    const rc = (s: string) =>
      [...s]
        .reverse()
        .map((b) => 'TGCA'['ACGT'.indexOf(b)] ?? 'N')
        .join('');
    expect(first.consensus.includes('CACAC') || rc(first.consensus).includes('CACAC')).toBe(true);
    expect(first.evalue).toBeLessThan(1e-3);
    expect(first.position.from).toBeLessThanOrEqual(0);
    expect(first.position.to).toBeGreaterThan(0);
  });

  it('reports nothing significant where no motif has a place', () => {
    const targets = coded(planted(3, 'TATAAAAG', { anchor: 'end', offset: -31, share: 0 }));
    const { motifs } = discoverPositional(targets, LETTERS, options('end'));
    for (const m of motifs) expect(m.evalue).toBeGreaterThan(0.05);
  });

  it('leaves the caller sequences unmasked and gives the same motifs again', () => {
    const targets = coded(planted(4, 'TATAAAAG', { anchor: 'end', offset: -31 }));
    const before = targets.map((t) => t.codes.slice());
    const a = discoverPositional(targets, LETTERS, options('end'));
    expect(targets.map((t) => t.codes)).toEqual(before);
    const b = discoverPositional(targets, LETTERS, options('end'));
    expect(b.motifs.map((m) => [m.consensus, m.evalue])).toEqual(
      a.motifs.map((m) => [m.consensus, m.evalue]),
    );
  });
});

describe('locus motifs --anchor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locus-positional-'));
  const fasta = join(dir, 'promoters.fa');
  writeFileSync(
    fasta,
    planted(5, 'TATAAAAG', { anchor: 'end', offset: -31 })
      .map((r) => `>${r.name}\n${r.text}\n`)
      .join(''),
  );

  it('ranks the positional motif with the others and writes its window in summary.json, the report and the text', () => {
    const out = join(dir, 'out');
    const run = spawnSync(process.execPath, [BIN, 'motifs', fasta, '--anchor', 'end', '-o', out, '--quiet'], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      settings: { anchor: string };
      motifs: { source: string; consensus: string; position?: { from: number; to: number } }[];
    };
    expect(summary.settings.anchor).toBe('end');
    const positional = summary.motifs.filter((m) => m.source === 'position');
    expect(positional.length).toBeGreaterThan(0);
    expect(summary.motifs[0]!.source).toBe('position');
    expect(summary.motifs[0]!.consensus).toContain('TATAAA');
    expect(run.stdout).toMatch(/TATAAA\S*\s+E\s+\S+\s+.*centres -\d+ to -\d+ from the end/);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('Positional motif: its site centres');
    // Sites of a motif anchored at an end are on the given strand only.
    const sites = readFileSync(join(out, 'sites.tsv'), 'utf8').trim().split('\n').slice(1);
    const firstId = `1-${summary.motifs[0]!.consensus}`;
    const strands = new Set(sites.filter((l) => l.startsWith(`${firstId}\t`)).map((l) => l.split('\t')[4]));
    expect([...strands]).toEqual(['+']);
  });

  it('refuses an unknown anchor with the choices', () => {
    const run = spawnSync(
      process.execPath,
      [BIN, 'motifs', fasta, '--anchor', 'tss', '-o', join(dir, 'bad')],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--anchor.*tss.*start, center, end/s);
  });
});
