/**
 * Reverse complement, IUPAC-aware and case-preserving (soft-masked lowercase stays lowercase).
 *
 * A<->T, C<->G, R<->Y, K<->M, B<->V, D<->H; S, W and N are their own complements. Characters outside
 * the IUPAC DNA alphabet (gaps `-`, `.`, `*`, and `U`, whose complement A would not map back to U) are
 * kept as they are, so the function is an involution on every input: rc(rc(s)) === s.
 */

const PAIRS = ['AT', 'CG', 'RY', 'KM', 'BV', 'DH', 'SS', 'WW', 'NN'];

/** Complement of each char code below 128; others map to themselves. */
const COMPLEMENT: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) table[c] = c;
  for (const pair of PAIRS) {
    const upper = pair.split('');
    const lower = pair.toLowerCase().split('');
    for (const [a, b] of [upper, lower]) {
      table[(a as string).charCodeAt(0)] = (b as string).charCodeAt(0);
      table[(b as string).charCodeAt(0)] = (a as string).charCodeAt(0);
    }
  }
  return table;
})();

// String.fromCharCode takes its codes as arguments; stay well below engines' argument limits.
const CHUNK = 8192;

/** Reverse complement of a sequence string. */
export function reverseComplement(sequence: string): string {
  const n = sequence.length;
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const c = sequence.charCodeAt(n - 1 - i);
    out[i] = c < 128 ? (COMPLEMENT[c] as number) : c;
  }
  let text = '';
  for (let i = 0; i < n; i += CHUNK) {
    text += String.fromCharCode(...out.subarray(i, Math.min(n, i + CHUNK)));
  }
  return text;
}

/** Reverse complement of ASCII sequence bytes, as a new array (the input is not changed). */
export function reverseComplementBytes(sequence: Uint8Array): Uint8Array {
  const n = sequence.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = sequence[n - 1 - i] as number;
    out[i] = c < 128 ? (COMPLEMENT[c] as number) : c;
  }
  return out;
}
