/**
 * A checkpoint loaded for reading its attention, with the tokenizer it reads DNA through: what
 * `locus attention` and the desktop's attention view (locus-attention.ts) start from.
 */
import { LocusInputError } from '../../src/errors.js';
import type { Tf } from '../../src/model/backend.js';
import type { Reformer } from '../../src/model/reformer.js';
import { KmerTokenizer } from '../../src/tokenize/index.js';

export interface LoadedModel {
  tf: Tf;
  model: Reformer;
  tokenizer: KmerTokenizer;
  /** 1 when the model was trained with [CLS] ... [SEP] around each input. */
  special: number;
  path: string;
}

/**
 * A checkpoint (folder or shipped name) with the tokenizer its attention is read through: the one in
 * config.json, else 6-mers at stride 6. `locus attention` and the desktop's view load models here.
 */
export async function loadAttentionModel(nameOrPath: string, backend: string): Promise<LoadedModel> {
  const [{ selectBackend, parseBackendChoice }, { loadModel }, { resolveCheckpoint }] = await Promise.all([
    import('../../src/model/backend.js'),
    import('../../src/model/model-io.js'),
    import('../../src/model/shipped.js'),
  ]);
  const path = resolveCheckpoint(nameOrPath);
  const { tf } = await selectBackend(parseBackendChoice(backend));
  const { model, config } = await loadModel(tf, path);
  const source = `${path}/config.json`;
  const tokenizer =
    config.tokenizer === undefined
      ? new KmerTokenizer({ k: 6, stride: 6 })
      : KmerTokenizer.fromConfig(config.tokenizer, source);
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    model.dispose();
    throw new LocusInputError(
      source,
      `Checkpoint "${path}" has a vocabulary of ${model.config.vocabSize} tokens but its tokenizer (k=${tokenizer.k}) makes ${tokenizer.vocabSize}`,
      config.tokenizer === undefined
        ? 'add the "tokenizer" the model was trained with to config.json'
        : 'the checkpoint is damaged; save it again',
    );
  }
  const task = config.task as { addSpecialTokens?: boolean } | undefined;
  return { tf, model, tokenizer, special: task?.addSpecialTokens === true ? 1 : 0, path };
}
