/**
 * What INFO/LLR captures (issue 11): SNVs inside one copy of a repeat, whose other copy lies within
 * the model's context, against SNVs at random positions of the same stretch, scored by the same code
 * as `locus variants --model` (scoreVariants in pipelines/variants/llr.ts).
 *
 *   npm run build && node dist/bench/variants/make-data.js --seed 1   # writes .bench-data/variants/ref.fa
 *   node dist/bench/variants/llr-repeats.js [--model ecoli-causal] [--seed 1] [--random 600]
 *     [--output variants-llr-repeats.json]
 *
 * Genome: E. coli 536 (NC_008253.1), only its test part [4,445,028, 4,938,920), which the shipped
 * ecoli-causal never trained on (its split: the last 10% of the contig).
 *
 * Repeats: the held-out part has too few natural ones close enough to be read together (4 pairs of
 * 50+ bases within 5 kb, two of them sharing a copy), so repeats are planted: 100 segments of 150
 * bases are copied over the bases 500 to 4,000 further on (a direct repeat, as after a duplication or
 * a transposition; the stretch keeps its length), written to DATA/llr-repeats.fa. SNVs are placed at
 * 4 positions at least 20 bases inside each copy (the model must first see that it is in a copy),
 * to each of the 3 other bases. The causal scorer reads at least 5,000 bases on each side, so the
 * other copy is always in context from one side: on the forward strand for the second copy, on the
 * reverse strand for the first. A masked LM (such as ecoli-mlm, 8,000-base windows tiled from the
 * stretch's start) reads the other copy only when both copies fall in one window: the JSON counts
 * those sites and reports them apart (otherCopyInView). Random: positions drawn uniformly from the
 * same stretch, at least 100 bases from any copy (planted or natural), each to the 3 other bases.
 *
 * A model that reads its context expects the repeated base, so an SNV there should get a lower LLR
 * than at random: reported as the mean LLR of each set, their difference with a bootstrap interval
 * (resampling repeat pairs and random positions), and the AUROC of -LLR for "in a repeat".
 *
 * Writes bench/results/variants-llr-repeats.json (or --output).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFasta } from '../../src/io/fasta.js';
import { Random } from '../../src/tokenize/random.js';
import { auroc } from '../../src/train/metrics.js';
import { closeLlrModel, loadLlrModel, scoreVariants, startLlrThreads } from '../../pipelines/variants/llr.js';
import { scoringThreads, VARIANT_DEFAULTS } from '../../pipelines/variants/variants.js';
import type { VariantCall } from '../../pipelines/variants/types.js';
import { findRepoRoot, log, provenance } from '../repo.js';
import { dataFiles } from './layout.js';

const CONTIG = 'NC_008253.1';
const TEST_PART = { start: 4_445_028, end: 4_938_920 } as const;
const SEED_K = 32;
const MIN_REPEAT = 50;
const MIN_GAP = 200;
const MAX_GAP = 5000;
const INSET = 20;
const SITES_PER_COPY = 4;
const CONTROL_MARGIN = 100;
const BOOTSTRAP_DRAWS = 2000;
const PLANTED = 100;
const PLANTED_LENGTH = 150;
const PLANTED_CONTIG = 'ecoli536_test_part_with_repeats';

export interface RepeatPair {
  /** 0-based starts of the two copies on the stretch, first < second, and their common length. */
  first: number;
  second: number;
  length: number;
}

/** Maximal exact direct repeats of at least `minLength` whose copies start `minGap` to `maxGap` apart. */
export function findRepeats(
  text: string,
  minLength = MIN_REPEAT,
  minGap = MIN_GAP,
  maxGap = MAX_GAP,
): RepeatPair[] {
  const seen = new Map<string, number[]>();
  const pairs: RepeatPair[] = [];
  const covered = new Set<string>(); // "offset:position" of the second copy already inside a found pair
  for (let i = 0; i + SEED_K <= text.length; i++) {
    const word = text.slice(i, i + SEED_K);
    if (/[^ACGT]/.test(word)) continue;
    const earlier = seen.get(word) ?? [];
    for (const j of earlier) {
      const gap = i - j;
      if (gap < minGap || gap > maxGap || covered.has(`${gap}:${i}`)) continue;
      // Extend the match left and right to its maximal length.
      let a = j;
      let b = i;
      while (a > 0 && text[a - 1] === text[b - 1]) {
        a--;
        b--;
      }
      let length = i - b + SEED_K;
      while (b + length < text.length && text[a + length] === text[b + length]) length++;
      for (let p = b; p + SEED_K <= b + length; p++) covered.add(`${gap}:${p}`);
      if (length >= minLength) pairs.push({ first: a, second: b, length });
    }
    earlier.push(i);
    seen.set(word, earlier);
  }
  return pairs;
}

