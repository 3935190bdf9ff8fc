/**
 * INFO/LLR of `locus variants --model` on the lambda sample with the shipped masked LM: each batched
 * LLR against a pass computed here from scratch (full logits, the alt k-mer built by hand), one
 * forward pass per window rather than per variant, the VCF that bcftools reads, and the models that
 * must be refused.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callChunk } from '../../pipelines/variants/call-chunk.js';
import { openInputs, type OpenedInputs } from '../../pipelines/variants/inputs.js';
import {
  closeLlrModel,
  expectedPasses,
  loadLlrModel,
  scoreVariants,
  startLlrThreads,
  type LlrModel,
} from '../../pipelines/variants/llr.js';
import type { VariantCall } from '../../pipelines/variants/types.js';
import { VARIANT_DEFAULTS } from '../../pipelines/variants/variants.js';
import { LocusInputError } from '../../src/errors.js';
import { CLS_ID, MASK_ID, SEP_ID } from '../../src/tokenize/vocab.js';
import { EVALUATION_STEP_BASE } from '../../src/train/evaluate.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const BAM = join(SAMPLES, 'lambda.bam');
const REF = join(SAMPLES, 'lambda.fa');
const MODEL = join(SAMPLES, 'model');

function locus(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** The lambda genome, uppercase (one contig). */
const genome = readFileSync(REF, 'utf8').split('\n').slice(1).join('').toUpperCase();

/** The reference with the call's REF replaced by its ALT. */
function haplotype(call: VariantCall): string {
  const { pos, ref, alt } = call.candidate;
  return genome.slice(0, pos) + alt + genome.slice(pos + ref.length);
}

/** First base where the alt haplotype differs from the reference, by comparing them base by base. */
function firstDifference(call: VariantCall): number {
  const alt = haplotype(call);
  let i = call.candidate.pos;
  while (alt[i] === genome[i]) i++;
  return i;
}

/**
 * ln P(alt) - ln P(ref) per call from one pass over its 3,000-base window with `masked` token slots
 * masked, written without the code under test: all logits through the model's own predict(), and the
 * alt k-mer cut from the whole alt haplotype.
 */
function referenceLlrs(scorer: LlrModel, calls: readonly VariantCall[], masked: readonly number[]) {
  const { k } = scorer.tokenizer;
  const window = Math.floor(firstDifference(calls[0]!) / 3000) * 3000;
  const { ids } = scorer.tokenizer.tokenize(genome.slice(window, window + 3000));
  const input = Int32Array.from([CLS_ID, ...ids, SEP_ID]);
  for (const slot of masked) input[slot + 1] = MASK_ID;
  const V = scorer.model.config.vocabSize;
  const logits = scorer.model.predict({ ids: input }, { step: EVALUATION_STEP_BASE }); // (T, V)
  const normalized = tf.logSoftmax(logits);
  // Read outside tf.tidy, which walks a returned typed array element by element.
  const logp = normalized.dataSync();
  tf.dispose([logits, normalized]);
  return calls.map((call) => {
    const slot = Math.floor((firstDifference(call) - window) / k);
    const start = window + slot * k;
    const refId = scorer.tokenizer.vocab.tokenToId(genome.slice(start, start + k));
    const altId = scorer.tokenizer.vocab.tokenToId(haplotype(call).slice(start, start + k));
    return logp[(slot + 1) * V + altId]! - logp[(slot + 1) * V + refId]!;
  });
}

/**
 * The LLRs of `calls` from `model` read on this thread and on two worker threads (wasm both times):
 * the threads must give the same numbers in the same number of passes.
 */
async function expectSameOnTwoThreads(
  model: string,
  calls: VariantCall[],
  reference: OpenedInputs['reference'],
) {
  const single = await loadLlrModel(model, 'wasm');
  const pooled = await loadLlrModel(model, 'wasm');
  try {
    await startLlrThreads(pooled, 2);
    expect(pooled.pool?.size).toBe(2);
    const alone = await scoreVariants(calls, reference, single);
    const split = await scoreVariants(calls, reference, pooled);
    expect([split.passes, split.windows, split.basesRead]).toEqual([
      alone.passes,
      alone.windows,
      alone.basesRead,
    ]);
    expect(split.llr.filter((x) => x !== undefined).length).toBe(
      alone.llr.filter((x) => x !== undefined).length,
    );
    split.llr.forEach((x, i) => expect(x).toBeCloseTo(alone.llr[i]!, 5));
  } finally {
    await Promise.all([closeLlrModel(single), closeLlrModel(pooled)]);
  }
}

