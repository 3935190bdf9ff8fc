/**
 * AdamW (Loshchilov & Hutter) with explicit state, so a checkpoint can store and restore it exactly.
 * Weight decay is decoupled and skipped for biases, LayerNorm gains and embeddings' positions.
 */
import type * as TF from '@tensorflow/tfjs';

export interface AdamWOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Parameters that are not decayed: biases and LayerNorm gains (decaying them only hurts). */
export function isDecayed(name: string): boolean {
  return !/\.(bias|gain|b1|b2|b)$/.test(name) && !name.startsWith('embed.axial');
}

export class AdamW {
  step = 0;
  readonly m = new Map<string, TF.Tensor>();
  readonly v = new Map<string, TF.Tensor>();
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  constructor(
    private readonly tf: typeof TF,
    options: AdamWOptions,
  ) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** Apply one update from `grads` (not disposed here) to `params`. */
  apply(params: Map<string, TF.Variable>, grads: Map<string, TF.Tensor>): void {
    const { tf } = this;
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    const lr = this.learningRate;
    for (const [name, param] of params) {
      const g = grads.get(name);
      if (!g) continue;
      const m0 = this.m.get(name);
      const v0 = this.v.get(name);
      const [m1, v1, updated] = tf.tidy(() => {
        const m = tf.add(tf.mul(m0 ?? tf.zerosLike(g), this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(v0 ?? tf.zerosLike(g), this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), this.epsilon));
        let next = tf.sub(param, tf.mul(update, lr));
        if (this.weightDecay > 0 && isDecayed(name))
          next = tf.sub(next, tf.mul(param, lr * this.weightDecay));
        return [m, v, next];
      });
      m0?.dispose();
      v0?.dispose();
      this.m.set(name, m1!);
      this.v.set(name, v1!);
      param.assign(updated!);
      updated!.dispose();
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** The global L2 norm of the gradients, a scalar tensor (summed in name order, see below). */
function globalNorm(tf: typeof TF, grads: Map<string, TF.Tensor>): TF.Tensor {
  return tf.tidy(() => {
    // Summed in name order: the norm (and so the clipped update) must not depend on the order in
    // which the gradients were produced (in process or by worker threads).
    const names = [...grads.keys()].sort();
    // Added one at a time: webgpu's AddN binds every input at once, beyond its storage-buffer limit.
    let total = tf.scalar(0);
    for (const name of names) total = tf.add(total, tf.sum(tf.square(grads.get(name)!)));
    return tf.sqrt(total);
  });
}

/** Scale gradients in place so their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipGradients(tf: typeof TF, grads: Map<string, TF.Tensor>, maxNorm: number): number {
  const normTensor = globalNorm(tf, grads);
  const norm = normTensor.dataSync()[0]!;
  normTensor.dispose();
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, scale));
      g.dispose();
    }
  }
  return norm;
}

/**
 * The same clipping without reading the norm back (for webgpu, where a read waits for the device):
 * every gradient is multiplied by min(1, maxNorm / (norm + 1e-6)) on the device, which is exactly 1
 * when the norm is within bounds. Returns the norm before clipping as a scalar tensor to read later.
 */
export function clipGradientsOnDevice(
  tf: typeof TF,
  grads: Map<string, TF.Tensor>,
  maxNorm: number,
): TF.Tensor {
  const norm = globalNorm(tf, grads);
  if (!Number.isFinite(maxNorm)) return norm;
  const scale = tf.tidy(() => tf.where(tf.greater(norm, maxNorm), tf.div(maxNorm, tf.add(norm, 1e-6)), 1));
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, scale));
    g.dispose();
  }
  scale.dispose();
  return norm;
}
