/**
 * Who may talk to the server: only a client that holds this launch's random token, through a Host
 * header that names the loopback address it listens on.
 *
 * The token arrives as the `x-locus-token` header, as `?token=` (the URL `locus serve` prints), or as
 * a cookie that the first page load sets, so igv.js's range requests and EventSource, which cannot
 * add headers, carry it too. The cookie is HttpOnly and SameSite=Strict: another site's page can
 * neither read it nor send it. The Host check defeats DNS rebinding (a hostile name that resolves to
 * 127.0.0.1 would otherwise reach the server with the browser's same-origin blessing).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_COOKIE, TOKEN_HEADER } from './contract.js';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sameToken(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export interface RequestCredentials {
  headers: Record<string, string | string[] | undefined>;
  url: string;
}

/** The token a request presents, from header, query or cookie (in that order). */
export function presentedToken(request: RequestCredentials): string | undefined {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const query = new URL(request.url, 'http://localhost').searchParams.get('token');
  if (query !== null) return query;
  const cookie = request.headers.cookie;
  return cookieValue(typeof cookie === 'string' ? cookie : undefined, TOKEN_COOKIE);
}

/** True when the Host header names the loopback address and port the server listens on. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
