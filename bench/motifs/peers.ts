/**
 * The peers `locus motifs` is compared with, run on a FASTA file and read back as `Motif[]`:
 *
 * - ELPH 1.0.1 (Debian `elph`; Gibbs sampler, one site per sequence, fixed width `LEN=`).
 *   ELPH has no reverse-strand option (its usage, man page and Readme.ELPH list none), so "both
 *   strands" is emulated: each sequence is given as itself, a spacer of N and its reverse complement,
 *   and a site found in the second half is mapped back to the forward strand as a '-' site. This
 *   doubles the search space (and about doubles its run time); `bothStrands: false` runs it as is.
 *   The matrix is ELPH's "Motif counts" table.
 * - GLAM2 (Debian `glam2`, MEME suite 1064; gapped motifs, simulated annealing), run as
 *   `glam2 -2 -q 1 -s SEED n FILE` with its default runs (-r 10) and iterations (-n 10000). `-q 1`
 *   estimates residue abundances from the input, which glam2's tutorial recommends for sequences of
 *   unusual composition: with the default (uniform abundances) it aligned A/T-rich stretches of the
 *   58% A+T Drosophila-like background into the motif. `-w` (initial width) is left at 20 unless
 *   `initialWidth` is given. The matrix of an alignment is its key columns' residue counts, gaps
 *   (deletions) and insertions left out; glam2 prints that table and `glam2AlignmentCounts` rebuilds
 *   it from the aligned sites. Every alignment glam2 prints is returned, best first.
 *
 * Each run goes through GNU time (`/usr/bin/time -v -o FILE`) and coreutils `timeout`, which give user
 * + system CPU seconds and peak RSS of the tool (the largest process), and end it after
 * `timeoutSeconds` (SIGTERM, SIGKILL 5 s later); a run that timed out returns no motifs and
 * `timedOut: true` instead of throwing.
 *
 * Sites are 0-based half-open on the forward strand of the input record; `text` is read on the site's
 * strand.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import type { Matrix, Motif } from '../../pipelines/motifs/types.js';
import { readFasta } from '../scan/donors.js';
import { parseTimeReport } from '../repo.js';
import { consensus } from './matrix-properties.js';

export type PeerTool = 'elph' | 'glam2';

export interface RunStats {
  /** The command as run (without the time/timeout wrappers). */
  command: string[];
  /** Wall-clock seconds. */
  seconds: number;
  /** User + system CPU seconds of the tool. */
  cpuSeconds: number;
  /** Peak resident set size of the tool, bytes. */
  peakRssBytes: number;
  exitCode: number;
  timedOut: boolean;
}

export interface PeerSite {
  /** The motif the site belongs to, when a tool reports sites of several (glam2); else its best. */
  motifId?: string;
  sequence: string;
  /** 0-based, forward strand. */
  start: number;
  end: number;
  strand: '+' | '-';
  /** The site's bases as read on its strand (glam2: the aligned residues, gaps and insertions removed). */
  text: string;
  /** glam2: the site's marginal score; ELPH: its probability column. */
  score?: number;
}

export interface PeerResult {
  tool: PeerTool;
  /** Best first; empty when the run timed out. */
  motifs: Motif[];
  /** Sites: of every motif for glam2 (`motifId` set), of the only motif for ELPH. */
  sites: PeerSite[];
  stats: RunStats;
  /** The tool's raw output (stdout). */
  output: string;
}

export interface MeasuredRun extends RunStats {
  stdout: string;
  stderr: string;
}

