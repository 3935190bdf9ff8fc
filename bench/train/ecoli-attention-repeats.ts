/**
 * Does the bacterial model's attention find the other copy of a repeat? On the test part of E. coli
 * 536 (never trained on), every exact repeat of at least MIN_REPEAT bases whose two copies lie in one
 * evaluation window and further apart than local attention reaches is found; for each query base in
 * the second copy, the attention weight that each LSH layer and head puts
 *   - on the whole first copy ("copy mass"), and
 *   - on the matching base of the first copy and its two neighbours each side ("aligned mass")
 * is compared with chance: what uniform attention over the query's causal keys would give.
 *
 *   npm run build && node dist/bench/train/ecoli-attention-repeats.js [--model ecoli-causal]
 *
 * Writes bench/results/ecoli-attention-repeats.json (command, commit, date inside).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadForInference } from '../../src/cli/commands/checkpoint-data.js';
import { exportAttention } from '../../src/model/attention-export.js';
import { openGenome } from '../../src/train/data/genome.js';
import { contigSplit, SPLIT_SIDES, type SplitSide } from '../../src/train/data/split.js';
import { findRepoRoot, log, provenance } from '../repo.js';

const MIN_REPEAT = 50;
const SEED_LENGTH = 24;

interface Repeat {
  /** Window-relative starts of the two copies, and their length. */
  first: number;
  second: number;
  length: number;
}