/** The lambda sample's haploid calls over the whole contig, and the inputs they were called from. */
async function lambdaCalls(): Promise<{ inputs: OpenedInputs; calls: VariantCall[] }> {
  const inputs = await openInputs([BAM], REF);
  const length = inputs.reference.lengths().get('lambda')!;
  const calls = await callChunk(
    { contig: 'lambda', start: 0, end: length },
    { reference: inputs.reference, bams: inputs.bams, contigLength: length },
    { ...VARIANT_DEFAULTS, ploidy: 1 },
  );
  return { inputs, calls };
}

describe('INFO/LLR from the shipped masked LM', () => {
  let inputs: OpenedInputs;
  let scorer: LlrModel;
  let calls: VariantCall[];

  beforeAll(async () => {
    ({ inputs, calls } = await lambdaCalls());
    scorer = await loadLlrModel(MODEL);
  });

  afterAll(async () => {
    if (scorer) await closeLlrModel(scorer);
    await Promise.all([inputs?.reference.close(), ...(inputs?.bams ?? []).map((b) => b.close())]);
  });

  it('reads 3,000-base windows of 500 non-overlapping 6-mers from the shipped model', () => {
    expect(scorer.windowBases).toBe(3000);
    expect([scorer.tokenizer.k, scorer.tokenizer.stride, scorer.special]).toEqual([6, 6, 1]);
    expect(calls.length).toBe(57);
  });

  it('gives each variant the LLR of its own masked pass (where the window masks only its token), and of its row of the shared pass otherwise', async () => {
    const { llr } = await scoreVariants(calls, inputs.reference, scorer);
    expect(llr.every((x) => x !== undefined && Number.isFinite(x))).toBe(true);
    // Group the calls by window and token slot, from the first differing base worked out here.
    const windows = new Map<number, Map<number, number[]>>();
    calls.forEach((call, i) => {
      const at = firstDifference(call);
      const slots = windows.get(Math.floor(at / 3000)) ?? new Map<number, number[]>();
      windows.set(Math.floor(at / 3000), slots);
      const slot = Math.floor((at % 3000) / 6);
      slots.set(slot, [...(slots.get(slot) ?? []), i]);
    });
    let alone = 0;
    let shared = 0;
    for (const slots of windows.values()) {
      const masked = [...slots.keys()];
      const members = [...slots.values()].flat();
      const expected = referenceLlrs(
        scorer,
        members.map((i) => calls[i]!),
        masked,
      );
      // One variant token in the window: this is the variant's own single-mask pass, so batching
      // changes nothing. With several, the model sees the other masks too (a variant's own pass then
      // differs, by up to ~0.05 nats with this model); each call must still read its own row.
      if (masked.length === 1) alone += members.length;
      else shared += members.length;
      members.forEach((i, j) => expect(llr[i]).toBeCloseTo(expected[j]!, 4));
    }
    // Guard: both cases were compared, and two SNVs 5 bases apart share one token's mask.
    expect(alone).toBeGreaterThanOrEqual(2);
    expect(shared).toBeGreaterThan(40);
    expect([...windows.values()].some((slots) => [...slots.values()].some((m) => m.length > 1))).toBe(true);
  });

  it('scores an indel at the first base where its haplotype differs, so a repeat does not hide it', async () => {
    const indels = calls.filter((c) => c.candidate.kind !== 'snv');
    expect(indels.length).toBe(13);
    const { llr } = await scoreVariants(indels, inputs.reference, scorer);
    // One indel per pass: each equals its own single-mask pass computed from the whole haplotype.
    for (const [i, call] of indels.entries()) {
      const slot = Math.floor((firstDifference(call) % 3000) / 6);
      const alone = await scoreVariants([call], inputs.reference, scorer);
      expect(alone.llr[0]).toBeCloseTo(referenceLlrs(scorer, [call], [slot])[0]!, 4);
      expect(llr[i]).not.toBe(0);
    }
  });

  it('runs one forward pass per window that holds variants, not one per variant, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const scoring = await scoreVariants(calls, inputs.reference, scorer);
    expect(tf.memory().numTensors).toBe(before);
    const windows = new Set(calls.map((c) => Math.floor(firstDifference(c) / 3000)));
    expect(windows.size).toBe(16);
    expect(scoring.windows).toBe(windows.size);
    expect(scoring.passes).toBe(windows.size);
    expect(expectedPasses(calls, scorer)).toBe(scoring.passes);
    expect(scoring.passes).toBeLessThan(calls.length);
    // At most one pass over the contig: each window read once, the last one cut at the contig's end.
    const length = inputs.reference.lengths().get(calls[0]!.contig)!;
    const readEach = [...windows].map((w) => Math.min(3000, length - w * 3000));
    expect(scoring.basesRead).toBe(readEach.reduce((a, b) => a + b, 0));
    expect(scoring.basesRead).toBeLessThanOrEqual(length);
  });

  it('gives the same LLRs when its windows are read on two threads', async () => {
    await expectSameOnTwoThreads(MODEL, calls, inputs.reference);
  });

  it('refuses a causal model of k-mers and a folder that is not a checkpoint, naming the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-llr-'));
    const causal = join(dir, 'causal');
    cpSync(MODEL, causal, { recursive: true });
    const config = JSON.parse(readFileSync(join(causal, 'config.json'), 'utf8'));
    config.model.causal = true;
    config.task.objective = 'causal';
    config.task.addSpecialTokens = false;
    writeFileSync(join(causal, 'config.json'), JSON.stringify(config, null, 2));
    await expect(loadLlrModel(causal)).rejects.toThrow(LocusInputError);
    await expect(loadLlrModel(causal)).rejects.toThrow(/causal model of 6-mers.*needs single-base tokens/);
    await expect(loadLlrModel(join(dir, 'nowhere'))).rejects.toThrow(/does not exist/);
    await expect(loadLlrModel(dir)).rejects.toThrow(/has no config\.json/);
  });
});

