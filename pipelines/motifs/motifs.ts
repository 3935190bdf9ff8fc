/**
 * `locus motifs`: which motifs explain a set of sequences. Reads the targets (and a background, or
 * makes one by shuffling them, keeping 3-mer counts), discovers motifs by enrichment (discover.ts), counts their
 * sites, matches them against a motif database (JASPAR 2024 CORE by default) and returns everything the
 * outputs (outputs.ts) and the report need. Never prints; takes an AbortSignal and a progress callback.
 */
import { LocusInputError } from '../../src/errors.js';
import { readMotifDatabases, type DatabaseSource } from './database.js';
import { compareToDatabase, COMPARE_DEFAULTS } from './compare.js';
import { DISCOVER_DEFAULTS, discoverMotifs, type DiscoveredMotif } from './discover.js';
import { log10OfLn } from './enrichment.js';
import { baseFrequencies, gcMatchingWeights, readMotifSequences, type CodedSequence } from './sequences.js';
import { discoverPositional, POSITIONAL_DEFAULTS, strandsOf, type Anchor } from './positional.js';
import { kmerShuffle, shuffleKFor } from './shuffle.js';
import { scanSites } from './sites.js';
import type { Background, MotifSite, PositionalWindow, ReportedMotif } from './types.js';
import type { MotifModelSettings } from './model-classifier.js';

/** Fewer target sequences than this cannot show that a motif is shared rather than one sequence's. */
export const MIN_SEQUENCES = 5;

export interface MotifsOptions {
  targets: string;
  /** Background FASTA; undefined = each target shuffled keeping its k-mer counts (shuffle.ts shuffleKFor). */
  background?: string;
  minWidth: number;
  maxWidth: number;
  maxMotifs: number;
  seed: number;
  /** What the enrichment test counts: sequences with a site, or sites; 'auto' by sequence length. */
  countBy: 'auto' | 'sequences' | 'sites';
  /** A classifier of targets against background to ask which bases it relies on (model-guided mode). */
  model?: string;
  /** Train that classifier here (model-classifier.ts) into `modelDir`. */
  trainModel?: boolean;
  /** Settings of that classifier other than its defaults (MOTIF_MODEL_DEFAULTS). */
  modelSettings?: Partial<MotifModelSettings>;
  /** Where a trained classifier's run folder goes (its best/ is the checkpoint). */
  modelDir?: string;
  backend?: string;
  workers?: number;
  /** Motif databases for matches: files (MEME or TRANSFAC) or shipped names; none = JASPAR 2024 CORE. */
  databases?: readonly string[];
  /**
   * Where the targets are aligned (a promoter's TSS at its end, a peak's summit at its centre): motifs
   * whose sites crowd at a distance from it are sought too (positional.ts). Undefined: not aligned.
   */
  anchor?: Anchor;
  signal?: AbortSignal;
  onProgress?: (p: MotifsProgress) => void;
}

export interface MotifsProgress {
  phase: 'read' | 'discover' | 'sites' | 'match' | 'train model' | 'attribution';
  done?: number;
  total?: number;
  motif?: number;
  maxMotifs?: number;
  step?: string;
}

export interface ModelSummary {
  /** The checkpoint read (a trained one: its path inside the output folder, model/best). */
  checkpoint: string;
  /** Set when the classifier was trained by this run. */
  trained: { validationAuroc: number; steps: number; seconds: number } | null;
  /** How many motifs the search of the attribution peaks found (reported with source 'model'). */
  guidedMotifs: number;
  seconds: number;
}

export interface InputSummary {
  path: string;
  sequences: number;
  bases: number;
  /** Shortest and longest sequence. */
  minLength: number;
  maxLength: number;
}

