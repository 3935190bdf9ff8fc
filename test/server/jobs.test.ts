/**
 * Desktop jobs end to end through the HTTP API: a scan runs in a worker thread with progress on the
 * SSE stream and its outputs open as files; a long job is cancelled and leaves nothing behind; an
 * attention job gives the same weights as `locus attention` for the same tokens.
 * Needs the build (`npm run build`): jobs run dist/src/server/job-worker.js.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttentionView, JobEvent, JobInfo, OpenedFile } from '../../src/server/contract.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';

let server: RunningServer;
let workDir: string;
let files: OpenedFile[];
const events: JobInfo[] = [];
let stream: AbortController;

async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'x-locus-token': server.token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(payload.error);
  return payload;
}

/** Read the SSE stream in the background, collecting every job record it sends. */
async function listen(): Promise<void> {
  stream = new AbortController();
  const response = await fetch(`${server.origin}/api/events`, {
    headers: { 'x-locus-token': server.token },
    signal: stream.signal,
  });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('data: ')) events.push((JSON.parse(frame.slice(6)) as JobEvent).job);
        }
      }
    } catch {
      // aborted at the end of the tests
    }
  })();
}

async function until(id: string, states: JobInfo['state'][], timeoutMs = 60_000): Promise<JobInfo> {
  const started = Date.now();
  for (;;) {
    const job = await api<JobInfo>(`/api/jobs/${id}`);
    if (states.includes(job.state)) return job;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const id = (kind: string) => files.find((f) => f.kind === kind)!.id;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'locus-jobs-'));
  server = await startServer({
    workDir,
    files: [join(SAMPLES, 'ecoli-island.fa'), join(SAMPLES, 'lambda.fa'), join(SAMPLES, 'lambda.bam')],
  });
  files = (await api<{ files: OpenedFile[] }>('/api/state')).files;
  await listen();
});

afterAll(async () => {
  stream.abort();
  await server.close();
});

