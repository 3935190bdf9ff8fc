/**
 * The desktop window's security checklist (electron/guards.ts), item by item: window options, CSP,
 * navigation, new windows, IPC senders and permissions. Runs without an Electron binary.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import {
  checkPermission,
  contentSecurityPolicy,
  decideWindowOpen,
  isAllowedNavigation,
  isAppOrigin,
  isTrustedSender,
  windowOptions,
} from '../../electron/guards.js';

const ORIGIN = 'http://127.0.0.1:43117';

/** The CSP as directive name -> sources. */
function directives(csp: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '') map.set(name, sources);
  }
  return map;
}

describe('windowOptions', () => {
  const options = windowOptions('/app/dist/electron/preload.cjs');
  const web = options.webPreferences;

  it('isolates the page from Node and the preload', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and webviews off', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
  });

  it('loads the given preload', () => {
    expect(web.preload).toBe('/app/dist/electron/preload.cjs');
  });

  it("is shaped like Electron's BrowserWindow options", () => {
    // A compile-time check (tsc over test/): the object is accepted by `new BrowserWindow`.
    const accepted: BrowserWindowConstructorOptions = options;
    expect(accepted.show).toBe(false);
  });
});

describe('contentSecurityPolicy', () => {
  const csp = directives(contentSecurityPolicy());

  it('runs scripts only from the Locus server, with no eval and no inline script', () => {
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    for (const sources of csp.values()) {
      expect(sources).not.toContain("'unsafe-eval'");
      expect(sources).not.toContain('*');
    }
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('connects and loads only from its own origin (plus inline images igv.js draws)', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    for (const sources of csp.values()) {
      for (const source of sources) expect(source).not.toMatch(/^(https?:|ws:|wss:|file:)/);
    }
  });

  it('closes plugins, <base>, framing and form posts', () => {
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
  });
});

describe('isAppOrigin', () => {
  it('accepts only http://127.0.0.1:PORT', () => {
    expect(isAppOrigin(ORIGIN)).toBe(true);
    for (const bad of [
      `${ORIGIN}/`,
      'http://127.0.0.1',
      'http://localhost:43117',
      'https://127.0.0.1:43117',
      'http://0.0.0.0:43117',
      'http://example.org:80',
      '',
      'not a url',
    ]) {
      expect(isAppOrigin(bad), bad).toBe(false);
    }
  });
});

describe('isAllowedNavigation', () => {
  it('allows pages of the Locus server', () => {
    expect(isAllowedNavigation(`${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(isAllowedNavigation(`${ORIGIN}/?token=abc#chr1`, ORIGIN)).toBe(true);
    expect(isAllowedNavigation(`${ORIGIN}/jobs/3/report.html`, ORIGIN)).toBe(true);
  });

  it('blocks another origin, port, host or scheme', () => {
    for (const url of [
      'http://127.0.0.1:43118/',
      'http://localhost:43117/',
      'http://[::1]:43117/',
      'https://127.0.0.1:43117/',
      'https://genome.ucsc.edu/',
      'http://example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      `http://user:pass@127.0.0.1:43117/`,
      '/relative/path',
      '',
    ]) {
      expect(isAllowedNavigation(url, ORIGIN), url).toBe(false);
    }
  });

  it('allows nothing when the app origin itself is malformed', () => {
    expect(isAllowedNavigation('https://example.org/', 'https://example.org')).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1/', 'http://127.0.0.1')).toBe(false);
  });
});

describe('decideWindowOpen', () => {
  it('always denies a new Electron window', () => {
    for (const url of ['https://www.ncbi.nlm.nih.gov/', `${ORIGIN}/`, 'file:///tmp/x', 'garbage']) {
      expect(decideWindowOpen(url).action).toBe('deny');
    }
  });

  it('hands only https links to the OS browser', () => {
    expect(decideWindowOpen('https://genome.ucsc.edu/cgi-bin/hgTracks?position=chr1:1-100')).toEqual({
      action: 'deny',
      openExternally: true,
    });
    for (const url of [
      'http://example.org/',
      `${ORIGIN}/report.html`,
      'file:///etc/passwd',
      'file://server/share/x.exe',
      'javascript:alert(1)',
      'data:text/html,hi',
      'blob:http://127.0.0.1:43117/0b5e',
      'mailto:someone@example.org',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://file/etc/passwd',
      'https://user:secret@example.org/',
      'not a url',
      '',
    ]) {
      expect(decideWindowOpen(url), url).toEqual({ action: 'deny', openExternally: false });
    }
  });
});

describe('isTrustedSender', () => {
  it("trusts the Locus page's top-level frame", () => {
    expect(isTrustedSender({ url: `${ORIGIN}/?token=abc`, isMainFrame: true }, ORIGIN)).toBe(true);
  });

  it('rejects subframes, even same-origin ones', () => {
    expect(isTrustedSender({ url: `${ORIGIN}/`, isMainFrame: false }, ORIGIN)).toBe(false);
  });

  it('rejects other origins and frames that are gone', () => {
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true }, ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'http://127.0.0.1:1234/', isMainFrame: true }, ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'file:///index.html', isMainFrame: true }, ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'about:blank', isMainFrame: true }, ORIGIN)).toBe(false);
    expect(isTrustedSender(null, ORIGIN)).toBe(false);
    expect(isTrustedSender(undefined, ORIGIN)).toBe(false);
  });
});

describe('checkPermission', () => {
  it('denies every device, sensor and system permission, even to the Locus page', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'midi',
      'midiSysex',
      'pointerLock',
      'keyboardLock',
      'fullscreen',
      'openExternal',
      'clipboard-read',
      'display-capture',
      'mediaKeySystem',
      'idle-detection',
      'window-management',
      'storage-access',
      'top-level-storage-access',
      'fileSystem',
      'hid',
      'serial',
      'usb',
      'unknown',
    ]) {
      expect(checkPermission(permission, `${ORIGIN}/`, ORIGIN), permission).toBe(false);
    }
  });

  it('lets only the Locus page write (not read) the clipboard, for copy-sequence menus', () => {
    expect(checkPermission('clipboard-sanitized-write', `${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(checkPermission('clipboard-sanitized-write', ORIGIN, ORIGIN)).toBe(true);
    expect(checkPermission('clipboard-sanitized-write', 'https://evil.example/', ORIGIN)).toBe(false);
    expect(checkPermission('clipboard-sanitized-write', '', ORIGIN)).toBe(false);
    expect(checkPermission('clipboard-read', `${ORIGIN}/`, ORIGIN)).toBe(false);
  });
});