describe.skipIf(!existsSync(BIN) || !hasTool('bcftools'))('locus variants --model', () => {
  it('writes INFO/LLR on every SNV, declared in the header, that bcftools reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-llr-'));
    const out = join(dir, 'scored.vcf.gz');
    const result = locus([
      'variants',
      BAM,
      '--ref',
      REF,
      '--ploidy',
      '1',
      '--model',
      MODEL,
      '-o',
      out,
      '--json',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.llr).toMatchObject({ scored: 57, windows: 16, passes: 16 });
    expect(summary.llr.basesRead).toBeLessThanOrEqual(48_502); // lambda, read at most once
    const header = run('bcftools', ['view', '-h', out]);
    expect(header.status, header.stderr).toBe(0);
    expect(header.stdout).toContain('##INFO=<ID=LLR,Number=A,Type=Float,');
    const rows = run('bcftools', ['query', '-i', 'TYPE="snp"', '-f', '%POS\t%LLR\n', out]);
    expect(rows.status, rows.stderr).toBe(0);
    const values = rows.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[1]!);
    expect(values.length).toBe(44);
    expect(values.every((v) => v !== '.' && Number.isFinite(Number(v)))).toBe(true);

    // Without --model: no LLR anywhere.
    const plain = join(dir, 'plain.vcf.gz');
    expect(locus(['variants', BAM, '--ref', REF, '--ploidy', '1', '-o', plain, '--quiet']).status).toBe(0);
    expect(run('bcftools', ['view', '-h', plain]).stdout).not.toContain('ID=LLR');
  });

  it('refuses a causal model of k-mers with one line that names the folder and the fix, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-llr-'));
    const causal = join(dir, 'causal-model');
    cpSync(MODEL, causal, { recursive: true });
    const config = JSON.parse(readFileSync(join(causal, 'config.json'), 'utf8'));
    config.model.causal = true;
    config.task.objective = 'causal';
    writeFileSync(join(causal, 'config.json'), JSON.stringify(config, null, 2));
    const out = join(dir, 'x.vcf.gz');
    const result = locus(['variants', BAM, '--ref', REF, '--model', causal, '-o', out]);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(causal);
    expect(result.stderr).toContain('-k 1 --stride 1');
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * The shipped bacterial masked LM (ecoli-mlm: single bases, 8,000-base windows), the model the docs
 * give for scoring calls: every lambda allele scored, reading the contig at most once.
 */
describe('INFO/LLR from the shipped bacterial masked LM', () => {
  let inputs: OpenedInputs;
  let scorer: LlrModel;
  let calls: VariantCall[];

  beforeAll(async () => {
    ({ inputs, calls } = await lambdaCalls());
    scorer = await loadLlrModel('ecoli-mlm');
  });

  afterAll(async () => {
    if (scorer) await closeLlrModel(scorer);
    await Promise.all([inputs?.reference.close(), ...(inputs?.bams ?? []).map((b) => b.close())]);
  });

  it('scores every allele in one pass per 8 kb window that holds alleles, reading lambda at most once', async () => {
    expect(scorer.objective).toBe('mlm');
    expect(scorer.windowBases).toBe(8000);
    expect([scorer.tokenizer.k, scorer.tokenizer.stride]).toEqual([1, 1]);
    const scoring = await scoreVariants(calls, inputs.reference, scorer);
    const windows = new Set(calls.map((c) => Math.floor(firstDifference(c) / 8000)));
    expect(scoring.passes).toBe(windows.size);
    expect(scoring.passes).toBeLessThanOrEqual(Math.ceil(48_502 / 8000));
    expect(scoring.basesRead).toBeLessThanOrEqual(48_502);
    expect(scoring.llr.every((x) => x !== undefined && Number.isFinite(x))).toBe(true);
    // A model that has learnt something does not give every change the same odds.
    expect(new Set(scoring.llr.map((x) => x!.toFixed(3))).size).toBeGreaterThan(10);
  });
});

