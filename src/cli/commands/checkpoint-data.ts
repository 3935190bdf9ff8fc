/**
 * What `finetune`, `eval`, `predict` and `embed` share: load a checkpoint with its tokenizer, read a
 * labeled file, and turn sequences into model inputs the way the model was trained.
 */
import { LocusInputError } from '../../errors.js';
import type { SelectOptions, Tf } from '../../model/backend.js';
import type { Reformer, SequenceInput } from '../../model/reformer.js';
import type { KmerTokenizer } from '../../tokenize/index.js';
import type { LabeledSet, Truncation } from '../../train/data/index.js';

export interface LoadedCheckpoint {
  tf: Tf;
  model: Reformer;
  tokenizer: KmerTokenizer;
  config: Record<string, unknown>;
  /** CLS/SEP around each sequence, as in training. */
  addSpecialTokens: boolean;
}

/** Load a checkpoint folder, or a shipped model by name, with its tokenizer. */
export async function loadForInference(
  path: string,
  backend: string,
  /** Whether the caller reads model outputs only asynchronously (then webgpu may run it). */
  options: SelectOptions = {},
): Promise<LoadedCheckpoint> {
  const [{ selectBackend, parseBackendChoice }, { loadModel }, { KmerTokenizer }, { resolveCheckpoint }] =
    await Promise.all([
      import('../../model/backend.js'),
      import('../../model/model-io.js'),
      import('../../tokenize/index.js'),
      import('../../model/shipped.js'),
    ]);
  path = resolveCheckpoint(path);
  const { tf } = await selectBackend(parseBackendChoice(backend), options);
  const { model, config } = await loadModel(tf, path);
  const tokenizer = config.tokenizer
    ? KmerTokenizer.fromConfig(config.tokenizer, `${path}/config.json`)
    : new KmerTokenizer();
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    throw new LocusInputError(
      path,
      `Checkpoint "${path}": its tokenizer has ${tokenizer.vocabSize} tokens but the model ${model.config.vocabSize}`,
      'the checkpoint is damaged; save it again',
    );
  }
  const task = config.task as { addSpecialTokens?: boolean } | undefined;
  return { tf, model, tokenizer, config, addSpecialTokens: task?.addSpecialTokens ?? true };
}

export async function readLabeledFile(
  path: string,
  options: { reference?: string; classes?: readonly string[] },
): Promise<LabeledSet> {
  const { readLabeled } = await import('../../train/data/index.js');
  return readLabeled(path, options);
}

/** Token ids of one sequence, checked against the model's longest input. */
export async function encodeSequence(
  loaded: LoadedCheckpoint,
  sequence: string,
  options: { maxTokens?: number; truncation?: Truncation; source: string },
): Promise<SequenceInput> {
  const { encodeBatch } = await import('../../train/data/index.js');
  const limit = loaded.model.config.maxLength - (loaded.addSpecialTokens ? 2 : 0);
  const batch = encodeBatch([sequence], {
    tokenizer: loaded.tokenizer,
    addSpecialTokens: loaded.addSpecialTokens,
    maxTokens: Math.min(options.maxTokens ?? limit, limit),
    truncation: options.truncation ?? 'error',
  });
  return { ids: batch.rows[0]!.ids, valid: batch.rows[0]!.valid };
}
