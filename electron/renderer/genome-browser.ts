/**
 * The genome browser: igv.js with the opened genome and files as tracks. igv.js is told never to
 * fetch its genome list or cytobands (no network), and reads every file from src/server by range.
 */
import igv from 'igv';
import type { OpenedFile } from '../../src/server/contract.js';

type Browser = Awaited<ReturnType<typeof igv.createBrowser>>;
type TrackConfig = Parameters<Browser['loadTrack']>[0];

export interface ViewLocus {
  contig: string;
  /** 0-based half-open. */
  start: number;
  end: number;
}

/** The igv.js track config for an opened file; undefined for a FASTA (it is the genome, not a track). */
export function trackConfig(file: OpenedFile): TrackConfig | undefined {
  const common = { name: file.name, url: file.url, ...(file.indexUrl ? { indexURL: file.indexUrl } : {}) };
  switch (file.kind) {
    case 'bam':
    case 'cram':
      return { ...common, type: 'alignment', format: file.kind } as TrackConfig;
    case 'vcf':
      return { ...common, type: 'variant', format: 'vcf' } as TrackConfig;
    case 'bed':
      return { ...common, type: 'annotation', format: 'bed' } as TrackConfig;
    case 'bedgraph':
      return { ...common, type: 'wig', format: 'bedgraph' } as unknown as TrackConfig; // igv.d.ts omits bedgraph; igv.js reads it
    case 'fasta':
      return undefined;
  }
}

export class GenomeBrowser {
  private browser: Browser | undefined;
  genome: OpenedFile | undefined;
  private readonly tracks = new Set<string>();
  private readonly listeners: ((locus: ViewLocus) => void)[] = [];

  constructor(private readonly container: HTMLElement) {}

  /**
   * Show `genome` (a FASTA) with `tracks`; the first call creates the browser. Tracks given here
   * load together with the genome, in one first draw, instead of one redraw each.
   */
  async showGenome(genome: OpenedFile, locus?: string, tracks: OpenedFile[] = []): Promise<void> {
    const reference = {
      id: genome.name,
      name: genome.name,
      fastaURL: genome.url,
      indexURL: genome.indexUrl,
      ...(genome.gziUrl ? { compressedIndexURL: genome.gziUrl } : {}),
    };
    const first = genome.contigs?.[0];
    const start = locus ?? (first ? `${first.name}:1-${Math.min(first.length, 10_000)}` : undefined);
    this.genome = genome;
    this.tracks.clear();
    if (this.browser) {
      await this.browser.loadGenome(reference);
      if (start) this.browser.search(start);
      for (const track of tracks) await this.addTrack(track);
      return;
    }
    const withConfig = tracks.flatMap((file) => {
      const config = trackConfig(file);
      return config && !this.tracks.has(file.id) ? [{ file, config }] : [];
    });
    for (const { file } of withConfig) this.tracks.add(file.id);
    this.browser = await igv.createBrowser(this.container, {
      loadDefaultGenomes: false,
      showCytobandWhenAvailable: false,
      reference,
      locus: start,
      tracks: withConfig.map((t) => t.config),
    } as Parameters<typeof igv.createBrowser>[1]);
    this.browser.on('locuschange', () => {
      const locus = this.locus();
      if (locus) for (const listener of this.listeners) listener(locus);
    });
  }

  async addTrack(file: OpenedFile): Promise<void> {
    const config = trackConfig(file);
    if (!this.browser || !config || this.tracks.has(file.id)) return;
    this.tracks.add(file.id);
    await this.browser.loadTrack(config);
  }

  hasTrack(id: string): boolean {
    return this.tracks.has(id);
  }

  /** Go to a resolved locus (0-based half-open); resolves once igv.js has drawn it. */
  async goTo(locus: ViewLocus): Promise<void> {
    // igv.d.ts types search() as void; igv.js 3 returns the promise of the redraw.
    await (this.browser?.search(
      `${locus.contig}:${locus.start + 1}-${locus.end}`,
    ) as unknown as Promise<void>);
  }

  /** The current view, 0-based half-open. */
  locus(): ViewLocus | undefined {
    const text = this.browser?.currentLoci();
    const first = Array.isArray(text) ? text[0] : text;
    const match = /^(.+):([\d,]+)-([\d,]+)$/.exec(first ?? '');
    if (!match) return undefined;
    const number = (s: string) => Number(s.replaceAll(',', ''));
    return { contig: match[1]!, start: number(match[2]!) - 1, end: number(match[3]!) };
  }

  onLocusChange(listener: (locus: ViewLocus) => void): void {
    this.listeners.push(listener);
  }

  /** Left edge and width of igv.js's data area, in page pixels: the attention arcs line up with it. */
  dataArea(): { left: number; width: number } | undefined {
    // igv.js 3 draws inside an open shadow root on its container.
    const viewport = (this.container.shadowRoot ?? this.container).querySelector('.igv-viewport');
    if (!viewport) return undefined;
    const box = viewport.getBoundingClientRect();
    return { left: box.left, width: box.width };
  }
}
