/**
 * Random windows of a fixed number of bases from one or more FASTA genomes, for pretraining
 * (DNABERT-style MLM or HyenaDNA-style next-token prediction), with a held-out split by region.
 *
 * Coordinates are 0-based half-open `[start, end)`, as everywhere inside Locus.
 *
 * Split. `splitFraction` f reserves validation and test parts of every genome before anything is
 * drawn (see ./split.ts, the one rule every tool shares):
 * - `tail` (default): per contig, h = floor(f * length): train [0, length-2h), validation
 *   [length-2h, length-h), test [length-h, length);
 * - `blocks`: a seeded choice of `round(f * blocks)` test blocks and as many validation blocks of
 *   `heldOutBlockSize` bases (the contig's last block may be shorter), among all blocks of all genomes.
 * The split depends only on the genomes, the fraction, the mode and `splitSeed` (default 0), never
 * on the sampling `seed`, so runs with different seeds evaluate on the same bases. Training windows
 * are drawn only wholly inside a training region, so no window overlaps two sides; starts within
 * `windowSize - 1` bases before a boundary are simply never drawn (nor are regions shorter than a
 * window). Validation and test bases are read only by `tiles`/`tileWindows`: a deterministic,
 * non-overlapping tiling in which every base of a side lies in exactly one window (the last tile of
 * a region may be shorter than `windowSize`).
 *
 * Sampling. Each draw picks a start uniformly among all training starts of all genomes (or, with
 * `genomeWeights`, first a genome by weight, then a start uniformly within it), reads the bases and
 * skips the window if more than `maxAmbiguousFraction` of them are not A/C/G/T (N and other IUPAC
 * codes; soft-masked lowercase counts as a base). Skips are counted, never silent. With
 * `reverseComplement` each kept window is reverse-complemented with probability 0.5 (strand '-').
 *
 * Determinism and resume. Everything is a function of the options, the genomes and `seed`.
 * `state()` is a small JSON-safe object (the generator's seed and the number of 32-bit words drawn,
 * the windows drawn and skipped, and a fingerprint of the options and genomes); `restore(state)` on a
 * sampler opened with the same options continues exactly where the saved one stopped, so a resumed
 * run sees the windows an uninterrupted one would have.
 */
import { LocusInputError } from '../../errors.js';
import { reverseComplement } from '../../tokenize/reverse-complement.js';
import { Random } from '../../tokenize/random.js';
import { openGenome, type Genome, type GenomeLoad } from './genome.js';
import { CountingRandom, permutation, uniformBelow } from './rng.js';
import { contigSplit, type SplitSide } from './split.js';

export type HeldOutMode = 'tail' | 'blocks';
export type WindowSide = SplitSide;

export interface GenomeWindowOptions {
  /** FASTA genomes: plain (a missing `.fai` is built), bgzip with `.fai`/`.gzi`, or plain gzip. */
  genomes: readonly string[];
  /** Window length in bases. */
  windowSize: number;
  /** Seed for the draws (positions and strands). */
  seed: number;
  /** Skip windows in which more than this fraction of bases is not A/C/G/T. Default 0.1. */
  maxAmbiguousFraction?: number;
  /** Reverse-complement each drawn window with probability 0.5. Default false. */
  reverseComplement?: boolean;
  /** Fraction of every genome in validation, and again in test, 0 <= f < 0.5 (0 = all train). Default 0. */
  splitFraction?: number;
  /** Which part is held out (see the top of this file). Default 'tail'. */
  heldOutMode?: HeldOutMode;
  /** Block length for `heldOutMode: 'blocks'`. Default 100,000 bases. */
  heldOutBlockSize?: number;
  /** Seed for the choice of held-out blocks; independent of `seed`. Default 0. */
  splitSeed?: number;
  /**
   * Relative weight of each genome (same order as `genomes`). Default: none, i.e. uniform over all
   * training windows, so a 5 Mb genome is drawn ~100x as often as a 50 kb one.
   */
  genomeWeights?: readonly number[];
  /** How genomes are read (see `GenomeLoad`); 'memory' makes `nextSync` available. Default 'auto'. */
  load?: GenomeLoad;
  /**
   * Only tiles will be read (evaluation): a genome too short for a training window is then no error.
   * Default false.
   */
  tilesOnly?: boolean;
  /** Give up (with an error naming the genomes) after this many skips in a row. Default 10,000. */
  maxConsecutiveSkips?: number;
  signal?: AbortSignal;
}

