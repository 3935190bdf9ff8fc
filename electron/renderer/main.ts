/**
 * The Locus desktop page: wires the genome browser, the attention panel, the pipeline panel and
 * sessions to the server API. The same page runs in Electron (with `window.locusDesktop` from the
 * preload: native open dialog, menu actions) and in any browser through `locus serve`.
 */
import type { AttentionView, JobInfo, ModelInfo, OpenedFile, Session } from '../../src/server/contract.js';
import { api } from './api.js';
import { AttentionPanel } from './attention-view.js';
import { GenomeBrowser } from './genome-browser.js';
import { PipelinePanel } from './pipeline-panel.js';

declare global {
  interface Window {
    /** For end-to-end tests and the first-view benchmark. */
    locusApp?: { browser: GenomeBrowser; attention: () => AttentionView | undefined; ready: Promise<void> };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLSpanElement>('status');

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

const browser = new GenomeBrowser($('igv'));
const files = new Map<string, OpenedFile>();
let models: ModelInfo[] = [];
let attentionJob: string | undefined;
let attentionView: AttentionView | undefined;
/** Longest view the attention panel reads (about 100 model contexts of 10 kb; minutes on a laptop). */
const MAX_ATTENTION_BASES = 1_000_000;

const attention = new AttentionPanel(browser, {
  arcs: $('attention-arcs'),
  heatmap: $<HTMLCanvasElement>('attention-heatmap'),
  heatmapRange: $('heatmap-range'),
  links: $<HTMLOListElement>('attention-links'),
  linksTitle: $('links-title'),
  method: $('attention-method'),
});
browser.onLocusChange((locus) => {
  $<HTMLInputElement>('locus-box').value =
    `${locus.contig}:${(locus.start + 1).toLocaleString('en-US')}-${locus.end.toLocaleString('en-US')}`;
  attention.draw();
});
window.addEventListener('resize', () => attention.draw());

const pipelines = new PipelinePanel(document.querySelector('aside')!, $<HTMLUListElement>('job-list'), {
  onOutputs: (opened) => void Promise.all(opened.map((file) => show(file))),
  onError: (message) => say(message, true),
  onJob: (job) => onAttentionJob(job),
});

function renderFiles(): void {
  const list = $<HTMLUListElement>('file-list');
  list.replaceChildren(
    ...[...files.values()].map((file) => {
      const item = document.createElement('li');
      item.title = file.path;
      const name = document.createElement('span');
      name.textContent = file.name;
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = file.id === browser.genome?.id ? 'genome' : file.kind;
      item.append(name, kind);
      if (window.locusDesktop) {
        item.addEventListener('dblclick', () => void window.locusDesktop!.revealInFolder(file.path));
      }
      return item;
    }),
  );
  pipelines.setChoices([...files.values()], models, browser.genome?.id);
}

/** Show an opened file: the first FASTA becomes the genome, everything else a track. */
async function show(file: OpenedFile, locus?: string): Promise<void> {
  files.set(file.id, file);
  if (file.kind === 'fasta') {
    // The first genome brings along the tracks opened before it (e.g. `locus serve reads.bam`).
    if (!browser.genome) {
      await browser.showGenome(
        file,
        locus,
        [...files.values()].filter((f) => f.kind !== 'fasta'),
      );
    }
  } else if (browser.genome) {
    await browser.addTrack(file);
  }
  renderFiles();
}

async function openPath(path: string): Promise<void> {
  try {
    const file = await api.open(path.trim());
    await show(file);
    say(`opened ${file.name}`);
  } catch (err) {
    say((err as Error).message, true);
  }
}

$<HTMLFormElement>('open-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const box = $<HTMLInputElement>('path-box');
  if (box.value.trim()) void openPath(box.value).then(() => (box.value = ''));
});

$<HTMLFormElement>('locus-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $<HTMLInputElement>('locus-box').value;
  if (!browser.genome) return say('open a genome FASTA first', true);
  api.locus(browser.genome.id, text).then(
    (locus) => {
      void browser.goTo(locus);
      say(`at ${locus.text}`);
    },
    (err: Error) => say(err.message, true),
  );
});

// ---- Attention ------------------------------------------------------------------------------------

