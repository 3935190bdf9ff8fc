/**
 * The preload: exposes `window.locusDesktop` (see `desktop-api.ts`) to the Locus page, one function per
 * message and nothing else.
 *
 * It runs sandboxed, where `require` knows only `electron` (and a few Node shims), so esbuild bundles it
 * into one `.cjs` with `electron` left external. It never hands `ipcRenderer` or an IPC event to the
 * page: either would let page script send any message on any channel. The main process checks every
 * message again (`ipc.ts`); the checks here only keep bad values from crossing at all.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  MENU_ACTIONS,
  type LocusDesktopApi,
  type MenuAction,
  type OpenFileDialogOptions,
} from './desktop-api.js';

/** Subscribe to one main-to-renderer channel, passing on only payloads `accept` recognizes. */
function subscribe<T>(
  channel: string,
  accept: (value: unknown) => value is T,
  callback: (value: T) => void,
): () => void {
  if (typeof callback !== 'function') throw new TypeError(`${channel}: the callback must be a function`);
  // The event argument is dropped: `event.sender` is `ipcRenderer` itself.
  const listener = (_event: unknown, value: unknown): void => {
    if (accept(value)) callback(value);
  };
  ipcRenderer.on(channel, listener);
  return () => {
    ipcRenderer.removeListener(channel, listener);
  };
}

function isPathList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isMenuAction(value: unknown): value is MenuAction {
  return typeof value === 'string' && (MENU_ACTIONS as readonly string[]).includes(value);
}

const api: LocusDesktopApi = {
  openFileDialog: (options?: OpenFileDialogOptions) =>
    ipcRenderer.invoke(INVOKE_CHANNELS.openFileDialog, options) as Promise<string[]>,
  saveSessionDialog: () => ipcRenderer.invoke(INVOKE_CHANNELS.saveSessionDialog) as Promise<string | null>,
  revealInFolder: (path: string) => ipcRenderer.invoke(INVOKE_CHANNELS.revealInFolder, path) as Promise<void>,
  onOpenPaths: (callback) => subscribe(EVENT_CHANNELS.openPaths, isPathList, callback),
  onMenuAction: (callback) => subscribe(EVENT_CHANNELS.menuAction, isMenuAction, callback),
};

contextBridge.exposeInMainWorld('locusDesktop', api);
