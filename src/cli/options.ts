/** Option parsers shared by commands, so every number is validated in one place with one message. */
import { InvalidArgumentError } from 'commander';
import { isAttentionKind, type AttentionKind } from '../model/config.js';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text.replaceAll(',', ''));
    if (!/^-?[0-9][0-9,]*$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer >= ${min}`
          : `expected an integer from ${min} to ${max}`,
      );
    }
    return value;
  };
}

/**
 * Attention kinds as a comma list, e.g. `lsh` or `local,lsh`. The list is repeated over the layers
 * (as Trax's Reformer cycles its attention types): `local,lsh` with depth 4 = local, lsh, local, lsh.
 */
export function attentionKinds(text: string): AttentionKind[] {
  const kinds = text.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!isAttentionKind(kind)) {
      throw new InvalidArgumentError(
        `unknown attention kind "${kind}": expected lsh, full or local, or a comma list such as local,lsh`,
      );
    }
  }
  return kinds as AttentionKind[];
}

/** `kinds` repeated until there is one per layer. */
export function attentionPerLayer(kinds: readonly AttentionKind[], depth: number): AttentionKind[] {
  return Array.from({ length: depth }, (_, layer) => kinds[layer % kinds.length]!);
}

/** A SAM flag: decimal, 0x hex, or 0 octal as samtools accepts. */
export function samFlag(text: string): number {
  const value =
    text.startsWith('0x') || text.startsWith('0X') ? Number.parseInt(text.slice(2), 16) : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new InvalidArgumentError('expected a SAM flag, e.g. 1796 or 0x704');
  }
  return value;
}

/** Options that every command shares. */
export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}
