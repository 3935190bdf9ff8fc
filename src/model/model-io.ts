/**
 * A Reformer as a checkpoint folder: `config.json` holds the resolved model config, the head, and
 * whatever the caller adds (tokenizer config, training metadata); `model.safetensors` the weights.
 * Loading checks every tensor's name, shape and dtype against the config before building anything.
 */
import type * as TF from '@tensorflow/tfjs';
import { LocusInputError } from '../errors.js';
import { loadCheckpoint, saveCheckpoint, type ExpectedTensor } from './checkpoint.js';
import { DEFAULT_CONFIG, resolveConfig, type ReformerConfig, type ResolvedConfig } from './config.js';
import { CLASSIFY_POOLINGS, parameterSpecs, type HeadSpec } from './params.js';
import { Reformer } from './reformer.js';

export interface ModelFileConfig {
  model: ResolvedConfig;
  head: HeadSpec;
  [extra: string]: unknown;
}

export async function saveModel(
  dir: string,
  model: Reformer,
  extra: Record<string, unknown> = {},
  metadata?: Record<string, string>,
  extraTensorFiles?: Record<string, Record<string, TF.Tensor>>,
): Promise<void> {
  const config: ModelFileConfig = { ...extra, model: model.config, head: model.head };
  await saveCheckpoint(dir, {
    config,
    tensors: Object.fromEntries(model.params),
    metadata,
    extraTensorFiles,
  });
}

function headOf(value: unknown, source: string): HeadSpec {
  const head = value as HeadSpec | undefined;
  const ok =
    head !== undefined &&
    (head.kind === 'lm' ||
      (head.kind === 'classify' &&
        Number.isInteger(head.classes) &&
        head.classes >= 2 &&
        (head.pooling === undefined || CLASSIFY_POOLINGS.includes(head.pooling))) ||
      (head.kind === 'token' && Number.isInteger(head.outputs) && head.outputs >= 1));
  if (!ok)
    throw new LocusInputError(
      source,
      `Checkpoint "${source}" has no valid "head" in config.json`,
      'the checkpoint was not written by Locus, or is damaged',
    );
  return head;
}

/**
 * Settings added after checkpoints were first written, with the behaviour such a checkpoint had
 * before the setting existed. A stored config is read with these, never with today's defaults, so
 * a model does not silently change behaviour when a default changes (fullAttentionUpTo went from
 * none to 4,096 to 512 tokens).
 */
export const SETTINGS_BEFORE_THEY_EXISTED: Partial<ReformerConfig> = {
  fullAttentionUpTo: 0, // LSH layers always hashed
  tokenConv: 0, // no token convolution
  attentionKernel: 'auto', // the kernel computes what the tensor path computes
};

/**
 * The model config stored in a checkpoint, every setting explicit: missing ones take their value from
 * SETTINGS_BEFORE_THEY_EXISTED; a missing setting not listed there is an error rather than a guess.
 */
export function storedModelConfig(stored: unknown, source: string): ResolvedConfig {
  const fields = { ...(stored as Partial<ReformerConfig>) };
  const missing = Object.keys(DEFAULT_CONFIG).filter((key) => !(key in fields));
  for (const key of missing) {
    const legacy = SETTINGS_BEFORE_THEY_EXISTED[key as keyof ReformerConfig];
    if (legacy === undefined) {
      throw new LocusInputError(
        source,
        `Checkpoint config ${source} does not record the model setting "${key}"`,
        'the checkpoint was not written by Locus, or is damaged',
      );
    }
    (fields as Record<string, unknown>)[key] = legacy;
  }
  return resolveConfig(fields, source);
}

/** Load a model saved by `saveModel`; the active tfjs backend holds the weights. */
export async function loadModel(
  tf: typeof TF,
  dir: string,
): Promise<{ model: Reformer; config: ModelFileConfig }> {
  let modelConfig: ResolvedConfig | undefined;
  let head: HeadSpec | undefined;
  const { config, tensors } = await loadCheckpoint<ModelFileConfig>(dir, (fileConfig) => {
    modelConfig = storedModelConfig(fileConfig.model ?? {}, `${dir}/config.json`);
    head = headOf(fileConfig.head, dir);
    const specs = parameterSpecs(modelConfig, head);
    return Object.fromEntries(
      specs.map((s) => [s.name, { shape: s.shape, dtype: 'float32' as const } satisfies ExpectedTensor]),
    );
  });
  const specs = parameterSpecs(modelConfig!, head!);
  const params = new Map<string, TF.Variable>();
  for (const spec of specs) {
    const tensor = tensors[spec.name]!;
    params.set(spec.name, tf.variable(tensor, true, `${spec.name}#${Math.random().toString(36).slice(2)}`));
    tensor.dispose();
  }
  return {
    model: new Reformer(tf, modelConfig!, head!, params),
    config: { ...config, model: modelConfig!, head: head! },
  };
}
