/**
 * Desktop jobs: scan, variants, motifs and attention run in worker threads (job-worker.ts) through the
 * same pipeline functions as the CLI; finetune runs `locus finetune` as a child process, because its
 * training loop lives in that command and saves a resumable checkpoint on SIGINT. Every change to a
 * job is emitted as a 'job' event (the server streams them over SSE). When a job finishes, the files
 * it wrote are opened, so the renderer can show them as tracks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { compiledScript } from '../compiled-script.js';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LocusAttention } from '../../pipelines/attention/locus-attention.js';
import type { AttentionView, JobInfo, JobRequest, OpenedFile } from './contract.js';
import { AttentionService, type AttentionServiceOptions } from './attention-service.js';
import type { WorkerJob, WorkerMessage } from './job-messages.js';
import type { OpenedFiles } from './opened-files.js';

/** Seconds a cancelled worker gets to stop on its own before it is terminated. */
const CANCEL_GRACE_MS = 3000;
const LOG_LINES = 200;

interface Running {
  info: JobInfo;
  worker?: Worker;
  child?: ChildProcess;
  /** Cancels an attention view (run by the attention service, not by a worker of its own). */
  cancelView?: () => void;
  attention?: LocusAttention;
  phaseStarted: number;
  phase: string;
  /** Set by cancel(): however the job then ends (an abort surfaces as an error), it was cancelled. */
  cancelRequested?: boolean;
}

export interface JobManagerOptions {
  files: OpenedFiles;
  version: string;
  /** Relative output paths resolve here. */
  workDir: string;
  /** Called with a checkpoint folder a finetune job wrote (the renderer lists it as a model). */
  onModel?: (path: string) => void;
  /** How long the attention worker keeps a model after the last view, and so on. */
  attention?: AttentionServiceOptions;
}

export class JobManager extends EventEmitter<{ job: [JobInfo] }> {
  private readonly jobs = new Map<string, Running>();
  /** Attention views share one long-lived worker that keeps the model loaded between them. */
  private readonly views: AttentionService;

