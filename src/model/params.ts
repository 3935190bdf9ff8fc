/**
 * Parameters by name, as checkpoints store them. Names are stable and say where a tensor lives:
 * `layers.3.attn.wqk`, `layers.3.ffn.w1`, `embed.tokens`, `head.lm.w`.
 */
import type * as TF from '@tensorflow/tfjs';
import type { ResolvedConfig } from './config.js';

/**
 * How a classifier turns the final hidden states (T, d) into one (1, d) row:
 * - 'mean' (the default, and what checkpoints without the field had): the average over positions,
 *   for labels that depend on a whole sequence's make-up (a promoter against a gene body);
 * - 'max': the largest value of each channel at any position, for labels that depend on whether
 *   something is present anywhere (a binding site in a peak), as motif CNNs such as DeepBind pool.
 *   Averaging dilutes a 10-base site in 200 bases twentyfold; the maximum does not.
 */
export type ClassifyPooling = 'mean' | 'max';

export const CLASSIFY_POOLINGS: readonly ClassifyPooling[] = ['mean', 'max'];

export type HeadSpec =
  | { kind: 'lm' }
  | { kind: 'classify'; classes: number; pooling?: ClassifyPooling }
  | { kind: 'token'; outputs: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Initial values: 'normal' (std given), 'ones' or 'zeros'. */
  init: { kind: 'normal'; std: number } | { kind: 'ones' } | { kind: 'zeros' };
}

/** Every parameter of a model with this config and head, in a fixed order. */
export function parameterSpecs(config: ResolvedConfig, head: HeadSpec): ParamSpec[] {
  const { dModel: d, heads, dHead, ffMult, vocabSize, depth, axialShape, axialDims } = config;
  const inner = heads * dHead;
  const ff = ffMult * d;
  const normal = (fanIn: number) => ({ kind: 'normal' as const, std: 1 / Math.sqrt(fanIn) });
  const norm = (prefix: string): ParamSpec[] => [
    { name: `${prefix}.gain`, shape: [d], init: { kind: 'ones' } },
    { name: `${prefix}.bias`, shape: [d], init: { kind: 'zeros' } },
  ];
  const specs: ParamSpec[] = [
    { name: 'embed.tokens', shape: [vocabSize, d], init: { kind: 'normal', std: 0.02 } },
    { name: 'embed.axial0', shape: [axialShape[0], axialDims[0]], init: { kind: 'normal', std: 0.02 } },
    { name: 'embed.axial1', shape: [axialShape[1], axialDims[1]], init: { kind: 'normal', std: 0.02 } },
  ];
  // Tap j weighs the embedding of the token j places back; random taps give each offset its own
  // per-channel pattern from the start, so the sum does not blur which base sat where.
  if (config.tokenConv > 0)
    specs.push({ name: 'embed.conv', shape: [config.tokenConv, d], init: normal(config.tokenConv) });
  for (let l = 0; l < depth; l++) {
    const p = `layers.${l}`;
    specs.push(
      ...norm(`${p}.attn.norm`),
      { name: `${p}.attn.wqk`, shape: [d, inner], init: normal(d) },
      { name: `${p}.attn.wv`, shape: [d, inner], init: normal(d) },
      // Residual branches start small so a deep reversible stack begins close to the identity.
      { name: `${p}.attn.wo`, shape: [inner, d], init: normal(inner * depth) },
      ...norm(`${p}.ffn.norm`),
      { name: `${p}.ffn.w1`, shape: [d, ff], init: normal(d) },
      { name: `${p}.ffn.b1`, shape: [ff], init: { kind: 'zeros' } },
      { name: `${p}.ffn.w2`, shape: [ff, d], init: normal(ff * depth) },
      { name: `${p}.ffn.b2`, shape: [d], init: { kind: 'zeros' } },
    );
  }
  specs.push(...norm('final.norm'));
  if (head.kind === 'lm') {
    specs.push(
      { name: 'head.lm.w', shape: [d, vocabSize], init: normal(d) },
      { name: 'head.lm.b', shape: [vocabSize], init: { kind: 'zeros' } },
    );
  } else if (head.kind === 'classify') {
    specs.push(
      { name: 'head.cls.w', shape: [d, head.classes], init: normal(d) },
      { name: 'head.cls.b', shape: [head.classes], init: { kind: 'zeros' } },
    );
  } else {
    specs.push(
      { name: 'head.token.w', shape: [d, head.outputs], init: normal(d) },
      { name: 'head.token.b', shape: [head.outputs], init: { kind: 'zeros' } },
    );
  }
  return specs;
}

/** Create parameters deterministically from the config seed. */
export function initParameters(tf: typeof TF, specs: ParamSpec[], seed: number): Map<string, TF.Variable> {
  const params = new Map<string, TF.Variable>();
  specs.forEach((spec, i) => {
    const value = tf.tidy(() =>
      spec.init.kind === 'normal'
        ? tf.randomNormal(spec.shape, 0, spec.init.std, 'float32', (seed * 1_000_003 + i * 7_919 + 1) >>> 0)
        : spec.init.kind === 'ones'
          ? tf.ones(spec.shape)
          : tf.zeros(spec.shape),
    );
    params.set(
      spec.name,
      tf.variable(value, true, `${spec.name}#${seed}#${Math.random().toString(36).slice(2)}`),
    );
    value.dispose();
  });
  return params;
}

/** A seed for one use (layer, part, step) derived from the model seed; 32-bit, well mixed. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}
