/** Shipped models: listed with their cards, found by name, a path that exists wins, unknown names fail clearly. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listShippedModels, resolveCheckpoint, shippedModelsFolder } from '../../src/model/shipped.js';
import { ROOT } from '../helpers/paths.js';

describe('shipped models', () => {
  const folder = mkdtempSync(join(tmpdir(), 'locus-shipped-'));
  mkdirSync(join(folder, 'tiny-lm'));
  writeFileSync(join(folder, 'tiny-lm', 'config.json'), '{}');
  writeFileSync(join(folder, 'tiny-lm', 'card.json'), JSON.stringify({ description: 'a tiny LM' }));
  mkdirSync(join(folder, 'not-a-model'));

  it('lists the folders that hold a checkpoint, with their card', () => {
    expect(listShippedModels(folder)).toEqual([
      {
        name: 'tiny-lm',
        path: join(folder, 'tiny-lm'),
        description: 'a tiny LM',
        card: { description: 'a tiny LM' },
      },
    ]);
    expect(shippedModelsFolder()).toBe(join(ROOT, 'reference', 'models'));
  });

  it('resolves a name, keeps an existing path, and names the choices for an unknown one', () => {
    expect(resolveCheckpoint('tiny-lm', folder)).toBe(join(folder, 'tiny-lm'));
    expect(resolveCheckpoint(folder, folder)).toBe(folder);
    expect(() => resolveCheckpoint('nope', folder)).toThrow(
      /does not exist and is not a shipped model.*tiny-lm/,
    );
  });
});
