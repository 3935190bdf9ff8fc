/** Generated doc tables of the model benchmarks (see ../generate.ts). */
import type { TableRenderer } from '../tables.js';

export const MODEL_TABLES: Record<string, TableRenderer> = {};