/**
 * Copy PLANTED segments of PLANTED_LENGTH over the bases MIN_GAP+300 to 4,000 further on, without
 * overlapping one another or any natural repeat copy. Returns the new stretch and the pairs.
 */
export function plantRepeats(
  text: string,
  natural: readonly RepeatPair[],
  random: Random,
): { text: string; pairs: RepeatPair[] } {
  const taken = new Uint8Array(text.length);
  for (const p of natural) {
    taken.fill(1, Math.max(0, p.first - CONTROL_MARGIN), p.first + p.length + CONTROL_MARGIN);
    taken.fill(1, Math.max(0, p.second - CONTROL_MARGIN), p.second + p.length + CONTROL_MARGIN);
  }
  const free = (start: number) =>
    start >= 0 &&
    start + PLANTED_LENGTH + CONTROL_MARGIN <= text.length &&
    !taken.subarray(Math.max(0, start - CONTROL_MARGIN), start + PLANTED_LENGTH + CONTROL_MARGIN).includes(1);
  const bases = text.split('');
  const pairs: RepeatPair[] = [];
  for (let tries = 0; pairs.length < PLANTED && tries < 100_000; tries++) {
    const first = random.nextInt(text.length);
    const second = first + 500 + random.nextInt(3500);
    if (!free(first) || !free(second) || /[^ACGT]/.test(text.slice(first, first + PLANTED_LENGTH))) continue;
    for (let i = 0; i < PLANTED_LENGTH; i++) bases[second + i] = bases[first + i]!;
    for (const start of [first, second])
      taken.fill(1, Math.max(0, start - CONTROL_MARGIN), start + PLANTED_LENGTH + CONTROL_MARGIN);
    pairs.push({ first, second, length: PLANTED_LENGTH });
  }
  return { text: bases.join(''), pairs: pairs.sort((a, b) => a.first - b.first) };
}

/** A VariantCall as the scorer needs it: an SNV of `ref` to `alt` at `pos` (0-based). */
function snv(pos: number, ref: string, alt: string): VariantCall {
  return {
    contig: PLANTED_CONTIG,
    candidate: { kind: 'snv', pos, ref, alt, span: pos + 1, alleleError: 0, key: `snv:${pos}:${ref}:${alt}` },
    qual: 0,
    filters: [],
    depth: 0,
    strandBias: 0,
    readPositionZ: null,
    altReadMismatches: 0,
    samples: [],
  };
}

const others = (base: string) => [...'ACGT'].filter((b) => b !== base);

