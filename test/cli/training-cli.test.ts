/**
 * Training commands end to end on the lambda sample at tiny sizes, through the built bin: pretrain,
 * a kill -9 in the middle and --resume (ending with the weights of an uninterrupted run), finetune,
 * eval, predict, embed, and their errors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/model/safetensors.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const REF = join(SAMPLES, 'lambda.fa');
const TINY = [
  '--context',
  '600',
  '-k',
  '3',
  '--d-model',
  '16',
  '--depth',
  '2',
  '--heads',
  '2',
  '--d-head',
  '8',
  '--chunk',
  '16',
  '--rounds',
  '2',
  '--backend',
  'wasm',
  '--quiet',
];

function locus(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function weightsOf(dir: string): Record<string, number[]> {
  const file = decodeSafetensors(readFileSync(join(dir, 'model.safetensors')), dir);
  return Object.fromEntries(Object.entries(file.tensors).map(([name, t]) => [name, Array.from(t.data)]));
}

/** Labeled TSV: lambda windows, label 1 when a planted motif is present. */
function labeledFile(path: string, n: number, seed: number): void {
  const sequence = readFileSync(REF, 'latin1').split('\n').slice(1).join('');
  let s = seed;
  const rows = ['sequence\tlabel'];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const start = s % (sequence.length - 300);
    let w = sequence.slice(start, start + 240);
    if (i % 2) w = w.slice(0, 90) + 'TATAAAAGGCGCGCC'.repeat(4) + w.slice(150);
    rows.push(`${w}\t${i % 2}`);
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

describe.skipIf(!existsSync(BIN))('training commands', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'locus-cli-train-'));
  });

  /** `locus finetune` on the labeled files into run folder `out`, from the tiny pretrained model by default. */
  const finetuneArgs = (out: string, from = join(dir, 'pre', 'model')) => [
    'finetune',
    '--train',
    join(dir, 'train.tsv'),
    '--val',
    join(dir, 'val.tsv'),
    '--from',
    from,
    '-o',
    join(dir, out),
  ];

  it('pretrain writes checkpoints, the best and final models, metrics and the loss curve', () => {
    const run = locus(
      'pretrain',
      REF,
      '-o',
      join(dir, 'pre'),
      '--steps',
      '6',
      '--checkpoint-every',
      '3',
      '--eval-every',
      '3',
      '--eval-windows',
      '2',
      ...TINY,
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ stepsDone: 6, interrupted: false });
    expect(summary.best.bitsPerBase).toBeGreaterThan(0);
    for (const path of [
      'checkpoints/step-000003',
      'checkpoints/step-000006',
      'best',
      'model',
      'metrics.jsonl',
      'loss.svg',
    ]) {
      expect(existsSync(join(dir, 'pre', path)), path).toBe(true);
    }
    expect(
      readFileSync(join(dir, 'pre', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(6);
  });

  it('a run killed with -9 and resumed ends with the weights of an uninterrupted run', async () => {
    const args = (out: string) => [
      'pretrain',
      REF,
      '-o',
      out,
      '--steps',
      '10',
      '--checkpoint-every',
      '2',
      '--eval-every',
      '100',
      '--objective',
      'causal',
      ...TINY,
    ];
    expect(locus(...args(join(dir, 'straight'))).status).toBe(0);

    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [BIN, ...args(out)], { cwd: ROOT, stdio: 'ignore' });
    // Kill it hard as soon as a checkpoint past the first exists.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(join(out, 'checkpoints', 'step-000004'))) {
          child.kill('SIGKILL');
          clearInterval(timer);
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    await new Promise((resolve) =>
      child.exitCode === null && child.signalCode === null ? child.on('exit', resolve) : resolve(null),
    );
    expect(existsSync(join(out, 'model'))).toBe(false); // it never finished

    const resumed = locus(...args(out), '--resume', '--json');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout).resumedFrom).toBeGreaterThanOrEqual(4);
    expect(weightsOf(join(out, 'model'))).toEqual(weightsOf(join(dir, 'straight', 'model')));
  });

  it('data-parallel training over 2 workers ends with the weights of training on this thread', () => {
    const args = (out: string, workers: string) => [
      'pretrain',
      REF,
      '-o',
      out,
      '--steps',
      '3',
      '--batch-size',
      '2',
      '--checkpoint-every',
      '10',
      '--eval-every',
      '100',
      '--workers',
      workers,
      ...TINY,
    ];
    expect(locus(...args(join(dir, 'w1'), '1')).status).toBe(0);
    expect(locus(...args(join(dir, 'w2'), '2')).status).toBe(0);
    expect(weightsOf(join(dir, 'w2', 'model'))).toEqual(weightsOf(join(dir, 'w1', 'model')));
  });

  it('finetune, eval, predict and embed a classifier', () => {
    labeledFile(join(dir, 'train.tsv'), 40, 1);
    labeledFile(join(dir, 'val.tsv'), 20, 2);
    const tune = locus(
      ...finetuneArgs('ft'),
      '--steps',
      '8',
      '--eval-every',
      '4',
      '--checkpoint-every',
      '4',
      '--batch-size',
      '4',
      '--lr',
      '3e-3',
      '--backend',
      'wasm',
      '--quiet',
      '--json',
    );
    expect(tune.status).toBe(0);
    expect(JSON.parse(tune.stdout)).toMatchObject({
      stepsDone: 8,
      classes: ['0', '1'],
      trainCounts: [20, 20],
    });
    const report = JSON.parse(locus('eval', join(dir, 'ft', 'best'), join(dir, 'val.tsv'), '--json').stdout);
    expect(report).toMatchObject({ kind: 'classifier', n: 20, numClasses: 2 });
    expect(report.auroc).toBeGreaterThanOrEqual(0);
    const predictions = locus('predict', join(dir, 'ft', 'best'), join(dir, 'val.tsv'))
      .stdout.trim()
      .split('\n');
    expect(predictions[0]).toBe('id\tlabel\tp_0\tp_1');
    expect(predictions).toHaveLength(21);
    for (const line of predictions.slice(1)) {
      const [, , p0, p1] = line.split('\t');
      expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
    }
    const embeddings = locus('embed', join(dir, 'ft', 'best'), join(dir, 'val.tsv'))
      .stdout.trim()
      .split('\n');
    expect(embeddings[1]!.split('\t')).toHaveLength(17);
    // The mean head's embedding is the mean unless max is asked for; max is never below the mean.
    const maxRows = locus('embed', join(dir, 'ft', 'best'), join(dir, 'val.tsv'), '--pooling', 'max')
      .stdout.trim()
      .split('\n');
    expect(maxRows[0]).toBe(embeddings[0]);
    const values = (line: string) => line.split('\t').slice(1).map(Number);
    for (let i = 1; i < embeddings.length; i++) {
      const mean = values(embeddings[i]!);
      values(maxRows[i]!).forEach((v, d) => expect(v).toBeGreaterThanOrEqual(mean[d]! - 1e-5));
    }
    expect(maxRows.slice(1).some((line, i) => line !== embeddings[i + 1])).toBe(true);
  });

  it('finetune --frame-shift --pooling max trains on shifted reading frames with a max-pooled head and scores the mean of all frames', () => {
    const tune = locus(
      ...finetuneArgs('ft-frames'),
      '--frame-shift',
      '--pooling',
      'max',
      '--steps',
      '4',
      '--eval-every',
      '4',
      '--checkpoint-every',
      '4',
      '--batch-size',
      '4',
      '--backend',
      'wasm',
      '--quiet',
    );
    expect(tune.stderr).toBe('');
    expect(tune.status).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'ft-frames', 'best', 'config.json'), 'utf8'));
    expect(config.task.frameShift).toBe(true);
    expect(config.head).toEqual({ kind: 'classify', classes: 2, pooling: 'max' });
    expect(config.tokenizer).toMatchObject({ k: 3, stride: 3 });
    // The 3 frames of a 3-mer tokenizer, averaged; the model fine-tuned without it reads frame 0 alone.
    const framed = JSON.parse(
      locus('eval', join(dir, 'ft-frames', 'best'), join(dir, 'val.tsv'), '--json').stdout,
    );
    expect(framed).toMatchObject({ kind: 'classifier', n: 20, readingFrames: 3 });
    const plain = JSON.parse(locus('eval', join(dir, 'ft', 'best'), join(dir, 'val.tsv'), '--json').stdout);
    expect(plain.readingFrames).toBe(1);
    // On two model threads (which rebuild the max-pooled head from the config): the same scores.
    const threaded = JSON.parse(
      locus('eval', join(dir, 'ft-frames', 'best'), join(dir, 'val.tsv'), '--workers', '2', '--json').stdout,
    );
    expect(threaded.auroc).toBeCloseTo(framed.auroc, 6);
    expect(threaded.accuracy).toBe(framed.accuracy);
    const predictions = locus('predict', join(dir, 'ft-frames', 'best'), join(dir, 'val.tsv'))
      .stdout.trim()
      .split('\n');
    expect(predictions).toHaveLength(21);
    // embed follows the head's max pooling unless told otherwise.
    const embedOf = (...extra: string[]) =>
      locus('embed', join(dir, 'ft-frames', 'best'), join(dir, 'val.tsv'), ...extra).stdout;
    expect(embedOf()).toBe(embedOf('--pooling', 'max'));
    expect(embedOf()).not.toBe(embedOf('--pooling', 'mean'));
    for (const line of predictions.slice(1)) {
      const [, , p0, p1] = line.split('\t');
      expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
    }
    // Single-base tokens have one frame: the flag would do nothing, so it is refused.
    const single = locus(
      ...finetuneArgs('ft-k1', 'ecoli-mlm'),
      '--frame-shift',
      '--steps',
      '1',
      '--backend',
      'wasm',
      '--quiet',
    );
    expect(single.status).not.toBe(0);
    expect(single.stderr).toMatch(/--frame-shift.*stride 1/);
    expect(existsSync(join(dir, 'ft-k1'))).toBe(false);
  });

  it('finetune with 2 workers validates on them and logs the metrics of a 1-thread run', () => {
    const args = (out: string, workers: string) => [
      ...finetuneArgs(out),
      '--steps',
      '4',
      '--eval-every',
      '2',
      '--checkpoint-every',
      '4',
      '--batch-size',
      '4',
      '--lr',
      '3e-3',
      '--backend',
      'wasm',
      '--workers',
      workers,
      '--quiet',
    ];
    const evaluations = (out: string) =>
      readFileSync(join(dir, out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.evaluation)
        .map((l) => l.evaluation);
    expect(locus(...args('ft-w1', '1')).status).toBe(0);
    expect(locus(...args('ft-w2', '2')).status).toBe(0);
    const one = evaluations('ft-w1');
    const two = evaluations('ft-w2');
    expect(one).toHaveLength(2);
    two.forEach((e: { auroc: number; accuracy: number }, i: number) => {
      expect(e.auroc).toBeCloseTo(one[i].auroc, 6);
      expect(e.accuracy).toBe(one[i].accuracy);
    });
  });

  it('evaluates a language model in bits per base on the validation part, test only when asked', () => {
    const report = JSON.parse(
      locus('eval', join(dir, 'pre', 'model'), REF, '--windows', '2', '--json').stdout,
    );
    expect(report).toMatchObject({ kind: 'language-model', objective: 'mlm', windows: 2 });
    expect(report.split).toMatchObject({ side: 'validation', fraction: 0.1 });
    const test = JSON.parse(
      locus('eval', join(dir, 'pre', 'model'), REF, '--split', 'test', '--windows', '1', '--json').stdout,
    );
    expect(test.split.side).toBe('test');
    expect(test.blocks[0].start).toBeGreaterThanOrEqual(Math.floor(0.9 * 48_502));
    expect(locus('eval', join(dir, 'pre', 'model'), REF, '--split', 'tset').stderr).toMatch(
      /Unknown split "tset"/,
    );
    expect(report.bitsPerBase).toBeGreaterThan(0.5);
  });

  it('pretrains a causal LM on single bases with local and LSH layers, and evaluates it', () => {
    const out = join(dir, 'causal');
    const args = [...TINY, '-k', '1', '--depth', '3', '--attention', 'local,lsh'];
    const run = locus('pretrain', REF, '-o', out, '--objective', 'causal', '--steps', '2', ...args);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8'));
    expect(config.model).toMatchObject({ attention: ['local', 'lsh', 'local'], causal: true, vocabSize: 9 });
    const report = JSON.parse(locus('eval', join(out, 'model'), REF, '--windows', '2', '--json').stdout);
    expect(report).toMatchObject({ kind: 'language-model', objective: 'causal', windows: 2 });
    // Two steps from random weights: near uniform over the 9 tokens (log2 9 = 3.17 bits per base, one
    // base per token); far from it would mean a unit mix-up (nats, or bits per token of k bases).
    expect(report.bitsPerBase).toBeGreaterThan(1.9);
    expect(report.bitsPerBase).toBeLessThan(3.8);
  });

  it.each([
    [['pretrain', REF, '-o', '/tmp/x', '--attention', 'local,bad'], /unknown attention kind "bad"/],
    [['pretrain', REF, '-o', '/tmp/x', '--objective', 'clm'], /Unknown objective "clm"/],
    [['pretrain', REF, '-o', '/tmp/x', '--objective', 'causal', '--stride', '1'], /leaks the next token/],
    [
      ['finetune', '--train', '/nope.tsv', '--val', '/nope.tsv', '--from', '/nope', '-o', '/tmp/x'],
      /checkpoint folder "\/nope" does not exist/,
    ],
    [['eval', '/nope', REF], /does not exist/],
    [['eval', 'ecoli-causal', REF, '--split-fraction', '0.7'], /split fraction must be between 0 and 0.5/],
    [
      ['eval', 'ecoli-causal', join(ROOT, 'test/data/lowercase.fa')],
      /too short to evaluate on: its validation part/,
    ],
  ])('rejects bad input with one clear line: %j', (args, message) => {
    const result = locus(...(args as string[]));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('shipped models', () => {
  it('locus models lists ecoli-causal, and commands take it by name', () => {
    const models = JSON.parse(locus('models', '--json').stdout) as { name: string; card: { k: number } }[];
    expect(models.map((m) => m.name)).toContain('ecoli-causal');
    expect(models.find((m) => m.name === 'ecoli-causal')!.card.k).toBe(1);
    const report = JSON.parse(locus('eval', 'ecoli-causal', REF, '--windows', '1', '--json').stdout);
    expect(report).toMatchObject({ kind: 'language-model', objective: 'causal', windows: 1 });
    // A model of E. coli on the genome of one of its phages: better than a uniform guess.
    expect(report.bitsPerBase).toBeLessThan(2);
    expect(locus('eval', 'no-such-model', REF).stderr).toMatch(/not a shipped model.*ecoli-causal/);
  });

  it('locus models lists ecoli-mlm, a masked LM that beats a uniform guess on lambda', () => {
    const models = JSON.parse(locus('models', '--json').stdout) as {
      name: string;
      card: { k: number; objective: string };
    }[];
    expect(models.find((m) => m.name === 'ecoli-mlm')!.card).toMatchObject({ k: 1, objective: 'mlm' });
    // Lambda's validation part (4,850 bases) is less than one 8 kb window.
    const report = JSON.parse(locus('eval', 'ecoli-mlm', REF, '--json').stdout);
    expect(report).toMatchObject({ kind: 'language-model', objective: 'mlm', windows: 1 });
    expect(report.bitsPerBase).toBeLessThan(2);
  });
});

describe('a causal model and its baselines are scored on the same bases', () => {
  let work: string;
  let genome: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'locus-same-bases-'));
    // Lambda with N runs, IUPAC codes and soft-masked lowercase in every part of the split.
    const lambda = readFileSync(REF, 'latin1').split('\n').slice(1).join('');
    let edited = '';
    for (let i = 0; i < lambda.length; i += 1000) {
      const piece = lambda.slice(i, i + 1000);
      edited += (i / 1000) % 3 === 0 ? piece.slice(0, 400) + 'N'.repeat(37) + 'R' + piece.slice(438) : piece;
      if ((i / 1000) % 4 === 1) edited = edited.slice(0, -200) + edited.slice(-200).toLowerCase();
    }
    genome = join(work, 'edited.fa');
    writeFileSync(genome, `>edited\n${edited.replace(/(.{60})/g, '$1\n')}\n`);
  });

  it.each([1, 3])(
    'k = %i: eval --split test and baseline markov --context report equal bases per window',
    (k) => {
      const out = join(work, `causal-k${k}`);
      const args = [...TINY.slice(4), '-k', String(k)]; // TINY without its --context 600 -k 3
      const run = locus(
        'pretrain',
        genome,
        '-o',
        out,
        '--objective',
        'causal',
        '--context',
        '600',
        '--steps',
        '1',
        ...args,
      );
      expect(run.stderr).toBe('');
      const evaluation = JSON.parse(
        locus('eval', join(out, 'model'), genome, '--split', 'test', '--json').stdout,
      );
      expect(evaluation.split).toMatchObject({ side: 'test', fraction: 0.1 });
      const baseline = JSON.parse(
        locus(
          'baseline',
          'markov',
          '--train',
          genome,
          '--split-fraction',
          '0.1',
          '--context',
          '600',
          '-k',
          String(k),
          '--orders',
          '0-3',
          '--alphas',
          '1',
          '--mixture',
          '--quiet',
          '--json',
        ).stdout,
      );
      const counts = (blocks: { contig: string; start: number; end: number; bases: number }[]) =>
        blocks.map((b) => `${b.contig}:${b.start}-${b.end}:${b.bases}`);
      expect(evaluation.blocks.length).toBeGreaterThan(5);
      expect(counts(baseline.static.test.blocks)).toEqual(counts(evaluation.blocks));
      expect(counts(baseline.mixture.test.blocks)).toEqual(counts(evaluation.blocks));
      expect(baseline.static.test.bases).toBe(evaluation.scoredBases);
      // The N runs and the first token of each window are really excluded: fewer bases than the tiles hold.
      const tileBases = evaluation.blocks.reduce(
        (sum: number, b: { start: number; end: number }) => sum + b.end - b.start,
        0,
      );
      expect(evaluation.scoredBases).toBeLessThan(tileBases - evaluation.blocks.length * k);
    },
  );
});