describe('desktop jobs', () => {
  it('runs a scan in a worker, streams its progress, and opens its outputs as tracks', async () => {
    const genome = files.find((f) => f.name === 'ecoli-island.fa')!.id;
    const started = await api<JobInfo>('/api/jobs', {
      kind: 'scan',
      genome,
      method: 'markov',
      output: 'scan-out',
    });
    expect(started.state).toBe('running');
    const job = await until(started.id, ['done', 'failed']);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(job.output).toBe(join(workDir, 'scan-out'));
    expect(job.outputs.map((f) => [f.name, f.kind])).toEqual([
      ['scores.bedgraph', 'bedgraph'],
      ['anomalies.bed', 'bed'],
    ]);
    for (const name of ['anomalies.bed', 'scores.bedgraph', 'report.html', 'summary.json']) {
      expect(existsSync(join(workDir, 'scan-out', name)), name).toBe(true);
    }
    const seen = events.filter((e) => e.id === job.id);
    expect(seen.some((e) => e.state === 'running' && e.progress !== undefined && e.progress.total > 0)).toBe(
      true,
    );
    expect(seen.at(-1)?.state).toBe('done');
    // The outputs are opened: the renderer loads them by URL like any file.
    const state = await api<{ files: OpenedFile[] }>('/api/state');
    expect(state.files.map((f) => f.name)).toContain('scores.bedgraph');
    // A second run into the same folder is refused unless overwrite is asked for.
    const again = await until(
      (await api<JobInfo>('/api/jobs', { kind: 'scan', genome, method: 'gc', output: 'scan-out' })).id,
      ['done', 'failed'],
    );
    expect(again.state).toBe('failed');
    expect(again.error).toMatch(/exists|--force|overwrite/);
  });

  it('cancels a running job: the worker stops and no output is left', async () => {
    const genome = files.find((f) => f.name === 'ecoli-island.fa')!.id;
    const started = await api<JobInfo>('/api/jobs', {
      kind: 'scan',
      genome,
      method: 'reformer',
      steps: 100_000,
      output: 'long-scan',
    });
    // Wait until it is really working (progress), then cancel.
    for (let i = 0; i < 600 && !events.some((e) => e.id === started.id && e.progress); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const cancelling = await api<JobInfo>(`/api/jobs/${started.id}/cancel`, {});
    expect(cancelling.log.at(-1)).toBe('cancelling');
    const job = await until(started.id, ['cancelled', 'done', 'failed'], 15_000);
    expect(job.state).toBe('cancelled');
    expect(existsSync(join(workDir, 'long-scan'))).toBe(false);
  });

  it('calls variants and finds motifs through the same pipelines, opening the VCF and the sites as tracks', async () => {
    const reference = files.find((f) => f.name === 'lambda.fa')!.id;
    const variants = await until(
      (
        await api<JobInfo>('/api/jobs', {
          kind: 'variants',
          genome: reference,
          bams: [id('bam')],
          ploidy: 1,
          region: 'lambda:1-10,000',
          output: 'calls.vcf.gz',
        })
      ).id,
      ['done', 'failed'],
    );
    expect(variants.error).toBeUndefined();
    expect(variants.outputs.map((f) => [f.name, f.kind, f.indexUrl !== undefined])).toEqual([
      ['calls.vcf.gz', 'vcf', true],
    ]);
    expect(existsSync(join(workDir, 'calls.vcf.gz.tbi'))).toBe(true);
    expect(variants.log.at(-1)).toMatch(/calls \(\d+ PASS/);

    // Copies: opening a FASTA without .fai writes one beside it, and samples/ stays as shipped.
    for (const name of ['rest-planted.fa', 'rest-background.fa']) {
      copyFileSync(join(SAMPLES, 'motifs', name), join(workDir, name));
    }
    const targets = await api<OpenedFile>('/api/files/open', { path: join(workDir, 'rest-planted.fa') });
    const background = await api<OpenedFile>('/api/files/open', {
      path: join(workDir, 'rest-background.fa'),
    });
    const motifs = await until(
      (
        await api<JobInfo>('/api/jobs', {
          kind: 'motifs',
          targets: targets.id,
          background: background.id,
          maxMotifs: 2,
          anchor: 'center',
          output: 'motifs-out',
        })
      ).id,
      ['done', 'failed'],
      120_000,
    );
    expect(motifs.error).toBeUndefined();
    expect(motifs.outputs.map((f) => f.name)).toEqual(['sites.bed']);
    expect(existsSync(join(workDir, 'motifs-out', 'motifs.meme'))).toBe(true);
    // The form's "aligned at" reaches the pipeline: the positional search ran.
    const summary = JSON.parse(readFileSync(join(workDir, 'motifs-out', 'summary.json'), 'utf8')) as {
      settings: { anchor: string | null };
    };
    expect(summary.settings.anchor).toBe('center');
  });

  it('fine-tunes a model with locus finetune, streaming its steps, and lists the result as a model', async () => {
    const labeled = join(ROOT, 'test', 'data', 'train', 'labeled.tsv');
    const started = await api<JobInfo>('/api/jobs', {
      kind: 'finetune',
      train: labeled,
      val: labeled,
      from: join(SAMPLES, 'model'),
      steps: 3,
      output: 'tuned',
    });
    const job = await until(started.id, ['done', 'failed'], 120_000);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(existsSync(join(workDir, 'tuned', 'best', 'config.json'))).toBe(true);
    const models = (await api<{ models: { path: string; description: string }[] }>('/api/state')).models;
    expect(models.find((m) => m.path === join(workDir, 'tuned', 'best'))?.description).toBe(
      'fine-tuned in this session',
    );
  });

  it('computes attention over a locus with the weights locus attention exports', async () => {
    const genome = files.find((f) => f.name === 'lambda.fa')!.id;
    const model = join(SAMPLES, 'model');
    const started = await api<JobInfo>('/api/jobs', {
      kind: 'attention',
      genome,
      model,
      region: 'lambda:1-1,200',
      layer: 1,
      head: 0,
      queryStep: 6,
      topK: 4,
    });
    const job = await until(started.id, ['done', 'failed']);
    expect(job.error).toBeUndefined();
    const view = await api<AttentionView>(`/api/jobs/${job.id}/attention`);
    expect([view.contig, view.start, view.end, view.queryStep]).toEqual(['lambda', 0, 1200, 6]);
    // The model reads the whole context the view lies in (3,000 bases on the contig's grid); the
    // view shows the queries inside it.
    expect(view.contexts).toEqual([{ start: 0, end: 3000 }]);

    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli/main.js'),
        'attention',
        model,
        join(SAMPLES, 'lambda.fa'),
        '--region',
        'lambda:1-3,000',
      ].concat(['--layer', '1', '--head', '0', '--top-k', '4', '--json']),
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const exported = JSON.parse(cli.stdout) as {
      layers: { queries: { start: number; keys: { start: number; weight: number }[] }[] }[];
    };
    const queries = exported.layers[0]!.queries.filter((q) => q.start < 1200);
    expect(view.queryStarts).toEqual(queries.map((q) => q.start));
    for (const [i, q] of queries.entries()) {
      const keys = view.keyStarts.slice(i * 4, i * 4 + q.keys.length);
      const weights = view.weights.slice(i * 4, i * 4 + q.keys.length);
      expect(keys).toEqual(q.keys.map((k) => k.start));
      for (const [j, k] of q.keys.entries()) expect(weights[j]).toBeCloseTo(k.weight, 4);
    }
  });

  it('reads a locus longer than the model context as several contexts, heads averaged', async () => {
    const genome = files.find((f) => f.name === 'lambda.fa')!.id;
    const started = await api<JobInfo>('/api/jobs', {
      kind: 'attention',
      genome,
      model: join(SAMPLES, 'model'),
      region: 'lambda:1-7,000',
      layer: 0,
      head: 'mean',
      queryStep: 0,
      topK: 8,
    });
    const job = await until(started.id, ['done', 'failed']);
    const view = await api<AttentionView>(`/api/jobs/${job.id}/attention`);
    expect(view.contexts.length).toBeGreaterThan(1);
    expect(view.contexts[0]!.start).toBe(0);
    expect(view.contexts.at(-1)!).toEqual({ start: 6000, end: 9000 });
    // 502 tokens less [CLS] and [SEP]: 500 6-mers at stride 6 cover (500 - 1) * 6 + 6 bases.
    expect(view.method).toMatch(/3 contexts of 3,000 bases/);
    for (let q = 0; q < view.queryStarts.length; q++) {
      const context = view.contexts.find(
        (c) => view.queryStarts[q]! >= c.start && view.queryStarts[q]! < c.end,
      )!;
      let sum = 0;
      for (let j = q * 8; j < (q + 1) * 8; j++) {
        if (view.keyStarts[j]! < 0) continue;
        sum += view.weights[j]!;
        // Attention never crosses from one context into the next.
        expect(view.keyStarts[j]).toBeGreaterThanOrEqual(context.start);
        expect(view.keyEnds[j]).toBeLessThanOrEqual(context.end);
      }
      expect(sum).toBeLessThanOrEqual(1.0001);
    }
    expect(id('bam')).toBeTruthy();

    // The next view keeps the model loaded, and reads no context it has read before.
    const again = await api<JobInfo>('/api/jobs', {
      kind: 'attention',
      genome,
      model: join(SAMPLES, 'model'),
      region: 'lambda:1-7,000',
      layer: 0,
      head: 1,
      queryStep: 0,
      topK: 8,
    });
    const second = await until(again.id, ['done', 'failed']);
    expect(second.error).toBeUndefined();
    expect(second.log).toContain('model already loaded');
    const secondView = await api<AttentionView>(`/api/jobs/${second.id}/attention`);
    expect(secondView.timings!.contextsCached).toBe(3);
    expect(secondView.timings!.loadModel).toBeLessThan(0.05);
    expect(second.log.at(-1)).toMatch(/3 of 3 contexts read before/);
  });
});