/** Exact repeats (>= MIN_REPEAT, A/C/G/T only) inside one window, second copy >= minDistance after the first. */
export function windowRepeats(sequence: string, minDistance: number): Repeat[] {
  const upper = sequence.toUpperCase();
  const seen = new Map<string, number>();
  const repeats: Repeat[] = [];
  let coveredUntil = -1; // skip seeds inside a repeat already reported
  for (let i = 0; i + SEED_LENGTH <= upper.length; i++) {
    const seed = upper.slice(i, i + SEED_LENGTH);
    if (/[^ACGT]/.test(seed)) continue;
    const j = seen.get(seed);
    seen.set(seed, i);
    if (j === undefined || i - j < minDistance || i < coveredUntil) continue;
    let length = SEED_LENGTH;
    while (i + length < upper.length && upper[i + length] === upper[j + length] && j + length < i) length++;
    if (length >= MIN_REPEAT) {
      repeats.push({ first: j, second: i, length });
      coveredUntil = i + length;
    }
  }
  return repeats;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'ecoli-causal' },
      genome: { type: 'string', default: '../shared/data/genomes/ecoli_536.fa.gz' },
      'split-fraction': { type: 'string', default: '0.1' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  const root = findRepoRoot();
  const loaded = await loadForInference(values.model!, values.backend!);
  const { config } = loaded.model;
  if (loaded.tokenizer.k !== 1 || !config.causal)
    throw new Error('this analysis needs a causal model of single bases');
  const task = loaded.config.task as { context?: number };
  const context = task.context ?? 10_000;
  // Local attention reaches the query's chunk and the one before it; repeats closer than that would
  // be found by local layers without any long-range attention.
  const minDistance = 2 * config.chunk;
  const lshLayers = config.attention.flatMap((kind, l) => (kind === 'lsh' ? [l] : []));
  const genome = await openGenome(values.genome!, { load: 'memory' });
  const fraction = Number(values['split-fraction']);
  type Sum = { copy: number; copyChance: number; aligned: number; alignedChance: number; queries: number };
  const sums = new Map<string, Sum>();
  const found: (Repeat & { contig: string; side: SplitSide; windowStart: number })[] = [];
  const windows: { contig: string; side: SplitSide; start: number; end: number }[] = [];
  for (const contig of genome.contigs) {
    const cut = contigSplit(contig.length, fraction);
    for (const side of SPLIT_SIDES) {
      const [from, to] = cut[side];
      for (let start = from; start < to; start += context) {
        windows.push({ contig: contig.name, side, start, end: Math.min(to, start + context) });
      }
    }
  }
  for (const window of windows) {
    {
      const { start } = window;
      const sequence = genome.getSync(window.contig, start, window.end);
      const repeats = windowRepeats(sequence, minDistance);
      if (repeats.length === 0) continue;
      log(`${window.contig}:${start} (${window.side}): ${repeats.length} repeat(s)`);
      const ids = loaded.tokenizer.tokenize(sequence).ids;
      for (const r of repeats) {
        found.push({ ...r, contig: window.contig, side: window.side, windowStart: start });
        const queries = Int32Array.from({ length: r.length }, (_, i) => r.second + i);
        const attention = exportAttention(
          loaded.model,
          { ids },
          {
            topK: config.rounds * 2 * config.chunk,
            layers: lshLayers,
            queries,
          },
        );
        for (const head of attention.layers) {
          const key = `${window.side === 'test' ? 'test' : 'seen'}:${head.layer}:${head.head}`;
          const sum = sums.get(key) ?? { copy: 0, copyChance: 0, aligned: 0, alignedChance: 0, queries: 0 };
          for (let qi = 0; qi < head.queries.length; qi++) {
            const q = head.queries[qi]!;
            const match = q - (r.second - r.first);
            let copy = 0;
            let aligned = 0;
            for (let t = 0; t < attention.topK; t++) {
              const k = head.keys[qi * attention.topK + t]!;
              const w = head.weights[qi * attention.topK + t]!;
              if (k < 0) break;
              if (k >= r.first && k < r.first + r.length) copy += w;
              if (Math.abs(k - match) <= 2) aligned += w;
            }
            sum.copy += copy;
            sum.aligned += aligned;
            sum.copyChance += r.length / (q + 1); // uniform over keys 0..q
            sum.alignedChance += 5 / (q + 1);
            sum.queries++;
          }
          sums.set(key, sum);
        }
      }
    }
  }
  await genome.close();
  loaded.model.dispose();
  const heads = [...sums.entries()].map(([key, s]) => {
    const [part, layer, head] = key.split(':');
    return {
      part: part === 'test' ? 'test (never trained on)' : 'train and validation',
      layer: Number(layer),
      head: Number(head),
      queries: s.queries,
      copyMass: s.copy / s.queries,
      copyChance: s.copyChance / s.queries,
      alignedMass: s.aligned / s.queries,
      alignedChance: s.alignedChance / s.queries,
    };
  });
  /** Query-weighted means over the heads of one part (or all). */
  const pooled = (filter: (key: string) => boolean) => {
    const picked = [...sums.entries()].filter(([key]) => filter(key)).map(([, s]) => s);
    const total = (pick: (s: Sum) => number) => picked.reduce((a, s) => a + pick(s), 0);
    const queries = total((s) => s.queries);
    return {
      queries,
      copyMass: total((s) => s.copy) / queries,
      copyChance: total((s) => s.copyChance) / queries,
      alignedMass: total((s) => s.aligned) / queries,
      alignedChance: total((s) => s.alignedChance) / queries,
    };
  };
  const result = {
    benchmark: 'ecoli-attention-repeats',
    date: new Date().toISOString(),
    command: `node dist/bench/train/ecoli-attention-repeats.js --model ${values.model} --genome ${values.genome}`,
    ...provenance(root),
    backend: values.backend,
    seed: { lshRotations: 'step 0 of the model seed (as locus attention)' },
    model: values.model,
    region: `every contig, each part of the split (fraction ${fraction}) tiled in ${context}-base windows`,
    repeatRule: `exact repeats >= ${MIN_REPEAT} bases, both copies in one window, second copy >= ${minDistance} bases after the first (beyond local attention)`,
    chance: 'uniform attention over the causal keys 0..q of each query q',
    repeats: found,
    lshLayers,
    heads,
    pooled: {
      all: pooled(() => true),
      test: pooled((key) => key.startsWith('test:')),
      seen: pooled((key) => key.startsWith('seen:')),
    },
  };
  const path = join(root, 'bench', 'results', 'ecoli-attention-repeats.json');
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  for (const [part, m] of Object.entries(result.pooled)) {
    process.stdout.write(
      `${part}: ${m.queries} query-heads; copy mass ${m.copyMass.toFixed(4)} (chance ${m.copyChance.toFixed(4)}), aligned mass ${m.alignedMass.toFixed(4)} (chance ${m.alignedChance.toFixed(4)})\n`,
    );
  }
}

const isMain = process.argv[1]?.endsWith('ecoli-attention-repeats.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
