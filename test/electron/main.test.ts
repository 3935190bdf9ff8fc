/**
 * electron/main.ts's wiring, run against a fake `electron` module and a fake server (no Electron binary
 * exists on this machine): that the guards of guards.ts and ipc.ts are really installed on the session,
 * the window and ipcMain, that files reach the renderer, and that quitting closes the server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy } from '../../electron/guards.js';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const ORIGIN = 'http://127.0.0.1:43117';

  /** The little of Node's EventEmitter that main.ts uses. */
  class Emitter {
    readonly listeners = new Map<string, Listener[]>();
    on(name: string, listener: Listener): this {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
      return this;
    }
    once(name: string, listener: Listener): this {
      return this.on(name, listener);
    }
    emit(name: string, ...args: unknown[]): void {
      for (const listener of this.listeners.get(name) ?? []) listener(...args);
    }
  }

  /** An Electron event whose `preventDefault` is recorded. */
  function event(fields: Record<string, unknown> = {}): { prevented: boolean; preventDefault(): void } {
    const result = {
      ...fields,
      prevented: false,
      preventDefault() {
        result.prevented = true;
      },
    };
    return result;
  }

  class FakeWebContents extends Emitter {
    readonly sent: unknown[][] = [];
    openHandler: ((details: { url: string }) => unknown) | undefined;
    setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
      this.openHandler = handler;
    }
    send(...args: unknown[]): void {
      this.sent.push(args);
    }
  }

  const state = {
    sandboxed: false,
    lock: true,
    lockData: undefined as unknown,
    userData: '',
    quitRequests: 0,
    quitDone: false,
    exitCode: undefined as number | undefined,
    handlers: new Map<string, Listener>(),
    windows: [] as FakeWindow[],
    menu: undefined as unknown,
    headersListener: undefined as Listener | undefined,
    permissionRequest: undefined as Listener | undefined,
    permissionCheck: undefined as Listener | undefined,
    devicePermission: undefined as Listener | undefined,
    openDialogs: [] as unknown[],
    messageBoxes: [] as { message?: string; detail?: string }[],
    errorBoxes: [] as string[][],
    external: [] as string[],
    shown: [] as string[],
    server: {
      options: [] as unknown[],
      opened: [] as string[],
      closed: false,
    },
  };

  const app = new (class extends Emitter {
    isPackaged = false;
    enableSandbox(): void {
      state.sandboxed = true;
    }
    requestSingleInstanceLock(data: unknown): boolean {
      state.lockData = data;
      return state.lock;
    }
    whenReady(): Promise<void> {
      return Promise.resolve();
    }
    getPath(): string {
      return state.userData;
    }
    getVersion(): string {
      return '0.1.0';
    }
    quit(): void {
      state.quitRequests += 1;
      const quitEvent = event();
      this.emit('will-quit', quitEvent);
      if (!quitEvent.prevented) state.quitDone = true;
    }
    exit(code: number): void {
      state.exitCode = code;
    }
  })();

  class FakeWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    loadedUrl: string | undefined;
    maximized = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', event(), this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      this.webContents.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: false });
      this.webContents.emit('did-finish-load');
    }
    maximize(): void {
      this.maximized = true;
    }
    isMaximized(): boolean {
      return this.maximized;
    }
    isMinimized(): boolean {
      return false;
    }
    isDestroyed(): boolean {
      return false;
    }
    getNormalBounds() {
      return { x: 10, y: 20, width: 1000, height: 700 };
    }
    restore(): void {}
    show(): void {}
    focus(): void {}
  }

  const display = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } };

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, handler: Listener) => state.handlers.set(channel, handler),
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => {
        state.menu = menu;
      },
    },
    screen: { getPrimaryDisplay: () => display, getAllDisplays: () => [display] },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (listener: Listener) => {
            state.headersListener = listener;
          },
        },
        setPermissionRequestHandler: (handler: Listener) => {
          state.permissionRequest = handler;
        },
        setPermissionCheckHandler: (handler: Listener) => {
          state.permissionCheck = handler;
        },
        setDevicePermissionHandler: (handler: Listener) => {
          state.devicePermission = handler;
        },
      },
    },
    dialog: {
      showOpenDialog: async (...args: unknown[]) => {
        state.openDialogs.push(args.at(-1));
        return { canceled: false, filePaths: ['/data/chosen.bam'] };
      },
      showSaveDialog: async () => ({ canceled: false, filePath: '/data/session.json' }),
      showMessageBox: async (...args: unknown[]) => {
        state.messageBoxes.push(args.at(-1) as { message?: string; detail?: string });
        return { response: 0 };
      },
      showErrorBox: (title: string, content: string) => state.errorBoxes.push([title, content]),
    },
    shell: {
      openExternal: async (url: string) => {
        state.external.push(url);
      },
      showItemInFolder: (path: string) => state.shown.push(path),
    },
  };

  const server = {
    startServer: async (options: unknown) => {
      state.server.options.push(options);
      return {
        url: `${ORIGIN}/?token=t0k3n`,
        origin: ORIGIN,
        token: 't0k3n',
        port: 43117,
        openFile: async (path: string) => {
          if (path.includes('broken')) throw new Error('not a FASTA file');
          state.server.opened.push(path);
          return { path };
        },
        close: async () => {
          state.server.closed = true;
        },
      };
    },
  };

  return { ORIGIN, state, electron, server, event };
});

