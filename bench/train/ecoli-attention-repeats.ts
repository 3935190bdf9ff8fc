/**
 * Does the bacterial model's attention find the other copy of a repeat? Over E. coli 536, tiled as the
 * split tiles it (the test part, never trained on, is reported apart), every exact repeat of at least
 * MIN_REPEAT bases whose two copies lie in one evaluation window, further apart than local attention
 * reaches, is found; for each query base in the second copy, the attention weight that each LSH layer
 * and head puts
 *   - on the whole first copy ("copy mass"), against the equally long stretches just beside it, and
 *   - on the matching base of the first copy +-2 ("aligned mass"), against the windows 25 bases off,
 * is compared with these controls and with uniform attention over the query's causal keys. Ratios to
 * the controls get bootstrap intervals over repeats.
 *
 *   npm run build && node dist/bench/train/ecoli-attention-repeats.js [--model ecoli-causal]
 *
 * Writes bench/results/ecoli-attention-repeats.json (command, commit, date inside).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadForInference } from '../../src/cli/commands/checkpoint-data.js';
import { exportAttention, type HeadAttention } from '../../src/model/attention-export.js';
import { Random } from '../../src/tokenize/random.js';
import { openGenome } from '../../src/train/data/genome.js';
import { contigSplit, SPLIT_SIDES, type SplitSide } from '../../src/train/data/split.js';
import { findRepoRoot, log, provenance } from '../repo.js';

const MIN_REPEAT = 50;
const SEED_LENGTH = 24;
const BOOTSTRAP_SEED = 1;

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

/** Attention sums of one head over the query bases of one repeat's second copy. */
interface Masses {
  queries: number;
  /** Summed over queries: weight on the first copy, and what uniform attention over keys 0..q gives. */
  copy: number;
  copyChance: number;
  /** Weight on the equally long stretches just before and after the first copy (mean of those that fit). */
  copyControl: number;
  controlQueries: number;
  /** Weight on the matching base of the first copy +-2, its uniform chance, and the same 5-base window 25 bases off. */
  aligned: number;
  alignedChance: number;
  alignedControl: number;
}

const ZERO: Masses = {
  queries: 0,
  copy: 0,
  copyChance: 0,
  copyControl: 0,
  controlQueries: 0,
  aligned: 0,
  alignedChance: 0,
  alignedControl: 0,
};

function repeatMasses(r: Repeat, head: HeadAttention, topK: number): Masses {
  const m = { ...ZERO };
  const offset = r.second - r.first;
  const controls = [
    [r.first - r.length, r.first],
    [r.first + r.length, r.first + 2 * r.length],
  ].filter(([from, to]) => from! >= 0 && to! <= r.second);
  for (let qi = 0; qi < head.queries.length; qi++) {
    const q = head.queries[qi]!;
    const match = q - offset;
    let copy = 0;
    let aligned = 0;
    let misaligned = 0;
    let control = 0;
    for (let t = 0; t < topK; t++) {
      const k = head.keys[qi * topK + t]!;
      const w = head.weights[qi * topK + t]!;
      if (k < 0) break;
      if (k >= r.first && k < r.first + r.length) copy += w;
      if (Math.abs(k - match) <= 2) aligned += w;
      if (Math.abs(k - (match - 25)) <= 2 || Math.abs(k - (match + 25)) <= 2) misaligned += w / 2;
      for (const [from, to] of controls) if (k >= from! && k < to!) control += w / controls.length;
    }
    m.queries++;
    m.copy += copy;
    m.copyChance += r.length / (q + 1);
    m.aligned += aligned;
    m.alignedChance += 5 / (q + 1);
    m.alignedControl += misaligned;
    if (controls.length > 0) {
      m.copyControl += control;
      m.controlQueries++;
    }
  }
  return m;
}

function add(a: Masses, b: Masses): Masses {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof Masses)[]) out[key] += b[key];
  return out;
}

/** Means per query (copy control per query that has one). */
function totals(list: Masses[]) {
  const m = list.reduce(add, ZERO);
  return {
    queries: m.queries,
    copyMass: m.copy / m.queries,
    copyChance: m.copyChance / m.queries,
    copyControl: m.copyControl / m.controlQueries,
    alignedMass: m.aligned / m.queries,
    alignedChance: m.alignedChance / m.queries,
    alignedControl: m.alignedControl / m.queries,
  };
}