/** A stretch of one contig on one side of the split. */
export interface SplitRegion {
  /** Index of the genome in `genomes`. */
  genome: number;
  contig: string;
  start: number;
  end: number;
  side: WindowSide;
}

/** Coordinates of a window, without its bases. */
export interface WindowCoordinates {
  /** Path of the genome, as given. */
  genome: string;
  /** Index of the genome in `genomes`. */
  genomeIndex: number;
  contig: string;
  start: number;
  end: number;
}

export interface SampledWindow extends WindowCoordinates {
  /** '-' when `sequence` is the reverse complement of the forward bases `[start, end)`. */
  strand: '+' | '-';
  /** The bases read 5'->3' on `strand`, soft-masking kept. */
  sequence: string;
  /** Bases that are not A/C/G/T (either case). */
  ambiguous: number;
  /** 0-based draw number for sampled windows; tile number for tiles. */
  index: number;
}

/** What `state()` returns: JSON-safe, to store in a checkpoint. */
export interface WindowSamplerState {
  kind: 'genome-windows';
  version: 1;
  /** Options and genomes the state belongs to; `restore` refuses a state from another setup. */
  fingerprint: string;
  seed: number;
  /** 32-bit words drawn from the generator so far. */
  rngWords: number;
  drawn: number;
  skipped: number;
}

export interface WindowSamplerStats {
  drawn: number;
  /** Windows rejected for too many non-ACGT bases. */
  skipped: number;
  /** Bases in training, validation and test regions. */
  trainBases: number;
  validationBases: number;
  testBases: number;
  /** Window starts available for training (all genomes). */
  trainStarts: number;
}

/** Non-ACGT lookup: 1 for every byte that is not A/C/G/T/a/c/g/t. */
const AMBIGUOUS: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(1);
  for (const c of 'ACGTacgt') table[c.charCodeAt(0)] = 0;
  return table;
})();

/** Number of bases in `sequence` that are not A, C, G or T (either case). */
export function countAmbiguous(sequence: string): number {
  let n = 0;
  for (let i = 0; i < sequence.length; i++) {
    const c = sequence.charCodeAt(i);
    n += c < 256 ? AMBIGUOUS[c]! : 1;
  }
  return n;
}

export interface SplitOptions {
  splitFraction?: number;
  heldOutMode?: HeldOutMode;
  heldOutBlockSize?: number;
  splitSeed?: number;
}

/**
 * The train / validation / test regions of contigs (see the top of this file). Contigs are given per genome
 * in file order; regions come out in the same order, ascending within a contig, adjacent regions of
 * one side merged.
 */