  constructor(private readonly options: JobManagerOptions) {
    super();
    this.views = new AttentionService(options.attention);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info);
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id)?.info;
  }

  attention(id: string): AttentionView | undefined {
    return this.jobs.get(id)?.attention;
  }

  /** Start a job; throws LocusInputError (-> 400) when it names a file that is not open or of the wrong kind. */
  start(request: JobRequest): JobInfo {
    const id = randomBytes(6).toString('hex');
    const info: JobInfo = {
      id,
      kind: request.kind,
      state: 'running',
      title: '',
      startedAt: new Date().toISOString(),
      log: [],
      outputs: [],
    };
    const running: Running = { info, phaseStarted: performance.now(), phase: '' };
    if (request.kind === 'finetune') {
      const output = this.outputPath(request.output);
      info.output = output;
      info.title = `finetune ${request.from} on ${request.train}`;
      this.jobs.set(id, running);
      this.runFinetune(running, { ...request, output });
    } else {
      const job = this.workerJob(request);
      if ('output' in job) info.output = job.output;
      info.title = titleOf(job);
      this.jobs.set(id, running);
      if (job.kind === 'attention') {
        running.cancelView = () => this.views.cancel(id);
        this.views.run(id, job, (message) => this.onMessage(running, message));
      } else {
        this.runWorker(running, job);
      }
    }
    this.emit('job', info);
    return info;
  }

  cancel(id: string): JobInfo | undefined {
    const running = this.jobs.get(id);
    if (!running) return undefined;
    if (running.info.state !== 'running') return running.info;
    running.cancelRequested = true;
    this.addLog(running, 'cancelling');
    if (running.worker) {
      const worker = running.worker;
      worker.postMessage({ type: 'cancel' });
      setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS).unref();
    }
    running.cancelView?.();
    running.child?.kill('SIGINT');
    return running.info;
  }

  /** Stop every running job (server shutdown). */
  async close(): Promise<void> {
    for (const running of this.jobs.values()) {
      await running.worker?.terminate();
      running.child?.kill('SIGKILL');
    }
    await this.views.close();
  }

  private outputPath(path: string): string {
    return isAbsolute(path) ? resolve(path) : resolve(this.options.workDir, path);
  }

  private workerJob(request: Exclude<JobRequest, { kind: 'finetune' }>): WorkerJob {
    const { files, version } = this.options;
    const common = { version, force: false };
    switch (request.kind) {
      case 'scan':
        return {
          ...common,
          force: request.force,
          kind: 'scan',
          genome: files.require(request.genome, ['fasta']).path,
          output: this.outputPath(request.output),
          method: request.method,
          region: request.region || undefined,
          model: request.model || undefined,
          steps: request.steps,
        };
      case 'variants':
        return {
          ...common,
          force: request.force,
          kind: 'variants',
          reference: files.require(request.genome, ['fasta']).path,
          bams: request.bams.map((id) => files.require(id, ['bam']).path),
          output: this.outputPath(request.output),
          ploidy: request.ploidy,
          region: request.region || undefined,
          minAf: request.minAf,
          model: request.model || undefined,
        };
      case 'motifs':
        return {
          ...common,
          force: request.force,
          kind: 'motifs',
          targets: files.require(request.targets, ['fasta']).path,
          background: request.background ? files.require(request.background, ['fasta']).path : undefined,
          output: this.outputPath(request.output),
          maxMotifs: request.maxMotifs,
          anchor: request.anchor,
        };
      case 'attention':
        return {
          ...common,
          kind: 'attention',
          fasta: files.require(request.genome, ['fasta']).path,
          model: request.model,
          region: request.region,
          layer: request.layer,
          head: request.head,
          rounds: request.rounds,
          queryStep: request.queryStep,
          topK: request.topK,
        };
    }
  }

  private runWorker(running: Running, job: WorkerJob): void {
    const worker = new Worker(
      compiledScript(import.meta.url, 'job-worker.js', '../../dist/src/server/job-worker.js'),
      {
        workerData: job,
      },
    );
    running.worker = worker;
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'done' || message.type === 'failed') {
        settled = true;
        void worker.terminate(); // its memory (a model, a backend) goes with it
      }
      this.onMessage(running, message);
    });
    worker.on('error', (err) => {
      settled = true;
      this.end(running, 'failed', err.message);
    });
    worker.on('exit', () => {
      running.worker = undefined;
      // Terminated after a cancel that the pipeline did not see in time.
      if (!settled) this.end(running, 'cancelled');
    });
  }

  /** A job's message from its worker thread, or from the attention service. */
  private onMessage(running: Running, message: WorkerMessage): void {
    switch (message.type) {
      case 'progress':
        this.setProgress(running, message.phase, message.done, message.total, message.unit);
        return;
      case 'log':
        this.addLog(running, message.line);
        return;
      case 'partial':
        running.attention = message.attention;
        return;
      case 'done':
        running.attention = message.attention ?? running.attention;
        void this.finish(running, message.outputs);
        return;
      case 'failed':
        this.end(
          running,
          message.cancelled ? 'cancelled' : 'failed',
          message.cancelled ? undefined : message.message,
        );
        return;
    }
  }

  private runFinetune(running: Running, request: Extract<JobRequest, { kind: 'finetune' }>): void {
    const cli = fileURLToPath(
      compiledScript(import.meta.url, '../cli/main.js', '../../dist/src/cli/main.js'),
    );
    const args = [cli, 'finetune', '--train', request.train, '--val', request.val, '--from', request.from];
    args.push('-o', request.output, '--steps', String(request.steps), '--quiet', '--json');
    if (!request.force && existsSync(request.output)) {
      this.end(running, 'failed', `Run folder "${request.output}" exists; choose another or tick overwrite`);
      return;
    }
    const child = spawn(process.execPath, args, {
      cwd: this.options.workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.child = child;
    this.addLog(running, `locus ${args.slice(1).join(' ')}`);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.addLog(running, line.trim());
    });
    child.stdout!.resume();
    // Training writes one metrics.jsonl line per step: that is the progress.
    const metrics = join(request.output, 'metrics.jsonl');
    const poll = setInterval(() => {
      void readFile(metrics, 'utf8').then(
        (text) => {
          const steps = text.split('\n').filter((l) => l.startsWith('{"step"')).length;
          if (running.info.state === 'running')
            this.setProgress(running, 'train', steps, request.steps, 'steps');
        },
        () => undefined,
      );
    }, 500);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      running.child = undefined;
      if (signal === 'SIGINT' || running.cancelRequested) {
        this.end(running, 'cancelled');
      } else if (code === 0) {
        this.options.onModel?.(join(request.output, 'best'));
        void this.finish(running, []);
      } else {
        this.end(running, 'failed', stderr.trim().split('\n').at(-1) ?? `exit ${code}`);
      }
    });
  }

  private setProgress(running: Running, phase: string, done: number, total: number, unit: string): void {
    const now = performance.now();
    if (phase !== running.phase) [running.phase, running.phaseStarted] = [phase, now];
    const seconds = (now - running.phaseStarted) / 1000;
    const rate = seconds > 0.5 && done > 0 ? done / seconds : 0;
    const etaSeconds = rate > 0 ? Math.max(0, (total - done) / rate) : null;
    running.info.progress = { phase, done, total, unit, etaSeconds };
    this.emit('job', running.info);
  }

  private addLog(running: Running, line: string): void {
    running.info.log.push(line);
    if (running.info.log.length > LOG_LINES) running.info.log.shift();
    this.emit('job', running.info);
  }

  /** Open what the job wrote (as tracks), then mark it done. */
  private async finish(running: Running, outputs: string[]): Promise<void> {
    const opened: OpenedFile[] = [];
    for (const path of outputs) {
      try {
        opened.push(await this.options.files.open(path));
      } catch (err) {
        this.addLog(running, `could not open ${path}: ${(err as Error).message}`);
      }
    }
    running.info.outputs = opened;
    this.end(running, 'done');
  }

  private end(running: Running, state: 'done' | 'failed' | 'cancelled', error?: string): void {
    if (running.info.state !== 'running') return;
    if (state === 'failed' && running.cancelRequested) {
      if (error !== undefined) running.info.log.push(`stopped: ${error}`);
      [state, error] = ['cancelled', undefined];
    }
    running.info.state = state;
    running.info.finishedAt = new Date().toISOString();
    if (error !== undefined) running.info.error = error;
    this.emit('job', running.info);
  }
}

function titleOf(job: WorkerJob): string {
  switch (job.kind) {
    case 'scan':
      return `scan ${job.genome} (${job.method})`;
    case 'variants':
      return `variants ${job.bams.join(', ')}`;
    case 'motifs':
      return `motifs in ${job.targets}`;
    case 'attention':
      return `attention ${job.model} ${job.region} layer ${job.layer} head ${job.head}`;
  }
}
