/**
 * One optimisation step on one sequence: reversible forward and backward, optional clipping, AdamW.
 * The trainer (src/train) adds batching, accumulation and schedules on top of this.
 */
import { clipGradients, type AdamW } from './optimizer.js';
import type { Reformer, SequenceInput, Target } from './reformer.js';
import { lossAndGradients } from './reversible.js';

export interface StepResult {
  loss: number;
  gradientNorm: number;
  scored: number;
}

export function trainStep(
  model: Reformer,
  optimizer: AdamW,
  input: SequenceInput,
  target: Target,
  options: { step: number; clip?: number },
): StepResult {
  const { grads, loss, scored } = lossAndGradients(model, input, target, {
    training: true,
    step: options.step,
  });
  try {
    const gradientNorm = clipGradients(model.tf, grads, options.clip ?? Number.POSITIVE_INFINITY);
    optimizer.apply(model.params, grads);
    return { loss, gradientNorm, scored };
  } finally {
    for (const g of grads.values()) g.dispose();
  }
}