export interface MotifsResult {
  motifs: ReportedMotif[];
  sites: MotifSite[];
  letters: Background;
  targets: InputSummary;
  /** The background: a file, or the targets shuffled. */
  background: InputSummary & {
    shuffled: boolean;
    /** k of the k-mers the shuffle kept (null: a background file). */
    shuffleK: number | null;
  };
  /** Sequences held out for the E-values (0 when the input was too small: then E-values are optimistic). */
  heldOut: { targets: number; background: number; pieceBases: number | null };
  /** True when motifs are ranked by held-out p-value; false: by training enrichment. */
  rankedByTest: boolean;
  /** What the enrichment tests counted. */
  countBy: 'sequences' | 'sites';
  /** The model-guided mode's classifier, when one was used. */
  model: ModelSummary | null;
  /** A given background weighted to the targets' GC distribution (null: the shuffled targets). */
  gcMatching: { unmatchedTargets: number; maxWeight: number } | null;
  /** The databases searched for matches, as one. */
  databases: DatabaseSource[];
  settings: {
    /** Where the targets are aligned, when the positional search ran. */
    anchor: Anchor | null;
    minWidth: number;
    maxWidth: number;
    maxMotifs: number;
    seed: number;
    holdoutFraction: number;
    evalueThreshold: number;
  };
  seconds: number;
  peakRssMb: number;
}

function summarise(path: string, sequences: readonly CodedSequence[]): InputSummary {
  const lengths = sequences.map((s) => s.codes.length);
  return {
    path,
    sequences: sequences.length,
    bases: lengths.reduce((a, b) => a + b, 0),
    minLength: Math.min(...lengths),
    maxLength: Math.max(...lengths),
  };
}

export function checkWidths(minWidth: number, maxWidth: number): void {
  if (
    !Number.isInteger(minWidth) ||
    !Number.isInteger(maxWidth) ||
    minWidth < 4 ||
    maxWidth > 30 ||
    minWidth > maxWidth
  ) {
    throw new LocusInputError(
      `${minWidth}-${maxWidth}`,
      `Motif widths ${minWidth}-${maxWidth} are not a range within 4-30`,
      'give --widths MIN-MAX, e.g. 6-20, or one width, e.g. 8',
    );
  }
}

type Reported = Omit<ReportedMotif, 'matches'>;

/** Turn a discovered motif into a reported one: its sites on the full targets and background. */
function reportMotif(
  m: DiscoveredMotif & { position?: PositionalWindow },
  id: string,
  rank: number,
  source: ReportedMotif['source'],
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
  letters: Background,
  sites: MotifSite[],
): Reported {
  // A positional motif of sequences oriented by their anchor has sites on the given strand only.
  const strands = m.position ? strandsOf(m.position.anchor) : 'both';
  const inTargets = scanSites(id, m.matrix, m.threshold, targets, letters, strands);
  const inBackground = scanSites(id, m.matrix, m.threshold, background, letters, strands);
  sites.push(...inTargets.sites);
  return {
    rank,
    id,
    consensus: m.consensus,
    matrix: m.matrix,
    evalue: m.evalue,
    testLog10P: log10OfLn(m.testLogP),
    trainLog10P: log10OfLn(m.trainLogP),
    threshold: m.threshold,
    targetSites: inTargets.sites.length,
    backgroundSites: inBackground.sites.length,
    targetSequences: inTargets.sequences,
    targetSequenceShare: inTargets.sequences / targets.length,
    backgroundSequenceShare: inBackground.sequences / background.length,
    positions: inTargets.positions,
    found: m.found,
    seedWord: m.seedWord,
    source,
    ...(m.position ? { position: m.position } : {}),
  };
}

/**
 * The model-guided mode: train (or load) the classifier, attribute its decision to the targets' bases,
 * find the motifs of the attribution peaks, and give every motif its share of the attribution.
 */
