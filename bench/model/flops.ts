/**
 * Floating-point operations of one benchmark iteration, counted analytically from the config (a
 * multiply-add is 2 FLOPs; element-wise work, softmax, LayerNorm, sorting and AdamW are left out:
 * they are O(T * d) against the matmuls' O(T * d^2) and O(T * C * dh)).
 *
 * T tokens, d = dModel, H heads of width dh (inner = H * dh), ff = ffMult * d, V vocabulary, C chunk,
 * R rounds, Tp = T padded to a multiple of C (at least 2C), S = positions scored in training.
 *
 * Per layer, forward:
 *   projections      qk, v, out: 3 * 2 T d inner
 *   LSH planning     qk again, then the random rotations: 2 T d inner + H * 2 Tp dh (R * rot)
 *                    (rot = rotation columns per round = sum of bucket factors / 2)
 *   chunked attention  per head and round, two chunk matmuls (Q K^T and P V), each 2 Tp (2C) dh:
 *                    2 * 2 Tp (2C) dh * H * R   (local attention: R = 1)
 *   full attention   2 * 2 T T dh * H
 *   feed-forward     2 * 2 T d ff
 * LM head (forward: every position): 2 T d V
 *
 * Training (reversible backward): the forward computes each branch once; the backward recomputes it
 * (1x) and takes its gradients (2x: input and weights), and replays the LSH plan instead of hashing
 * again. So per layer: planning + 4 x branch. The head and loss run only on the S scored rows,
 * forward and backward: 3 * 2 S d V.
 */
import { effectiveKind } from '../../src/model/attention.js';
import { bucketsFor, type ResolvedConfig } from '../../src/model/config.js';
import { bucketFactors, rotationWidth } from '../../src/model/lsh.js';

export interface FlopBreakdown {
  projections: number;
  planning: number;
  attention: number;
  feedForward: number;
  head: number;
  total: number;
}

/** FLOPs of one forward (`train` false: encode + LM head at every position) or training step. */
export function iterationFlops(
  config: ResolvedConfig,
  tokens: number,
  train: boolean,
  scored = Math.round(0.15 * tokens),
): FlopBreakdown {
  const T = tokens;
  const { dModel: d, heads: H, dHead: dh, chunk: C, rounds: R, vocabSize: V } = config;
  const inner = H * dh;
  const ff = config.ffMult * d;
  const branch = train ? 4 : 1;
  const sum: FlopBreakdown = { projections: 0, planning: 0, attention: 0, feedForward: 0, head: 0, total: 0 };
  for (let l = 0; l < config.depth; l++) {
    const kind = effectiveKind(config.attention[l]!, T, config);
    const Tp = kind === 'full' ? T : Math.max(2, Math.ceil(T / C)) * C;
    sum.projections += branch * 3 * 2 * T * d * inner;
    sum.feedForward += branch * 2 * 2 * T * d * ff;
    if (kind === 'full') {
      sum.attention += branch * 2 * 2 * T * T * dh * H;
    } else {
      const rounds = kind === 'lsh' ? R : 1;
      sum.attention += branch * 2 * 2 * Tp * (2 * C) * dh * H * rounds;
    }
    if (kind === 'lsh') {
      const rot = rotationWidth(bucketFactors(bucketsFor(config, T)));
      sum.planning += 2 * T * d * inner + H * 2 * Tp * dh * R * rot;
    }
  }
  sum.head = train ? 3 * 2 * scored * d * V : 2 * T * d * V;
  sum.total = sum.projections + sum.planning + sum.attention + sum.feedForward + sum.head;
  return sum;
}
