/**
 * The pipeline panel: a form per pipeline (scan, variants, motifs, finetune) with its main options,
 * and the job list with progress, ETA, cancel and the log. Jobs arrive over SSE; a finished job's
 * outputs open as tracks through `onOutputs`.
 */
import type { JobInfo, ModelInfo, OpenedFile } from '../../src/server/contract.js';
import { api, type JobSubmission } from './api.js';

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `ETA ${Math.ceil(seconds)} s`;
  return `ETA ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A form's values as job options: numbers for number inputs and `ploidy`, booleans for checkboxes. */
export function formValues(form: HTMLFormElement): JobSubmission {
  const job: JobSubmission = { kind: form.dataset.kind as JobSubmission['kind'] };
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement) || !element.name)
      continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox')
      job[element.name] = element.checked;
    else if (element.value === '') continue;
    else if ((element instanceof HTMLInputElement && element.type === 'number') || element.name === 'ploidy')
      job[element.name] = Number(element.value);
    else if (element.name === 'bams') job.bams = [element.value];
    else job[element.name] = element.value;
  }
  return job;
}

export class PipelinePanel {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly opened = new Set<string>();

  constructor(
    private readonly root: HTMLElement,
    private readonly list: HTMLUListElement,
    private readonly hooks: {
      onOutputs: (files: OpenedFile[]) => void;
      onError: (message: string) => void;
      onJob?: (job: JobInfo) => void;
    },
  ) {
    for (const tab of Array.from(root.querySelectorAll<HTMLButtonElement>('.tabs button'))) {
      tab.addEventListener('click', () => this.selectTab(tab.dataset.tab!));
    }
    for (const form of Array.from(root.querySelectorAll<HTMLFormElement>('form.job-form'))) {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        api.startJob(formValues(form)).then(
          (job) => this.update(job),
          (err: Error) => this.hooks.onError(err.message),
        );
      });
    }
  }

  selectTab(name: string): void {
    for (const tab of Array.from(this.root.querySelectorAll<HTMLButtonElement>('.tabs button')))
      tab.classList.toggle('active', tab.dataset.tab === name);
    for (const form of Array.from(this.root.querySelectorAll<HTMLFormElement>('form.job-form')))
      form.hidden = form.dataset.kind !== name;
  }

  /** Fill the file and model choices of every form. */
  setChoices(files: OpenedFile[], models: ModelInfo[], genome?: string): void {
    for (const select of Array.from(this.root.querySelectorAll<HTMLSelectElement>('select[data-files]'))) {
      const kind = select.dataset.files!;
      const previous = select.value;
      const options = files
        .filter((f) => f.kind === kind)
        .map((f) => new Option(f.name, f.id, false, f.id === (previous || genome)));
      if (select.dataset.optional) options.unshift(new Option(select.dataset.optional, ''));
      select.replaceChildren(...options);
    }
    for (const select of Array.from(this.root.querySelectorAll<HTMLSelectElement>('select[data-models]'))) {
      select.replaceChildren(...models.map((m) => new Option(m.name, m.path)));
    }
  }

  /** A job changed (from SSE or a start): redraw it; open its outputs once when it is done. */
  update(job: JobInfo): void {
    this.jobs.set(job.id, job);
    this.hooks.onJob?.(job);
    if (job.state === 'done' && !this.opened.has(job.id)) {
      this.opened.add(job.id);
      if (job.outputs.length > 0) this.hooks.onOutputs(job.outputs);
    }
    if (job.kind === 'attention') return; // shown in the attention panel
    let item = this.list.querySelector<HTMLLIElement>(`li[data-job="${job.id}"]`);
    if (!item) {
      item = document.createElement('li');
      item.className = 'job';
      item.dataset.job = job.id;
      item.dataset.testid = 'job';
      this.list.prepend(item);
    }
    this.render(item, job);
  }

  private render(item: HTMLLIElement, job: JobInfo): void {
    item.dataset.state = job.state;
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = job.title;
    const state = document.createElement('div');
    state.className = `state-${job.state}`;
    const p = job.progress;
    state.textContent =
      job.state === 'running' && p
        ? `${p.phase}: ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit} ${formatEta(p.etaSeconds)}`
        : job.state === 'failed'
          ? `failed: ${job.error ?? ''}`
          : job.state;
    const parts: HTMLElement[] = [title, state];
    if (job.state === 'running') {
      const bar = document.createElement('progress');
      bar.dataset.testid = 'job-progress';
      if (p && p.total > 0) {
        bar.max = p.total;
        bar.value = p.done;
      }
      const cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.textContent = 'Cancel';
      cancel.dataset.testid = 'job-cancel';
      cancel.addEventListener(
        'click',
        () => void api.cancelJob(job.id).catch((err: Error) => this.hooks.onError(err.message)),
      );
      parts.push(bar, cancel);
    }
    if (job.state === 'done' && job.outputs.length > 0) {
      const outputs = document.createElement('div');
      outputs.textContent = `tracks: ${job.outputs.map((f) => f.name).join(', ')}`;
      parts.push(outputs);
    }
    const log = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'log';
    const pre = document.createElement('pre');
    pre.textContent = job.log.join('\n');
    log.append(summary, pre);
    parts.push(log);
    item.replaceChildren(...parts);
  }
}
