/**
 * Chunks called in parallel: each worker thread takes the next chunk when it is free; results come
 * back in chunk order, so the output does not depend on the number of workers. With one worker the
 * chunks are called on this thread (no worker start-up, easier debugging).
 */
import { Worker } from 'node:worker_threads';
import { LocusInputError } from '../../src/errors.js';
import { callChunk, type ChunkInputs } from './call-chunk.js';
import type { CallChunk, CallSettings, VariantCall } from './types.js';

export interface WorkerSetup {
  reference: string;
  bams: string[];
  settings: CallSettings;
}
export interface ChunkRequest {
  id: number;
  chunk: CallChunk;
}
export type ChunkReply =
  | { id: number; calls: VariantCall[] }
  | { id: number; error: { name: string; message: string; input?: string; hint?: string } };

export interface PoolRun {
  chunks: readonly CallChunk[];
  workers: number;
  setup: WorkerSetup;
  /** Opened inputs for calling on this thread (workers = 1). */
  inputs: Omit<ChunkInputs, 'contigLength'> & { lengths: ReadonlyMap<string, number> };
  signal?: AbortSignal;
  /** Called as each chunk finishes (in any order), for progress. */
  onChunkDone?: (chunk: CallChunk) => void;
}

/** Calls of every chunk, concatenated in chunk order. */
export async function callChunks(run: PoolRun): Promise<VariantCall[]> {
  const results: VariantCall[][] = new Array(run.chunks.length);
  if (run.workers <= 1 || run.chunks.length <= 1) {
    for (let i = 0; i < run.chunks.length; i++) {
      run.signal?.throwIfAborted();
      const chunk = run.chunks[i]!;
      const contigLength = run.inputs.lengths.get(chunk.contig)!;
      results[i] = await callChunk(chunk, { ...run.inputs, contigLength }, run.setup.settings, run.signal);
      run.onChunkDone?.(chunk);
    }
    return results.flat();
  }
  const script = new URL('./chunk-worker.js', import.meta.url);
  const workers = Array.from(
    { length: Math.min(run.workers, run.chunks.length) },
    () => new Worker(script, { workerData: run.setup }),
  );
  try {
    let next = 0;
    await Promise.all(
      workers.map(async (worker) => {
        while (next < run.chunks.length) {
          run.signal?.throwIfAborted();
          const id = next++;
          const reply = await ask(worker, { id, chunk: run.chunks[id]! }, run.signal);
          if ('error' in reply) throw rebuildError(reply.error);
          results[id] = reply.calls;
          run.onChunkDone?.(run.chunks[id]!);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.flat();
}

function ask(worker: Worker, request: ChunkRequest, signal?: AbortSignal): Promise<ChunkReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ChunkReply) => {
      cleanup();
      resolve(reply);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAbort = () => {
      cleanup();
      reject(signal!.reason);
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage(request);
  });
}

/** Errors cross the thread boundary as data; bad input stays a LocusInputError for the CLI. */
function rebuildError(e: { name: string; message: string; input?: string; hint?: string }): Error {
  if (e.name === 'LocusInputError' && e.input !== undefined) {
    const problem =
      e.hint && e.message.endsWith(`; ${e.hint}`) ? e.message.slice(0, -e.hint.length - 2) : e.message;
    return new LocusInputError(e.input, problem, e.hint);
  }
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}