async function runModelGuided(
  options: MotifsOptions,
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
  letters: Background,
  reported: Reported[],
  sites: MotifSite[],
): Promise<{ summary: Omit<ModelSummary, 'seconds'>; motifs: Reported[] }> {
  const [{ trainMotifClassifier }, { attributeBases }, guided] = await Promise.all([
    import('./model-classifier.js'),
    import('./model-attribution.js'),
    import('./model-guided.js'),
  ]);
  let checkpoint = options.model;
  let trained: ModelSummary['trained'] = null;
  if (checkpoint === undefined) {
    if (!options.modelDir) throw new TypeError('trainModel needs modelDir');
    const result = await trainMotifClassifier({
      targets: guided.sequenceTexts(targets),
      background: guided.sequenceTexts(background),
      seed: options.seed,
      backend: options.backend,
      workers: options.workers,
      outputDir: options.modelDir,
      settings: options.modelSettings,
      signal: options.signal,
      onProgress: (done, total) => options.onProgress?.({ phase: 'train model', done, total }),
    });
    checkpoint = result.checkpoint;
    trained = { validationAuroc: result.validationAuroc, steps: result.steps, seconds: result.seconds };
  }
  const { inputTimesGradient } = await attributeBases({
    checkpoint,
    sequences: guided.sequenceTexts(targets),
    backend: options.backend,
    signal: options.signal,
    onProgress: (done: number, total: number) => options.onProgress?.({ phase: 'attribution', done, total }),
  });
  for (const motif of reported) {
    motif.modelShare = guided.attributionShare(
      motif.matrix,
      motif.threshold,
      targets,
      inputTimesGradient,
      letters,
    );
  }
  const found = guided.modelGuidedMotifs(targets, background, inputTimesGradient, letters, {
    minWidth: options.minWidth,
    maxWidth: options.maxWidth,
    maxMotifs: Math.min(3, options.maxMotifs),
    seed: options.seed,
    signal: options.signal,
  });
  const motifs = found.map((m, i) => {
    const motif = reportMotif(
      m,
      `M${i + 1}-${m.consensus}`,
      reported.length + i + 1,
      'model',
      targets,
      background,
      letters,
      sites,
    );
    motif.modelShare = guided.attributionShare(m.matrix, m.threshold, targets, inputTimesGradient, letters);
    motif.peakMatrix = m.peakMatrix;
    return motif;
  });
  return { summary: { checkpoint, trained, guidedMotifs: motifs.length }, motifs };
}