/** Run `argv` under GNU time and coreutils timeout; never throws for a non-zero exit or a timeout. */
export function runMeasured(argv: string[], options: { timeoutSeconds: number; cwd?: string }): MeasuredRun {
  const dir = mkdtempSync(join(tmpdir(), 'locus-peer-'));
  const statsFile = join(dir, 'time.txt');
  try {
    const started = performance.now();
    const result = spawnSync(
      '/usr/bin/time',
      ['-v', '-o', statsFile, 'timeout', '--kill-after=5', String(options.timeoutSeconds), ...argv],
      {
        cwd: options.cwd,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        // A last resort only: `timeout` ends the tool first.
        timeout: (options.timeoutSeconds + 30) * 1000,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? 'cannot run /usr/bin/time: install GNU time (`apt-get install time`)'
          : `${argv.join(' ')}: ${result.error.message}`,
      );
    }
    let report = '';
    try {
      report = readFileSync(statsFile, 'utf8');
    } catch {
      // time writes nothing when it was itself killed; the fields below become NaN.
    }
    const exitCode = result.status ?? 128;
    if (exitCode === 127 || /timeout: failed to run command/.test(result.stderr)) {
      throw new Error(
        `cannot run ${argv[0]}: ${result.stderr.trim().split('\n').pop() ?? ''} (is it installed?)`,
      );
    }
    return {
      command: argv,
      seconds,
      ...parseTimeReport(report),
      exitCode,
      timedOut: exitCode === 124 || exitCode === 137 || result.signal !== null,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stats(run: MeasuredRun): RunStats {
  const { command, seconds, cpuSeconds, peakRssBytes, exitCode, timedOut } = run;
  return { command, seconds, cpuSeconds, peakRssBytes, exitCode, timedOut };
}

function failed(run: MeasuredRun): Error {
  return new Error(`${run.command.join(' ')} failed (exit ${run.exitCode}):\n${run.stderr.slice(-2000)}`);
}

/** Counts normalised per column; a column with no residues (all deletions in glam2) becomes uniform. */
function countsToMatrix(counts: number[][]): Matrix {
  return counts.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return sum > 0 ? row.map((c) => c / sum) : [0.25, 0.25, 0.25, 0.25];
  });
}

function motifFromCounts(rank: number, tool: PeerTool, counts: number[][], sites: number): Motif {
  const matrix = countsToMatrix(counts);
  return { id: `${rank}-${consensus(matrix)}`, name: `${tool}-${rank}`, matrix, sites };
}

// ---------------------------------------------------------------------------------------------- ELPH

export interface ElphSite {
  /** 1-based position of the record in the input. */
  index: number;
  /** Record name as ELPH prints it. */
  sequence: string;
  /** 0-based start in the sequence ELPH was given. */
  start: number;
  /** The site, upper case, as ELPH prints it. */
  text: string;
  probability: number;
}

export interface ElphOutput {
  /** Columns A C G T ("Motif counts"). */
  counts: number[][];
  map: number;
  sites: ElphSite[];
}

/** Parse ELPH's output (stdout). `source` names it in errors. */
export function parseElphOutput(text: string, source: string): ElphOutput {
  const lines = text.split(/\r?\n/);
  const bad = (problem: string) =>
    new LocusInputError(
      source,
      `"${source}" is not ELPH output: ${problem}`,
      'give the stdout of `elph FILE LEN=n`',
    );
  const at = lines.findIndex((l) => l.startsWith('Motif counts:'));
  if (at < 0) throw bad('no "Motif counts:" table');
  const rows = new Map<string, number[]>();
  for (let i = at + 1; i < lines.length && rows.size < 4; i++) {
    const m = /^([acgt]):\s+(.*)$/.exec(lines[i]!);
    if (m) rows.set(m[1]!, m[2]!.trim().split(/\s+/).map(Number));
  }
  const columns = ['a', 'c', 'g', 't'].map((b) => rows.get(b));
  if (columns.some((c) => c === undefined))
    throw bad('the "Motif counts:" table lacks a row for a, c, g or t');
  const width = columns[0]!.length;
  if (width === 0 || columns.some((c) => c!.length !== width || c!.some((x) => !Number.isFinite(x) || x < 0)))
    throw bad('the "Motif counts:" rows are not counts of one width');
  const counts = Array.from({ length: width }, (_, j) => columns.map((c) => c![j]!));
  const map = Number(/MAP for motif:\s*([-\d.eE+]+)/.exec(text)?.[1] ?? Number.NaN);
  const sites: ElphSite[] = [];
  const header = lines.findIndex((l) => /^\s*Seq\.no\s+Pos/.test(l));
  if (header >= 0) {
    for (let i = header + 1; i < lines.length; i++) {
      const tokens = lines[i]!.trim().split(/\s+/);
      if (tokens.length < 6 || !/^\d+$/.test(tokens[0]!)) continue;
      const motif = tokens.slice(2, -3).find((t) => /^[A-Z]+$/.test(t) && t.length === width);
      if (!motif) throw bad(`line ${i + 1} holds no site of width ${width}`);
      sites.push({
        index: Number(tokens[0]),
        sequence: tokens[tokens.length - 1]!,
        start: Number(tokens[1]) - 1,
        text: motif,
        probability: Number(tokens[tokens.length - 3]),
      });
    }
  }
  return { counts, map, sites };
}

export interface ElphOptions {
  /** Motif width (ELPH's LEN=); ELPH cannot search for it. */
  width: number;
  /** ELPH's -s. Default 1. */
  seed?: number;
  /** Emulate a search of both strands (see the top of this file). Default true. */
  bothStrands?: boolean;
  /** Default 600. */
  timeoutSeconds?: number;
  /** More arguments for ELPH, e.g. ['ITERNO=20']. */
  extraArgs?: string[];
  /** The program; default 'elph'. */
  program?: string;
}

/** Map an ELPH site found in `sequence + N*gap + revcomp(sequence)` back to the record. */
export function mapDoubledSite(
  position: number,
  width: number,
  length: number,
  gap: number,
): { start: number; strand: '+' | '-' } | undefined {
  if (position + width <= length) return { start: position, strand: '+' };
  const q = position - length - gap;
  if (q >= 0 && q + width <= length) return { start: length - q - width, strand: '-' };
  return undefined; // overlaps the spacer
}

export function runElph(fasta: string, options: ElphOptions): PeerResult {
  const {
    width,
    seed = 1,
    bothStrands = true,
    timeoutSeconds = 600,
    extraArgs = [],
    program = 'elph',
  } = options;
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`width must be a positive integer, got ${width}`);
  const records = readFasta(fasta);
  const dir = mkdtempSync(join(tmpdir(), 'locus-elph-'));
  const gap = Math.max(width, 10);
  try {
    let input = fasta;
    if (bothStrands) {
      input = join(dir, 'both-strands.fa');
      writeFileSync(
        input,
        records
          .map((r) => `>${r.name}\n${r.sequence}${'N'.repeat(gap)}${reverseComplement(r.sequence)}\n`)
          .join(''),
      );
    }
    const run = runMeasured([program, input, `LEN=${width}`, '-s', String(seed), ...extraArgs], {
      timeoutSeconds,
      cwd: dir,
    });
    // Recorded with the caller's FASTA; with bothStrands the run read a doubled copy of it.
    run.command[1] = fasta;
    if (run.timedOut) return { tool: 'elph', motifs: [], sites: [], stats: stats(run), output: run.stdout };
    if (run.exitCode !== 0) throw failed(run);
    const parsed = parseElphOutput(run.stdout, `elph output for ${fasta}`);
    const sites: PeerSite[] = [];
    for (const s of parsed.sites) {
      const record = records[s.index - 1];
      if (!record) throw new Error(`elph reported sequence ${s.index}, but ${fasta} has ${records.length}`);
      const placed = bothStrands
        ? mapDoubledSite(s.start, width, record.sequence.length, gap)
        : { start: s.start, strand: '+' as const };
      if (!placed) continue;
      sites.push({
        sequence: record.name,
        start: placed.start,
        end: placed.start + width,
        strand: placed.strand,
        text: s.text,
        score: s.probability,
      });
    }
    const sequences = Math.max(...parsed.counts.map((row) => row.reduce((a, b) => a + b, 0)));
    const motif = motifFromCounts(1, 'elph', parsed.counts, sequences);
    return { tool: 'elph', motifs: [motif], sites, stats: stats(run), output: run.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------------------------------------- GLAM2

export interface Glam2Site {
  sequence: string;
  /** The aligned row: one character per alignment column, '.' for a gap. */
  aligned: string;
  /** 0-based half-open on the forward strand. */
  start: number;
  end: number;
  strand: '+' | '-';
  marginalScore: number;
}

export interface Glam2Alignment {
  score: number;
  /** Key (motif) columns. */
  columns: number;
  /** Sequences in the alignment. */
  sequences: number;
  /** The star line: '*' over key columns, '.' over insertion columns. */
  keys: string;
  sites: Glam2Site[];
  /** glam2's table: A C G T counts of each key column (deletions left out). */
  counts: number[][];
  /** Deletions in each key column. */
  deletions: number[];
}

/** Parse every alignment glam2 printed (stdout or its -o file), best first. */
export function parseGlam2Output(text: string, source: string): Glam2Alignment[] {
  const lines = text.split(/\r?\n/);
  const bad = (line: number, problem: string) =>
    new LocusInputError(source, `"${source}" line ${line}: ${problem}`, 'give the output of `glam2 n FILE`');
  if (!lines[0]?.startsWith('GLAM2')) throw bad(1, 'not glam2 output (no "GLAM2" first line)');
  const alignments: Glam2Alignment[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^Score:\s*(\S+)\s+Columns:\s*(\d+)\s+Sequences:\s*(\d+)/.exec(lines[i]!);
    if (!head) continue;
    const alignment: Glam2Alignment = {
      score: Number(head[1]),
      columns: Number(head[2]),
      sequences: Number(head[3]),
      keys: '',
      sites: [],
      counts: [],
      deletions: [],
    };
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    const keyLine = lines[j] ?? '';
    const keyStart = keyLine.search(/[*.]/);
    if (keyStart < 0) throw bad(j + 1, 'no key-column line (stars) after "Score:"');
    alignment.keys = keyLine.slice(keyStart).trimEnd();
    for (j = j + 1; j < lines.length && lines[j]!.trim() !== ''; j++) {
      const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+([+-])\s+(\S+)\s*$/.exec(lines[j]!);
      if (!m) throw bad(j + 1, `not an aligned site: "${lines[j]}"`);
      const from = Number(m[2]);
      const to = Number(m[4]);
      const strand = m[5] as '+' | '-';
      const aligned = m[3]!;
      if (aligned.length !== alignment.keys.length)
        throw bad(j + 1, 'aligned row and key line differ in length');
      // '+': from..to ascending, 1-based inclusive; '-': glam2 counts down from the site's 5' end.
      const low = Math.min(from, to);
      const high = Math.max(from, to);
      alignment.sites.push({
        sequence: m[1]!,
        aligned,
        start: low - 1,
        end: high,
        strand,
        marginalScore: Number(m[6]),
      });
    }
    // The count table: "a  c  g  t Del Ins Score", then one row per key column, insertion rows between.
    while (j < lines.length && !/^\s*a\s+c\s+g\s+t\s+Del\s+Ins\s+Score/.test(lines[j]!)) {
      if (lines[j]!.startsWith('Score:')) throw bad(j + 1, 'alignment without a count table');
      j++;
    }
    for (j = j + 1; j < lines.length && alignment.counts.length < alignment.columns; j++) {
      const tokens = lines[j]!.trim().split(/\s+/);
      if (tokens.length === 6) {
        const values = tokens.slice(0, 5).map(Number);
        if (!values.every((v) => Number.isFinite(v) && v >= 0)) throw bad(j + 1, 'bad count row');
        alignment.counts.push(values.slice(0, 4));
        alignment.deletions.push(values[4]!);
      } else if (tokens.length !== 2) {
        throw bad(j + 1, `expected ${alignment.columns} count rows, found ${alignment.counts.length}`);
      }
    }
    if (alignment.counts.length !== alignment.columns)
      throw bad(j, `expected ${alignment.columns} count rows, found ${alignment.counts.length}`);
    if ((alignment.keys.match(/\*/g) ?? []).length !== alignment.columns)
      throw bad(i + 1, 'the key line does not have one star per column');
    alignments.push(alignment);
    i = j - 1;
  }
  return alignments;
}

/** A C G T counts of each key column, rebuilt from the aligned sites (gaps and insertions skipped). */
export function glam2AlignmentCounts(alignment: Pick<Glam2Alignment, 'keys' | 'sites'>): number[][] {
  const counts: number[][] = [];
  for (let c = 0; c < alignment.keys.length; c++) {
    if (alignment.keys[c] !== '*') continue;
    const column = [0, 0, 0, 0];
    for (const site of alignment.sites) {
      const k = 'acgt'.indexOf(site.aligned[c]!.toLowerCase());
      if (k >= 0) column[k]!++;
    }
    counts.push(column);
  }
  return counts;
}

/**
 * A glam2 alignment as a Motif: key-column counts normalised (a column that is all deletions becomes
 * uniform); sites = sequences aligned.
 */
export function glam2Motif(alignment: Glam2Alignment, rank: number): Motif {
  return motifFromCounts(rank, 'glam2', alignment.counts, alignment.sequences);
}

export interface Glam2Options {
  /** glam2's -s. Default 1. */
  seed?: number;
  /** -2: both strands. Default true. */
  bothStrands?: boolean;
  /** -q 1: residue abundances from the input. Default true (see the top of this file). */
  abundancesFromInput?: boolean;
  /** -r (glam2 default 10). */
  runs?: number;
  /** -n (glam2 default 10000). */
  iterations?: number;
  /** -w (glam2 default 20). */
  initialWidth?: number;
  /** Default 600. */
  timeoutSeconds?: number;
  extraArgs?: string[];
  /** The program; default 'glam2'. */
  program?: string;
}

export function glam2Args(fasta: string, options: Glam2Options = {}): string[] {
  const { seed = 1, bothStrands = true, abundancesFromInput = true } = options;
  const args = [options.program ?? 'glam2'];
  if (bothStrands) args.push('-2');
  if (abundancesFromInput) args.push('-q', '1');
  if (options.runs !== undefined) args.push('-r', String(options.runs));
  if (options.iterations !== undefined) args.push('-n', String(options.iterations));
  if (options.initialWidth !== undefined) args.push('-w', String(options.initialWidth));
  args.push('-s', String(seed), ...(options.extraArgs ?? []), 'n', fasta);
  return args;
}

export function runGlam2(fasta: string, options: Glam2Options = {}): PeerResult {
  const run = runMeasured(glam2Args(fasta, options), { timeoutSeconds: options.timeoutSeconds ?? 600 });
  if (run.timedOut) return { tool: 'glam2', motifs: [], sites: [], stats: stats(run), output: run.stdout };
  if (run.exitCode !== 0) throw failed(run);
  const source = `glam2 output for ${fasta}`;
  const alignments = parseGlam2Output(run.stdout, source);
  const motifs = alignments.map((a, i) => glam2Motif(a, i + 1));
  // Every alignment's sites, so that a motif found at rank 2 or 3 is scored by its own sites.
  const sites: PeerSite[] = alignments.flatMap((alignment, i) =>
    alignment.sites.map((s) => ({
      motifId: motifs[i]!.id,
      sequence: s.sequence,
      start: s.start,
      end: s.end,
      strand: s.strand,
      // Residues only: gaps ('.') dropped; glam2 prints the '-' strand already reverse-complemented.
      text: s.aligned.replace(/\./g, '').toUpperCase(),
      score: s.marginalScore,
    })),
  );
  return { tool: 'glam2', motifs, sites, stats: stats(run), output: run.stdout };
}
