/**
 * The default background: each target shuffled so that its dinucleotide counts stay exactly the same
 * (Altschul & Erickson 1985, the Euler-path shuffle that STREME and MEME's fasta-shuffle-letters use).
 * Motifs are destroyed while the base and dinucleotide composition (CpG depletion, AT-richness, poly-A
 * tracts' 2-mer signature) is kept, so what stays enriched in the targets is more than composition.
 * Runs of N (and masked bases) stay where they are; each run of ACGT between them is shuffled alone.
 */
import { Random } from '../../src/tokenize/random.js';
import { MASKED, type CodedSequence } from './sequences.js';

/** Shuffle one run of base codes 0-3 keeping every dinucleotide count. */
function shuffleRun(run: Uint8Array, rng: Random): Uint8Array {
  const n = run.length;
  if (n < 3) return run.slice();
  const first = run[0]!;
  const last = run[n - 1]!;
  // Out-edges of each letter, in sequence order: successors[v] lists the letters that follow v.
  const successors: number[][] = [[], [], [], []];
  for (let i = 0; i + 1 < n; i++) successors[run[i]!]!.push(run[i + 1]!);

  // Each letter other than the last one leaves for the final time by an edge chosen at random, and
  // those final edges must form a tree into `last`; otherwise the walk could strand before using all
  // edges. With four letters, redrawing until the choice is a tree is quick.
  const lastEdge = [-1, -1, -1, -1];
  for (;;) {
    for (let v = 0; v < 4; v++)
      lastEdge[v] = v !== last && successors[v]!.length > 0 ? rng.nextInt(successors[v]!.length) : -1;
    let tree = true;
    for (let v = 0; v < 4 && tree; v++) {
      if (lastEdge[v] === -1) continue;
      let u = v;
      for (let steps = 0; u !== last; steps++) {
        if (steps > 4) {
          tree = false;
          break;
        }
        u = successors[u]![lastEdge[u]!]!;
      }
    }
    if (tree) break;
  }

  // Every other edge in random order (Fisher-Yates), the tree edge last.
  const order = successors.map((edges, v) => {
    const rest = edges.filter((_, i) => i !== lastEdge[v]);
    for (let i = rest.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    }
    if (lastEdge[v]! >= 0) rest.push(edges[lastEdge[v]!]!);
    return rest;
  });
  const used = [0, 0, 0, 0];
  const out = new Uint8Array(n);
  out[0] = first;
  for (let i = 1; i < n; i++) {
    const v = out[i - 1]!;
    out[i] = order[v]![used[v]!++]!;
  }
  return out;
}

/** A dinucleotide-preserving shuffle of every sequence; N runs keep their places. */
export function dinucleotideShuffle(sequences: readonly CodedSequence[], seed: number): CodedSequence[] {
  const rng = new Random(seed);
  return sequences.map((s) => {
    const codes = s.codes.slice();
    for (let i = 0; i < codes.length;) {
      if (codes[i] === MASKED) {
        i++;
        continue;
      }
      let j = i;
      while (j < codes.length && codes[j] !== MASKED) j++;
      codes.set(shuffleRun(codes.subarray(i, j), rng), i);
      i = j;
    }
    return { name: `${s.name}_shuffled`, codes };
  });
}
