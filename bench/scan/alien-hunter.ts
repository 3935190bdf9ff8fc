/**
 * alien_hunter (Vernikos & Parkhill 2006; Debian `alien-hunter` 1.7), the peer `locus scan` is
 * measured against, run with its default settings and read back as BED intervals and a score track:
 *
 *   apt-get install -y alien-hunter
 *   npm run build && node dist/bench/scan/alien-hunter.js [--split validation] [--out DIR | --existing OUT]
 *
 * The CLI runs it on one split's genome and prints its scores (metrics.ts) as JSON (`--existing OUT`
 * scores the files of an earlier run instead: a 5 Mb genome takes it 20-40 minutes); run.ts calls
 * `runAlienHunter` next to the locus methods.
 *
 * What alien_hunter 1.7 does and writes (read from /usr/share/alien_hunter/alien_hunter.pl):
 * - Despite the Java wrapper it is Perl; Java is used only by `-c` (HMM boundary refinement), which is
 *   not a default, so the `.opt` files are not made.
 * - It concatenates every FASTA record into one sequence, so it only makes sense on one contig.
 * - It scores 5,000-base windows every 2,500 bases by the relative entropy of the window's
 *   interpolated variable-order motif frequencies (8-mers interpolated down to 1-mers, both strands)
 *   against the whole genome's; windows with any N are skipped. Scores are rescaled to 0-100 (min-max) before the threshold is chosen by k-means.
 * - OUT: the predicted islands (runs of windows above the threshold, merged), an EMBL feature table:
 *   `FT   misc_feature    FROM..TO` then `/note="threshold: T"` and `/score=S` (mean window score).
 * - OUT.sco: the score of every window, same form, in Perl hash order (unsorted). This is the track.
 * - OUT.plot: one number per base (0 outside predictions), for Artemis; not used.
 * - Window locations are printed as 0-based start..end (`substr($seq, $from, 5000)`) except the first
 *   window, printed 1..5000; read as EMBL (1-based inclusive) they are off by one base. Immaterial at
 *   5 kb, and read here as EMBL for every feature.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot, log, timedRun } from '../repo.js';
import { readSplit, splitFiles } from './inputs.js';
import { scoreIslands, type ContigLength, type Interval, type TrackBin } from './metrics.js';

/** One `misc_feature` of an alien_hunter EMBL table, in BED coordinates. */
export interface EmblFeature {
  start: number;
  end: number;
  score: number;
  note?: string;
}

/** The `misc_feature`s of an EMBL feature table with their /score and /note qualifiers. */
export function parseEmblFeatures(text: string, source = '<text>'): EmblFeature[] {
  const features: EmblFeature[] = [];
  let current: { start: number; end: number; score?: number; note?: string } | undefined;
  const finish = () => {
    if (!current) return;
    if (current.score === undefined) {
      throw new Error(`${source}: feature ${current.start + 1}..${current.end} has no /score`);
    }
    features.push({ start: current.start, end: current.end, score: current.score, note: current.note });
    current = undefined;
  };
  text.split('\n').forEach((line, i) => {
    const feature = /^FT {3}misc_feature\s+(\d+)\.\.(\d+)\s*$/.exec(line);
    if (feature) {
      finish();
      // EMBL locations are 1-based inclusive: FROM..TO is [FROM - 1, TO) in BED.
      current = { start: Number(feature[1]) - 1, end: Number(feature[2]) };
      return;
    }
    const qualifier = /^FT\s+\/(\w+)=(.*)$/.exec(line);
    if (qualifier && current) {
      if (qualifier[1] === 'score') {
        current.score = Number(qualifier[2]);
        if (!Number.isFinite(current.score))
          throw new Error(`${source} line ${i + 1}: bad score "${qualifier[2]}"`);
      } else if (qualifier[1] === 'note') current.note = qualifier[2]!.replace(/^"|"$/g, '');
    } else if (line.trim() !== '' && !qualifier) {
      throw new Error(`${source} line ${i + 1}: not an alien_hunter feature line: "${line}"`);
    }
  });
  finish();
  return features;
}

/**
 * Overlapping windows to a track of non-overlapping bins, the way Locus's own tracks are built: each
 * window's score goes to the bases nearer its centre than any other window's centre (so the 5 kb
 * windows every 2.5 kb give 2.5 kb bins centred on them, the ends extend to the contig's ends, and a
 * window skipped for N is covered by its neighbours).
 */
