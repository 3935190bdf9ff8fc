/**
 * `locus motifs` at tiny sizes: the formats (MEME parsed by Biopython, BED by bedtools), the statistics
 * against brute force, the shuffle's invariants, determinism, discovery of a planted motif, database
 * matching, and the bad inputs, each one clear line with a non-zero exit and no output folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignMotifs, compareToDatabase, qvalues } from '../../pipelines/motifs/compare.js';
import { iupacMatrix, PROMOTER_ELEMENTS } from '../../pipelines/motifs/core-promoter.js';
import {
  defaultDatabasePath,
  readMotifDatabases,
  readMotifFile,
  shippedDatabasePath,
} from '../../pipelines/motifs/database.js';
import { logBinomialTail } from '../../pipelines/motifs/enrichment.js';
import { reverseComplementMatrix } from '../../pipelines/motifs/matrix.js';
import { formatMeme, parseMeme } from '../../pipelines/motifs/meme-format.js';
import {
  attributionShare,
  modelGuidedMotifs,
  SAME_MOTIF_SIMILARITY,
} from '../../pipelines/motifs/model-guided.js';
import { logOdds, scoreAt, ScorePvalues } from '../../pipelines/motifs/pwm.js';
import { encodeSequence, type CodedSequence } from '../../pipelines/motifs/sequences.js';
import { kmerShuffle } from '../../pipelines/motifs/shuffle.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
import { Random } from '../../src/tokenize/random.js';
import { ROOT } from '../helpers/paths.js';
import { hasTool, pythonWith, run } from '../helpers/tools.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');

function locus(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
}

/** A GATA-like motif, 9 wide, each column 0.85 on its base. */
const PLANTED_WORD = 'AGATAAGGC';
const PLANTED: Matrix = [...PLANTED_WORD].map((ch) =>
  [0, 1, 2, 3].map((b) => (b === 'ACGT'.indexOf(ch) ? 0.85 : 0.05)),
);

/** `n` random sequences of `length` bp; a site of PLANTED (either strand) in `share` of them. */
function plantedFasta(seed: number, n = 200, length = 150, share = 0.8): string {
  const rng = new Random(seed);
  const draw = (probs: readonly number[]) => {
    let u = rng.nextFloat();
    for (let b = 0; b < 4; b++) if ((u -= probs[b]!) < 0) return b;
    return 3;
  };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const bases = Array.from({ length }, () => draw([0.3, 0.2, 0.2, 0.3]));
    if (rng.nextFloat() < share) {
      let site = PLANTED.map(draw);
      if (rng.nextFloat() < 0.5) site = site.reverse().map((b) => 3 - b);
      bases.splice(rng.nextInt(length - site.length), site.length, ...site);
      bases.length = length;
    }
    lines.push(`>seq${i}`, bases.map((b) => 'ACGT'[b]).join(''));
  }
  return lines.join('\n') + '\n';
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'locus-motifs-'));
}

describe('statistics', () => {
  it('binomial tail matches the sum of terms', () => {
    const exact = (k: number, n: number, q: number) => {
      let p = 0;
      for (let x = k; x <= n; x++) {
        let c = 1;
        for (let i = 0; i < x; i++) c = (c * (n - i)) / (i + 1);
        p += c * q ** x * (1 - q) ** (n - x);
      }
      return p;
    };
    for (const [k, n, q] of [
      [8, 10, 0.5],
      [30, 40, 0.5],
      [5, 60, 0.02],
    ] as const) {
      expect(Math.exp(logBinomialTail(k, n, q))).toBeCloseTo(exact(k, n, q), 10);
    }
    expect(logBinomialTail(3, 10, 0.5)).toBe(0);
  });

  it('PWM score p-values match enumeration of every word', () => {
    const matrix: Matrix = [
      [0.7, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.7, 0.1],
      [0.25, 0.25, 0.25, 0.25],
      [0.05, 0.05, 0.1, 0.8],
    ];
    const background = [0.3, 0.2, 0.2, 0.3] as const;
    const pwm = logOdds(matrix, background);
    const scores: { s: number; p: number }[] = [];
    for (let id = 0; id < 256; id++) {
      let s = 0;
      let p = 1;
      for (let j = 0; j < 4; j++) {
        const b = (id >> (2 * (3 - j))) & 3;
        s += pwm.forward[j * 4 + b]!;
        p *= background[b]!;
      }
      scores.push({ s, p });
    }
    const pvalues = new ScorePvalues(pwm, background, 1000);
    for (const { s } of scores.slice(0, 40)) {
      const exact = scores.filter((x) => x.s >= s - 1e-9).reduce((a, x) => a + x.p, 0);
      expect(Math.abs(pvalues.pvalue(s) - exact)).toBeLessThan(0.02 * exact + 1e-9);
    }
  });

  it('q-values are monotone in p and never below p', () => {
    const p = [0.01, 0.04, 0.03, 0.5, 0.001];
    const q = qvalues(p);
    p.forEach((pi, i) => expect(q[i]!).toBeGreaterThanOrEqual(pi));
    expect(q[4]).toBeCloseTo(0.005);
  });
});