vi.mock('electron', () => fake.electron);
vi.mock('../../src/server/serve.js', () => fake.server);

const { ORIGIN, state, event } = fake;
const savedArgv = process.argv;

/** Start main.ts afresh, as `electron . <files>` would, and wait until its window has loaded. */
async function launch(files: string[] = ['genome.fa']): Promise<void> {
  process.argv = ['/usr/lib/electron/electron', '.', ...files];
  Object.assign(process, { defaultApp: true });
  vi.resetModules();
  await import('../../electron/main.js');
  await vi.waitFor(() => expect(state.windows[0]?.loadedUrl).toBeDefined());
}

function window() {
  const result = state.windows[0];
  if (result === undefined) throw new Error('no window was created');
  return result;
}

/** What an `ipcMain.handle` handler receives from the window's top frame (or from `frame`). */
function ipcEvent(frame: { url: string; parent: unknown } | null = { url: `${ORIGIN}/`, parent: null }) {
  return { sender: window().webContents, senderFrame: frame };
}

beforeEach(() => {
  Object.assign(state, {
    sandboxed: false,
    lock: true,
    lockData: undefined,
    userData: mkdtempSync(join(tmpdir(), 'locus-main-')),
    quitRequests: 0,
    quitDone: false,
    exitCode: undefined,
    handlers: new Map(),
    windows: [],
    menu: undefined,
    openDialogs: [],
    messageBoxes: [],
    errorBoxes: [],
    external: [],
    shown: [],
    server: { options: [], opened: [], closed: false },
  });
  fake.electron.app.listeners.clear();
});

afterEach(() => {
  process.argv = savedArgv;
  Object.assign(process, { defaultApp: undefined });
});