function fillModelChoices(): void {
  const select = $<HTMLSelectElement>('attention-model');
  // Default: the model that reads the longest context, the point of the view.
  const longest = [...models].sort((a, b) => b.contextBases - a.contextBases)[0]?.name;
  const chosen = select.value || longest;
  select.replaceChildren(
    ...models.map(
      (m) =>
        new Option(
          `${m.name} (${(m.contextBases / 1000).toFixed(1)} kb context)`,
          m.name,
          false,
          m.name === chosen,
        ),
    ),
  );
  fillLayerChoices();
}

function fillLayerChoices(): void {
  const model = models.find((m) => m.name === $<HTMLSelectElement>('attention-model').value);
  if (!model) return;
  const layer = $<HTMLSelectElement>('attention-layer');
  const keepLayer = layer.value;
  layer.replaceChildren(
    ...model.layerKinds.map(
      (kind, i) => new Option(`${i} (${kind})`, String(i), false, String(i) === keepLayer),
    ),
  );
  // Default to the first LSH layer. Any LSH layer reads the whole context, and the first is the one
  // whose heads follow repeats most (docs/training.md, "Attention on repeats": every head of ecoli-causal's
  // layer 1 puts more weight on the matching base of a repeat's other copy, over its control, than any head
  // of layer 3). It also needs only the layers below it: a 100 kb view reads in under half the time.
  if (!keepLayer) layer.value = String(Math.max(0, model.layerKinds.indexOf('lsh')));
  const head = $<HTMLSelectElement>('attention-head');
  const keepHead = head.value;
  head.replaceChildren(
    new Option('all, averaged', 'mean'),
    new Option('all, strongest', 'max'),
    ...Array.from({ length: model.heads }, (_, h) => new Option(String(h), String(h))),
  );
  if (keepHead) head.value = keepHead;
  const rounds = $<HTMLSelectElement>('attention-rounds');
  const keepRounds = rounds.value;
  rounds.replaceChildren(
    new Option('merged, as the model does', 'merged'),
    new Option('strongest round per key', 'max'),
    ...Array.from({ length: model.rounds }, (_, r) => new Option(`round ${r} alone`, String(r))),
  );
  if (keepRounds && [...rounds.options].some((o) => o.value === keepRounds)) rounds.value = keepRounds;
}
$<HTMLSelectElement>('attention-model').addEventListener('change', fillLayerChoices);

$<HTMLFormElement>('attention-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const locus = browser.locus();
  if (!browser.genome || !locus) return say('open a genome FASTA first', true);
  if (locus.end - locus.start > MAX_ATTENTION_BASES) {
    return attention.setMessage(
      `The view is ${(locus.end - locus.start).toLocaleString('en-US')} bases; zoom in to ${MAX_ATTENTION_BASES.toLocaleString('en-US')} or fewer to read its attention.`,
    );
  }
  // A new request replaces one still running.
  if (attentionJob) void api.cancelJob(attentionJob).catch(() => undefined);
  const head = $<HTMLSelectElement>('attention-head').value;
  const rounds = $<HTMLSelectElement>('attention-rounds').value;
  api
    .startJob({
      kind: 'attention',
      genome: browser.genome.id,
      model: $<HTMLSelectElement>('attention-model').value,
      region: `${locus.contig}:${locus.start + 1}-${locus.end}`,
      layer: Number($<HTMLSelectElement>('attention-layer').value),
      head: head === 'mean' || head === 'max' ? head : Number(head),
      rounds: rounds === 'merged' || rounds === 'max' ? rounds : Number(rounds),
      queryStep: Number($<HTMLInputElement>('attention-step').value || 0),
      topK: Number($<HTMLInputElement>('attention-topk').value || 8),
    })
    .then(
      (job) => {
        attentionJob = job.id;
        drawnContexts = 0;
        attention.setMessage('reading the locus with the model...');
      },
      (err: Error) => say(err.message, true),
    );
});

/** Contexts of the running attention job already drawn, so each partial view is fetched once. */
let drawnContexts = 0;

