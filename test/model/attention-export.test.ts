/**
 * Attention export: the exported weights are the model's attention (they sum to 1, reproduce the
 * head outputs of `attend`, equal full attention where LSH is exact, respect causality), map to the
 * genome, and `locus attention` writes them as JSON and TSV with clear errors for bad input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { attend, type AttentionPlan } from '../../src/model/attention.js';
import {
  attentionToGenome,
  exportAttention,
  type AttentionExport,
  type HeadAttention,
} from '../../src/model/attention-export.js';
import { selectBackend, type Tf } from '../../src/model/backend.js';
import { resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { fullMask } from '../../src/model/lsh.js';
import { saveModel } from '../../src/model/model-io.js';
import { Reformer, type SequenceInput } from '../../src/model/reformer.js';
import { KmerTokenizer, tokenizeWindow } from '../../src/tokenize/index.js';
import { captureStdout } from '../helpers/capture.js';
import { SAMPLES, seededRandom } from '../helpers/paths.js';
import { TINY_CONFIG } from '../helpers/model.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const BASE: Partial<ReformerConfig> = { ...TINY_CONFIG, rounds: 3, maxLength: 256, seed: 3 };

function makeModel(partial: Partial<ReformerConfig>, params?: Reformer['params']): Reformer {
  return new Reformer(tf, resolveConfig({ ...BASE, ...partial }), { kind: 'lm' }, params);
}

function randomIds(T: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  return Int32Array.from({ length: T }, () => 5 + Math.floor(random() * 64));
}

/** Keys and weights of one query as a dense row over T tokens. */
function denseRow(entry: HeadAttention, i: number, topK: number, T: number): Float64Array {
  const row = new Float64Array(T);
  for (let j = i * topK; j < (i + 1) * topK; j++) {
    const key = entry.keys[j]!;
    if (key >= 0) row[key] = entry.weights[j]!;
  }
  return row;
}

/** The attention input (y2) of every layer and its plan, as `Reformer.encodeHalves` computes them. */
function layerInputs(model: Reformer, input: SequenceInput): { inputs: TF.Tensor[]; plans: AttentionPlan[] } {
  const get = (n: string) => model.param(n);
  let y1 = tf.tidy(() => model.embed(input.ids, model.embeddingWeights(get), 0, false));
  let y2 = tf.clone(y1);
  const inputs: TF.Tensor[] = [];
  const plans: AttentionPlan[] = [];
  for (let l = 0; l < model.config.depth; l++) {
    const plan = model.plan(y2, l, 0, input.valid);
    plans.push(plan);
    inputs.push(tf.clone(y2));
    const next1 = tf.tidy(() => tf.add(y1, model.attentionBranch(y2, l, plan, false, get)));
    const next2 = tf.tidy(() => tf.add(y2, model.feedForwardBranch(next1, l, 0, false, get)));
    tf.dispose([y1, y2]);
    y1 = next1;
    y2 = next2;
  }
  tf.dispose([y1, y2]);
  return { inputs, plans };
}

function checkSorted(exported: AttentionExport): void {
  const { topK } = exported;
  for (const entry of exported.layers) {
    for (let i = 0; i < entry.queries.length; i++) {
      const seen = new Set<number>();
      let previous = Infinity;
      let ended = false;
      for (let j = i * topK; j < (i + 1) * topK; j++) {
        const key = entry.keys[j]!;
        if (key < 0) {
          ended = true;
          expect(entry.weights[j]).toBe(0);
          continue;
        }
        expect(ended).toBe(false); // -1 only after the real keys
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(entry.weights[j]!).toBeGreaterThan(0);
        expect(entry.weights[j]!).toBeLessThanOrEqual(previous);
        previous = entry.weights[j]!;
      }
    }
  }
}

