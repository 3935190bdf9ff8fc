/**
 * How findable a planted set is at all: the enrichment of the planted matrix itself, at the score
 * threshold that suits it best, in the targets against the k-mer shuffle of the targets that `locus
 * motifs` compares with by default (same k, same seed) and against the set's own motif-free background.
 * What is counted is what `locus motifs` counts: sequences with a site above the threshold on short
 * sequences (as STREME does), sites (non-overlapping peaks) on long ones; the binomial of
 * pipelines/motifs/enrichment.ts tests the counts.
 *
 * The threshold is fitted on the whole set, so this is a bound from above: a discovery tool has to
 * find the matrix too, pays for the many words it tries, and tests on a held-out part. A set whose
 * planted matrix reaches only p = 1e-4 this way cannot be told from chance by any tool.
 */
import { parseMeme } from '../../pipelines/motifs/meme-format.js';
import { logOdds } from '../../pipelines/motifs/pwm.js';
import { bestThreshold, countUnits, countingFor } from '../../pipelines/motifs/refine.js';
import { baseFrequencies, readMotifSequences, type CodedSequence } from '../../pipelines/motifs/sequences.js';
import { kmerShuffle, shuffleKFor } from '../../pipelines/motifs/shuffle.js';
import type { Matrix } from '../../pipelines/motifs/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Enrichment {
  /** log10 of the binomial p-value at the best threshold. */
  log10P: number;
  /** Sequences with a site (short sequences), or sites (long ones), at that threshold. */
  targets: number;
  background: number;
}

export interface Detectability {
  againstShuffle: Enrichment;
  againstBackground: Enrichment;
}

function enrichment(
  targets: readonly CodedSequence[],
  control: readonly CodedSequence[],
  matrix: Matrix,
): Enrichment {
  const pwm = logOdds(matrix, baseFrequencies([...targets, ...control]));
  // What locus motifs counts on these sequences, every window or sequence a candidate.
  const data = { countBy: countingFor(targets) };
  const t = countUnits(data, targets, pwm, -Infinity);
  const b = countUnits(data, control, pwm, -Infinity);
  const best = bestThreshold(t.weighted, b.weighted, t.opportunities, b.opportunities);
  return { log10P: best.logP / Math.LN10, targets: best.targetSites, background: best.backgroundSites };
}

/** The planted matrix's own enrichment in the set at `dir` (targets.fa, background.fa, truth.meme). */
export async function plantedDetectability(dir: string, seed: number): Promise<Detectability> {
  const read = (file: string, role: string) => readMotifSequences(join(dir, file), { minLength: 1, role });
  const targets = await read('targets.fa', 'targets');
  const background = await read('background.fa', 'background');
  const truth = parseMeme(readFileSync(join(dir, 'truth.meme'), 'utf8'), 'truth.meme').motifs[0]!.matrix;
  return {
    againstShuffle: enrichment(targets, kmerShuffle(targets, seed, shuffleKFor(targets)), truth),
    againstBackground: enrichment(targets, background, truth),
  };
}