describe('k-mer shuffle', () => {
  const kmers = (codes: Uint8Array, k: number) => {
    const counts = new Map<string, number>();
    for (let i = 0; i + k <= codes.length; i++) {
      const word = codes.subarray(i, i + k);
      if (word.some((c) => c > 3)) continue;
      const key = word.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()].sort();
  };
  const pairs = (codes: Uint8Array) => kmers(codes, 2);
  const input: CodedSequence[] = [
    { name: 'a', codes: encodeSequence('ACGTTGCAAACCGGTTTATATAAAGGGCNNNNACGATCGATCGGGGATTA') },
    { name: 'b', codes: encodeSequence('aaaaaaaacccccccgggggttttt') },
  ];

  it('keeps every 3-mer and dinucleotide count, the first and last bases, and where the Ns are', () => {
    const shuffled = kmerShuffle(input, 3);
    shuffled.forEach((s, i) => {
      const original = input[i]!.codes;
      expect(kmers(s.codes, 3)).toEqual(kmers(original, 3));
      expect(pairs(s.codes)).toEqual(pairs(original));
      expect(s.codes[0]).toBe(original[0]);
      expect(s.codes.at(-1)).toBe(original.at(-1));
      original.forEach((c, j) => expect(c === 4).toBe(s.codes[j] === 4));
    });
    expect(shuffled[0]!.codes).not.toEqual(input[0]!.codes);
  });

  it('keeps k-mer counts for other k too', () => {
    const long = [{ name: 'l', codes: encodeSequence(plantedFasta(7, 1, 400, 0).split('\n')[1]!) }];
    for (const k of [2, 4])
      expect(kmers(kmerShuffle(long, 5, k)[0]!.codes, k)).toEqual(kmers(long[0]!.codes, k));
  });

  it('is deterministic for a seed', () => {
    expect(kmerShuffle(input, 9)[0]!.codes).toEqual(kmerShuffle(input, 9)[0]!.codes);
    expect(kmerShuffle(input, 9)[0]!.codes).not.toEqual(kmerShuffle(input, 10)[0]!.codes);
  });
});

describe('motif comparison', () => {
  it('a motif is identical to itself and to its reverse complement, reversed', () => {
    expect(alignMotifs(PLANTED, PLANTED).similarity).toBeCloseTo(1, 10);
    const rc = alignMotifs(reverseComplementMatrix(PLANTED), PLANTED);
    expect(rc.similarity).toBeCloseTo(1, 10);
    expect(rc.reverse).toBe(true);
  });

  it('finds a JASPAR motif in the shipped database as its own best match, with a tiny q-value', async () => {
    const db = await readMotifFile(defaultDatabasePath());
    expect(db.motifs.length).toBeGreaterThan(1000);
    const ctcf = db.motifs.find((m) => m.name === 'CTCF')!;
    const [matches] = compareToDatabase([reverseComplementMatrix(ctcf.matrix)], db.motifs, { top: 3 });
    expect(matches![0]!.target.id).toBe(ctcf.id);
    expect(matches![0]!.alignment.reverse).toBe(true);
    expect(matches![0]!.qvalue).toBeLessThan(1e-6);
  });
});

