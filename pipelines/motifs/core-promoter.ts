/**
 * Drosophila core-promoter elements that JASPAR does not hold (or holds only as the TATA-binding
 * protein), as IUPAC consensus matrices from the literature. They ship as
 * reference/motifs/drosophila-core-promoter.meme (`locus motifs --db drosophila-core-promoter`), so
 * that a promoter screen's report can name the Inr or the DRE, and the dm3 benchmark scores with them.
 *   TATA   TATAWAAR     FitzGerald et al. 2006, Genome Biol 7:R53 (Drosophila TATA box, -31/-30)
 *   Inr    TCAGTY       Kutach & Kadonaga 2000, Mol Cell Biol 20:4754 (Drosophila Inr, A at +1)
 *   DPE    RGWYV        Kutach & Kadonaga 2000 (+28 to +32, downstream of the TSS)
 *   DRE    TATCGATA     Ohler et al. 2002, Genome Biol 3:research0087 (bound by DREF)
 *   MTE    CSARCSSAACGS Lim et al. 2004, Genes Dev 18:1606 (+18 to +29, downstream of the TSS)
 *   Ohler1 YGGTCACACTR  Ohler et al. 2002 (motif 1, bound by M1BP)
 * A specified base gets probability 0.94 (0.02 for the others); a two-base code 0.48 each; N 0.25.
 */
import type { Matrix, Motif } from './types.js';

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

/** A consensus in IUPAC codes as a letter-probability matrix (rows A C G T). */
export function iupacMatrix(consensus: string): Matrix {
  return [...consensus].map((code) => {
    const bases = IUPAC[code];
    if (!bases) throw new TypeError(`"${code}" is not an IUPAC code`);
    const other = bases.length === 4 ? 0.25 : 0.02;
    const on = (1 - other * (4 - bases.length)) / bases.length;
    return [...'ACGT'].map((b) => (bases.includes(b) ? on : other));
  });
}

const ELEMENTS: readonly { name: string; consensus: string; doi: string }[] = [
  { name: 'TATA', consensus: 'TATAWAAR', doi: '10.1186/gb-2006-7-7-r53' },
  { name: 'Inr', consensus: 'TCAGTY', doi: '10.1128/MCB.20.13.4754-4764.2000' },
  { name: 'DPE', consensus: 'RGWYV', doi: '10.1128/MCB.20.13.4754-4764.2000' },
  { name: 'DRE', consensus: 'TATCGATA', doi: '10.1186/gb-2002-3-12-research0087' },
  { name: 'MTE', consensus: 'CSARCSSAACGS', doi: '10.1101/gad.1193404' },
  { name: 'Ohler1', consensus: 'YGGTCACACTR', doi: '10.1186/gb-2002-3-12-research0087' },
];

/** The elements as motifs: id `literature-<name>`, name the element, URL the paper that defines it. */
export const PROMOTER_ELEMENTS: readonly Motif[] = ELEMENTS.map(({ name, consensus, doi }) => ({
  id: `literature-${name}`,
  name,
  matrix: iupacMatrix(consensus),
  sites: 100,
  evalue: 0,
  url: `https://doi.org/${doi}`,
}));
