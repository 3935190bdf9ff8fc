/**
 * The motif-discovery benchmark: `locus motifs` against Debian's ELPH and GLAM2 on the planted sets
 * (bench/motifs/planted.ts) and on the dm3 core promoters (bench/motifs/dm3-promoters.ts), all in one
 * run, on the same inputs, with CPU time and peak memory of every run.
 *
 *   npm run build
 *   node dist/bench/motifs/planted.js --seed 1 && node dist/bench/motifs/planted.js --seed 2
 *   node dist/bench/motifs/dm3-promoters.js
 *   node dist/bench/motifs/run.js --split validation     # tuning
 *   node dist/bench/motifs/run.js --split test           # what docs/benchmarks.md reports
 *
 * How each tool is run:
 *   locus  `locus motifs targets.fa -o DIR --seed S` (default: dinucleotide-shuffled targets as the
 *          background); on dm3 `--background far-upstream.fa`, as the issue defines the task, and
 *          `--anchor end` (every target ends at its TSS: positional motifs are sought too);
 *   elph   both strands, told the true width (the planted matrix's; 8 on dm3, the TATA box's);
 *   glam2  `glam2 -2 -q 1 -s S n targets.fa` (gapped; finds its own width).
 * Scores (score.ts): the best similarity of a top-3 motif to the planted matrix, its rank, whether it
 * reaches the tier's bar, and site recall. On dm3: each tool's top 5 motifs matched (Tomtom-style,
 * pipelines/motifs/compare.ts) against JASPAR 2024 CORE plus the literature promoter elements
 * (pipelines/motifs/core-promoter.ts); TATA (or TBP) and Inr count as found when among a top-5 motif's 5 best matches.
 * Per planted set, the planted matrix's own enrichment (detectability.ts): how findable the set is at all.
 * Writes bench/results/motifs-<split>.json with the command, commit, date and seeds inside.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareToDatabase } from '../../pipelines/motifs/compare.js';
import { readMotifFile, defaultDatabasePath } from '../../pipelines/motifs/database.js';
import { parseMeme } from '../../pipelines/motifs/meme-format.js';
import type { Motif } from '../../pipelines/motifs/types.js';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';
import { PROMOTER_ELEMENTS } from '../../pipelines/motifs/core-promoter.js';
import { runElph, runGlam2, runMeasured, type PeerResult, type RunStats } from './peers.js';
import { parseTruthTsv } from './planted.js';
import { bestOfTop, siteRecall, similarityBar, type FoundSite } from './score.js';
import { plantedDetectability } from './detectability.js';

interface ToolRun {
  tool: 'locus' | 'elph' | 'glam2';
  command: string;
  cpuSeconds: number;
  seconds: number;
  peakRssMb: number;
  timedOut: boolean;
  motifs: Motif[];
  sites: FoundSite[];
}

function fromStats(tool: ToolRun['tool'], stats: RunStats): Omit<ToolRun, 'motifs' | 'sites'> {
  return {
    tool,
    command: stats.command.join(' '),
    cpuSeconds: stats.cpuSeconds,
    seconds: stats.seconds,
    peakRssMb: stats.peakRssBytes / 2 ** 20,
    timedOut: stats.timedOut,
  };
}

function fromPeer(result: PeerResult): ToolRun {
  return {
    ...fromStats(result.tool, result.stats),
    motifs: result.motifs,
    // Sites without a motif id belong to the tool's only (best) motif.
    sites: result.sites.map((s) => ({ ...s, motifId: s.motifId ?? result.motifs[0]?.id ?? '' })),
  };
}

function runLocus(root: string, args: string[], outDir: string, timeoutSeconds: number): ToolRun {
  rmSync(outDir, { recursive: true, force: true });
  const argv = [
    process.execPath,
    join(root, 'dist/src/cli/main.js'),
    'motifs',
    ...args,
    '-o',
    outDir,
    '--quiet',
  ];
  const run = runMeasured(argv, { timeoutSeconds });
  if (run.timedOut) return { ...fromStats('locus', run), motifs: [], sites: [] };
  if (run.exitCode !== 0) throw new Error(`${argv.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
  const motifs = parseMeme(readFileSync(join(outDir, 'motifs.meme'), 'utf8'), outDir).motifs;
  const sites = readFileSync(join(outDir, 'sites.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [motifId, sequence, start, end, , score] = line.split('\t');
      return {
        motifId: motifId!,
        sequence: sequence!,
        start: Number(start),
        end: Number(end),
        score: Number(score),
      };
    });
  return {
    ...fromStats('locus', run),
    command: argv
      .slice(1)
      .map((a) => relative(root, a) || a)
      .join(' '),
    motifs,
    sites,
  };
}

function summariseRun(run: ToolRun) {
  const { motifs, sites, ...rest } = run;
  return { ...rest, motifs: motifs.length, sites: sites.length };
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'validation' },
      data: { type: 'string', default: join(root, '.bench-data/motifs') },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '1800' },
      only: { type: 'string', default: 'planted,dm3' },
      out: { type: 'string' },
    },
  });
  const split = values.split!;
  if (split !== 'validation' && split !== 'test') throw new TypeError('--split is validation or test');
  const seed = Number(values.seed);
  const timeoutSeconds = Number(values.timeout);
  const only = values.only!.split(',');
  const data = resolve(values.data!);
  const runs = join(data, 'runs', split);
  mkdirSync(runs, { recursive: true });
  const started = new Date().toISOString();

  const planted: Record<string, unknown>[] = [];
  if (only.includes('planted')) {
    const manifest = JSON.parse(readFileSync(join(data, 'planted', split, 'sets.json'), 'utf8')) as {
      sets: { name: string; dir: string; tier: string; kind: string; motif: { id: string; name: string } }[];
    };
    for (const set of manifest.sets) {
      const dir = join(data, 'planted', split, set.dir);
      const targets = join(dir, 'targets.fa');
      const truth = parseMeme(readFileSync(join(dir, 'truth.meme'), 'utf8'), 'truth.meme').motifs[0]!.matrix;
      const truthSites = parseTruthTsv(readFileSync(join(dir, 'truth.tsv'), 'utf8'), 'truth.tsv');
      log(`${set.name}: ${set.motif.name} (${set.motif.id})`);
      const tools: ToolRun[] = [
        runLocus(root, [targets, '--seed', String(seed)], join(runs, set.name, 'locus'), timeoutSeconds),
        fromPeer(runElph(targets, { width: truth.length, seed, timeoutSeconds })),
        fromPeer(runGlam2(targets, { seed, timeoutSeconds })),
      ];
      const scored = tools.map((run) => {
        const best = bestOfTop(run.motifs, truth, 3);
        const sites = run.sites.filter((s) => s.motifId === best.motifId);
        const result = {
          ...summariseRun(run),
          bestRank: best.rank,
          similarity: best.similarity,
          found: best.rank !== null && best.similarity >= similarityBar(set.tier),
          siteRecall: best.motifId === null ? 0 : siteRecall(sites, truthSites),
        };
        log(
          `  ${run.tool.padEnd(6)} rank ${String(best.rank)} similarity ${best.similarity.toFixed(3)} recall ${result.siteRecall.toFixed(2)} cpu ${run.cpuSeconds.toFixed(1)} s`,
        );
        return result;
      });
      planted.push({
        set: set.name,
        tier: set.tier,
        kind: set.kind,
        motif: set.motif,
        bar: similarityBar(set.tier),
        plantedEnrichment: await plantedDetectability(dir, seed),
        tools: scored,
      });
    }
  }

  let dm3: Record<string, unknown> | undefined;
  if (only.includes('dm3')) {
    const dir = join(data, 'dm3-promoters', split);
    const targets = join(dir, 'targets.fa');
    const background = join(dir, 'background.fa');
    log(`dm3 promoters (${split})`);
    const tools: ToolRun[] = [
      runLocus(
        root,
        [targets, '--background', background, '--anchor', 'end', '--seed', String(seed)],
        join(runs, 'dm3', 'locus'),
        timeoutSeconds,
      ),
      fromPeer(runElph(targets, { width: 8, seed, timeoutSeconds })),
      fromPeer(runGlam2(targets, { seed, timeoutSeconds })),
    ];
    const database = [...(await readMotifFile(defaultDatabasePath())).motifs, ...PROMOTER_ELEMENTS];
    const isTata = (m: Motif) => m.name === 'TATA' || m.name.toUpperCase() === 'TBP';
    const isInr = (m: Motif) => m.name === 'Inr';
    dm3 = {
      targets: relative(root, targets),
      background: relative(root, background),
      tools: tools.map((run) => {
        const top = run.motifs.slice(0, 5);
        const matches = compareToDatabase(
          top.map((m) => m.matrix),
          database,
          { top: 5 },
        );
        const motifs = top.map((m, i) => ({
          rank: i + 1,
          id: m.id,
          matches: matches[i]!.map((x) => ({
            id: x.target.id,
            name: x.target.name,
            similarity: x.alignment.similarity,
            qvalue: x.qvalue,
          })),
        }));
        const rankOf = (test: (m: Motif) => boolean) =>
          motifs.find((m, i) => matches[i]!.some((x) => test(x.target)))?.rank ?? null;
        const result = {
          ...summariseRun(run),
          tataRank: rankOf(isTata),
          inrRank: rankOf(isInr),
          top: motifs,
        };
        log(
          `  ${run.tool.padEnd(6)} TATA rank ${String(result.tataRank)} Inr rank ${String(result.inrRank)} cpu ${run.cpuSeconds.toFixed(1)} s`,
        );
        return result;
      }),
    };
  }

  const result = {
    benchmark: 'motifs',
    command: `node dist/bench/motifs/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    split,
    seed,
    date: started,
    finished: new Date().toISOString(),
    ...provenance(root),
    planted,
    ...(dm3 ? { dm3 } : {}),
  };
  const out = resolve(values.out ?? join(root, 'bench/results', `motifs-${split}.json`));
  await writeResult(out, result, root);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
