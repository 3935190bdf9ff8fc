/**
 * Models that ship with Locus, in `reference/models/<name>/`: each folder is a checkpoint
 * (config.json, model.safetensors) with a model card (README.md) and `card.json`, the card's facts in
 * machine-readable form (written by the script that trained it, from its result JSON).
 *
 * Wherever a command takes a checkpoint folder it also takes a shipped model's name
 * (`locus eval ecoli-causal genome.fa`): a path that exists wins, so a run folder named like a
 * shipped model is never shadowed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocusInputError } from '../errors.js';

export interface ShippedModel {
  name: string;
  path: string;
  /** From card.json: a one-line description and the facts a user chooses by. */
  description: string;
  card: Record<string, unknown>;
}

/** `reference/` of this installation (source and compiled layouts differ by one folder). */
export function referenceFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'reference'))) {
      return join(dir, 'reference');
    }
    dir = dirname(dir);
  }
  return resolve('reference');
}

/** `reference/models` of this installation. */
export function shippedModelsFolder(): string {
  return join(referenceFolder(), 'models');
}

export function listShippedModels(folder = shippedModelsFolder()): ShippedModel[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => existsSync(join(folder, name, 'config.json')))
    .sort()
    .map((name) => {
      const path = join(folder, name);
      const cardPath = join(path, 'card.json');
      const card = existsSync(cardPath)
        ? (JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>)
        : {};
      return { name, path, description: String(card.description ?? ''), card };
    });
}

/** A checkpoint folder for `pathOrName`: an existing folder as given, else a shipped model's folder. */
export function resolveCheckpoint(pathOrName: string, folder = shippedModelsFolder()): string {
  if (existsSync(pathOrName) && statSync(pathOrName).isDirectory()) return pathOrName;
  const shipped = listShippedModels(folder).find((m) => m.name === pathOrName);
  if (shipped) return shipped.path;
  if (existsSync(pathOrName)) return pathOrName; // not a folder: the checkpoint loader says what is wrong
  const names = listShippedModels(folder).map((m) => m.name);
  throw new LocusInputError(
    pathOrName,
    `checkpoint folder "${pathOrName}" does not exist and is not a shipped model`,
    names.length > 0
      ? `give a checkpoint folder, or one of the shipped models (locus models): ${names.join(', ')}`
      : 'give a checkpoint folder written by locus pretrain or finetune',
  );
}
