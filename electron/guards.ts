/**
 * The desktop window's security decisions, as plain functions: which window options, which CSP, which
 * navigations, new windows, IPC senders and permissions are allowed.
 *
 * The window shows a page served by `src/server` on `http://127.0.0.1:PORT` (a random port and a
 * per-launch token). That page renders data from files the user opened (BAM read names, VCF INFO fields,
 * FASTA headers), so it is treated as untrusted content: nothing it does may reach Node, another origin
 * or the operating system except through the few checked IPC calls in `ipc.ts`.
 *
 * No `electron` import, so every rule is unit-tested without an Electron binary (test/electron).
 */

/**
 * The subset of Electron's `BrowserWindowConstructorOptions` that is fixed; `main.ts` adds the size and
 * position remembered by `window-state.ts`.
 */
export interface WindowOptions {
  title: string;
  /** Shown on `ready-to-show`, so the user never sees an empty white window. */
  show: boolean;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    nodeIntegrationInSubFrames: boolean;
    webviewTag: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    experimentalFeatures: boolean;
    spellcheck: boolean;
  };
}

/** BrowserWindow options; `preloadPath` is the absolute path of the bundled `preload.cjs`. */
export function windowOptions(preloadPath: string): WindowOptions {
  return {
    title: 'Locus',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      // The preload's `contextBridge` object is the page's only way out; with isolation the page cannot
      // reach the preload's globals or patch the built-ins it uses.
      contextIsolation: true,
      // The renderer runs in Chromium's OS sandbox; the preload gets only `contextBridge`/`ipcRenderer`
      // (which is why it is bundled to one `.cjs` that requires nothing but `electron`).
      sandbox: true,
      // Page scripts, workers and subframes never get `require` or `process`.
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // `<webview>` would let page content embed a second, separately configured browser.
      webviewTag: false,
      // Same-origin policy stays on: the page may only read its own server.
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Electron's spell checker downloads dictionaries from a Google CDN on Windows and Linux; Locus
      // makes no request the user did not ask for, and a genome browser has little prose to check.
      spellcheck: false,
    },
  };
}

/** The page's Content-Security-Policy: the server sends it, and the main process sets it again. */
export { contentSecurityPolicy } from '../src/server/csp.js';

/** `new URL(text)`, or `undefined` for text that is not an absolute URL. */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * Whether `appOrigin` is what `src/server` listens on: `http://127.0.0.1:PORT`. Everything else trusts
 * this origin, so a malformed one (another host, a path, https to a remote server) allows nothing.
 */
export function isAppOrigin(appOrigin: string): boolean {
  const url = parseUrl(appOrigin);
  return (
    url !== undefined &&
    url.protocol === 'http:' &&
    url.hostname === '127.0.0.1' &&
    url.port !== '' &&
    url.origin === appOrigin
  );
}

/** Whether `url` is on the app's own origin (same scheme, host and port). */
function isSameOrigin(url: string, appOrigin: string): boolean {
  if (!isAppOrigin(appOrigin)) return false;
  const parsed = parseUrl(url);
  // `origin` compares scheme, host and port; userinfo (`http://a@127.0.0.1:P/`) is refused as well,
  // since the app never uses it and it is a classic way to disguise a URL.
  return (
    parsed !== undefined && parsed.origin === appOrigin && parsed.username === '' && parsed.password === ''
  );
}

/**
 * `will-navigate` / `will-redirect` / `will-frame-navigate`: the window may only move within the Locus
 * server. A link to a paper, a `file:` path or a `javascript:` URL in a track's popup is blocked (the
 * caller cancels the navigation); external links go through `window.open`, see `decideWindowOpen`.
 */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  return isSameOrigin(url, appOrigin);
}

export interface WindowOpenDecision {
  /** Always 'deny': Locus never opens a second Electron window for page content. */
  action: 'deny';
  /** Whether to hand `url` to the operating system's browser instead (`shell.openExternal`). */
  openExternally: boolean;
}

/**
 * `setWindowOpenHandler`: every `window.open` / `target=_blank` is denied inside Electron. Only plain
 * `https:` links (igv.js links features to UCSC, NCBI, Ensembl) go to the OS browser; `http:`, `file:`,
 * `javascript:`, `data:`, custom schemes (`ms-msdt:`, `smb:`...) never do, since `openExternal` on them
 * can start programs or leak credentials.
 */
export function decideWindowOpen(url: string): WindowOpenDecision {
  const parsed = parseUrl(url);
  const openExternally =
    parsed !== undefined &&
    parsed.protocol === 'https:' &&
    parsed.hostname !== '' &&
    parsed.username === '' &&
    parsed.password === '';
  return { action: 'deny', openExternally };
}

/** What the main process knows of the frame that sent an IPC message (`event.senderFrame`). */
export interface SenderFrame {
  url: string;
  /** `senderFrame.parent === null`: the window's top-level document, not an iframe. */
  isMainFrame: boolean;
}

/**
 * IPC sender validation: only the top-level document of the Locus server may call the desktop API. A
 * frame that navigated elsewhere, an iframe (even a same-origin one) or a frame already gone (`null`) is
 * refused.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, appOrigin: string): boolean {
  return frame !== null && frame !== undefined && frame.isMainFrame && isSameOrigin(frame.url, appOrigin);
}

/**
 * Permissions a page may be granted. Only `clipboard-sanitized-write`, the permission Chromium asks for
 * on `navigator.clipboard.writeText`: igv.js's "copy read sequence" menu items need it; the browser
 * already requires a user gesture and sanitizes what is written, and reading the clipboard stays denied.
 */
export const GRANTED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

/**
 * `setPermissionRequestHandler` / `setPermissionCheckHandler`: camera, microphone, geolocation,
 * notifications, MIDI, HID, serial, USB, clipboard reading, pointer lock, `openExternal`, file-system
 * access... are denied. A genome browser needs none of them, so there is no prompt to click through.
 * `requestingUrl` is the page (or origin) asking; only the app's own origin gets anything.
 */
export function checkPermission(permission: string, requestingUrl: string, appOrigin: string): boolean {
  return GRANTED_PERMISSIONS.includes(permission) && isSameOrigin(requestingUrl, appOrigin);
}
