/**
 * Data for pretraining and fine-tuning: genome windows with the train/validation/test split, labeled sequences
 * (table, labeled FASTA, BED + reference, the dm3 promoter task), batches and trainer examples.
 */
export * from './genome.js';
export * from './genome-windows.js';
export * from './labeled.js';
export * from './batch.js';
export * from './examples.js';
export * from './frames.js';
export * from './dm3.js';
export { CountingRandom, deriveSeed, permutation, uniformBelow } from './rng.js';
export { readNumberedFasta, lineOf, type NumberedFastaRecord } from './fasta-lines.js';
export * from './split.js';
