/**
 * What the model-guided mode of `locus motifs` shares between training and attribution: the
 * checkpoint layout of a motif classifier, loading one (or any Locus classifier) with its tokenizer,
 * and turning a sequence into model input while remembering which bases each token covers.
 *
 * A motif classifier is an ordinary Locus checkpoint (config.json + model.safetensors, a `classify`
 * head) whose config.json also holds `tokenizer`, `classes` and `task.addSpecialTokens`, exactly as
 * `locus finetune` writes them, so `locus eval/predict --model DIR` read it too. Its `task.kind` is
 * `motif-classifier` and `task.targetClass` names the class whose evidence attribution explains.
 */
import { LocusInputError } from '../../src/errors.js';
import { parseBackendChoice, selectBackend, type Tf } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/model-io.js';
import type { Reformer, SequenceInput } from '../../src/model/reformer.js';
import { resolveCheckpoint } from '../../src/model/shipped.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { CLS_ID, SEP_ID } from '../../src/tokenize/vocab.js';

/** `task.kind` in the config.json of a checkpoint written by `trainMotifClassifier`. */
export const MOTIF_TASK_KIND = 'motif-classifier';

/** Class names of a motif classifier, by class id: background = 0, target = 1. */
export const MOTIF_CLASSES = ['background', 'target'] as const;

export interface MotifModel {
  tf: Tf;
  model: Reformer;
  tokenizer: KmerTokenizer;
  /** [CLS] first and [SEP] last, as the model was trained. */
  addSpecialTokens: boolean;
  /** The class whose evidence is explained (1 = target for motif classifiers). */
  targetClass: number;
  /** The checkpoint folder read. */
  dir: string;
}

/** Load a classifier checkpoint (folder or shipped model name) on `backend` with its tokenizer. */
export async function loadMotifModel(
  checkpoint: string,
  backend = 'auto',
  targetClass?: number,
): Promise<MotifModel> {
  const dir = resolveCheckpoint(checkpoint);
  const { tf } = await selectBackend(parseBackendChoice(backend));
  const { model, config } = await loadModel(tf, dir);
  const fail = (problem: string, hint: string): never => {
    model.dispose();
    throw new LocusInputError(checkpoint, `Checkpoint "${checkpoint}" ${problem}`, hint);
  };
  if (model.head.kind !== 'classify') {
    fail(
      `has a ${model.head.kind} head, not a classifier`,
      'give a checkpoint written by `locus motifs` or `locus finetune`',
    );
  }
  const tokenizer = config.tokenizer
    ? KmerTokenizer.fromConfig(config.tokenizer, `${dir}/config.json`)
    : new KmerTokenizer();
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    fail(
      `has a tokenizer of ${tokenizer.vocabSize} tokens but a model of ${model.config.vocabSize}`,
      'the checkpoint is damaged; save it again',
    );
  }
  const task = config.task as { addSpecialTokens?: boolean; targetClass?: number } | undefined;
  const classes = model.head.kind === 'classify' ? model.head.classes : 0;
  const target = targetClass ?? task?.targetClass ?? 1;
  if (!Number.isInteger(target) || target < 0 || target >= classes) {
    model.dispose();
    throw new RangeError(`targetClass ${String(target)} is not a class of a ${classes}-class model`);
  }
  return {
    tf,
    model,
    tokenizer,
    addSpecialTokens: task?.addSpecialTokens ?? true,
    targetClass: target,
    dir,
  };
}

export interface EncodedSequence {
  input: SequenceInput;
  /** Model position of the first k-mer token (1 after [CLS], else 0). */
  offset: number;
  /** Start base of each k-mer token; token i covers [starts[i], starts[i] + k). */
  starts: Int32Array;
}

/**
 * Token ids of one sequence as the model reads it (k-mer tokens, with [CLS]/[SEP] when the model was
 * trained with them), and where each token lies in the sequence. Throws when the sequence is longer
 * than the model's positions reach.
 */
export function encodeForModel(
  tokenizer: KmerTokenizer,
  addSpecialTokens: boolean,
  maxLength: number,
  sequence: string,
  source = 'sequence',
): EncodedSequence {
  const { ids: kmers, starts } = tokenizer.tokenize(sequence);
  const extra = addSpecialTokens ? 2 : 0;
  if (kmers.length + extra > maxLength) {
    throw new LocusInputError(
      source,
      `${source} has ${sequence.length} bases (${kmers.length} tokens), more than the model's ${maxLength - extra}`,
      'cut long sequences into peaks or windows (a few hundred bases), or train a model with a longer maxLength',
    );
  }
  if (!addSpecialTokens) return { input: { ids: kmers }, offset: 0, starts };
  const ids = new Int32Array(kmers.length + 2);
  ids[0] = CLS_ID;
  ids.set(kmers, 1);
  ids[kmers.length + 1] = SEP_ID;
  return { input: { ids }, offset: 1, starts };
}
