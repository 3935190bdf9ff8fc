/**
 * Tokenizer config as stored next to a checkpoint (`tokenizer.json`).
 *
 * The ids are fixed by k (see vocab.ts), so the config stores only what decides them plus what a
 * reader should cross-check: a checkpoint trained with k=6 must not be fed 5-mer ids, and a file from
 * a newer Locus with another id layout must be refused, not misread. Loading checks every field and
 * names the one that is wrong.
 */
import { LocusInputError } from '../errors.js';
import { MAX_K, MIN_K, SPECIAL_TOKENS, vocabSize } from './vocab.js';

/** The config format this code writes and reads. Bump it when the id layout changes. */
export const TOKENIZER_CONFIG_VERSION = 1;

export interface TokenizerConfig {
  /** Format version; readers refuse versions they do not know. */
  version: number;
  /** k-mer length, 1..8. */
  k: number;
  /** Bases between the starts of consecutive tokens; 1 = overlapping k-mers, k = non-overlapping. */
  stride: number;
  /** 4^k + 5; stored so a mismatch with a model's embedding table is caught on load. */
  vocabSize: number;
  /** Special token strings in id order: [PAD], [UNK], [CLS], [SEP], [MASK]. */
  specialTokens: string[];
}

const FIELDS = ['version', 'k', 'stride', 'vocabSize', 'specialTokens'];

/** A config for k and stride (not validated here: the tokenizer constructor checks them). */
export function makeTokenizerConfig(k: number, stride: number): TokenizerConfig {
  return {
    version: TOKENIZER_CONFIG_VERSION,
    k,
    stride,
    vocabSize: vocabSize(k),
    specialTokens: [...SPECIAL_TOKENS],
  };
}

/**
 * Check a loaded config (already parsed from JSON) and return it typed. `source` names the file or
 * other origin in the error, e.g. `"ckpt/tokenizer.json"`.
 */
export function validateTokenizerConfig(value: unknown, source = 'tokenizer config'): TokenizerConfig {
  const fail = (problem: string, hint?: string): never => {
    throw new LocusInputError(source, `Invalid tokenizer config "${source}": ${problem}`, hint);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`expected a JSON object, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) {
    fail(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')}`,
      `the fields are ${FIELDS.join(', ')}`,
    );
  }
  for (const field of FIELDS) {
    if (!(field in record)) fail(`missing field "${field}"`);
  }

  const { version, k, stride } = record;
  if (version !== TOKENIZER_CONFIG_VERSION) {
    if (typeof version === 'number' && Number.isInteger(version) && version > TOKENIZER_CONFIG_VERSION) {
      fail(
        `version ${version} is newer than this Locus reads (${TOKENIZER_CONFIG_VERSION})`,
        'upgrade Locus',
      );
    }
    fail(`"version" must be ${TOKENIZER_CONFIG_VERSION}, got ${describe(version)}`);
  }
  if (typeof k !== 'number' || !Number.isInteger(k) || k < MIN_K || k > MAX_K) {
    fail(`"k" must be an integer from ${MIN_K} to ${MAX_K}, got ${describe(k)}`);
  }
  const kValue = k as number;
  if (typeof stride !== 'number' || !Number.isInteger(stride) || stride < 1) {
    fail(`"stride" must be a positive integer, got ${describe(stride)}`);
  }
  const expectedSize = vocabSize(kValue);
  if (record.vocabSize !== expectedSize) {
    fail(
      `"vocabSize" is ${describe(record.vocabSize)} but k=${kValue} gives ${expectedSize} (4^${kValue} k-mers + ${SPECIAL_TOKENS.length} special tokens)`,
      'the file was edited or written for another vocabulary',
    );
  }
  const specials = record.specialTokens;
  if (
    !Array.isArray(specials) ||
    specials.length !== SPECIAL_TOKENS.length ||
    specials.some((token, i) => token !== SPECIAL_TOKENS[i])
  ) {
    fail(`"specialTokens" must be ${JSON.stringify(SPECIAL_TOKENS)}, got ${describe(specials)}`);
  }
  return makeTokenizerConfig(kValue, stride as number);
}

/** Parse config JSON text and validate it. */
export function parseTokenizerConfig(text: string, source = 'tokenizer config'): TokenizerConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LocusInputError(
      source,
      `Invalid tokenizer config "${source}": not JSON (${(err as Error).message})`,
      undefined,
      { cause: err },
    );
  }
  return validateTokenizerConfig(value, source);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
