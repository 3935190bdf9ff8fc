/**
 * Worker thread of `locus variants`: opens the reference and the BAMs once, then calls the chunks it
 * is sent, one at a time, and replies with the calls (plain data).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBam } from '../../src/io/bam.js';
import { openFasta } from '../../src/io/fasta.js';
import { callChunk, type ChunkInputs } from './call-chunk.js';
import type { ChunkRequest, ChunkReply, WorkerSetup } from './chunk-pool.js';

const setup = workerData as WorkerSetup;
const inputsReady: Promise<ChunkInputs & { lengths: Map<string, number> }> = (async () => {
  const reference = await openFasta(setup.reference, { writeIndex: 'memory' });
  const bams = await Promise.all(setup.bams.map((path) => openBam(path)));
  return { reference, bams, contigLength: 0, lengths: reference.lengths() };
})();

parentPort!.on('message', (request: ChunkRequest) => {
  void (async () => {
    let reply: ChunkReply;
    try {
      const inputs = await inputsReady;
      const contigLength = inputs.lengths.get(request.chunk.contig)!;
      const calls = await callChunk(request.chunk, { ...inputs, contigLength }, setup.settings);
      reply = { id: request.id, calls };
    } catch (err) {
      const e = err as Error & { input?: string; hint?: string };
      reply = { id: request.id, error: { name: e.name, message: e.message, input: e.input, hint: e.hint } };
    }
    parentPort!.postMessage(reply);
  })();
});
