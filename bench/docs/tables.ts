/**
 * Every generated table of the docs, by block name (see generate.ts). Each function reads its JSON
 * under bench/results and returns markdown; the tables of one benchmark live in one file.
 */
import { BATCH_TABLES } from './tables/batch.js';
import { DESKTOP_TABLES } from './tables/desktop.js';
import { GPU_TABLES } from './tables/gpu.js';
import { IO_TABLES } from './tables/io.js';
import { MODEL_TABLES } from './tables/model.js';
import { MOTIFS_TABLES } from './tables/motifs.js';
import { SCAN_TABLES } from './tables/scan.js';
import { TRAINING_TABLES } from './tables/training.js';
import { VARIANTS_TABLES } from './tables/variants.js';

export type TableRenderer = (root: string) => string;

export const TABLES: Record<string, TableRenderer> = {
  ...BATCH_TABLES,
  ...DESKTOP_TABLES,
  ...GPU_TABLES,
  ...IO_TABLES,
  ...MODEL_TABLES,
  ...MOTIFS_TABLES,
  ...SCAN_TABLES,
  ...TRAINING_TABLES,
  ...VARIANTS_TABLES,
};
