/**
 * A Reformer as a checkpoint folder: `config.json` holds the resolved model config, the head, and
 * whatever the caller adds (tokenizer config, training metadata); `model.safetensors` the weights.
 * Loading checks every tensor's name, shape and dtype against the config before building anything.
 */
import type * as TF from '@tensorflow/tfjs';
import { LocusInputError } from '../errors.js';
import { loadCheckpoint, saveCheckpoint, type ExpectedTensor } from './checkpoint.js';
import { resolveConfig, type ReformerConfig, type ResolvedConfig } from './config.js';
import { parameterSpecs, type HeadSpec } from './params.js';
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
      (head.kind === 'classify' && Number.isInteger(head.classes) && head.classes >= 2) ||
      (head.kind === 'token' && Number.isInteger(head.outputs) && head.outputs >= 1));
  if (!ok)
    throw new LocusInputError(
      source,
      `Checkpoint "${source}" has no valid "head" in config.json`,
      'the checkpoint was not written by Locus, or is damaged',
    );
  return head;
}

/** Load a model saved by `saveModel`; the active tfjs backend holds the weights. */
export async function loadModel(
  tf: typeof TF,
  dir: string,
): Promise<{ model: Reformer; config: ModelFileConfig }> {
  let modelConfig: ResolvedConfig | undefined;
  let head: HeadSpec | undefined;
  const { config, tensors } = await loadCheckpoint<ModelFileConfig>(dir, (fileConfig) => {
    modelConfig = resolveConfig((fileConfig.model ?? {}) as Partial<ReformerConfig>, `${dir}/config.json`);
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