describe('main process', () => {
  it('sandboxes, takes the single-instance lock, starts the server and opens the command-line files', async () => {
    await launch(['genome.fa', '/abs/broken.fa']);
    expect(state.sandboxed).toBe(true);
    expect(state.lockData).toEqual({ files: [resolve('genome.fa'), '/abs/broken.fa'] });
    expect(state.server.options).toEqual([{ version: '0.1.0', workDir: process.cwd() }]);
    expect(state.server.opened).toEqual([resolve('genome.fa')]);
    await vi.waitFor(() => expect(state.messageBoxes).toHaveLength(1));
    expect(state.messageBoxes[0]?.detail).toBe('/abs/broken.fa: not a FASTA file');
    expect(window().loadedUrl).toBe(`${ORIGIN}/?token=t0k3n`);
    expect(state.errorBoxes).toEqual([]);
  });

  it('quits at once, starting nothing, when another Locus holds the lock', async () => {
    state.lock = false;
    process.argv = ['/usr/lib/electron/electron', '.', 'genome.fa'];
    vi.resetModules();
    await import('../../electron/main.js');
    expect(state.quitRequests).toBe(1);
    expect(state.server.options).toEqual([]);
    expect(state.windows).toEqual([]);
  });

  it('creates the window with the secure options and the preload', async () => {
    await launch();
    const web = window().options.webPreferences as Record<string, unknown>;
    expect(web).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
    });
    expect(String(web.preload)).toMatch(/[\\/]preload\.cjs$/);
  });

  it('sets the CSP on every response', async () => {
    await launch();
    let headers: unknown;
    state.headersListener?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response: unknown) => {
      headers = response;
    });
    expect(headers).toEqual({
      responseHeaders: {
        'Content-Type': ['text/html'],
        'Content-Security-Policy': [contentSecurityPolicy()],
      },
    });
  });

  it('denies permission requests and devices', async () => {
    await launch();
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      state.permissionRequest?.({}, permission, (granted: boolean) => answers.push(granted), {
        requestingUrl: `${ORIGIN}/`,
      });
      answers.push(state.permissionCheck?.({}, permission, ORIGIN) as boolean);
    }
    expect(answers.every((granted) => !granted)).toBe(true);
    expect(state.devicePermission?.({})).toBe(false);
  });

  it('blocks navigation and redirects away from the server', async () => {
    await launch();
    const contents = window().webContents;
    for (const name of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const away = event({ url: 'https://evil.example/' });
      contents.emit(name, away);
      expect(away.prevented, name).toBe(true);
      const home = event({ url: `${ORIGIN}/jobs` });
      contents.emit(name, home);
      expect(home.prevented, name).toBe(false);
    }
  });

  it('denies new windows and webviews, sending only https links to the browser', async () => {
    await launch();
    const contents = window().webContents;
    expect(contents.openHandler?.({ url: 'https://www.ncbi.nlm.nih.gov/gene/7157' })).toEqual({
      action: 'deny',
    });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(state.external).toEqual(['https://www.ncbi.nlm.nih.gov/gene/7157']);
    const webview = event();
    contents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
  });

  it("answers IPC only from the window's top frame on the server's origin", async () => {
    await launch();
    const reveal = state.handlers.get('locus:reveal-in-folder');
    await reveal?.(ipcEvent(), '/data/reads.bam');
    expect(state.shown).toEqual(['/data/reads.bam']);

    const refused = [
      ipcEvent({ url: `${ORIGIN}/`, parent: {} }),
      ipcEvent({ url: 'https://evil.example/', parent: null }),
      ipcEvent(null),
      { sender: {}, senderFrame: { url: `${ORIGIN}/`, parent: null } },
    ];
    for (const request of refused) {
      await expect(reveal?.(request, '/data/reads.bam')).rejects.toThrow(
        /did not come from the Locus window/,
      );
    }
    expect(state.shown).toEqual(['/data/reads.bam']);
    expect([...state.handlers.keys()].sort()).toEqual([
      'locus:open-file-dialog',
      'locus:reveal-in-folder',
      'locus:save-session-dialog',
    ]);
  });

  it('sends the paths chosen in File > Open File… and menu actions to the renderer', async () => {
    await launch();
    const file = (
      state.menu as { label?: string; submenu?: { label?: string; click?: () => void }[] }[]
    ).find((item) => item.label === 'File');
    file?.submenu?.find((item) => item.label === 'Open File…')?.click?.();
    await vi.waitFor(() =>
      expect(window().webContents.sent).toContainEqual(['locus:open-paths', ['/data/chosen.bam']]),
    );
    file?.submenu?.find((item) => item.label === 'Save Session…')?.click?.();
    expect(window().webContents.sent).toContainEqual(['locus:menu-action', 'save-session']);
  });

  it("hands a second launch's files to the running window", async () => {
    await launch();
    fake.electron.app.emit('second-instance', event(), ['/opt/locus', 'x.fa'], '/elsewhere', {
      files: ['/x/a.fa'],
    });
    expect(window().webContents.sent).toContainEqual(['locus:open-paths', ['/x/a.fa']]);
  });

  it('saves the window state on close and closes the server on quit', async () => {
    await launch();
    window().emit('close');
    fake.electron.app.quit();
    await vi.waitFor(() => expect(state.quitDone).toBe(true));
    expect(state.server.closed).toBe(true);
    const saved: unknown = JSON.parse(readFileSync(join(state.userData, 'window-state.json'), 'utf8'));
    expect(saved).toEqual({ version: 1, x: 10, y: 20, width: 1000, height: 700, isMaximized: false });
  });
});
