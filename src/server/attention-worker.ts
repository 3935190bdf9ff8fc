/**
 * The desktop's attention views, in one worker thread that outlives them: it keeps the model of the
 * last view loaded, with its worker threads and the contexts it has read (an AttentionEngine), so
 * the next view of that model skips the start-up and any context read before. Views run one at a
 * time, in the order they arrive; another model (or the same checkpoint rewritten, e.g. by a finetune
 * job) replaces the engine.
 *
 * Messages in (AttentionServiceRequest): run, cancel. Out: the job's WorkerMessages, each
 * tagged with its job id, ending with exactly one done or failed per run.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { AttentionEngine } from '../../pipelines/attention/engine.js';
import type { AttentionServiceReply, AttentionServiceRequest, WorkerJob } from './job-messages.js';

type AttentionJob = Extract<WorkerJob, { kind: 'attention' }>;

const port = parentPort!;
const post = (reply: AttentionServiceReply) => port.postMessage(reply);
const controllers = new Map<string, AbortController>();
let open: { key: string; engine: AttentionEngine } | undefined;
let queue = Promise.resolve();

/** What identifies a loaded model: its folder and when its weights were written. */
async function engineKey(model: string): Promise<string> {
  const { resolveCheckpoint } = await import('../model/shipped.js');
  const path = resolveCheckpoint(model);
  const written = await stat(join(path, 'model.safetensors')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return `${path}\t${written}`;
}

async function engineFor(job: AttentionJob): Promise<AttentionEngine> {
  const { openAttentionEngine, closeAttentionEngine } = await import('../../pipelines/attention/engine.js');
  const key = await engineKey(job.model);
  if (open?.key === key) return open.engine;
  if (open) await closeAttentionEngine(open.engine);
  open = undefined;
  // Contexts in parallel, one worker per core (each holds its own copy of the model).
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  open = { key, engine: await openAttentionEngine(job.model, 'auto', workers) };
  return open.engine;
}

/** Views waiting behind the running one; a cancel ends such a view at once (see the handler). */
const queued = new Set<string>();

async function run(id: string, job: AttentionJob, signal: AbortSignal): Promise<void> {
  const log = (line: string) => post({ id, message: { type: 'log', line } });
  // Cancelled while it waited: its end has been reported already.
  if (!queued.delete(id)) return;
  try {
    const { attentionOverLocus } = await import('../../pipelines/attention/locus-attention.js');
    const before = open?.engine;
    const engine = await engineFor(job);
    log(`attention of ${job.model} over ${job.region}, layer ${job.layer}, head ${job.head}`);
    if (engine === before) log('model already loaded');
    const computed = await attentionOverLocus({
      ...job,
      engine,
      signal,
      // The view so far goes first, so the progress event that follows finds it on the server.
      onPartial: (partial) => post({ id, message: { type: 'partial', attention: partial } }),
      onProgress: (p) =>
        post({
          id,
          message: { type: 'progress', phase: 'contexts', done: p.done, total: p.total, unit: 'contexts' },
        }),
    });
    // A view that opened the engine counts its opening in its timings, as a view without one does.
    const opened = engine === before ? { loadModel: 0, startWorkers: 0 } : engine.opening;
    const view = {
      ...computed,
      seconds: computed.seconds + opened.loadModel + opened.startWorkers,
      timings: computed.timings && {
        ...computed.timings,
        loadModel: computed.timings.loadModel + opened.loadModel,
        startWorkers: computed.timings.startWorkers + opened.startWorkers,
      },
    };
    const cached = view.timings?.contextsCached ?? 0;
    log(
      `${view.queryStarts.length.toLocaleString('en-US')} queries in ${view.seconds.toFixed(1)} s` +
        (cached > 0 ? ` (${cached} of ${view.contexts.length} contexts read before)` : ''),
    );
    post({ id, message: { type: 'done', outputs: [], attention: view } });
  } catch (err) {
    const cancelled = signal.aborted;
    post({
      id,
      message: {
        type: 'failed',
        cancelled,
        message: cancelled ? 'cancelled' : err instanceof Error ? err.message : String(err),
      },
    });
  } finally {
    controllers.delete(id);
  }
}

port.on('message', (request: AttentionServiceRequest) => {
  switch (request.type) {
    case 'run': {
      const controller = new AbortController();
      controllers.set(request.id, controller);
      queued.add(request.id);
      queue = queue.then(() => run(request.id, request.job, controller.signal));
      return;
    }
    case 'cancel':
      controllers.get(request.id)?.abort(new Error('cancelled'));
      // A view that has not started ends now, not when the one before it is done.
      if (queued.delete(request.id)) {
        controllers.delete(request.id);
        post({ id: request.id, message: { type: 'failed', cancelled: true, message: 'cancelled' } });
      }
      return;
  }
});
