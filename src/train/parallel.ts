/**
 * Data-parallel gradients over worker threads (one tfjs backend per worker, so both cores work):
 * each step the workers get the current weights, each computes the gradients of its share of the
 * examples, and the average is formed here in example order (so the result does not depend on how
 * the examples were split). The optimiser step stays on the main thread.
 */
import { modelWeights, type ModelWorkerPool } from '../model/workers.js';
import type { GradientComputer } from './trainer.js';

export function workerGradients(pool: ModelWorkerPool): GradientComputer {
  return {
    async compute(model, examples, step) {
      const { tf } = model;
      await pool.setWeights(modelWeights(model));
      const results = await pool.gradients(
        examples.map((e) => e.input),
        examples.map((e) => e.target),
        step,
      );
      const grads = new Map<string, TF_Tensor>();
      for (const name of model.names) {
        const size = results[0]!.grads[name]!.length;
        const sum = new Float32Array(size);
        for (const r of results) {
          const g = r.grads[name]!;
          for (let i = 0; i < size; i++) sum[i]! += g[i]!;
        }
        for (let i = 0; i < size; i++) sum[i]! /= results.length;
        grads.set(name, tf.tensor(sum, model.param(name).shape));
      }
      const loss = results.reduce((a, r) => a + r.loss, 0) / results.length;
      const tokens = examples.reduce((a, e) => a + e.input.ids.length, 0);
      return { loss, tokens, grads };
    },
  };
}

type TF_Tensor = import('@tensorflow/tfjs').Tensor;
