/** Generated doc tables of the training benchmarks (see ../generate.ts). */
import type { TableRenderer } from '../tables.js';

export const TRAINING_TABLES: Record<string, TableRenderer> = {};
