/**
 * Drosophila core-promoter elements that JASPAR does not hold (or holds only as the TATA-binding
 * protein), as IUPAC consensus matrices from the literature, for scoring the dm3 benchmark:
 *   TATA   TATAWAAR     FitzGerald et al. 2006, Genome Biol 7:R53 (Drosophila TATA box, -31/-30)
 *   Inr    TCAGTY       Kutach & Kadonaga 2000, Mol Cell Biol 20:4754 (Drosophila Inr, A at +1)
 *   DPE    RGWYV        Kutach & Kadonaga 2000 (+28 to +32; downstream of the TSS, so absent here)
 *   DRE    TATCGATA     Hirose et al. 1993 / Ohler et al. 2002, Genome Biol 3:research0087
 *   MTE    CSARCSSAACGS Lim et al. 2004, Genes Dev 18:1606 (+18 to +29; downstream, absent here)
 *   Ohler1 YGGTCACACTR  Ohler et al. 2002 (motif 1, bound by M1BP)
 * A specified base gets probability 0.94 (0.02 for the others); a two-base code 0.47 each; N 0.25.
 */
import type { Matrix, Motif } from '../../pipelines/motifs/types.js';

const IUPAC: Record<string, string> = {
  A: 'A',
  C: 'C',
  G: 'G',
  T: 'T',
  R: 'AG',
  Y: 'CT',
  S: 'CG',
  W: 'AT',
  K: 'GT',
  M: 'AC',
  B: 'CGT',
  D: 'AGT',
  H: 'ACT',
  V: 'ACG',
  N: 'ACGT',
};

export function iupacMatrix(consensus: string): Matrix {
  return [...consensus].map((code) => {
    const bases = IUPAC[code];
    if (!bases) throw new TypeError(`"${code}" is not an IUPAC code`);
    const other = bases.length === 4 ? 0.25 : 0.02;
    const on = (1 - other * (4 - bases.length)) / bases.length;
    return [...'ACGT'].map((b) => (bases.includes(b) ? on : other));
  });
}

export const PROMOTER_ELEMENTS: readonly Motif[] = [
  ['TATA', 'TATAWAAR'],
  ['Inr', 'TCAGTY'],
  ['DPE', 'RGWYV'],
  ['DRE', 'TATCGATA'],
  ['MTE', 'CSARCSSAACGS'],
  ['Ohler1', 'YGGTCACACTR'],
].map(([name, consensus]) => ({
  id: `literature-${name}`,
  name: name!,
  matrix: iupacMatrix(consensus!),
  sites: 100,
}));
