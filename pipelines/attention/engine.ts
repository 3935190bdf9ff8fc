/**
 * What the desktop keeps between attention views (src/server/attention-worker.ts): the model loaded,
 * its worker threads started, and the contexts already read, so that the next view skips all three.
 */
import type { GenomeAttention } from '../../src/model/attention-export.js';
import type { ModelWorkerPool } from '../../src/model/workers.js';
import { loadAttentionModel, type LoadedModel } from './load-model.js';

/**
 * A loaded model with its worker threads, and the contexts it has read, kept between views by a
 * long-lived caller (the desktop's attention service): the next view skips loading the model,
 * starting the workers and reading any context it has read before.
 */
export interface AttentionEngine {
  loaded: LoadedModel;
  /** Threads reading contexts in parallel; absent when `workers` is 1 (the caller's thread reads them). */
  pool?: ModelWorkerPool;
  workers: number;
  contexts: ContextCache;
  /** Seconds it took to load the model and to start the threads, when the engine was opened. */
  opening: { loadModel: number; startWorkers: number };
}

/** Worker threads that each hold a copy of `loaded`'s model. */
export async function startPool(
  loaded: LoadedModel,
  backend: string,
  workers: number,
): Promise<ModelWorkerPool> {
  const [{ ModelWorkerPool }, { parseBackendChoice }] = await Promise.all([
    import('../../src/model/workers.js'),
    import('../../src/model/backend.js'),
  ]);
  return ModelWorkerPool.forModel(loaded.model, workers, parseBackendChoice(backend));
}

/** Load `model`, start `workers` threads for it and an empty cache of at most `cacheBytes`. */
export async function openAttentionEngine(
  model: string,
  backend: string,
  workers: number,
  cacheBytes = 256 * 2 ** 20,
): Promise<AttentionEngine> {
  const started = performance.now();
  const loaded = await loadAttentionModel(model, backend);
  const modelLoaded = performance.now();
  try {
    const pool = workers > 1 ? await startPool(loaded, backend, workers) : undefined;
    const opening = {
      loadModel: (modelLoaded - started) / 1000,
      startWorkers: (performance.now() - modelLoaded) / 1000,
    };
    return { loaded, pool, workers, contexts: new ContextCache(cacheBytes), opening };
  } catch (err) {
    loaded.model.dispose();
    throw err;
  }
}

export async function closeAttentionEngine(engine: AttentionEngine): Promise<void> {
  await engine.pool?.close();
  engine.loaded.model.dispose();
}

/** Bytes of typed arrays one context's attention holds. */
function sizeOf(genome: GenomeAttention): number {
  let bytes = 0;
  for (const entry of genome.layers) {
    for (const array of [
      entry.queries,
      entry.queryStarts,
      entry.queryEnds,
      entry.keyStarts,
      entry.keyEnds,
      entry.weights,
    ]) {
      bytes += array.byteLength;
    }
  }
  return bytes;
}

/**
 * The most recently used contexts' attention (every head of one layer), within `budgetBytes`: about
 * 0.3 MB a 10 kb context at the desktop's default of at most 4,000 queries a view, 7 MB at every token.
 */
export class ContextCache {
  private readonly entries = new Map<string, { genome: GenomeAttention; bytes: number }>();
  private bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): GenomeAttention | undefined {
    const found = this.entries.get(key);
    if (found) {
      // A Map iterates in insertion order: inserting again makes the entry the newest.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found?.genome;
  }

  set(key: string, genome: GenomeAttention): void {
    this.delete(key);
    const bytes = sizeOf(genome);
    if (bytes > this.budgetBytes) return;
    this.entries.set(key, { genome, bytes });
    this.bytes += bytes;
    while (this.bytes > this.budgetBytes) this.delete(this.entries.keys().next().value!);
  }

  private delete(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.bytes -= found.bytes;
  }
}