export function windowsToTrack(contig: ContigLength, windows: readonly EmblFeature[]): TrackBin[] {
  const centres = windows
    .map((w) => ({ centre: (w.start + w.end) / 2, score: w.score }))
    .sort((a, b) => a.centre - b.centre);
  const bins: TrackBin[] = [];
  centres.forEach((w, i) => {
    const start = i === 0 ? 0 : Math.round((centres[i - 1]!.centre + w.centre) / 2);
    const end =
      i === centres.length - 1 ? contig.length : Math.round((w.centre + centres[i + 1]!.centre) / 2);
    if (end > start) bins.push({ chrom: contig.name, start, end, value: w.score });
  });
  return bins;
}

export interface AlienHunterRun {
  command: string;
  seconds: number;
  peakRssMb: number;
  predictions: Interval[];
  track: TrackBin[];
  /** The threshold alien_hunter chose (from its /note), on its 0-100 scale. */
  threshold: number | null;
  /** Predicted regions that it flagged as probably overlapping an rRNA operon (kept as predictions). */
  rrnaFlagged: number;
  windows: number;
  trackSource: string;
  files: { predictions: string; windowScores: string };
}

/** What alien_hunter wrote to OUT and OUT.sco, as predictions and a track on `contig`. */
export function readAlienHunterOutputs(
  out: string,
  contig: ContigLength,
): Omit<AlienHunterRun, 'command' | 'seconds' | 'peakRssMb'> {
  const windowFile = `${out}.sco`;
  // alien_hunter exits 0 when it gives up (a sequence under 20 kb, too many N): check its files.
  for (const path of [out, windowFile]) {
    if (!existsSync(path)) throw new Error(`alien_hunter wrote no ${path}`);
  }
  const regions = parseEmblFeatures(readFileSync(out, 'utf8'), out);
  const windows = parseEmblFeatures(readFileSync(windowFile, 'utf8'), windowFile);
  const thresholds = new Set(
    regions.map((r) => /threshold: ([\d.]+)/.exec(r.note ?? '')?.[1]).filter(Boolean),
  );
  return {
    predictions: regions.map((r) => ({ chrom: contig.name, start: r.start, end: r.end })),
    track: windowsToTrack(contig, windows),
    threshold: thresholds.size === 1 ? Number([...thresholds][0]) : null,
    rrnaFlagged: regions.filter((r) => /rRNA/.test(r.note ?? '')).length,
    windows: windows.length,
    trackSource:
      'OUT.sco: every 5 kb window (step 2.5 kb), score rescaled 0-100; each window scores the bases nearer ' +
      'its centre than any other window centre',
    files: { predictions: out, windowScores: windowFile },
  };
}

/** Run alien_hunter with default settings on a one-contig FASTA; outputs go under `outDir`. */
export async function runAlienHunter(
  genome: string,
  contig: ContigLength,
  outDir: string,
): Promise<AlienHunterRun> {
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, 'predictions.embl');
  const argv = ['alien_hunter', genome, out];
  const run = timedRun(argv, { cwd: outDir });
  try {
    return {
      command: argv.join(' '),
      seconds: run.seconds,
      peakRssMb: run.peakRssBytes / 2 ** 20,
      ...readAlienHunterOutputs(out, contig),
    };
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; its output:\n${run.stdout.slice(-2000)}`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'validation' },
      out: { type: 'string' },
      existing: { type: 'string' },
    },
  });
  const root = findRepoRoot();
  const inputs = await readSplit(splitFiles(root, values.split!));
  if (inputs.contigs.length !== 1)
    throw new Error('alien_hunter joins all records: give a one-contig genome');
  const contig = inputs.contigs[0]!;
  let run: Omit<AlienHunterRun, 'command' | 'seconds' | 'peakRssMb'> & Partial<AlienHunterRun>;
  if (values.existing) {
    log(`scoring the alien_hunter outputs ${values.existing} and ${values.existing}.sco (not run again)`);
    run = readAlienHunterOutputs(values.existing, contig);
  } else {
    const outDir = values.out ?? join(inputs.files.dir, 'runs', 'alien_hunter');
    log(`alien_hunter ${inputs.files.genome} (Perl; tens of minutes for 5 Mb)`);
    run = await runAlienHunter(inputs.files.genome, contig, outDir);
  }
  const scores = scoreIslands({
    contigs: inputs.contigs,
    truth: inputs.truth,
    predicted: run.predictions,
    track: run.track,
  });
  const { predictions: _p, track: _t, ...summary } = run;
  const { perSegment: _s, ...metrics } = scores;
  process.stdout.write(JSON.stringify({ split: values.split, ...summary, metrics }, null, 2) + '\n');
}

const isMain = process.argv[1]?.endsWith('bench/scan/alien-hunter.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
