/**
 * The renderer's client for src/server: typed by the contract, with the token riding in the cookie the
 * page load set. Errors come back as `{ error }` and are thrown as ApiError with that message.
 */
import type {
  AppState,
  AttentionView,
  JobEvent,
  JobInfo,
  JobRequest,
  Locus,
  OpenedFile,
  RestoredSession,
  Session,
} from '../../src/server/contract.js';

export class ApiError extends Error {}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json()) as T | { error: string };
  if (!response.ok) throw new ApiError((payload as { error: string }).error ?? response.statusText);
  return payload as T;
}

/** Job options as the forms fill them: the server fills in every default. */
export type JobSubmission = { kind: JobRequest['kind'] } & Record<string, unknown>;

export const api = {
  state: () => call<AppState>('GET', '/api/state'),
  open: (path: string) => call<OpenedFile>('POST', '/api/files/open', { path }),
  locus: (genome: string, region: string) => call<Locus>('POST', '/api/locus', { genome, region }),
  startJob: (job: JobSubmission) => call<JobInfo>('POST', '/api/jobs', job),
  cancelJob: (id: string) => call<JobInfo>('POST', `/api/jobs/${id}/cancel`),
  attention: (id: string) => call<AttentionView>('GET', `/api/jobs/${id}/attention`),
  restoreSession: (session: Session) => call<RestoredSession>('POST', '/api/session/restore', session),
  /** Job changes as they happen; the stream reconnects by itself. */
  onJob(listener: (job: JobInfo) => void): EventSource {
    const events = new EventSource('/api/events');
    events.onmessage = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as JobEvent;
      if (event.type === 'job') listener(event.job);
    };
    return events;
  },
};
