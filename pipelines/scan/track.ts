/**
 * From per-bin counts to the per-bin anomaly track. Each bin gets the score of the window of
 * `windowBins` bins centred on it (clipped at contig ends), so a 5 kb island shows as a plateau on a
 * grid fine enough (500 bp) to place its edges.
 *
 * - markov: nats per base under the genome-wide chain minus nats per base under the window's own
 *   local chain (composition.ts). High = the genome's model explains the region worse than the region
 *   explains itself: DNA with another composition than the host's.
 * - reformer: nats per base under the genome-wide chain minus nats per base under the Reformer reading
 *   the region's own kilobases of context ("context gain"). The Reformer learns from the genome what
 *   is usual and, from its context, what this stretch is like: where reading the stretch's own context
 *   saves many bits over the genome-wide expectation, the stretch is unlike the genome.
 * - `gc`: the window's GC fraction, scored two-sided against the genome's usual GC.
 *
 * Raw scores are turned into z-scores against the genome's bulk with the median and the MAD, which
 * native islands and planted segments (a few % of a genome) barely move.
 */
import { localNats, WindowCounts, type BinComposition } from './composition.js';

/** Log-loss of one contig's bins under the genome's model (forward strand), from a Markov chain or the Reformer. */
export interface BinLoss {
  /** Summed nats per bin. */
  nats: Float64Array;
  /** Bases scored per bin. */
  bases: Float64Array;
}

export interface WindowScores {
  /** Raw window score per bin (NaN where the window has fewer than `minBases` A/C/G/T bases). */
  raw: Float64Array;
  /** GC fraction of each bin's window (NaN likewise). */
  gc: Float64Array;
  /** Local model nats per base of each bin's window (NaN likewise): high in intrinsically diverse DNA. */
  local: Float64Array;
}

export interface WindowOptions {
  windowBins: number;
  /** Smoothing of the local model's leave-one-out estimates. */
  alpha: number;
  /** Windows with fewer A/C/G/T bases than this are not scored. */
  minBases: number;
}

/**
 * Slide the window over the bins of one contig. `loss` is the genome-wide model's loss per bin, or
 * undefined for the GC method (raw = GC fraction); `contextual`, when given, is the Reformer's loss per
 * bin and takes the place of the window's local chain.
 */
export function windowScores(
  composition: BinComposition,
  loss: BinLoss | undefined,
  contextual: BinLoss | undefined,
  options: WindowOptions,
): WindowScores {
  const bins = composition.acgt.length;
  const raw = new Float64Array(bins).fill(NaN);
  const gc = new Float64Array(bins).fill(NaN);
  const local = new Float64Array(bins).fill(NaN);
  const counts = new WindowCounts(composition.order);
  const half = Math.floor((options.windowBins - 1) / 2);
  let lo = 0; // window holds bins [lo, hi)
  let hi = 0;
  let globalNats = 0;
  let globalBases = 0;
  let contextNats = 0;
  let contextBases = 0;
  for (let i = 0; i < bins; i++) {
    const wantLo = Math.max(0, i - half);
    const wantHi = Math.min(bins, wantLo + options.windowBins);
    for (; hi < wantHi; hi++) {
      counts.add(composition, hi, 1);
      if (loss) {
        globalNats += loss.nats[hi]!;
        globalBases += loss.bases[hi]!;
      }
      if (contextual) {
        contextNats += contextual.nats[hi]!;
        contextBases += contextual.bases[hi]!;
      }
    }
    for (; lo < wantLo; lo++) {
      counts.add(composition, lo, -1);
      if (loss) {
        globalNats -= loss.nats[lo]!;
        globalBases -= loss.bases[lo]!;
      }
      if (contextual) {
        contextNats -= contextual.nats[lo]!;
        contextBases -= contextual.bases[lo]!;
      }
    }
    if (counts.acgt < options.minBases) continue;
    gc[i] = counts.gc / counts.acgt;
    const scored = counts.scoredBases();
    const localPerBase = scored > 0 ? localNats(counts, options.alpha) / scored : NaN;
    local[i] = localPerBase;
    if (!loss) raw[i] = gc[i]!;
    else if (contextual) {
      if (globalBases > 0 && contextBases > 0) raw[i] = globalNats / globalBases - contextNats / contextBases;
    } else if (globalBases > 0 && scored > 0) raw[i] = globalNats / globalBases - localPerBase;
  }
  return { raw, gc, local };
}

/** Median and robust standard deviation (1.4826 MAD) of the finite values of several arrays. */
export function robustCentre(arrays: readonly Float64Array[]): { median: number; sd: number } {
  const values: number[] = [];
  for (const a of arrays) for (const v of a) if (Number.isFinite(v)) values.push(v);
  if (values.length === 0) return { median: NaN, sd: NaN };
  const median = quantile(values, 0.5);
  const sd =
    1.4826 *
    quantile(
      values.map((v) => Math.abs(v - median)),
      0.5,
    );
  // A constant track (e.g. a synthetic genome) has MAD 0: fall back to the plain standard deviation.
  if (sd > 0) return { median, sd };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sdPlain = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { median, sd: sdPlain > 0 ? sdPlain : 1 };
}

/** The q-quantile (0..1) of `values` by linear interpolation; sorts a copy. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** z = (v - median) / sd, or |z| with `twoSided` (GC: both GC-rich and AT-rich DNA are unusual). */
export function toZ(
  raw: Float64Array,
  centre: { median: number; sd: number },
  twoSided: boolean,
): Float64Array {
  return raw.map((v) => {
    const z = (v - centre.median) / centre.sd;
    return twoSided ? Math.abs(z) : z;
  });
}
