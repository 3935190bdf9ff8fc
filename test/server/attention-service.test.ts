/**
 * The attention service's long-lived worker: views queue behind each other, a cancelled view ends as
 * cancelled without taking the next one with it, and the worker (with its model) goes after its idle
 * time and comes back for the next view. Needs the build (dist/src/server/attention-worker.js).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttentionService } from '../../src/server/attention-service.js';
import type { WorkerJob, WorkerMessage } from '../../src/server/job-messages.js';
import { SAMPLES } from '../helpers/paths.js';

type AttentionJob = Extract<WorkerJob, { kind: 'attention' }>;

const job = (region: string, queryStep: number): AttentionJob => ({
  kind: 'attention',
  version: 'test',
  force: false,
  fasta: join(SAMPLES, 'lambda.fa'),
  model: join(SAMPLES, 'model'),
  region,
  layer: 1,
  head: 'mean',
  rounds: 'merged',
  queryStep,
  topK: 4,
});

/** Run a view; resolve with its messages once it ends. */
function view(service: AttentionService, id: string, request: AttentionJob) {
  const messages: WorkerMessage[] = [];
  const ended = new Promise<WorkerMessage[]>((resolve) =>
    service.run(id, request, (message) => {
      messages.push(message);
      if (message.type === 'done' || message.type === 'failed') resolve(messages);
    }),
  );
  return ended;
}

describe('AttentionService', () => {
  it('cancels a view without losing the one queued behind it', async () => {
    const service = new AttentionService({ graceMs: 20_000 });
    try {
      // The whole of lambda, every token a query: many contexts, so the cancel lands mid-view.
      const long = view(service, 'long', job('lambda', 6));
      const next = view(service, 'next', job('lambda:1-3,000', 30));
      await new Promise((resolve) => setTimeout(resolve, 300));
      service.cancel('long');
      const longEnd = (await long).at(-1)!;
      expect(longEnd).toMatchObject({ type: 'failed', cancelled: true });
      const nextEnd = (await next).at(-1)!;
      expect(nextEnd.type).toBe('done');
      expect(nextEnd.type === 'done' && nextEnd.attention!.contextsRead).toBe(1);
    } finally {
      await service.close();
    }
  });

  it('ends a cancelled view that waits behind another at once, and the running one goes on', async () => {
    const service = new AttentionService({ graceMs: 1000 });
    try {
      const running = view(service, 'running', job('lambda', 6));
      const waiting = view(service, 'waiting', job('lambda:1-3,000', 30));
      await new Promise((resolve) => setTimeout(resolve, 300));
      service.cancel('waiting');
      expect((await waiting).at(-1)).toMatchObject({ type: 'failed', cancelled: true });
      // Well past the grace period: the worker was not terminated for a view that had stopped.
      const end = (await running).at(-1)!;
      expect(end.type).toBe('done');
      expect(end.type === 'done' && end.attention!.contextsRead).toBe(17);
    } finally {
      await service.close();
    }
  });

  it('lets the worker go when idle and starts it again for the next view', async () => {
    const service = new AttentionService({ idleMs: 100 });
    try {
      const first = (await view(service, 'a', job('lambda:1-3,000', 30))).at(-1)!;
      expect(first.type).toBe('done');
      expect(service.warm).toBe(true);
      for (let waited = 0; service.warm && waited < 10_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(service.warm).toBe(false);
      const second = await view(service, 'b', job('lambda:1-3,000', 30));
      expect(second.at(-1)!.type).toBe('done');
      // A fresh worker: the model is loaded again, and no context comes from a cache.
      const done = second.at(-1)!;
      expect(done.type === 'done' && done.attention!.timings!.contextsCached).toBe(0);
      // Its timings count the loading, which happened before the view itself started.
      expect(done.type === 'done' && done.attention!.timings!.loadModel).toBeGreaterThan(0.01);
      expect(second.some((m) => m.type === 'log' && m.line === 'model already loaded')).toBe(false);
    } finally {
      await service.close();
    }
  });
});
