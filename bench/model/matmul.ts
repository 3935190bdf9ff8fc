/**
 * The plain 2-D matmul peak of a TensorFlow.js backend on this machine: the ceiling the model's
 * GFLOP/s is measured against. Prints JSON: one entry per shape, GFLOP/s of the median of the runs.
 *
 *   node dist/bench/model/matmul.js [--backend wasm] [--repeat 7]
 */
import { parseArgs } from 'node:util';
import type * as TF from '@tensorflow/tfjs';
import { parseBackendChoice, selectBackend } from '../../src/model/backend.js';

/** (m, k, n): x (m, k) @ w (k, n). The model's shapes: activations (T, 128) and (T, 512) by weights. */
const MATMUL_SHAPES: [number, number, number][] = [
  [4096, 512, 512],
  [16384, 128, 128],
];

interface MatmulPeak {
  m: number;
  k: number;
  n: number;
  medianSeconds: number;
  bestSeconds: number;
  /** GFLOP/s of the fastest run. */
  gflops: number;
  medianGflops: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: 'string', default: 'wasm' }, repeat: { type: 'string', default: '10' } },
  });
  const { tf, name } = await selectBackend(parseBackendChoice(values.backend));
  const repeat = Math.max(1, Number(values.repeat));
  const results: MatmulPeak[] = [];
  for (const [m, k, n] of MATMUL_SHAPES) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as TF.Tensor2D;
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2) as TF.Tensor2D;
    const times: number[] = [];
    for (let i = 0; i < repeat + 1; i++) {
      const started = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      const seconds = (performance.now() - started) / 1000;
      c.dispose();
      if (i > 0) times.push(seconds); // the first run is a warm-up
    }
    a.dispose();
    b.dispose();
    times.sort((x, y) => x - y);
    const medianSeconds = times[times.length >> 1]!;
    const bestSeconds = times[0]!;
    const flop = 2 * m * k * n;
    results.push({
      m,
      k,
      n,
      medianSeconds,
      bestSeconds,
      gflops: flop / bestSeconds / 1e9,
      medianGflops: flop / medianSeconds / 1e9,
    });
  }
  console.log(JSON.stringify({ backend: name, repeat, results }, null, 2));
}

main().catch((err: unknown) => {
  console.error(`bench/model/matmul: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