export function splitRegions(
  genomes: readonly (readonly { name: string; length: number }[])[],
  options: SplitOptions = {},
): SplitRegion[] {
  const fraction = options.splitFraction ?? 0;
  const mode = options.heldOutMode ?? 'tail';
  const blockSize = options.heldOutBlockSize ?? 100_000;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 0.5)) {
    throw new RangeError(`splitFraction must be a number with 0 <= f < 0.5, got ${String(fraction)}`);
  }
  if (mode !== 'tail' && mode !== 'blocks') {
    throw new TypeError(`heldOutMode must be 'tail' or 'blocks', got ${String(mode)}`);
  }
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`heldOutBlockSize must be a positive integer, got ${String(blockSize)}`);
  }
  const regions: SplitRegion[] = [];
  const push = (genome: number, contig: string, start: number, end: number, side: WindowSide) => {
    if (end <= start) return;
    const last = regions[regions.length - 1];
    if (
      last &&
      last.genome === genome &&
      last.contig === contig &&
      last.side === side &&
      last.end === start
    ) {
      last.end = end;
    } else {
      regions.push({ genome, contig, start, end, side });
    }
  };
  if (fraction === 0) {
    genomes.forEach((contigs, g) => {
      for (const { name, length } of contigs) push(g, name, 0, length, 'train');
    });
    return regions;
  }
  if (mode === 'tail') {
    genomes.forEach((contigs, g) => {
      for (const { name, length } of contigs) {
        const cut = contigSplit(length, fraction);
        push(g, name, ...cut.train, 'train');
        push(g, name, ...cut.validation, 'validation');
        push(g, name, ...cut.test, 'test');
      }
    });
    return regions;
  }
  const blocks: { genome: number; contig: string; start: number; end: number }[] = [];
  genomes.forEach((contigs, g) => {
    for (const { name, length } of contigs) {
      for (let s = 0; s < length; s += blockSize) {
        blocks.push({ genome: g, contig: name, start: s, end: Math.min(length, s + blockSize) });
      }
    }
  });
  const count = Math.round(fraction * blocks.length);
  if (count === 0 || 2 * count >= blocks.length) {
    throw new RangeError(
      `splitFraction ${fraction} of ${blocks.length} block(s) of ${blockSize} bases gives ${count} validation and ${count} test block(s); ` +
        'use a smaller heldOutBlockSize (or heldOutMode: "tail")',
    );
  }
  // The first `count` blocks of a seeded permutation are test, the next `count` validation.
  const side: WindowSide[] = new Array<WindowSide>(blocks.length).fill('train');
  const order = permutation(blocks.length, new Random(options.splitSeed ?? 0));
  for (let i = 0; i < 2 * count; i++) side[order[i]!] = i < count ? 'test' : 'validation';
  blocks.forEach((b, i) => push(b.genome, b.contig, b.start, b.end, side[i]!));
  return regions;
}

/** Non-overlapping tiles of `size` bases over regions; each region's last tile may be shorter. */
export function tileRegions(regions: readonly SplitRegion[], size: number): SplitRegion[] {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`tile size must be a positive integer, got ${String(size)}`);
  }
  const tiles: SplitRegion[] = [];
  for (const r of regions) {
    for (let s = r.start; s < r.end; s += size)
      tiles.push({ ...r, start: s, end: Math.min(r.end, s + size) });
  }
  return tiles;
}

/** A 53-bit string hash (cyrb53), for fingerprints. */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

interface SamplingGroup {
  /** Relative weight (only used with genomeWeights). */
  weight: number;
  regions: SplitRegion[];
  /** cumulative[i] = training starts in regions[0..i]. */
  cumulative: number[];
  total: number;
}

interface Candidate {
  region: SplitRegion;
  start: number;
}

