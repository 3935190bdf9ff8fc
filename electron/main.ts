/**
 * The Electron main process: starts the Locus server on 127.0.0.1, opens one sandboxed window on it and
 * connects the native pieces (menu, dialogs, file manager, single instance, window position).
 *
 * `electron . genome.fa reads.bam` opens those files at start; launching again while Locus runs hands
 * the new files to the running window instead of starting a second server. Every security decision is
 * made by the electron-free modules next to this file (`guards.ts`, `ipc.ts`), where it is unit-tested;
 * this file only wires them to Electron's events.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { startServer } from '../src/server/serve.js';
import { EVENT_CHANNELS, FILE_DIALOG_KINDS, type MenuAction } from './desktop-api.js';
import {
  checkPermission,
  contentSecurityPolicy,
  decideWindowOpen,
  isAllowedNavigation,
  isTrustedSender,
  windowOptions,
  type SenderFrame,
} from './guards.js';
import {
  dialogFilters,
  filesFromArgv,
  filesFromSecondInstance,
  makeHandlers,
  type ArgvOptions,
} from './ipc.js';
import { menuTemplate } from './menu.js';
import { loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState, type WindowState } from './window-state.js';

type LocusServer = Awaited<ReturnType<typeof startServer>>;

/** Compiled to `dist/electron/main.js`, next to the bundled `preload.cjs`. */
const HERE = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(HERE, 'preload.cjs');
/** Window moves and resizes arrive many times a second; the state file is written once they stop. */
const SAVE_DELAY_MS = 500;
/** Quitting waits this long at most for the server to close and the window state to be written. */
const QUIT_TIMEOUT_MS = 3000;

const argvOptions: ArgvOptions = { cwd: process.cwd(), launchedWithAppPath: process.defaultApp === true };
/** Files to open once the server runs: the command line's, and macOS `open-file` events before that. */
const startupFiles = filesFromArgv(process.argv, argvOptions);

let server: LocusServer | undefined;
let mainWindow: BrowserWindow | undefined;
/** The window being created, so that two callers (Dock click, a file opened) do not make two. */
let creatingWindow: Promise<BrowserWindow> | undefined;
/** Whether the page has loaded (and so subscribed to `onOpenPaths`); messages wait in `pendingPaths`. */
let rendererReady = false;
const pendingPaths: string[] = [];
let pendingSave: Promise<void> = Promise.resolve();
let quitting = false;

// Every renderer sandboxed, whatever options created it (before `ready`, as Electron requires).
app.enableSandbox();

// One Locus per user: a second launch passes its files (already resolved against its own working
// directory) to this one through `additionalData` and quits.
if (!app.requestSingleInstanceLock({ files: [...startupFiles] })) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    const files = filesFromSecondInstance(additionalData, argv, { ...argvOptions, cwd: workingDirectory });
    if (mainWindow !== undefined) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
    }
    if (files.length > 0) openPaths(files);
  });

  // macOS: files dropped on the Dock icon or opened from Finder; it can fire before `ready`.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (server === undefined) startupFiles.push(path);
    else openPaths([path]);
  });

  app.on('window-all-closed', () => {
    // macOS apps stay running without windows (the Dock icon reopens one); elsewhere closing ends Locus.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (server !== undefined) ensureWindow(server).catch(reportError);
  });

  app.on('will-quit', (event) => {
    if (quitting) return;
    // Hold the quit until the server has closed (its jobs stop, its files are released) and the window
    // state is on disk; a server that hangs does not keep Locus open.
    event.preventDefault();
    quitting = true;
    const closing = Promise.allSettled([pendingSave, server?.close()]);
    const timeout = new Promise<void>((done) => setTimeout(done, QUIT_TIMEOUT_MS));
    void Promise.race([closing, timeout]).finally(() => app.quit());
  });

  start().catch((err: unknown) => {
    dialog.showErrorBox('Locus could not start', errorMessage(err));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  server = await startServer({
    version: app.getVersion(),
    // Relative paths and default output folders resolve here. Launched from a shell, that is the shell's
    // folder, as for the CLI; launched from Finder or a Start menu the working folder is `/` or the
    // install folder, so use the home folder instead.
    workDir: app.isPackaged ? app.getPath('home') : process.cwd(),
  });
  const { origin } = server;
  secureSession(origin);
  registerIpc(origin);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        isPackaged: app.isPackaged,
        actions: {
          openFile: () => void openFromMenu().catch(reportError),
          saveSession: () => sendMenuAction('save-session'),
          openSession: () => sendMenuAction('open-session'),
          about: () => void showAbout().catch(reportError),
        },
      }),
    ),
  );

  // Opened before the page loads, so its first request for the file list already has them. One bad
  // file is reported and skipped; it does not stop the others or the app.
  const failures: string[] = [];
  for (const file of startupFiles.splice(0)) {
    try {
      await server.openFile(file);
    } catch (err) {
      failures.push(`${file}: ${errorMessage(err)}`);
    }
  }
  const window = await ensureWindow(server);
  if (failures.length > 0) {
    await dialog.showMessageBox(window, {
      type: 'warning',
      message: failures.length === 1 ? 'A file could not be opened' : 'Some files could not be opened',
      detail: failures.join('\n'),
    });
  }
}

