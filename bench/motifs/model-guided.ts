/**
 * The model-guided mode on the planted sets: `locus motifs targets.fa --background background.fa
 * --train-model` trains a classifier of the targets against the set's background (same Markov chain,
 * no sites), asks which bases its decision rests on, and finds the motifs of those bases. Scored as bench/motifs/run.ts scores the enrichment search: the best
 * similarity of a model-guided motif (source "model") to the planted JASPAR matrix, plus the share of
 * the model's attribution that the planted-like motif's sites carry against the share of bases they
 * cover. The 70% tier only: a classifier needs the sites in most targets to learn them from 200.
 *
 *   node dist/bench/motifs/model-guided.js --split test
 *   node dist/bench/motifs/model-guided.js --split validation --seeds 1,2,3 --pooling mean
 *
 * --seeds    one run per seed (the classifier's split, initialisation and order; default 1): one
 *            classifier of 200 + 200 sequences varies a lot from seed to seed, so settings are
 *            compared over several
 * --pooling  the classifier's pooling (`locus motifs --model-pooling`); default: the CLI's
 *
 * Writes bench/results/motifs-model-<split>[-<pooling>].json with the command, commit, date and seeds
 * inside; every row of `sets` is one set and seed.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import { parseMeme } from '../../pipelines/motifs/meme-format.js';
import type { ReportedMotif } from '../../pipelines/motifs/types.js';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';
import { runMeasured } from './peers.js';
import { similarityBar } from './score.js';

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'validation' },
      data: { type: 'string', default: join(root, '.bench-data/motifs') },
      seeds: { type: 'string', default: '1' },
      pooling: { type: 'string' },
      timeout: { type: 'string', default: '1200' },
      out: { type: 'string' },
    },
  });
  const split = values.split!;
  const seeds = values.seeds!.split(',').map(Number);
  if (seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new Error(`bad --seeds ${values.seeds}`);
  const pooling = values.pooling;
  const data = resolve(values.data!);
  const manifest = JSON.parse(readFileSync(join(data, 'planted', split, 'sets.json'), 'utf8')) as {
    sets: { name: string; dir: string; tier: string; kind: string; motif: { id: string; name: string } }[];
  };
  const started = new Date().toISOString();
  const sets = [];
  for (const seed of seeds)
    for (const set of manifest.sets.filter((s) => s.tier === '70pct')) {
      const dir = join(data, 'planted', split, set.dir);
      const truth = parseMeme(readFileSync(join(dir, 'truth.meme'), 'utf8'), 'truth.meme').motifs[0]!.matrix;
      const out = join(data, 'runs', split, set.name, 'locus-model');
      rmSync(out, { recursive: true, force: true });
      const argv = [
        process.execPath,
        join(root, 'dist/src/cli/main.js'),
        'motifs',
        join(dir, 'targets.fa'),
        // The set's own background (the same Markov chain, no sites): against the targets' shuffle a
        // classifier would learn the chain's higher-order statistics, which the shuffle destroys.
        '--background',
        join(dir, 'background.fa'),
        '-o',
        out,
        '--train-model',
        '--seed',
        String(seed),
        ...(pooling ? ['--model-pooling', pooling] : []),
        '--quiet',
      ];
      log(`${set.name}, seed ${seed}: ${set.motif.name} (${set.motif.id})`);
      const run = runMeasured(argv, { timeoutSeconds: Number(values.timeout) });
      if (run.exitCode !== 0) throw new Error(`${argv.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        motifs: ReportedMotif[];
        model: { trained: { validationAuroc: number; steps: number; seconds: number } };
      };
      const score = (m: ReportedMotif) => ({
        id: m.id,
        source: m.source,
        similarity: alignMotifs(m.matrix, truth).similarity,
        // Model motifs: the matrix as found on the model's peak windows, before it was re-estimated.
        peakSimilarity: m.peakMatrix ? alignMotifs(m.peakMatrix, truth).similarity : null,
        attributionShare: m.modelShare?.attribution ?? null,
        baseShare: m.modelShare?.bases ?? null,
      });
      const all = summary.motifs.map(score);
      const best = (source: string) =>
        all
          .filter((m) => m.source === source)
          .reduce<ReturnType<typeof score> | null>(
            (a, m) => (a && a.similarity >= m.similarity ? a : m),
            null,
          );
      const guided = best('model');
      const enrichment = best('enrichment');
      log(
        `  model-guided similarity ${guided?.similarity.toFixed(3) ?? '-'} (peak windows ${guided?.peakSimilarity?.toFixed(3) ?? '-'}); its attribution share ${guided?.attributionShare?.toFixed(3) ?? '-'} on ${guided?.baseShare?.toFixed(3) ?? '-'} of bases; AUROC ${summary.model.trained.validationAuroc.toFixed(3)}; cpu ${run.cpuSeconds.toFixed(0)} s`,
      );
      sets.push({
        set: set.name,
        seed,
        kind: set.kind,
        motif: set.motif,
        bar: similarityBar(set.tier),
        classifier: summary.model.trained,
        modelGuided: guided,
        found: guided !== null && guided.similarity >= similarityBar(set.tier),
        enrichmentBest: enrichment,
        motifs: all,
        command: argv
          .slice(1)
          .map((a) => relative(root, a) || a)
          .join(' '),
        cpuSeconds: run.cpuSeconds,
        seconds: run.seconds,
        peakRssMb: run.peakRssBytes / 2 ** 20,
      });
    }
  const result = {
    benchmark: 'motifs-model',
    command: `node dist/bench/motifs/model-guided.js ${process.argv.slice(2).join(' ')}`.trim(),
    split,
    seeds,
    pooling: pooling ?? 'default',
    date: started,
    finished: new Date().toISOString(),
    ...provenance(root),
    sets,
  };
  const name = `motifs-model-${split}${pooling ? `-${pooling}` : ''}.json`;
  const path = resolve(values.out ?? join(root, 'bench/results', name));
  await writeResult(path, result, root);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