describe('exportAttention', () => {
  for (const attention of [
    ['lsh', 'local'],
    ['full', 'full'],
  ] as const) {
    for (const causal of [false, true]) {
      it(`weights sum to 1 per query over all keys (${attention.join(' then ')}, causal ${causal})`, () => {
        const model = makeModel({ attention: [...attention], causal, nBuckets: 4 });
        const T = 70; // not a multiple of the chunk: internal padding
        const topK = 2 * model.config.chunk * model.config.rounds;
        const before = tf.memory().numTensors;
        const exported = exportAttention(
          model,
          { ids: randomIds(T, 1) },
          { topK: attention[0] === 'full' ? T : topK },
        );
        expect(tf.memory().numTensors).toBe(before);
        expect(exported.layers.map((e) => [e.layer, e.head, e.kind])).toEqual(
          attention[0] === 'full'
            ? [
                [0, 0, 'full'],
                [0, 1, 'full'],
                [1, 0, 'full'],
                [1, 1, 'full'],
              ]
            : [
                [0, 0, 'lsh'],
                [0, 1, 'lsh'],
                [1, 0, 'local'],
                [1, 1, 'local'],
              ],
        );
        checkSorted(exported);
        for (const entry of exported.layers) {
          expect(Array.from(entry.queries)).toEqual(Array.from({ length: T }, (_, i) => i));
          for (let i = 0; i < T; i++) {
            const row = denseRow(entry, i, exported.topK, T);
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
            if (causal) {
              // No weight on the future.
              for (let k = i + 1; k < T; k++) expect(row[k]).toBe(0);
            }
          }
        }
        model.dispose();
      });
    }
  }

  it('shows one hash round alone (its softmax sums to 1) or the strongest round per key', () => {
    const model = makeModel({ attention: ['lsh', 'lsh'], nBuckets: 4 });
    const T = 70;
    const R = model.config.rounds;
    const topK = 2 * model.config.chunk * R;
    const ids = randomIds(T, 5);
    const rows = (rounds: 'max' | number) =>
      exportAttention(model, { ids }, { topK, layers: [1], heads: [0], rounds }).layers[0]!;
    const perRound = Array.from({ length: R }, (_, r) => rows(r));
    const max = rows('max');
    for (let i = 0; i < T; i++) {
      const single = perRound.map((entry) => denseRow(entry, i, topK, T));
      for (const row of single) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const strongest = denseRow(max, i, topK, T);
      for (let k = 0; k < T; k++) {
        expect(strongest[k]).toBeCloseTo(Math.max(...single.map((row) => row[k]!)), 6);
      }
    }
    expect(() => rows(R)).toThrow(/round 3 is out of range: layer 1 hashes 3 rounds/);
    model.dispose();
  });

  it('padding tokens (valid = 0) get no weight, and real queries still sum to 1', () => {
    const model = makeModel({ attention: ['lsh', 'local'], nBuckets: 4 });
    const T = 60;
    const valid = Uint8Array.from({ length: T }, (_, i) => (i < 50 ? 1 : 0));
    const exported = exportAttention(model, { ids: randomIds(T, 2), valid }, { topK: 48 });
    for (const entry of exported.layers) {
      for (let i = 0; i < 50; i++) {
        const row = denseRow(entry, i, 48, T);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        for (let k = 50; k < T; k++) expect(row[k]).toBe(0);
      }
    }
    model.dispose();
  });

  for (const causal of [false, true]) {
    it(`merged LSH weights equal full attention's softmax when nBuckets = 2 and chunk = L/2 (causal ${causal})`, () => {
      const L = 32;
      // Cross-bucket attention on: with nBuckets = 2 and two chunks, every query then sees every key.
      const lsh = makeModel({
        attention: 'lsh',
        chunk: L / 2,
        nBuckets: 2,
        rounds: 3,
        causal,
        attendAcrossBuckets: true,
      });
      const full = makeModel({ attention: 'full', chunk: L / 2, causal }, lsh.params);
      const input = { ids: randomIds(L, 3) };
      const a = exportAttention(lsh, input, { topK: L, fullFallback: false });
      const b = exportAttention(full, input, { topK: L });
      expect(a.layers.map((e) => e.kind)).toEqual(['lsh', 'lsh', 'lsh', 'lsh']);
      expect(b.layers.map((e) => e.kind)).toEqual(['full', 'full', 'full', 'full']);
      let compared = 0;
      for (const [e, entry] of a.layers.entries()) {
        for (let i = 0; i < L; i++) {
          const x = denseRow(entry, i, L, L);
          const y = denseRow(b.layers[e]!, i, L, L);
          for (let k = 0; k < L; k++) expect(Math.abs(x[k]! - y[k]!)).toBeLessThan(1e-5);
          compared++;
        }
      }
      expect(compared).toBe(4 * L);

      // And the full weights are tf's softmax of the masked shared-QK logits (layer 0: input = embedding).
      const { inputs } = layerInputs(full, input);
      const { dHead } = full.config;
      for (let h = 0; h < full.config.heads; h++) {
        const probs = tf.tidy(() => {
          const normed = full.ops.layerNorm(
            inputs[0]!,
            full.param('layers.0.attn.norm.gain'),
            full.param('layers.0.attn.norm.bias'),
          );
          const qk = tf
            .matMul(normed as TF.Tensor2D, full.param('layers.0.attn.wqk') as TF.Tensor2D)
            .slice([0, h * dHead], [L, dHead]);
          const keys = tf.mul(qk, tf.rsqrt(tf.add(tf.sum(tf.square(qk), -1, true), 1e-6)));
          const dots = tf.add(tf.matMul(qk, keys, false, true), tf.tensor2d(fullMask(L, causal), [L, L]));
          return tf.softmax(dots).dataSync();
        });
        for (let i = 0; i < L; i++) {
          const row = denseRow(b.layers[h]!, i, L, L);
          for (let k = 0; k < L; k++) expect(Math.abs(row[k]! - probs[i * L + k]!)).toBeLessThan(1e-5);
        }
      }
      tf.dispose(inputs);
      lsh.dispose();
    });
  }

  for (const [name, partial, valid] of [
    ['lsh, 3 rounds', { attention: 'lsh', nBuckets: 4 }, false],
    [
      'lsh, causal (same-bucket predecessors), with padding',
      { attention: 'lsh', nBuckets: 4, causal: true },
      true,
    ],
    [
      'lsh, causal, across buckets',
      { attention: 'lsh', nBuckets: 4, causal: true, attendAcrossBuckets: true },
      false,
    ],
    ['lsh, same bucket only', { attention: 'lsh', nBuckets: 4, attendAcrossBuckets: false }, true],
    ['local then full', { attention: ['local', 'full'] }, false],
    ['local, causal, with padding', { attention: 'local', causal: true }, true],
  ] as [string, Partial<ReformerConfig>, boolean][]) {
    it(`sum_k w(q,k) v_k reproduces attend's per-head output (${name})`, () => {
      const model = makeModel(partial);
      const T = 45;
      const input: SequenceInput = {
        ids: randomIds(T, 4),
        valid: valid ? Uint8Array.from({ length: T }, (_, i) => (i < 40 ? 1 : 0)) : undefined,
      };
      const { inputs, plans } = layerInputs(model, input);
      const exported = exportAttention(model, input, { topK: T, plans });
      const again = exportAttention(model, input, { topK: T }); // the model's own plans: the same
      expect(again.layers.map((e) => Array.from(e.keys))).toEqual(
        exported.layers.map((e) => Array.from(e.keys)),
      );
      const { heads, dHead, depth } = model.config;
      const inner = heads * dHead;
      const realQueries = valid ? 40 : T;
      for (let l = 0; l < depth; l++) {
        const [values, outputs] = tf.tidy(() => {
          const p = `layers.${l}.attn`;
          const normed = model.ops.layerNorm(
            inputs[l]!,
            model.param(`${p}.norm.gain`),
            model.param(`${p}.norm.bias`),
          );
          const weights = { wqk: model.param(`${p}.wqk`), wv: model.param(`${p}.wv`), wo: tf.eye(inner) };
          const v = tf.matMul(normed as TF.Tensor2D, weights.wv as TF.Tensor2D);
          return [
            v.dataSync(),
            attend(model.ops, normed, weights, model.config, plans[l]!, false).dataSync(),
          ];
        });
        for (let h = 0; h < heads; h++) {
          const entry = exported.layers[l * heads + h]!;
          expect([entry.layer, entry.head]).toEqual([l, h]);
          for (let q = 0; q < realQueries; q++) {
            const row = denseRow(entry, q, T, T);
            for (let c = 0; c < dHead; c++) {
              let sum = 0;
              for (let k = 0; k < T; k++) sum += row[k]! * values[k * inner + h * dHead + c]!;
              expect(Math.abs(sum - outputs[q * inner + h * dHead + c]!)).toBeLessThan(1e-5);
            }
          }
        }
      }
      tf.dispose(inputs);
      model.dispose();
    });
  }

  it('selects layers, heads and queries, and keeps the top k of the full rows', () => {
    const model = makeModel({ attention: 'lsh', nBuckets: 4, depth: 3 });
    const T = 50;
    const input = { ids: randomIds(T, 5) };
    const all = exportAttention(model, input, { topK: 48 });
    const some = exportAttention(model, input, { topK: 3, layers: [2, 1], heads: [1], queries: [7, 0, 49] });
    expect(some.layers.map((e) => [e.layer, e.head])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    for (const entry of some.layers) {
      const whole = all.layers.find((e) => e.layer === entry.layer && e.head === entry.head)!;
      expect(Array.from(entry.queries)).toEqual([7, 0, 49]);
      [7, 0, 49].forEach((q, i) => {
        expect(Array.from(entry.keys.subarray(i * 3, i * 3 + 3))).toEqual(
          Array.from(whole.keys.subarray(q * 48, q * 48 + 3)),
        );
        expect(Array.from(entry.weights.subarray(i * 3, i * 3 + 3))).toEqual(
          Array.from(whole.weights.subarray(q * 48, q * 48 + 3)),
        );
      });
    }
    expect(() => exportAttention(model, input, { topK: 0 })).toThrow(RangeError);
    expect(() => exportAttention(model, input, { topK: 2, layers: [3] })).toThrow(/layer 3 is out of range/);
    expect(() => exportAttention(model, input, { topK: 2, heads: [-1] })).toThrow(/head -1/);
    expect(() => exportAttention(model, input, { topK: 2, queries: [50] })).toThrow(/query 50/);
    model.dispose();
  });

  it('maps tokens to genome intervals', () => {
    const model = makeModel({ attention: 'lsh', nBuckets: 4, depth: 1 });
    const tokenizer = new KmerTokenizer({ k: 3, stride: 3 });
    const random = seededRandom(6);
    const sequence = Array.from({ length: 91 }, () => 'ACGT'[Math.floor(random() * 4)]).join('');
    const window = { contig: 'chrT', start: 1000, end: 1091 };
    const tokenized = tokenizeWindow(tokenizer, window, sequence);
    expect(tokenized.ids.length).toBe(30);
    const exported = exportAttention(
      model,
      { ids: tokenized.ids },
      { topK: 4, heads: [0], queries: [0, 29] },
    );
    const genome = attentionToGenome(exported, tokenized);
    expect(genome.contig).toBe('chrT');
    const entry = genome.layers[0]!;
    expect(Array.from(entry.queryStarts)).toEqual([1000, 1087]);
    expect(Array.from(entry.queryEnds)).toEqual([1003, 1090]);
    const keys = exported.layers[0]!.keys;
    keys.forEach((key, j) => {
      expect(entry.keyStarts[j]).toBe(key < 0 ? -1 : 1000 + 3 * key);
      expect(entry.keyEnds[j]).toBe(key < 0 ? -1 : 1003 + 3 * key);
    });
    expect(() => attentionToGenome({ ...exported, length: 29 }, tokenized)).toThrow(RangeError);
    model.dispose();
  });
});

describe('locus attention', () => {
  const REF = join(SAMPLES, 'lambda.fa');
  let dir: string;
  let ckpt: string;
  const inProcess = (...args: string[]) => captureStdout(() => main(['node', 'locus', ...args]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locus-attention-'));
    ckpt = join(dir, 'ckpt');
    const model = makeModel({
      attention: ['lsh', 'local'],
      nBuckets: 'auto',
      maxLength: 128,
      chunk: 16,
      rounds: 2,
    });
    await saveModel(ckpt, model, { tokenizer: new KmerTokenizer({ k: 3, stride: 3 }).toConfig() });
    await saveModel(join(dir, 'no-tokenizer'), model);
    model.dispose();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON with genome intervals, and TSV with the same rows', async () => {
    const json = await inProcess(
      'attention',
      ckpt,
      REF,
      '--region',
      'lambda:101-400',
      '--json',
      '--backend',
      'wasm',
    );
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      region: string;
      contig: string;
      k: number;
      stride: number;
      layers: {
        layer: number;
        head: number;
        kind: string;
        queries: { start: number; end: number; keys: { start: number; end: number; weight: number }[] }[];
      }[];
    };
    expect(report).toMatchObject({ region: 'lambda:101-400', contig: 'lambda', k: 3, stride: 3 });
    expect(report.layers.map((e) => [e.layer, e.head, e.kind])).toEqual([
      [0, 0, 'lsh'],
      [0, 1, 'lsh'],
      [1, 0, 'local'],
      [1, 1, 'local'],
    ]);
    const tsvRows: string[] = [];
    for (const entry of report.layers) {
      expect(entry.queries).toHaveLength(100);
      entry.queries.forEach((q, i) => {
        expect([q.start, q.end]).toEqual([100 + 3 * i, 103 + 3 * i]);
        expect(q.keys).toHaveLength(8);
        const total = q.keys.reduce((s, key) => s + key.weight, 0);
        expect(total).toBeLessThanOrEqual(1 + 1e-4);
        for (const key of q.keys) {
          expect(key.end - key.start).toBe(3);
          expect((key.start - 100) % 3).toBe(0);
          expect(key.start).toBeGreaterThanOrEqual(100);
          expect(key.end).toBeLessThanOrEqual(400);
          tsvRows.push([entry.layer, entry.head, q.start, q.end, key.start, key.end, key.weight].join('\t'));
        }
      });
    }
    const tsv = await inProcess('attention', ckpt, REF, '--region', 'lambda:101-400', '--backend', 'wasm');
    expect(tsv.code).toBe(0);
    const lines = tsv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('#layer\thead\tquery_start\tquery_end\tkey_start\tkey_end\tweight');
    expect(lines.slice(1)).toEqual(tsvRows);
  });

  it('exports the chosen layers and heads with --top-k, to a file', async () => {
    const out = join(dir, 'out.tsv');
    const { code, stdout } = await inProcess(
      'attention',
      ckpt,
      REF,
      '--region',
      'lambda:1-60',
      '--layer',
      '1',
      '--head',
      '0,1',
      '--top-k',
      '2',
      '--tsv',
      '-o',
      out,
      '--backend',
      'wasm',
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').slice(1);
    expect(lines).toHaveLength(2 * 20 * 2);
    expect(new Set(lines.map((l) => l.split('\t').slice(0, 2).join(',')))).toEqual(new Set(['1,0', '1,1']));
  });

  it('gives one clear line and a non-zero exit for bad input', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['attention', join(dir, 'missing'), REF, '--region', 'lambda:1-60'],
        /checkpoint folder .*missing" does not exist/,
      ],
      [['attention', ckpt, REF, '--region', 'chrZ:1-60'], /Unknown contig "chrZ"/],
      [
        ['attention', ckpt, REF, '--region', 'lambda:1-3,000'],
        /has 1000 tokens, more than the 128 .*at most 384 bases/,
      ],
      [['attention', ckpt, REF, '--region', 'lambda:1-2'], /shorter than one 3-mer/],
      [
        ['attention', ckpt, REF, '--region', 'lambda:1-60', '--layer', '2'],
        /--layer 2 is out of range.*2 layers/,
      ],
      [['attention', ckpt, REF, '--region', 'lambda:1-60', '--json', '--tsv'], /Both --tsv and --json/],
      [
        ['attention', ckpt, REF, '--region', 'lambda:1-60', '--rounds', '99'],
        /--rounds 99 is out of range.*hashes \d+ rounds/,
      ],
      [['attention', ckpt, REF, '--region', 'lambda:1-60', '--backend', 'gpu'], /unknown backend "gpu"/],
      [
        ['attention', join(dir, 'no-tokenizer'), REF, '--region', 'lambda:1-60'],
        /vocabulary of 69 tokens but its tokenizer \(k=6\) makes 4101/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await inProcess(
        ...args,
        ...(args.includes('--backend') ? [] : ['--backend', 'wasm']),
      );
      expect(code, args.join(' ')).not.toBe(0);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });
});
