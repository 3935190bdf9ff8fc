/**
 * The default background: each target shuffled so that its counts of every k-mer stay exactly the
 * same (the Euler-path shuffle of Altschul & Erickson 1985, generalised by Jiang et al. 2008's uShuffle;
 * MEME's fasta-shuffle-letters -kmer). STREME shuffles DNA keeping 3-mers (its default --order 2), and
 * so does Locus on sequences up to 2 kb: a 3-mer-preserving shuffle keeps every dinucleotide count too,
 * and also the codon-like and CpG-context structure that real DNA (and an order-2 or order-3 Markov
 * source) has, so what stays enriched in the targets is more than composition. Longer sequences keep
 * longer k-mers (shuffleKFor).
 * Runs of N (and masked bases) stay where they are; each run of ACGT between them is shuffled alone.
 */
import { Random } from '../../src/tokenize/random.js';
import { permutation } from '../../src/train/data/rng.js';
import { MASKED, type CodedSequence } from './sequences.js';

/** k of the k-mers a shuffle of short sequences keeps (STREME's). */
export const SHUFFLE_K = 3;

/** Largest k a shuffle keeps, however long the sequences. */
export const SHUFFLE_K_MAX = 6;

/**
 * The k a shuffle of these sequences keeps: 3 for sequences up to 2 kb (median length), larger for
 * longer ones, as long as the k-mers (edges) still number at least 32 per (k-1)-mer (vertex), so the
 * walk can still move every site far from where it was: 4 from 2,048 bases, 5 from 8,192, 6 from 32,768.
 * On long sequences a 3-mer shuffle leaves the higher-order structure of real DNA (GAGA repeats,
 * microsatellites) to be found as "motifs"; on the 10 kb validation sets it ranked a GAGGAG-like word
 * first at E = 1e-17 and pushed the planted CEBPB to second.
 */
export function shuffleKFor(sequences: readonly CodedSequence[]): number {
  const lengths = sequences.map((s) => s.codes.length).sort((a, b) => a - b);
  const median = lengths[Math.floor(lengths.length / 2)] ?? 0;
  let k = SHUFFLE_K;
  while (k < SHUFFLE_K_MAX && 4 ** k * 32 <= median) k++;
  return k;
}

/**
 * Shuffle one run of base codes 0-3 keeping every k-mer count: the run is a walk on the graph whose
 * vertices are (k-1)-mers and whose edges are its k-mers; a random Eulerian walk with the same start
 * and end uses every edge once, so it has the same k-mers.
 */
function shuffleRun(run: Uint8Array, k: number, rng: Random): Uint8Array {
  const n = run.length;
  const order = k - 1;
  if (n <= k) return run.slice();
  const vertexCount = 4 ** order;
  const vertexAt = (i: number) => {
    let v = 0;
    for (let j = 0; j < order; j++) v = v * 4 + run[i + j]!;
    return v;
  };
  const first = vertexAt(0);
  const last = vertexAt(n - order);
  // Out-edges of each vertex, as the vertex they lead to, in sequence order.
  const successors: number[][] = Array.from({ length: vertexCount }, () => []);
  for (let i = 0; i + order < n; i++) successors[vertexAt(i)]!.push(vertexAt(i + 1));

  // Each vertex other than the last leaves for the final time by an edge chosen at random, and those
  // final edges must form a tree into `last`, or the walk could strand before using every edge.
  // Redrawing until they do is quick on the small, dense graphs of DNA.
  const lastEdge = new Int32Array(vertexCount).fill(-1);
  for (;;) {
    for (let v = 0; v < vertexCount; v++)
      lastEdge[v] = v !== last && successors[v]!.length > 0 ? rng.nextInt(successors[v]!.length) : -1;
    let tree = true;
    for (let v = 0; v < vertexCount && tree; v++) {
      if (lastEdge[v] === -1) continue;
      let u = v;
      for (let steps = 0; u !== last; steps++) {
        if (steps > vertexCount) {
          tree = false;
          break;
        }
        u = successors[u]![lastEdge[u]!]!;
      }
    }
    if (tree) break;
  }

  // Every other edge in random order, the tree edge last.
  const walkOrder = successors.map((edges, v) => {
    const others = edges.filter((_, i) => i !== lastEdge[v]);
    const rest = Array.from(permutation(others.length, rng), (k) => others[k]!);
    if (lastEdge[v]! >= 0) rest.push(edges[lastEdge[v]!]!);
    return rest;
  });
  const used = new Int32Array(vertexCount);
  const out = new Uint8Array(n);
  out.set(run.subarray(0, order));
  let v = first;
  for (let i = order; i < n; i++) {
    v = walkOrder[v]![used[v]!++]!;
    out[i] = v % 4;
  }
  return out;
}

/** A k-mer-preserving shuffle of every sequence (k = SHUFFLE_K by default); N runs keep their places. */
export function kmerShuffle(
  sequences: readonly CodedSequence[],
  seed: number,
  k = SHUFFLE_K,
): CodedSequence[] {
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
      codes.set(shuffleRun(codes.subarray(i, j), k, rng), i);
      i = j;
    }
    return { name: `${s.name}_shuffled`, codes };
  });
}
