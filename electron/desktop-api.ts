/**
 * The desktop bridge contract: what the preload exposes to the renderer as `window.locusDesktop`, and the
 * IPC channel names behind it.
 *
 * One import-free file, shared by three sides: the preload (bundled into a sandboxed `.cjs`, where only
 * `electron` may be required), the main process (`electron/ipc.ts` validates what arrives on these
 * channels) and the renderer (which imports only the types, `import type`). Everything else the renderer
 * needs goes through the HTTP API of `src/server`, so `locus serve` in a plain browser works without this
 * object: the renderer must treat `window.locusDesktop` as optional.
 */

/** File kinds the Open dialog can filter on; each becomes one filter of the native dialog. */
export const FILE_DIALOG_KINDS = ['fasta', 'bam', 'vcf', 'bed', 'bedgraph', 'session'] as const;
export type FileDialogKind = (typeof FILE_DIALOG_KINDS)[number];

export interface OpenFileDialogOptions {
  /** The dialog's title (default "Open"). */
  title?: string;
  /** Which kinds to offer as filters, in order; "All files" is always offered last. Default: every kind. */
  kinds?: FileDialogKind[];
}

/** Menu items the renderer carries out itself (it owns the session state). */
export const MENU_ACTIONS = ['save-session', 'open-session'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

/** Requests the renderer sends (`ipcRenderer.invoke`); the main process answers each one. */
export const INVOKE_CHANNELS = {
  openFileDialog: 'locus:open-file-dialog',
  saveSessionDialog: 'locus:save-session-dialog',
  revealInFolder: 'locus:reveal-in-folder',
} as const;

/** Messages the main process sends to the renderer (`webContents.send`). */
export const EVENT_CHANNELS = {
  /** Absolute paths the user chose in File > Open File…, or given to a second launch of Locus. */
  openPaths: 'locus:open-paths',
  /** A menu item the renderer handles (a `MenuAction`). */
  menuAction: 'locus:menu-action',
} as const;

/** `window.locusDesktop`: one function per message, nothing else (no raw `ipcRenderer`). */
export interface LocusDesktopApi {
  /** Show the native Open dialog; resolves to the chosen absolute paths, `[]` when cancelled. */
  openFileDialog(options?: OpenFileDialogOptions): Promise<string[]>;
  /** Show the native Save dialog for a session file; resolves to the chosen path, `null` when cancelled. */
  saveSessionDialog(): Promise<string | null>;
  /** Show a file in the system file manager. `path` must be absolute. */
  revealInFolder(path: string): Promise<void>;
  /** Called with the paths to open when the user picks File > Open File…; returns an unsubscribe function. */
  onOpenPaths(callback: (paths: string[]) => void): () => void;
  /** Called when the user picks a menu item the renderer handles; returns an unsubscribe function. */
  onMenuAction(callback: (action: MenuAction) => void): () => void;
}

declare global {
  interface Window {
    /** Present only inside the desktop app; `undefined` when the UI runs in a browser (`locus serve`). */
    locusDesktop?: LocusDesktopApi;
  }
}