interface Site {
  /** Unit of resampling: a repeat pair's index, or a random position's. */
  group: number;
  pos: number;
  copy?: 'first' | 'second';
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'ecoli-causal' },
      seed: { type: 'string', default: '1' },
      random: { type: 'string', default: '600' },
      'data-dir': { type: 'string', default: '.bench-data/variants' },
      output: { type: 'string', default: 'variants-llr-repeats.json' },
    },
  });
  const seed = Number(values.seed);
  const randomCount = Number(values.random);
  const root = findRepoRoot();
  const files = dataFiles(root, values['data-dir']);
  const source = await openFasta(files.reference);
  const original = await source.fetch({ contig: CONTIG, ...TEST_PART }, { uppercase: true });
  await source.close();
  const natural = findRepeats(original);
  const random = new Random(seed);
  const { text: stretch, pairs } = plantRepeats(original, natural, random);
  log(`${natural.length} natural repeat pairs in the test part; ${pairs.length} planted`);
  const fasta = join(files.dir, 'llr-repeats.fa');
  const lines = stretch.match(/.{1,60}/g) ?? [];
  await writeFile(
    fasta,
    `>${PLANTED_CONTIG} ${CONTIG}:${TEST_PART.start + 1}-${TEST_PART.end} with planted repeats\n${lines.join('\n')}\n`,
  );
  await rm(`${fasta}.fai`, { force: true });
  const reference = await openFasta(fasta);
  const started = performance.now();
  try {
    // Sites inside the copies: evenly spread between the insets, at most SITES_PER_COPY per copy.
    const repeatSites: Site[] = [];
    const nearRepeat = new Uint8Array(stretch.length);
    for (const pair of natural) {
      nearRepeat.fill(1, Math.max(0, pair.first - CONTROL_MARGIN), pair.first + pair.length + CONTROL_MARGIN);
      nearRepeat.fill(
        1,
        Math.max(0, pair.second - CONTROL_MARGIN),
        pair.second + pair.length + CONTROL_MARGIN,
      );
    }
    pairs.forEach((pair, g) => {
      for (const [copy, start] of [
        ['first', pair.first],
        ['second', pair.second],
      ] as const) {
        nearRepeat.fill(
          1,
          Math.max(0, start - CONTROL_MARGIN),
          Math.min(stretch.length, start + pair.length + CONTROL_MARGIN),
        );
        const usable = pair.length - 2 * INSET;
        const n = SITES_PER_COPY;
        for (let s = 0; s < n; s++) {
          repeatSites.push({ group: g, copy, pos: start + INSET + Math.floor(((s + 0.5) * usable) / n) });
        }
      }
    });
    const randomSites: Site[] = [];
    while (randomSites.length < randomCount) {
      const pos = random.nextInt(stretch.length);
      if (nearRepeat[pos] || !'ACGT'.includes(stretch[pos]!)) continue;
      randomSites.push({ group: randomSites.length, pos });
    }

    // Every site to each of its 3 other bases, scored as locus variants scores its calls. A masked LM
    // masks every called base of a window in one pass, so sites at the same offset in both copies,
    // scored together, would hide from each other the very base of the other copy the model could
    // read: for it the first copies, the second copies and the random sites are scored in three runs.
    // A causal model's LLR does not depend on the other calls: one run.
    const sites = [
      ...repeatSites.map((s) => ({ ...s, set: 'repeat' as const })),
      ...randomSites.map((s) => ({ ...s, set: 'random' as const })),
    ];
    const calls = sites.flatMap((s) =>
      others(stretch[s.pos]!).map((alt) => snv(s.pos, stretch[s.pos]!, alt)),
    );
    const scorer = await loadLlrModel(values.model);
    // As locus variants scores at its default number of workers.
    await startLlrThreads(scorer, scoringThreads(VARIANT_DEFAULTS.workers));
    const runOf = (s: (typeof sites)[number]) =>
      scorer.objective === 'causal' ? 'all' : (s.copy ?? 'random');
    const runs = [...new Set(sites.map(runOf))];
    const scoringStarted = performance.now();
    const scoring = { llr: calls.map((): number | undefined => undefined), passes: 0, windows: 0 };
    try {
      for (const run of runs) {
        const members = calls.flatMap((_, c) => (runOf(sites[Math.floor(c / 3)]!) === run ? [c] : []));
        const part = await scoreVariants(
          members.map((c) => calls[c]!),
          reference,
          scorer,
          {
            onProgress: (done, total) => process.stderr.write(`\rscoring ${run}: ${done}/${total} passes`),
          },
        );
        members.forEach((c, j) => (scoring.llr[c] = part.llr[j]));
        scoring.passes += part.passes;
        scoring.windows += part.windows;
      }
    } finally {
      await closeLlrModel(scorer);
    }
    // Whether a repeat site's aligned base in the other copy is inside what the model reads for it: a
    // causal model reads windowBases / 2 or more on each side; a masked LM reads the window (tiled
    // from the stretch's start) that holds the site.
    const span = scorer.windowBases;
    const otherCopyInView = (s: Site): boolean => {
      const pair = pairs[s.group]!;
      const other =
        s.copy === 'first' ? s.pos + (pair.second - pair.first) : s.pos - (pair.second - pair.first);
      return scorer.objective === 'causal'
        ? Math.abs(other - s.pos) <= span / 2
        : Math.floor(other / span) === Math.floor(s.pos / span);
    };
    process.stderr.write('\n');
    const scoringSeconds = (performance.now() - scoringStarted) / 1000;
    // Per site: the mean LLR over its 3 alternatives.
    const siteLlr = sites.map((_, i) => mean([0, 1, 2].map((a) => scoring.llr[i * 3 + a]!)));
    const byGroup = (set: 'repeat' | 'random') => {
      const groups = new Map<number, number[]>();
      sites.forEach((s, i) => {
        if (s.set !== set) return;
        groups.set(s.group, [...(groups.get(s.group) ?? []), siteLlr[i]!]);
      });
      return [...groups.values()];
    };
    const repeatGroups = byGroup('repeat');
    const randomGroups = byGroup('random');
    const flat = (groups: number[][]) => groups.flat();
    const difference = mean(flat(repeatGroups)) - mean(flat(randomGroups));
    const draws: number[] = [];
    const resample = new Random(seed + 1);
    const pick = (groups: number[][]) =>
      Array.from({ length: groups.length }, () => groups[resample.nextInt(groups.length)]!).flat();
    for (let d = 0; d < BOOTSTRAP_DRAWS; d++) draws.push(mean(pick(repeatGroups)) - mean(pick(randomGroups)));
    draws.sort((a, b) => a - b);
    const labels = sites.map((s) => (s.set === 'repeat' ? 1 : 0));
    const copyMean = (copy: 'first' | 'second') =>
      mean(sites.map((s, i) => (s.copy === copy ? siteLlr[i]! : NaN)).filter(Number.isFinite));
    const inView = sites.map((s) => s.set === 'repeat' && otherCopyInView(s));
    const inViewLlr = siteLlr.filter((_, i) => inView[i]);

    const result = {
      benchmark: 'variants-llr-repeats',
      command: `node dist/bench/variants/llr-repeats.js ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString(),
      ...provenance(root),
      seed,
      model: values.model,
      genome: {
        contig: CONTIG,
        part: 'test',
        start: TEST_PART.start,
        end: TEST_PART.end,
        fasta: 'DATA/llr-repeats.fa',
      },
      naturalRepeats: {
        pairs: natural.length,
        rule: `exact direct repeats >= ${MIN_REPEAT} bases, copies ${MIN_GAP}-${MAX_GAP} bases apart`,
      },
      repeatRule: `${PLANTED} planted direct repeats: ${PLANTED_LENGTH} bases copied over the bases 500-4,000 further on; ${SITES_PER_COPY} sites per copy, >= ${INSET} bases inside it; every other base at each site`,
      randomRule: `uniform positions of the same part, >= ${CONTROL_MARGIN} bases from any repeat copy; every other base at each site`,
      repeats: {
        pairs: pairs.length,
        sites: repeatSites.length,
        meanLength: mean(pairs.map((p) => p.length)),
      },
      random: { sites: randomSites.length },
      llr: {
        repeatMean: mean(flat(repeatGroups)),
        randomMean: mean(flat(randomGroups)),
        firstCopyMean: copyMean('first'),
        secondCopyMean: copyMean('second'),
        /** Repeat sites whose other copy's aligned base the model reads (see otherCopyInView). */
        otherCopyInView: {
          sites: inViewLlr.length,
          mean: inViewLlr.length ? mean(inViewLlr) : null,
          auroc: auroc(
            sites.flatMap((s, i) => (inView[i] ? [1] : s.set === 'random' ? [0] : [])),
            sites.flatMap((s, i) => (inView[i] || s.set === 'random' ? [-siteLlr[i]!] : [])),
          ),
        },
        difference: {
          estimate: difference,
          low: draws[Math.floor(0.025 * BOOTSTRAP_DRAWS)]!,
          high: draws[Math.ceil(0.975 * BOOTSTRAP_DRAWS) - 1]!,
          draws: BOOTSTRAP_DRAWS,
          unit: 'repeat pairs and random positions resampled with replacement',
        },
        auroc: auroc(
          labels,
          siteLlr.map((x) => -x),
        ),
      },
      cost: {
        passes: scoring.passes,
        windows: scoring.windows,
        scoringSeconds,
        seconds: (performance.now() - started) / 1000,
      },
    };
    const path = join(root, 'bench', 'results', values.output);
    await mkdir(join(root, 'bench', 'results'), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
    await rename(`${path}.tmp`, path);
    log(
      `LLR: repeat ${result.llr.repeatMean.toFixed(3)}, random ${result.llr.randomMean.toFixed(3)}, difference ` +
        `${difference.toFixed(3)} (${result.llr.difference.low.toFixed(3)} to ${result.llr.difference.high.toFixed(3)}), ` +
        `AUROC ${result.llr.auroc.toFixed(3)}; ${scoring.passes} passes, ${scoringSeconds.toFixed(0)} s -> bench/results/${values.output}`,
    );
  } finally {
    await reference.close();
  }
}

const isMain = process.argv[1]?.endsWith('bench/variants/llr-repeats.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
