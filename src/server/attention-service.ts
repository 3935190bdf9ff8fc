/**
 * The server's side of the attention worker (attention-worker.ts): starts it on the first view, hands
 * it views and cancels, and routes its tagged messages to each job's handler. The worker, with the
 * model and contexts it keeps, is let go after `idleMs` without a view, so an idle desktop does not
 * hold a model's memory; a view that does not stop within `graceMs` of its cancel costs the worker
 * (terminated, and started again by the next view).
 */
import { Worker } from 'node:worker_threads';
import { compiledScript } from '../compiled-script.js';
import type {
  AttentionServiceReply,
  AttentionServiceRequest,
  WorkerJob,
  WorkerMessage,
} from './job-messages.js';

export interface AttentionServiceOptions {
  /** Let the worker and its model go after this long without a view (default 10 minutes). */
  idleMs?: number;
  /** How long a cancelled view has to stop before the worker is terminated (default 3 s). */
  graceMs?: number;
}

export class AttentionService {
  private worker: Worker | undefined;
  private readonly handlers = new Map<string, (message: WorkerMessage) => void>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly graceMs: number;

  constructor(options: AttentionServiceOptions = {}) {
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.graceMs = options.graceMs ?? 3000;
  }

  /** Whether a worker (and so, after its first view, a loaded model) is up. */
  get warm(): boolean {
    return this.worker !== undefined;
  }

  /** Queue a view; `onMessage` gets its progress, partial views, logs, then one done or failed. */
  run(
    id: string,
    job: Extract<WorkerJob, { kind: 'attention' }>,
    onMessage: (m: WorkerMessage) => void,
  ): void {
    clearTimeout(this.idleTimer);
    this.handlers.set(id, onMessage);
    this.send({ type: 'run', id, job });
  }

  cancel(id: string): void {
    if (!this.handlers.has(id) || !this.worker) return;
    this.send({ type: 'cancel', id });
    const worker = this.worker;
    setTimeout(() => {
      if (this.handlers.has(id) && this.worker === worker) {
        void this.terminate(
          'stopped with the attention worker, which a cancelled view held; run it again',
          id,
        );
      }
    }, this.graceMs).unref();
  }

  /** Stop every view and let the worker go (server shutdown). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.terminate('server closed');
  }

  private send(request: AttentionServiceRequest): void {
    this.worker ??= this.start();
    this.worker.postMessage(request);
  }

  private start(): Worker {
    const worker = new Worker(
      compiledScript(import.meta.url, 'attention-worker.js', '../../dist/src/server/attention-worker.js'),
    );
    worker.on('message', (reply: AttentionServiceReply) => {
      const handler = this.handlers.get(reply.id);
      if (!handler) return;
      if (reply.message.type === 'done' || reply.message.type === 'failed') {
        this.handlers.delete(reply.id);
        if (this.handlers.size === 0) this.scheduleIdle();
      }
      handler(reply.message);
    });
    worker.on('error', (err) => this.fail(worker, err.message));
    worker.on('exit', () => this.fail(worker, 'the attention worker stopped'));
    return worker;
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // Terminating a worker ends the model threads it started too.
      if (this.handlers.size === 0) void this.terminate('idle');
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Terminate the worker; its views end, `cancelledId`'s as cancelled and the others as failed. */
  private async terminate(reason: string, cancelledId?: string): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.failAll(reason, cancelledId);
    await worker.terminate();
  }

  /** The worker `worker` ended on its own (an error, or its idle close). */
  private fail(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(reason);
  }

  private failAll(reason: string, cancelledId?: string): void {
    const handlers = [...this.handlers];
    this.handlers.clear();
    for (const [id, handler] of handlers) {
      const cancelled = id === cancelledId;
      handler({ type: 'failed', cancelled, message: cancelled ? 'cancelled' : reason });
    }
  }
}