export class GenomeWindowSampler {
  /** All regions, both sides, in genome/contig order. */
  readonly regions: readonly SplitRegion[];
  readonly windowSize: number;
  readonly seed: number;
  private readonly maxAmbiguous: number;
  private readonly rc: boolean;
  private readonly maxConsecutiveSkips: number;
  private readonly groups: SamplingGroup[];
  private readonly weighted: boolean;
  private readonly fingerprint: string;
  private rng: CountingRandom;
  private drawn = 0;
  private skipped = 0;
  /** Serializes async draws, so concurrent `next()` calls cannot interleave generator use. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly genomes: readonly Genome[],
    options: GenomeWindowOptions,
  ) {
    const {
      windowSize,
      seed,
      maxAmbiguousFraction = 0.1,
      reverseComplement: rc = false,
      maxConsecutiveSkips = 10_000,
    } = options;
    this.windowSize = windowSize;
    this.seed = seed;
    this.rc = rc;
    this.maxAmbiguous = Math.floor(maxAmbiguousFraction * windowSize + 1e-9);
    this.maxConsecutiveSkips = maxConsecutiveSkips;
    this.regions = splitRegions(
      genomes.map((g) => g.contigs),
      options,
    );
    const starts = (r: SplitRegion) => Math.max(0, r.end - r.start - windowSize + 1);
    const makeGroup = (weight: number, regions: SplitRegion[]): SamplingGroup => {
      const usable = regions.filter((r) => r.side === 'train' && starts(r) > 0);
      const cumulative: number[] = [];
      let total = 0;
      for (const r of usable) cumulative.push((total += starts(r)));
      return { weight, regions: usable, cumulative, total };
    };
    this.weighted = options.genomeWeights !== undefined;
    if (options.genomeWeights) {
      this.groups = options.genomeWeights.map((w, g) =>
        makeGroup(
          w,
          this.regions.filter((r) => r.genome === g),
        ),
      );
      const empty = this.groups.findIndex((group) => group.weight > 0 && group.total === 0);
      if (empty >= 0) this.noWindows([genomes[empty]!.path]);
    } else {
      this.groups = [makeGroup(1, [...this.regions])];
    }
    if (!options.tilesOnly && this.groups.every((g) => g.total === 0 || g.weight === 0)) {
      this.noWindows(genomes.map((g) => g.path));
    }
    this.fingerprint = hash53(
      JSON.stringify({
        windowSize,
        maxAmbiguous: this.maxAmbiguous,
        rc,
        split: [
          options.splitFraction ?? 0,
          options.heldOutMode ?? 'tail',
          options.heldOutBlockSize ?? 100_000,
        ],
        splitSeed: options.splitSeed ?? 0,
        weights: options.genomeWeights ?? null,
        genomes: genomes.map((g) => g.contigs.map((c) => `${c.name}:${c.length}`)),
      }),
    );
    this.rng = new CountingRandom(seed);
  }

  private noWindows(paths: string[]): never {
    const shown = paths.map((p) => `"${p}"`).join(', ');
    throw new LocusInputError(
      paths[0] ?? 'genomes',
      `No training window of ${this.windowSize.toLocaleString('en-US')} bases fits in ${shown} after the validation/test split`,
      'use a smaller windowSize or split fraction, or a larger genome',
    );
  }

  /** Open the genomes and compute the split. */
  static async open(options: GenomeWindowOptions): Promise<GenomeWindowSampler> {
    checkOptions(options);
    const genomes: Genome[] = [];
    try {
      for (const path of options.genomes) {
        genomes.push(await openGenome(path, { load: options.load, signal: options.signal }));
      }
      return new GenomeWindowSampler(genomes, options);
    } catch (err) {
      await Promise.all(genomes.map((g) => g.close()));
      throw err;
    }
  }

  /** True when all genomes are in memory, so `nextSync`, `takeSync` and `fetchSync` work. */
  get inMemory(): boolean {
    return this.genomes.every((g) => g.inMemory);
  }

  /** The genomes' contigs, per genome, in file order. */
  contigs(): { name: string; length: number }[][] {
    return this.genomes.map((g) => g.contigs.map((c) => ({ ...c })));
  }

  /** Regions of one side. */
  side(side: WindowSide): SplitRegion[] {
    return this.regions.filter((r) => r.side === side);
  }

  stats(): WindowSamplerStats {
    const bases = (side: WindowSide) => this.side(side).reduce((sum, r) => sum + r.end - r.start, 0);
    return {
      drawn: this.drawn,
      skipped: this.skipped,
      trainBases: bases('train'),
      validationBases: bases('validation'),
      testBases: bases('test'),
      trainStarts: this.groups.reduce((sum, g) => sum + (this.weighted && g.weight === 0 ? 0 : g.total), 0),
    };
  }