export async function findMotifs(options: MotifsOptions): Promise<MotifsResult> {
  const started = performance.now();
  let peakRss = process.memoryUsage().rss;
  const notePeak = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  checkWidths(options.minWidth, options.maxWidth);
  options.onProgress?.({ phase: 'read' });
  const minLength = options.minWidth;
  const targets = await readMotifSequences(options.targets, {
    minLength,
    role: 'targets',
    signal: options.signal,
  });
  if (targets.length < MIN_SEQUENCES) {
    throw new LocusInputError(
      options.targets,
      `targets "${options.targets}" hold ${targets.length} sequence${targets.length === 1 ? '' : 's'}; motif discovery needs at least ${MIN_SEQUENCES}`,
      'give more sequences (a long one can be cut into pieces, e.g. with `seqkit sliding`)',
    );
  }
  const shuffleK = options.background ? null : shuffleKFor(targets);
  const background =
    shuffleK === null
      ? await readMotifSequences(options.background!, {
          minLength,
          role: 'background',
          signal: options.signal,
        })
      : kmerShuffle(targets, options.seed, shuffleK);
  if (background.length < MIN_SEQUENCES) {
    throw new LocusInputError(
      options.background!,
      `background "${options.background}" holds ${background.length} sequence${background.length === 1 ? '' : 's'}; at least ${MIN_SEQUENCES} are needed`,
      'give more background sequences, or leave out --background to shuffle the targets',
    );
  }
  // A given background is matched to the targets' GC distribution; a shuffle of the targets already is.
  let gcMatching: MotifsResult['gcMatching'] = null;
  if (options.background) {
    const { weights, unmatchedTargets } = gcMatchingWeights(targets, background);
    weights.forEach((w, i) => (background[i]!.weight = w));
    gcMatching = { unmatchedTargets, maxWeight: Math.max(...weights) };
  }
  const database = await readMotifDatabases(options.databases);
  const letters = baseFrequencies([...targets, ...background]);
  notePeak();

  const discoverOptions = {
    ...DISCOVER_DEFAULTS,
    minWidth: options.minWidth,
    maxWidth: options.maxWidth,
    maxMotifs: options.maxMotifs,
    seed: options.seed,
    countBy: options.countBy,
  };
  const discovered = discoverMotifs(
    targets,
    background,
    letters,
    discoverOptions,
    (p) => options.onProgress?.({ phase: 'discover', ...p }),
    options.signal,
  );
  notePeak();
  const positional = options.anchor
    ? discoverPositional(
        targets,
        letters,
        { ...discoverOptions, ...POSITIONAL_DEFAULTS, anchor: options.anchor },
        (p) => options.onProgress?.({ phase: 'discover', ...p }),
        options.signal,
      ).motifs
    : [];
  notePeak();
  // One ranking of both searches' motifs, by the same rule as discoverMotifs ranks its own; the best
  // maxMotifs of them are reported.
  const ranked = [...discovered.motifs, ...positional]
    .sort((x, y) =>
      discovered.rankedByTest
        ? x.testLogP - y.testLogP || x.crossFitLogP - y.crossFitLogP
        : x.crossFitLogP - y.crossFitLogP,
    )
    .slice(0, options.maxMotifs);

  options.onProgress?.({ phase: 'sites' });
  const sites: MotifSite[] = [];
  const reported: Reported[] = ranked.map((m, i) =>
    reportMotif(
      m,
      `${i + 1}-${m.consensus}`,
      i + 1,
      'position' in m ? 'position' : 'enrichment',
      targets,
      background,
      letters,
      sites,
    ),
  );
  options.signal?.throwIfAborted();

  let model: ModelSummary | null = null;
  if (options.model !== undefined || options.trainModel) {
    const started = performance.now();
    const guided = await runModelGuided(options, targets, background, letters, reported, sites);
    model = { ...guided.summary, seconds: (performance.now() - started) / 1000 };
    reported.push(...guided.motifs);
    notePeak();
  }

  options.onProgress?.({ phase: 'match' });
  const matches = compareToDatabase(
    reported.map((m) => m.matrix),
    database.motifs,
    COMPARE_DEFAULTS,
  );
  const motifs: ReportedMotif[] = reported.map((m, i) => ({
    ...m,
    matches: matches[i]!.map((match) => ({
      id: match.target.id,
      name: match.target.name,
      similarity: match.alignment.similarity,
      pvalue: match.pvalue,
      qvalue: match.qvalue,
      offset: match.alignment.offset,
      reverse: match.alignment.reverse,
      ...(match.target.url ? { url: match.target.url } : {}),
    })),
  }));
  notePeak();
  return {
    motifs,
    sites,
    letters,
    targets: summarise(options.targets, targets),
    background: {
      ...summarise(options.background ?? options.targets, background),
      shuffled: options.background === undefined,
      shuffleK,
    },
    heldOut: discovered.heldOut,
    rankedByTest: discovered.rankedByTest,
    model,
    countBy: discovered.countBy,
    gcMatching,
    databases: database.sources,
    settings: {
      anchor: options.anchor ?? null,
      minWidth: options.minWidth,
      maxWidth: options.maxWidth,
      maxMotifs: options.maxMotifs,
      seed: options.seed,
      holdoutFraction: DISCOVER_DEFAULTS.holdoutFraction,
      evalueThreshold: DISCOVER_DEFAULTS.evalueThreshold,
    },
    seconds: (performance.now() - started) / 1000,
    peakRssMb: peakRss / 2 ** 20,
  };
}