describe('motif databases', () => {
  it('ships the Drosophila core-promoter elements as written by core-promoter.ts', async () => {
    const file = await readMotifFile(shippedDatabasePath('drosophila-core-promoter'));
    expect(file.motifs.map((m) => m.name)).toEqual(['TATA', 'Inr', 'DPE', 'DRE', 'MTE', 'Ohler1']);
    expect(readFileSync(shippedDatabasePath('drosophila-core-promoter'), 'utf8')).toBe(
      formatMeme({ background: [0.25, 0.25, 0.25, 0.25], motifs: [...PROMOTER_ELEMENTS] }),
    );
    expect(file.motifs[1]!.url).toMatch(/^https:\/\/doi\.org\//);
  });

  it('searches several databases as one, by shipped name or file, and refuses an ID given twice', async () => {
    const both = await readMotifDatabases(['jaspar', 'drosophila-core-promoter']);
    expect(both.sources.map((s) => s.motifs)).toEqual([1165, 6]);
    expect(both.motifs.length).toBe(1171);
    // An Inr-like matrix (TCAGTT, softened) has the literature Inr among its best matches, and as the
    // most similar of them.
    const inrLike = iupacMatrix('TCAGTT').map((row) => row.map((p) => 0.8 * p + 0.05));
    const [matches] = compareToDatabase([inrLike], both.motifs, { top: 3 });
    const mostSimilar = [...matches!].sort((a, b) => b.alignment.similarity - a.alignment.similarity)[0]!;
    expect(mostSimilar.target.id).toBe('literature-Inr');
    expect((await readMotifDatabases([defaultDatabasePath()])).sources[0]!.motifs).toBe(1165);
    await expect(readMotifDatabases(['jaspar', defaultDatabasePath()])).rejects.toThrow(
      /motif ID MA\S+ is in both .* give each database once/,
    );
    await expect(readMotifDatabases(['jasper'])).rejects.toThrow(
      /"jasper": no such file, and not a shipped database \(jaspar, drosophila-core-promoter\)/,
    );
  });
});

describe('MEME format', () => {
  it('round-trips and keeps ids, names, E-values and site counts', () => {
    const text = formatMeme({
      background: [0.3, 0.2, 0.2, 0.3],
      motifs: [{ id: '1-AGATAAGGC', name: 'locus-1', matrix: PLANTED, sites: 42, evalue: 3.2e-12 }],
    });
    const back = parseMeme(text, 'x.meme');
    expect(back.motifs[0]!.id).toBe('1-AGATAAGGC');
    expect(back.motifs[0]!.sites).toBe(42);
    expect(back.motifs[0]!.evalue).toBeCloseTo(3.2e-12, 20);
    expect(back.motifs[0]!.matrix[0]![0]).toBeCloseTo(0.85, 5);
    expect(back.background[0]).toBeCloseTo(0.3, 4);
  });

  it('refuses a file that is not MEME, with the file named', () => {
    expect(() => parseMeme('>seq\nACGT\n', 'seqs.fa')).toThrow(/"seqs.fa" is not a MEME motif file/);
  });
});

describe('locus motifs (CLI)', () => {
  const dir = folder();
  const targets = join(dir, 'targets.fa');
  writeFileSync(targets, plantedFasta(1));
  const out = join(dir, 'out');
  const first = locus(['motifs', targets, '-o', out, '--max-motifs', '2', '--quiet'], dir);

  it('finds the planted motif first, E-value below 0.05, similar to the planted matrix', () => {
    expect(first.status, first.stderr).toBe(0);
    const found = parseMeme(readFileSync(join(out, 'motifs.meme'), 'utf8'), 'motifs.meme');
    expect(found.motifs.length).toBeGreaterThanOrEqual(1);
    expect(alignMotifs(found.motifs[0]!.matrix, PLANTED).similarity).toBeGreaterThan(0.85);
    expect(found.motifs[0]!.evalue).toBeLessThan(0.05);
    expect(first.stdout).toMatch(/^\s+1\s+/m);
  });

  it('writes every output, sites as BED and TSV that agree', () => {
    for (const name of [
      'motifs.meme',
      'sites.tsv',
      'sites.bed',
      'report.html',
      'summary.json',
      'logos/1.svg',
      'logos/1_rc.svg',
    ]) {
      expect(existsSync(join(out, name)), name).toBe(true);
    }
    const tsv = readFileSync(join(out, 'sites.tsv'), 'utf8').trim().split('\n').slice(1);
    const bed = readFileSync(join(out, 'sites.bed'), 'utf8').trim().split('\n');
    expect(bed.length).toBe(tsv.length);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.motifs[0].matches.length).toBeGreaterThan(0);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain("default-src 'none'");
    expect(report).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('is deterministic: the same seed gives the same motifs and sites', () => {
    const again = join(dir, 'again');
    expect(locus(['motifs', targets, '-o', again, '--max-motifs', '2', '--quiet'], dir).status).toBe(0);
    for (const name of ['motifs.meme', 'sites.tsv', 'sites.bed']) {
      expect(readFileSync(join(again, name), 'utf8')).toBe(readFileSync(join(out, name), 'utf8'));
    }
  });

  const python = pythonWith('Bio');
  it.skipIf(python === undefined)(
    'motifs.meme parses with Biopython minimal, with the same ids, widths and site counts',
    () => {
      const script = [
        'import sys, json',
        'from Bio import motifs',
        "r = motifs.parse(open(sys.argv[1]), 'minimal')",
        'print(json.dumps([[m.name, m.length, m.num_occurrences, m.evalue] for m in r]))',
      ].join('\n');
      const parsed = run(python!, ['-c', script, join(out, 'motifs.meme')]);
      expect(parsed.status, parsed.stderr).toBe(0);
      const ours = parseMeme(readFileSync(join(out, 'motifs.meme'), 'utf8'), 'motifs.meme').motifs;
      const theirs = JSON.parse(parsed.stdout) as [string, number, number, number][];
      expect(theirs.map((m) => m[0])).toEqual(ours.map((m) => m.id));
      expect(theirs.map((m) => m[1])).toEqual(ours.map((m) => m.matrix.length));
      expect(theirs.map((m) => m[2])).toEqual(ours.map((m) => m.sites));
    },
  );

  it.skipIf(!hasTool('bedtools'))('sites.bed is valid BED that bedtools sort leaves unchanged', () => {
    const bed = readFileSync(join(out, 'sites.bed'), 'utf8');
    const sorted = run('bedtools', ['sort', '-i', join(out, 'sites.bed')]);
    expect(sorted.status, sorted.stderr).toBe(0);
    expect(sorted.stdout).toBe(bed);
  });

  it('compare finds the planted-like JASPAR family for the found motif', () => {
    const compared = locus(['motifs', 'compare', join(out, 'motifs.meme'), '--top', '3', '--json'], dir);
    expect(compared.status, compared.stderr).toBe(0);
    const json = JSON.parse(compared.stdout);
    expect(json.motifs[0].matches.length).toBe(3);
    expect(json.motifs[0].matches[0].pvalue).toBeLessThan(0.01);
  });
});

describe('locus motifs: bad inputs get one clear line, a non-zero exit and no output', () => {
  const dir = folder();
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const good = write('good.fa', plantedFasta(2, 12, 60));
  const cases: [string, string[], RegExp][] = [
    ['missing file', ['motifs', join(dir, 'nope.fa')], /nope\.fa/],
    ['protein', ['motifs', write('protein.fa', '>p1\nMKVLEQWRTPPL\n>p2\nMKVLAAAQ\n')], /not a DNA letter/],
    ['all N', ['motifs', write('alln.fa', plantedFasta(3, 6, 60) + '>empty\nNNNNNNNNNN\n')], /is all N/],
    [
      'duplicate names',
      ['motifs', write('dup.fa', '>a\nACGTACGTAC\n>a\nACGTACGTAA\n')],
      /two records named "a"/,
    ],
    ['too few', ['motifs', write('few.fa', '>a\nACGTACGTACGT\n>b\nACGTACGTAAGG\n')], /needs at least 5/],
    [
      'too short',
      ['motifs', write('short.fa', plantedFasta(4, 6, 60) + '>tiny\nACG\n')],
      /shorter than the narrowest motif width 6/,
    ],
    ['bad widths', ['motifs', good, '--widths', '20-6'], /widths/],
    ['no output folder', ['motifs', good], /--output/],
    ['not a motif file', ['motifs', 'compare', good], /not a MEME motif file/],
    ['unknown database', ['motifs', good, '--db', 'jasper'], /not a shipped database/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const out = join(dir, `out-${name.replace(/\s+/g, '-')}`);
      const result = locus(
        args.includes('compare') || name === 'no output folder' ? args : [...args, '-o', out],
        dir,
      );
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('an existing, non-empty output folder is kept unless --force', () => {
    const out = join(dir, 'taken');
    writeFileSync(join(dir, 'marker'), '');
    const result = locus(['motifs', good, '-o', dir], dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/exists and is not empty/);
    expect(readdirSync(dir)).toContain('marker');
    void out;
  });
});

describe('model-guided motifs (attribution given)', () => {
  // Attribution that peaks on the planted sites, as a classifier that learnt the motif would give.
  const fasta = plantedFasta(5, 150, 150, 0.8);
  const records = fasta.trim().split('\n');
  const targets: CodedSequence[] = [];
  for (let i = 0; i < records.length; i += 2) {
    targets.push({ name: records[i]!.slice(1), codes: encodeSequence(records[i + 1]!) });
  }
  const letters = [0.3, 0.2, 0.2, 0.3] as const;
  const pwm = logOdds(PLANTED, letters);
  const attribution = targets.map(({ codes }) => {
    const scores = new Float32Array(codes.length);
    for (let i = 0; i + PLANTED.length <= codes.length; i++) {
      const s = Math.max(
        scoreAt(codes, i, pwm.forward, pwm.width),
        scoreAt(codes, i, pwm.reverse, pwm.width),
      );
      if (s > 8) scores.fill(1, i, i + PLANTED.length);
    }
    // A little noise everywhere, so that targets without a site still have a peak somewhere.
    return scores.map((v, j) => v + (0.05 * ((j * 7919) % 13)) / 13);
  });

  it('finds the motif of the attribution peaks, and re-estimates it on the whole targets', () => {
    const background = plantedFasta(9, 150, 150, 0)
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('>'))
      .map((line, i) => ({ name: `bg${i}`, codes: encodeSequence(line) }));
    const found = modelGuidedMotifs(targets, background, attribution, letters, {
      minWidth: 6,
      maxWidth: 20,
      maxMotifs: 2,
      seed: 1,
    });
    expect(found.length).toBeGreaterThan(0);
    expect(alignMotifs(found[0]!.peakMatrix, PLANTED).similarity).toBeGreaterThan(0.85);
    expect(alignMotifs(found[0]!.matrix, PLANTED).similarity).toBeGreaterThan(0.9);
    expect(found[0]!.consensus).toMatch(/GATAAG|CTTATC/);
    // No motif twice: pieces that grow back into one motif are reported once.
    for (let i = 0; i < found.length; i++)
      for (let j = i + 1; j < found.length; j++)
        expect(alignMotifs(found[i]!.matrix, found[j]!.matrix).similarity).toBeLessThan(
          SAME_MOTIF_SIMILARITY,
        );
  });

  it("gives the planted motif far more than its bases' share of the attribution", () => {
    const share = attributionShare(PLANTED, 8, targets, attribution, letters);
    expect(share.attribution / share.bases).toBeGreaterThan(5);
    const other: Matrix = [...'CCTTGGAAC'].map((ch) =>
      [0, 1, 2, 3].map((b) => (b === 'ACGT'.indexOf(ch) ? 0.85 : 0.05)),
    );
    const unused = attributionShare(other, 8, targets, attribution, letters);
    expect(unused.attribution / Math.max(unused.bases, 1e-9)).toBeLessThan(2);
  });
});

describe('locus motifs --model: a checkpoint that is not a target/background classifier', () => {
  /** `locus motifs` on 20 small targets with `options`, into a folder that must not appear. */
  const motifsRun = (...options: string[]) => {
    const dir = folder();
    const targets = join(dir, 't.fa');
    writeFileSync(targets, plantedFasta(6, 20, 80));
    const out = join(dir, 'out');
    return { out, result: locus(['motifs', targets, '-o', out, ...options, '--quiet'], dir) };
  };

  it('is refused with one clear line and no output', () => {
    const { out, result } = motifsRun('--model', 'ecoli-causal');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ecoli-causal/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('--model-pooling without --train-model is refused: a given model keeps its own', () => {
    const { out, result } = motifsRun('--model-pooling', 'max');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--model-pooling .*--train-model/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('the README example on the shipped sample', () => {
  it('finds the planted REST motif first, REST as its best JASPAR match', () => {
    const dir = folder();
    const out = join(dir, 'out');
    const result = locus(['motifs', join(ROOT, 'samples/motifs/rest-planted.fa'), '-o', out, '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.motifs[0].matches[0].name).toBe('REST');
    expect(summary.motifs[0].matches[0].qvalue).toBeLessThan(1e-6);
    const truth = parseMeme(readFileSync(join(ROOT, 'samples/motifs/rest-planted.truth.meme'), 'utf8'), 't');
    expect(alignMotifs(summary.motifs[0].matrix, truth.motifs[0]!.matrix).similarity).toBeGreaterThan(0.95);
  });
});
