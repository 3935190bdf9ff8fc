/** Generated doc tables of the io benchmarks (see ../generate.ts). */
import type { TableRenderer } from '../tables.js';

export const IO_TABLES: Record<string, TableRenderer> = {};
