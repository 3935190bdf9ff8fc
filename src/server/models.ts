/**
 * Models the attention view can show: the shipped ones and checkpoints fine-tuned in this session.
 * Only config.json is read here (layers, heads, context); weights load in the attention worker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBases } from '../../pipelines/attention/locus-attention.js';
import { listShippedModels } from '../model/shipped.js';
import type { ModelInfo } from './contract.js';

interface StoredConfig {
  model?: { depth?: number; heads?: number; rounds?: number; maxLength?: number; attention?: string[] };
  tokenizer?: { k?: number; stride?: number };
  task?: { addSpecialTokens?: boolean; kind?: string };
}

export function describeModel(name: string, path: string, description: string): ModelInfo {
  const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8')) as StoredConfig;
  const depth = config.model?.depth ?? 0;
  const k = config.tokenizer?.k ?? 6;
  const stride = config.tokenizer?.stride ?? 6;
  const special = config.task?.addSpecialTokens === true ? 1 : 0;
  return {
    name,
    path,
    description,
    layers: depth,
    heads: config.model?.heads ?? 0,
    rounds: config.model?.rounds ?? 1,
    contextBases: contextBases(config.model?.maxLength ?? 0, special, k, stride),
    layerKinds: config.model?.attention ?? Array.from({ length: depth }, () => 'lsh'),
  };
}

export class ModelRegistry {
  private readonly extra: ModelInfo[] = [];

  list(): ModelInfo[] {
    const shipped = listShippedModels().map((m) => describeModel(m.name, m.path, m.description));
    return [...shipped, ...this.extra];
  }

  /** A fine-tuned checkpoint folder; named by its path, which the attention job also takes. */
  add(path: string): void {
    if (this.extra.some((m) => m.path === path)) return;
    this.extra.push(describeModel(path, path, 'fine-tuned in this session'));
  }
}