  private candidate(): Candidate {
    let group = this.groups[0]!;
    if (this.weighted) {
      const live = this.groups.filter((g) => g.weight > 0);
      const total = live.reduce((sum, g) => sum + g.weight, 0);
      let u = this.rng.nextFloat() * total;
      group = live[live.length - 1]!;
      for (const g of live) {
        if (u < g.weight) {
          group = g;
          break;
        }
        u -= g.weight;
      }
    }
    const v = uniformBelow(this.rng, group.total);
    // First region whose cumulative count exceeds v.
    let lo = 0;
    let hi = group.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (group.cumulative[mid]! > v) hi = mid;
      else lo = mid + 1;
    }
    const region = group.regions[lo]!;
    const before = lo === 0 ? 0 : group.cumulative[lo - 1]!;
    return { region, start: region.start + (v - before) };
  }

  /** Accept or reject a candidate's bases; on accept, draw the strand and count the draw. */
  private settle(candidate: Candidate, bases: string): SampledWindow | undefined {
    const ambiguous = countAmbiguous(bases);
    if (ambiguous > this.maxAmbiguous) {
      this.skipped++;
      return undefined;
    }
    const minus = this.rc && this.rng.nextFloat() < 0.5;
    const { region, start } = candidate;
    return {
      genome: this.genomes[region.genome]!.path,
      genomeIndex: region.genome,
      contig: region.contig,
      start,
      end: start + this.windowSize,
      strand: minus ? '-' : '+',
      sequence: minus ? reverseComplement(bases) : bases,
      ambiguous,
      index: this.drawn++,
    };
  }

  private tooManySkips(): never {
    const shown = this.genomes.map((g) => `"${g.path}"`).join(', ');
    throw new LocusInputError(
      this.genomes[0]?.path ?? 'genomes',
      `${this.maxConsecutiveSkips.toLocaleString('en-US')} windows in a row from ${shown} had more than the allowed fraction of non-ACGT bases`,
      'raise maxAmbiguousFraction or use a smaller windowSize',
    );
  }

  /** The next training window, read synchronously (genomes must be in memory: `load: 'memory'`). */
  nextSync(): SampledWindow {
    for (let tries = 0; tries < this.maxConsecutiveSkips; tries++) {
      const c = this.candidate();
      const g = this.genomes[c.region.genome]!;
      const window = this.settle(c, g.getSync(c.region.contig, c.start, c.start + this.windowSize));
      if (window) return window;
    }
    return this.tooManySkips();
  }

  /** The next training window. Calls are serialized, so the order is the order of the calls. */
  next(): Promise<SampledWindow> {
    const result = this.queue.then(async () => {
      for (let tries = 0; tries < this.maxConsecutiveSkips; tries++) {
        const c = this.candidate();
        const g = this.genomes[c.region.genome]!;
        const window = this.settle(c, await g.get(c.region.contig, c.start, c.start + this.windowSize));
        if (window) return window;
      }
      return this.tooManySkips();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async take(count: number): Promise<SampledWindow[]> {
    checkCount(count);
    const out: SampledWindow[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next());
    return out;
  }

  takeSync(count: number): SampledWindow[] {
    checkCount(count);
    const out: SampledWindow[] = [];
    for (let i = 0; i < count; i++) out.push(this.nextSync());
    return out;
  }

  /** Where the sampler is: store it with a checkpoint. */
  state(): WindowSamplerState {
    return {
      kind: 'genome-windows',
      version: 1,
      fingerprint: this.fingerprint,
      seed: this.seed,
      rngWords: this.rng.calls,
      drawn: this.drawn,
      skipped: this.skipped,
    };
  }

  /**
   * Continue from a saved state. The sampler must have been opened with the same options and
   * genomes; a state from another setup is refused (LocusInputError), never half-applied.
   */
  restore(state: unknown): void {
    const s = state as Partial<WindowSamplerState> | null;
    const bad = (problem: string): never => {
      throw new LocusInputError(
        'window sampler state',
        `Cannot restore the genome window sampler: ${problem}`,
        'resume with the options and genomes the run started with, or start a fresh run',
      );
    };
    if (typeof s !== 'object' || s === null || s.kind !== 'genome-windows' || s.version !== 1) {
      bad('the state is not a version-1 genome-windows state');
    }
    const counts = [s!.rngWords, s!.drawn, s!.skipped];
    if (!counts.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
      bad('rngWords, drawn and skipped must be non-negative integers');
    }
    if (s!.fingerprint !== this.fingerprint) {
      bad('it was saved with other options or genomes (window size, split, filters or contigs differ)');
    }
    if (s!.seed !== this.seed) bad(`it was saved with seed ${String(s!.seed)}, not ${this.seed}`);
    this.rng = CountingRandom.replay(this.seed, s!.rngWords!);
    this.drawn = s!.drawn!;
    this.skipped = s!.skipped!;
  }

  /**
   * Non-overlapping tiles over one side, `size` bases each (default
   * `windowSize`); every base of that side lies in exactly one tile, the last tile of each region
   * may be shorter. Deterministic: genome, contig and position order.
   */
  tiles(side: WindowSide, size = this.windowSize): WindowCoordinates[] {
    return tileRegions(this.side(side), size).map((t) => this.coordinates(t));
  }

  private coordinates(r: { genome: number; contig: string; start: number; end: number }): WindowCoordinates {
    return {
      genome: this.genomes[r.genome]!.path,
      genomeIndex: r.genome,
      contig: r.contig,
      start: r.start,
      end: r.end,
    };
  }

  /** Tiles with their bases (forward strand; no N filter: `ambiguous` says how many are not ACGT). */
  async *tileWindows(side: WindowSide, size = this.windowSize): AsyncGenerator<SampledWindow> {
    let index = 0;
    for (const tile of this.tiles(side, size)) yield { ...(await this.fetch(tile)), index: index++ };
  }

  /** The bases of any window on the forward strand. */
  async fetch(window: WindowCoordinates): Promise<SampledWindow> {
    const g = this.genome(window);
    return this.asWindow(window, await g.get(window.contig, window.start, window.end));
  }

  fetchSync(window: WindowCoordinates): SampledWindow {
    const g = this.genome(window);
    return this.asWindow(window, g.getSync(window.contig, window.start, window.end));
  }

  private genome(window: WindowCoordinates): Genome {
    const g = this.genomes[window.genomeIndex];
    if (!g) throw new RangeError(`genomeIndex ${window.genomeIndex} is not one of the sampler's genomes`);
    return g;
  }

  private asWindow(window: WindowCoordinates, sequence: string): SampledWindow {
    return {
      ...this.coordinates({ ...window, genome: window.genomeIndex }),
      strand: '+',
      sequence,
      ambiguous: countAmbiguous(sequence),
      index: 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.genomes.map((g) => g.close()));
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  }
}

function checkOptions(options: GenomeWindowOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const { genomes, windowSize, seed } = options;
  if (!Array.isArray(genomes) || genomes.length === 0 || !genomes.every((g) => typeof g === 'string')) {
    throw new TypeError('genomes must be a non-empty array of FASTA paths');
  }
  if (!Number.isSafeInteger(windowSize) || windowSize < 1) {
    throw new RangeError(`windowSize must be a positive integer, got ${String(windowSize)}`);
  }
  if (!Number.isSafeInteger(seed)) throw new TypeError(`seed must be a safe integer, got ${String(seed)}`);
  const f = options.maxAmbiguousFraction ?? 0.1;
  if (typeof f !== 'number' || !(f >= 0 && f <= 1)) {
    throw new RangeError(`maxAmbiguousFraction must be from 0 to 1, got ${String(f)}`);
  }
  const skips = options.maxConsecutiveSkips ?? 10_000;
  if (!Number.isSafeInteger(skips) || skips < 1) {
    throw new RangeError(`maxConsecutiveSkips must be a positive integer, got ${String(skips)}`);
  }
  if (options.splitSeed !== undefined && !Number.isSafeInteger(options.splitSeed)) {
    throw new TypeError(`splitSeed must be a safe integer, got ${String(options.splitSeed)}`);
  }
  const weights = options.genomeWeights;
  if (weights !== undefined) {
    if (
      !Array.isArray(weights) ||
      weights.length !== genomes.length ||
      !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0) ||
      !weights.some((w) => w > 0)
    ) {
      throw new RangeError(
        `genomeWeights must be ${genomes.length} finite non-negative numbers, at least one positive`,
      );
    }
  }
}