/** Pooled over the LSH heads, with bootstrap intervals over repeats for the two ratios to controls. */
function summarize(repeats: FoundRepeat[], seed: number) {
  const perRepeat = repeats.map((r) => r.heads.reduce<Masses>(add, ZERO));
  const pooled = totals(perRepeat);
  const random = new Random(seed);
  const ratios = { copy: [] as number[], aligned: [] as number[] };
  for (let draw = 0; draw < 2000 && perRepeat.length > 1; draw++) {
    const pick = Array.from({ length: perRepeat.length }, () => perRepeat[random.nextInt(perRepeat.length)]!);
    const t = totals(pick);
    ratios.copy.push(t.copyMass / t.copyControl);
    ratios.aligned.push(t.alignedMass / t.alignedControl);
  }
  const interval = (values: number[], estimate: number) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return { estimate, low: at(0.025), high: at(0.975) };
  };
  return {
    repeats: repeats.length,
    ...pooled,
    copyOverControl: interval(ratios.copy, pooled.copyMass / pooled.copyControl),
    alignedOverControl: interval(ratios.aligned, pooled.alignedMass / pooled.alignedControl),
  };
}

interface FoundRepeat extends Repeat {
  contig: string;
  side: SplitSide;
  windowStart: number;
  heads: (Masses & { layer: number; head: number })[];
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
  const found: FoundRepeat[] = [];
  for (const window of windows) {
    const sequence = genome.getSync(window.contig, window.start, window.end);
    const repeats = windowRepeats(sequence, minDistance);
    if (repeats.length === 0) continue;
    log(`${window.contig}:${window.start} (${window.side}): ${repeats.length} repeat(s)`);
    const ids = loaded.tokenizer.tokenize(sequence).ids;
    for (const r of repeats) {
      const attention = exportAttention(
        loaded.model,
        { ids },
        {
          topK: config.rounds * 2 * config.chunk, // every key a query can reach: all nonzero weights
          layers: lshLayers,
          queries: Int32Array.from({ length: r.length }, (_, i) => r.second + i),
        },
      );
      const heads = attention.layers.map((head) => ({
        layer: head.layer,
        head: head.head,
        ...repeatMasses(r, head, attention.topK),
      }));
      found.push({ ...r, contig: window.contig, side: window.side, windowStart: window.start, heads });
    }
  }
  await genome.close();
  loaded.model.dispose();

  const parts = {
    all: found,
    test: found.filter((r) => r.side === 'test'),
    seen: found.filter((r) => r.side !== 'test'),
  };
  const pooled = Object.fromEntries(
    Object.entries(parts).map(([part, repeats]) => [part, summarize(repeats, BOOTSTRAP_SEED)]),
  );
  const heads = lshLayers.flatMap((layer) =>
    Array.from({ length: config.heads }, (_, head) => ({
      layer,
      head,
      ...totals(found.map((r) => r.heads.find((h) => h.layer === layer && h.head === head)!)),
    })),
  );
  const result = {
    benchmark: 'ecoli-attention-repeats',
    date: new Date().toISOString(),
    command: `node dist/bench/train/ecoli-attention-repeats.js --model ${values.model} --genome ${values.genome}`,
    ...provenance(root),
    backend: values.backend,
    seed: { lshRotations: 'step 0 of the model seed (as locus attention)', bootstrap: BOOTSTRAP_SEED },
    model: values.model,
    region: `every contig, each part of the split (fraction ${fraction}) tiled in ${context}-base windows`,
    repeatRule: `exact repeats >= ${MIN_REPEAT} bases, both copies in one window, second copy >= ${minDistance} bases after the first (beyond local attention)`,
    chance:
      "uniform: attention spread evenly over the causal keys 0..q of query q; control: the same head's weight on the equally long stretches just before and after the first copy (copy), or on the 5-base windows 25 bases off the matching base (aligned)",
    lshLayers,
    pooled,
    heads,
    repeats: found.map(({ heads: _heads, ...r }) => r),
  };
  const path = join(root, 'bench', 'results', 'ecoli-attention-repeats.json');
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  for (const [part, m] of Object.entries(pooled)) {
    process.stdout.write(
      `${part}: ${m.repeats} repeats; copy mass ${m.copyMass.toFixed(4)} (control ${m.copyControl.toFixed(4)}, uniform ${m.copyChance.toFixed(4)}); ` +
        `aligned mass ${m.alignedMass.toFixed(4)} (control ${m.alignedControl.toFixed(4)}, uniform ${m.alignedChance.toFixed(4)})\n`,
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