function onAttentionJob(job: JobInfo): void {
  if (job.id !== attentionJob) return;
  const progress = job.progress;
  if (job.state === 'running' && progress) {
    if (progress.done > drawnContexts && progress.done < progress.total) {
      // A partial view: the contexts read so far, drawn now; the rest follows.
      drawnContexts = progress.done;
      void api.attention(job.id).then((view) => {
        if (job.id !== attentionJob || view.contextsRead < drawnContexts) return;
        attentionView = view;
        attention.show(view);
        attention.setMessage(
          `Reading the locus with the model: ${view.contextsRead}/${view.contexts.length} contexts so far (${view.method})`,
        );
      });
    } else if (progress.done === 0) {
      attention.setMessage(`reading the locus with the model: 0/${progress.total} contexts`);
    }
  } else if (job.state === 'failed') {
    attention.setMessage(`attention failed: ${job.error ?? ''}`);
  } else if (job.state === 'done') {
    void api.attention(job.id).then((view) => {
      if (job.id !== attentionJob) return;
      attentionView = view;
      attention.show(view);
    });
  }
}

// ---- Sessions -------------------------------------------------------------------------------------

function currentSession(): Session {
  const locus = browser.locus();
  const opened = [...files.values()];
  const genome = browser.genome;
  const ordered = genome ? [genome, ...opened.filter((f) => f.id !== genome.id)] : opened;
  return {
    version: 1,
    files: ordered
      .filter((f) => f.kind === 'fasta' || browser.hasTrack(f.id))
      .map((f) => ({ path: f.path, kind: f.kind })),
    genome: genome?.path,
    locus: locus ? `${locus.contig}:${locus.start + 1}-${locus.end}` : undefined,
    attention: attentionView
      ? {
          model: attentionView.model,
          layer: attentionView.layer,
          head: attentionView.head,
          rounds: attentionView.rounds,
          topK: attentionView.topK,
        }
      : undefined,
  };
}

function saveSession(): void {
  const blob = new Blob([JSON.stringify(currentSession(), null, 2) + '\n'], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'locus-session.json';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function loadSession(text: string): Promise<void> {
  try {
    const restored = await api.restoreSession(JSON.parse(text) as Session);
    const genome = restored.files.find((f) => f.id === restored.genome);
    for (const file of restored.files) files.set(file.id, file);
    // The session's genome, with its tracks and any opened before, in one draw.
    if (genome) {
      const tracks = [...files.values()].filter((f) => f.kind !== 'fasta');
      await browser.showGenome(genome, restored.locus, tracks);
    }
    renderFiles();
    if (restored.locus && genome) await browser.goTo(await api.locus(genome.id, restored.locus));
    say('session restored');
  } catch (err) {
    say(`Cannot load the session: ${(err as Error).message}`, true);
  }
}

$('save-session').addEventListener('click', saveSession);
$<HTMLInputElement>('load-session').addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file)
    void file
      .text()
      .then(loadSession)
      .finally(() => (input.value = ''));
});

// ---- Electron extras ------------------------------------------------------------------------------

const desktop = window.locusDesktop;
if (desktop) {
  const button = $<HTMLButtonElement>('open-dialog');
  button.hidden = false;
  const pick = () => void desktop.openFileDialog({}).then((paths) => paths.forEach((p) => void openPath(p)));
  button.addEventListener('click', pick);
  desktop.onOpenPaths((paths) => paths.forEach((p) => void openPath(p)));
  desktop.onMenuAction((action) => {
    if (action === 'save-session') saveSession();
    if (action === 'open-session') $<HTMLInputElement>('load-session').click();
  });
}

// ---- Start ----------------------------------------------------------------------------------------

async function start(): Promise<void> {
  const state = await api.state();
  models = state.models;
  fillModelChoices();
  const genome = state.files.find((f) => f.kind === 'fasta');
  for (const file of state.files) files.set(file.id, file);
  // The genome and every opened track in one first draw.
  if (genome)
    await browser.showGenome(
      genome,
      undefined,
      state.files.filter((f) => f.kind !== 'fasta'),
    );
  renderFiles();
  for (const job of state.jobs) pipelines.update(job);
  api.onJob((job) => pipelines.update(job));
  if (!genome) say('open a genome FASTA to start (path box above)');
}

const ready = start().catch((err: Error) => say(err.message, true));
window.locusApp = { browser, attention: () => attentionView, ready };