/**
 * The shipped causal model (ecoli-causal: single bases, 10,000-base context) on three lambda alleles
 * that share their windows (an SNV, an insertion and a deletion within 1 kb), checked against passes
 * written here from the model's own predict(): forward strand from the left, reverse complement from
 * the right.
 */
describe('INFO/LLR from the shipped causal model', () => {
  let inputs: OpenedInputs;
  let scorer: LlrModel;
  let chosen: VariantCall[];

  beforeAll(async () => {
    let calls: VariantCall[];
    ({ inputs, calls } = await lambdaCalls());
    // SNVs, insertions and deletions inside [30,000, 35,000): one forward and one reverse window.
    chosen = calls.filter((c) => c.candidate.pos >= 30_000 && c.candidate.pos < 34_990);
    scorer = await loadLlrModel('ecoli-causal');
  });

  afterAll(async () => {
    if (scorer) await closeLlrModel(scorer);
    await Promise.all([inputs?.reference.close(), ...(inputs?.bams ?? []).map((b) => b.close())]);
  });

  /** ln P(each base | the bases before it) over `sequence`, from one predict(): (T, V) row-major. */
  function nextBaseTable(sequence: string): (index: number, base: string) => number {
    const { ids } = scorer.tokenizer.tokenize(sequence);
    const logits = scorer.model.predict({ ids }, { step: EVALUATION_STEP_BASE }); // (T, V)
    const normalized = tf.logSoftmax(logits);
    const V = scorer.model.config.vocabSize;
    // Read outside tf.tidy, which walks a returned typed array element by element.
    const logp = normalized.dataSync();
    tf.dispose([logits, normalized]);
    // Output row t predicts token t + 1.
    return (index, base) => logp[(index - 1) * V + scorer.tokenizer.vocab.tokenToId(base)]!;
  }

  const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
  const revcomp = (s: string) =>
    [...s]
      .reverse()
      .map((b) => COMPLEMENT[b]!)
      .join('');

  it('averages the forward and reverse next-base LLRs, each from at least half a window of context', async () => {
    expect(scorer.objective).toBe('causal');
    expect(scorer.windowBases).toBe(10_000);
    const kinds = new Set(chosen.map((c) => c.candidate.kind));
    expect(kinds).toEqual(new Set(['snv', 'ins', 'del']));
    const scoring = await scoreVariants(chosen, inputs.reference, scorer);
    // Forward: window [25,000, 35,000) (the alleles lie in its second half); reverse: [30,000, 40,000).
    expect(scoring.passes).toBe(2);
    expect(scoring.basesRead).toBe(20_000);
    const forward = nextBaseTable(genome.slice(25_000, 35_000));
    const reverse = nextBaseTable(revcomp(genome.slice(30_000, 40_000)));
    chosen.forEach((call, i) => {
      // From the left: the first base where the haplotypes differ (worked out base by base here).
      const f = firstDifference(call);
      const fwd = forward(f - 25_000, haplotype(call)[f]!) - forward(f - 25_000, genome[f]!);
      // From the right: the last base where they differ, aligned from the contig end.
      const alt = haplotype(call);
      let r = genome.length - 1;
      while (genome[r] === alt[r - (genome.length - alt.length)]) r--;
      const altBase = alt[r - (genome.length - alt.length)]!;
      const at = 39_999 - r; // index in the reverse-complemented window
      const rev = reverse(at, COMPLEMENT[altBase]!) - reverse(at, COMPLEMENT[genome[r]!]!);
      expect(scoring.llr[i]).toBeCloseTo((fwd + rev) / 2, 4);
    });
  });

  it('gives an allele the same LLR alone as among others: it depends on the reference only', async () => {
    const together = await scoreVariants(chosen, inputs.reference, scorer);
    const alone = await scoreVariants([chosen[1]!], inputs.reference, scorer);
    expect(alone.llr[0]).toBe(together.llr[1]);
  });

  it('gives the same LLRs when its windows are read on two threads', async () => {
    await expectSameOnTwoThreads('ecoli-causal', chosen, inputs.reference);
  });
});
