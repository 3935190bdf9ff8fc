/**
 * One optimisation step on one sequence: reversible forward and backward, optional clipping, AdamW.
 * The trainer (src/train) adds batching, accumulation and schedules on top of this.
 */
import type * as TF from '@tensorflow/tfjs';
import { clipGradients, clipGradientsOnDevice, type AdamW } from './optimizer.js';
import type { Reformer, SequenceInput, Target } from './reformer.js';
import { deferredLossAndGradients, lossAndGradients } from './reversible.js';
import { checkDevice } from './webgpu-device.js';

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

/**
 * The same step with nothing read back until the update is queued: the form for webgpu (and fine on
 * every backend). Loss and gradient norm are read once the optimizer has been applied.
 */
export async function trainStepAsync(
  model: Reformer,
  optimizer: AdamW,
  input: SequenceInput,
  target: Target,
  options: { step: number; clip?: number },
): Promise<StepResult> {
  const { grads, loss, scored, reconstructionError } = deferredLossAndGradients(model, input, target, {
    training: true,
    step: options.step,
  });
  reconstructionError.dispose();
  let norm: TF.Tensor | undefined;
  try {
    norm = clipGradientsOnDevice(model.tf, grads, options.clip ?? Number.POSITIVE_INFINITY);
    optimizer.apply(model.params, grads);
    const [lossValue, normValue] = await Promise.all([loss.data(), norm.data()]);
    checkDevice();
    return { loss: lossValue[0]!, gradientNorm: normValue[0]!, scored };
  } finally {
    for (const g of grads.values()) g.dispose();
    loss.dispose();
    norm?.dispose();
  }
}