/** The CSP on every response, no permissions, no devices, no webviews, no pop-ups (see guards.ts). */
function secureSession(origin: string): void {
  const ses = session.defaultSession;
  const csp = contentSecurityPolicy();
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(checkPermission(permission, details.requestingUrl, origin));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    checkPermission(permission, requestingOrigin, origin),
  );
  ses.setDevicePermissionHandler(() => false);

  // Every web contents, the developer tools' included: no `<webview>`, and `window.open` never makes an
  // Electron window; plain https links go to the user's browser.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (attachEvent) => attachEvent.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const decision = decideWindowOpen(url);
      if (decision.openExternally) void shell.openExternal(url);
      return { action: decision.action };
    });
  });
}

/** The page's window stays on the Locus server: any navigation or redirect elsewhere is cancelled. */
function blockNavigation(contents: WebContents, origin: string): void {
  const guard = (event: { url: string; preventDefault(): void }): void => {
    if (!isAllowedNavigation(event.url, origin)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-frame-navigate', guard);
}

function registerIpc(origin: string): void {
  const handlers = makeHandlers({
    isTrustedSender: (frame) => isTrustedSender(frame, origin),
    showOpenDialog: (options) =>
      mainWindow === undefined ? dialog.showOpenDialog(options) : dialog.showOpenDialog(mainWindow, options),
    showSaveDialog: (options) =>
      mainWindow === undefined ? dialog.showSaveDialog(options) : dialog.showSaveDialog(mainWindow, options),
    showItemInFolder: (path) => shell.showItemInFolder(path),
  });
  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => handler(senderFrameOf(event), ...args));
  }
}

/** What the guards need of the sending frame; `null` (refused) for anything but the Locus window. */
function senderFrameOf(event: IpcMainInvokeEvent): SenderFrame | null {
  if (mainWindow === undefined || event.sender !== mainWindow.webContents) return null;
  const frame = event.senderFrame;
  if (frame === null) return null;
  return { url: frame.url, isMainFrame: frame.parent === null };
}

/** The Locus window, created (on the server's page) if there is none. */
function ensureWindow(running: LocusServer): Promise<BrowserWindow> {
  if (mainWindow !== undefined) return Promise.resolve(mainWindow);
  creatingWindow ??= createWindow(running.origin, running.url).finally(() => {
    creatingWindow = undefined;
  });
  return creatingWindow;
}

async function createWindow(origin: string, url: string): Promise<BrowserWindow> {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const primary = screen.getPrimaryDisplay();
  const displays = [primary, ...screen.getAllDisplays().filter((display) => display.id !== primary.id)];
  const state = await loadWindowState(stateFile, displays);

  const window = new BrowserWindow({
    ...windowOptions(PRELOAD),
    ...(state.x === undefined || state.y === undefined ? { center: true } : { x: state.x, y: state.y }),
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
  });
  mainWindow = window;
  rendererReady = false;
  if (state.isMaximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  blockNavigation(contents, origin);
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) rendererReady = false;
  });
  contents.on('did-finish-load', () => {
    rendererReady = true;
    flushPendingPaths();
  });

  rememberState(window, stateFile);
  window.on('closed', () => {
    if (mainWindow === window) {
      mainWindow = undefined;
      rendererReady = false;
    }
  });

  await window.loadURL(url);
  return window;
}

/** Save bounds and maximized state after moves and resizes settle, and once more on close. */
function rememberState(window: BrowserWindow, stateFile: string): void {
  let timer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (window.isDestroyed()) return;
    const state: WindowState = { ...window.getNormalBounds(), isMaximized: window.isMaximized() };
    pendingSave = pendingSave
      .then(() => saveWindowState(stateFile, state))
      .catch((err: unknown) => {
        // Losing the window position is not worth interrupting the user for.
        console.warn(`Locus: could not save the window position to ${stateFile}: ${String(err)}`);
      });
  };
  const saveSoon = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('maximize', saveSoon);
  window.on('unmaximize', saveSoon);
  window.on('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    save();
  });
}

/** Hand paths to the renderer, which opens them through the server's API and shows any error. */
function openPaths(paths: readonly string[]): void {
  pendingPaths.push(...paths);
  if (server !== undefined) ensureWindow(server).catch(reportError);
  flushPendingPaths();
}

function flushPendingPaths(): void {
  if (mainWindow === undefined || !rendererReady || pendingPaths.length === 0) return;
  mainWindow.webContents.send(EVENT_CHANNELS.openPaths, pendingPaths.splice(0));
}

function sendMenuAction(action: MenuAction): void {
  if (mainWindow !== undefined && rendererReady)
    mainWindow.webContents.send(EVENT_CHANNELS.menuAction, action);
}

/** File > Open File…: data files only (sessions have their own item). */
async function openFromMenu(): Promise<void> {
  const options = {
    title: 'Open File',
    filters: dialogFilters(FILE_DIALOG_KINDS.filter((kind) => kind !== 'session')),
    properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[],
  };
  const result =
    mainWindow === undefined
      ? await dialog.showOpenDialog(options)
      : await dialog.showOpenDialog(mainWindow, options);
  if (!result.canceled && result.filePaths.length > 0) openPaths(result.filePaths);
}

async function showAbout(): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'About Locus',
    message: `Locus ${app.getVersion()}`,
    detail: [
      'A genomics workbench: FASTA and BAM readers, a k-mer tokenizer and a Reformer for 100,000+ base contexts.',
      `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
    ].join('\n\n'),
  };
  if (mainWindow === undefined) await dialog.showMessageBox(options);
  else await dialog.showMessageBox(mainWindow, options);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An unexpected failure after start (a window that cannot load, a dialog that fails): tell the user. */
function reportError(err: unknown): void {
  dialog.showErrorBox('Locus', errorMessage(err));
}
