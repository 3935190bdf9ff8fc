/**
 * A desktop job (scan, variants, motifs) in a worker thread: runs the same pipeline function the CLI
 * runs, with the same defaults, and reports over the parent port. The parent cancels by posting 'cancel', which aborts the
 * pipeline's AbortSignal (the pipelines stop at their next check and write nothing half-done); a
 * worker that does not stop in time is terminated by the parent.
 *
 * Messages to the parent (WorkerMessage): progress, log lines, then exactly one of done / failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LocusInputError } from '../errors.js';
import type { WorkerJob, WorkerMessage } from './job-messages.js';

const port = parentPort!;
// Attention views run in the attention service's long-lived worker (attention-worker.ts) instead.
const job = workerData as Exclude<WorkerJob, { kind: 'attention' }>;
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') controller.abort(new Error('cancelled'));
});

const post = (message: WorkerMessage) => port.postMessage(message);
const progress = (phase: string, done: number, total: number, unit: string) =>
  post({ type: 'progress', phase, done, total, unit });
const log = (line: string) => post({ type: 'log', line });

async function run(): Promise<WorkerMessage> {
  const { signal } = controller;
  switch (job.kind) {
    case 'scan': {
      const [{ scanGenome, SCAN_DEFAULTS }, { writeScanOutputs }, { checkOutputFolder }] = await Promise.all([
        import('../../pipelines/scan/scan.js'),
        import('../../pipelines/scan/outputs.js'),
        import('../replace-folder.js'),
      ]);
      await checkOutputFolder(job.output, job.force);
      log(`scan ${job.genome} (${job.method}) -> ${job.output}`);
      let phase = '';
      const result = await scanGenome({
        ...SCAN_DEFAULTS,
        genome: job.genome,
        method: job.method,
        region: job.region,
        reformer: {
          ...SCAN_DEFAULTS.reformer,
          model: job.model,
          ...(job.steps !== undefined ? { steps: job.steps } : {}),
        },
        signal,
        onProgress: (p) => {
          if (p.phase !== phase) log(`${(phase = p.phase)}: ${p.total.toLocaleString('en-US')} ${p.unit}`);
          progress(p.phase, p.done, p.total, p.unit);
        },
      });
      signal.throwIfAborted();
      await writeScanOutputs(result, job.output, job.version);
      log(`${result.segments.length} anomalous segments; outputs in ${job.output}`);
      return {
        type: 'done',
        outputs: [`${job.output}/scores.bedgraph`, `${job.output}/anomalies.bed`],
      };
    }
    case 'variants': {
      const [{ callVariants, VARIANT_DEFAULTS }, { exists }] = await Promise.all([
        import('../../pipelines/variants/variants.js'),
        import('../io/files.js'),
      ]);
      if (!job.force && (await exists(job.output))) {
        throw new LocusInputError(
          job.output,
          `Output "${job.output}" exists`,
          'choose another name or tick overwrite',
        );
      }
      log(`variants ${job.bams.join(' ')} on ${job.reference} -> ${job.output}`);
      const result = await callVariants({
        ...VARIANT_DEFAULTS,
        bams: job.bams,
        reference: job.reference,
        output: job.output,
        ploidy: job.ploidy,
        region: job.region,
        ...(job.minAf !== undefined ? { minAf: job.minAf } : {}),
        model: job.model,
        command: `locus variants ${job.bams.join(' ')} --ref ${job.reference} -o ${job.output}`,
        signal,
        onProgress: (p) => progress(p.phase, p.done, p.total, p.unit),
      });
      log(`${result.calls} calls (${result.passing} PASS: ${result.snvs} SNVs, ${result.indels} indels)`);
      return { type: 'done', outputs: [job.output] };
    }
    case 'motifs': {
      const [{ findMotifs }, { writeMotifsOutputs }, { checkOutputFolder }] = await Promise.all([
        import('../../pipelines/motifs/motifs.js'),
        import('../../pipelines/motifs/outputs.js'),
        import('../replace-folder.js'),
      ]);
      await checkOutputFolder(job.output, job.force);
      log(`motifs in ${job.targets}${job.background ? ` against ${job.background}` : ''} -> ${job.output}`);
      const found = await findMotifs({
        targets: job.targets,
        background: job.background,
        minWidth: 6,
        maxWidth: 20,
        maxMotifs: job.maxMotifs,
        anchor: job.anchor,
        seed: 1,
        countBy: 'auto',
        signal,
        onProgress: (p) => {
          if (p.phase === 'discover' && p.motif !== undefined) {
            progress('discover', p.motif, p.maxMotifs ?? job.maxMotifs, 'motifs');
          } else if (p.done !== undefined && p.total !== undefined) {
            progress(p.phase, p.done, p.total, p.step ?? 'steps');
          }
        },
      });
      signal.throwIfAborted();
      await writeMotifsOutputs(
        found,
        job.output,
        job.version,
        `locus motifs ${job.targets}${job.background ? ` --background ${job.background}` : ''}${job.anchor ? ` --anchor ${job.anchor}` : ''} -o ${job.output}`,
      );
      log(`${found.motifs.length} motifs; outputs in ${job.output}`);
      return { type: 'done', outputs: [`${job.output}/sites.bed`] };
    }
  }
}

run()
  .then((message) => post(message))
  .catch((err: unknown) => {
    const cancelled = controller.signal.aborted;
    post({
      type: 'failed',
      cancelled,
      message: cancelled ? 'cancelled' : err instanceof Error ? err.message : String(err),
    });
  })
  // The cancel listener would keep the thread (and the model and backend it holds) alive.
  .finally(() => port.close());
