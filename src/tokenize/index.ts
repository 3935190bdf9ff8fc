/**
 * k-mer tokenization: vocabulary, tokenizer, genome windows, MLM masking, model input.
 * This layer imports nothing from io: it takes sequences as strings or ASCII bytes.
 */
export * from './vocab.js';
export * from './tokenizer.js';
export * from './config.js';
export * from './reverse-complement.js';
export * from './windows.js';
export * from './masking.js';
export * from './model-input.js';
export { Random } from './random.js';
