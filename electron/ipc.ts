/**
 * The main process's side of the desktop bridge: the handlers behind `window.locusDesktop`, with every
 * argument checked, and the paths Locus takes from its command line.
 *
 * Handlers receive their dependencies (dialogs, shell, sender check) as arguments, so the tests call
 * them with fakes; `main.ts` wires in Electron's. Whatever arrives over IPC is untrusted input: the
 * sender is checked first (only the Locus page's top-level frame), then each argument's type and shape.
 * Caller misuse throws `TypeError`, as everywhere in Locus; the renderer sees the rejected promise.
 */
import { isAbsolute, normalize, resolve } from 'node:path';
import {
  FILE_DIALOG_KINDS,
  INVOKE_CHANNELS,
  type FileDialogKind,
  type OpenFileDialogOptions,
} from './desktop-api.js';
import type { SenderFrame } from './guards.js';

// ---------------------------------------------------------------------------------------------------
// Dialog filters

/** Electron's `FileFilter`: extensions without dots or wildcards; `*` means any file. */
export interface FileFilter {
  name: string;
  extensions: string[];
}

/**
 * One filter per kind. Compressed files are offered as plain `gz`: macOS's open panel matches only the
 * last extension, so `fa.gz` would hide every bgzipped FASTA there. Locus tells the kinds apart by
 * content and index when the file is opened, not by this filter.
 */
const KIND_FILTERS: Record<FileDialogKind, FileFilter> = {
  fasta: { name: 'FASTA (.fa, .fasta, .fna, .fa.gz)', extensions: ['fa', 'fasta', 'fna', 'fas', 'gz'] },
  bam: { name: 'Alignments (.bam, .cram)', extensions: ['bam', 'cram'] },
  vcf: { name: 'Variants (.vcf, .vcf.gz)', extensions: ['vcf', 'gz'] },
  bed: { name: 'BED (.bed, .bed.gz)', extensions: ['bed', 'gz'] },
  bedgraph: { name: 'bedGraph (.bedgraph, .bdg, .bg)', extensions: ['bedgraph', 'bdg', 'bg', 'gz'] },
  session: { name: 'Locus session (.json)', extensions: ['json'] },
};

const ALL_FILES: FileFilter = { name: 'All files', extensions: ['*'] };

/**
 * The native dialog's filters for `kinds`, in order: with several kinds, first one that accepts all of
 * them (the default selection, so every openable file is visible at once), then one per kind, then
 * "All files" (for names such as `genome.fsa` that no filter knows).
 */
export function dialogFilters(kinds: readonly FileDialogKind[]): FileFilter[] {
  const perKind = [...new Set(kinds)].map((kind) => KIND_FILTERS[kind]);
  if (perKind.length <= 1) return [...perKind, ALL_FILES];
  const extensions = [...new Set(perKind.flatMap((filter) => filter.extensions))];
  return [{ name: 'All supported files', extensions }, ...perKind, ALL_FILES];
}

// ---------------------------------------------------------------------------------------------------
// Argument checks

const MAX_TITLE_LENGTH = 200;
/** Windows' longest path; longer strings are not paths. */
const MAX_PATH_LENGTH = 32_767;

/** Check `openFileDialog`'s options; unknown keys are refused so a typo does not pass silently. */
export function parseOpenFileDialogOptions(value: unknown): Required<OpenFileDialogOptions> {
  if (value === undefined) return { title: 'Open', kinds: [...FILE_DIALOG_KINDS] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('openFileDialog: options must be an object such as { kinds: ["bam"] }');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'title' && key !== 'kinds') {
      throw new TypeError(`openFileDialog: unknown option "${key}"; the options are title and kinds`);
    }
  }

  let title = 'Open';
  if (record.title !== undefined) {
    if (
      typeof record.title !== 'string' ||
      record.title.trim() === '' ||
      record.title.length > MAX_TITLE_LENGTH
    ) {
      throw new TypeError(
        `openFileDialog: title must be a non-empty string of at most ${MAX_TITLE_LENGTH} characters`,
      );
    }
    title = record.title;
  }

  let kinds: FileDialogKind[] = [...FILE_DIALOG_KINDS];
  if (record.kinds !== undefined) {
    if (!Array.isArray(record.kinds) || record.kinds.length === 0) {
      throw new TypeError(
        `openFileDialog: kinds must be a non-empty array of ${FILE_DIALOG_KINDS.join(', ')}`,
      );
    }
    kinds = [];
    for (const kind of record.kinds as unknown[]) {
      if (!isFileDialogKind(kind)) {
        throw new TypeError(
          `openFileDialog: unknown kind ${JSON.stringify(kind)}; use ${FILE_DIALOG_KINDS.join(', ')}`,
        );
      }
      if (!kinds.includes(kind)) kinds.push(kind);
    }
  }
  return { title, kinds };
}

function isFileDialogKind(value: unknown): value is FileDialogKind {
  return typeof value === 'string' && (FILE_DIALOG_KINDS as readonly string[]).includes(value);
}

/**
 * Check a path to show in the file manager: an absolute local path. Relative paths are refused (they
 * would resolve against the main process's working directory, not anything the user sees), and so are
 * network paths (`\\server\share`, `//server/share`): showing one makes Windows connect to that server
 * and offer it the user's credentials.
 */
export function parseLocalPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${what}: give an absolute path as a string`);
  }
  if (value.length > MAX_PATH_LENGTH || value.includes('\0')) {
    throw new TypeError(`${what}: not a valid path`);
  }
  if (!isAbsolute(value)) {
    throw new TypeError(`${what}: "${value}" is not an absolute path`);
  }
  if (/^[\\/]{2}/.test(value)) {
    throw new TypeError(`${what}: network paths such as "${value}" are not shown`);
  }
  return normalize(value);
}

/** Refuse calls with more arguments than the preload ever sends: a sign of a caller that is not it. */
function checkArgumentCount(channel: string, args: readonly unknown[], most: number): void {
  if (args.length > most) {
    throw new TypeError(`${channel}: expected at most ${most} argument(s), got ${args.length}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Handlers

/** The parts of Electron's `OpenDialogOptions` that Locus sets. */
export interface OpenDialogOptions {
  title: string;
  filters: FileFilter[];
  properties: ('openFile' | 'multiSelections')[];
}

/** The parts of Electron's `SaveDialogOptions` that Locus sets. */
export interface SaveDialogOptions {
  title: string;
  defaultPath: string;
  filters: FileFilter[];
  properties: ('createDirectory' | 'showOverwriteConfirmation')[];
}

/** What the handlers need of Electron; `main.ts` passes `dialog`, `shell` and the window's origin check. */
export interface IpcDeps {
  /** `guards.isTrustedSender` bound to the server's origin. */
  isTrustedSender(frame: SenderFrame | null): boolean;
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  showItemInFolder(path: string): void;
}

/** One handler per invoke channel: `(senderFrame, ...args)`, as `ipcMain.handle` delivers them. */
export type IpcHandler = (frame: SenderFrame | null, ...args: unknown[]) => Promise<unknown>;
export type InvokeChannel = (typeof INVOKE_CHANNELS)[keyof typeof INVOKE_CHANNELS];

/** Default file name offered by Save Session… */
export const SESSION_FILE_NAME = 'locus-session.json';

export function makeHandlers(deps: IpcDeps): Record<InvokeChannel, IpcHandler> {
  /** Every handler starts here: a message from anything but the Locus page's top frame is refused. */
  function checkSender(channel: string, frame: SenderFrame | null): void {
    if (!deps.isTrustedSender(frame)) {
      throw new Error(`${channel}: refused, the message did not come from the Locus window`);
    }
  }

  return {
    [INVOKE_CHANNELS.openFileDialog]: async (frame, ...args): Promise<string[]> => {
      checkSender(INVOKE_CHANNELS.openFileDialog, frame);
      checkArgumentCount(INVOKE_CHANNELS.openFileDialog, args, 1);
      const { title, kinds } = parseOpenFileDialogOptions(args[0]);
      const result = await deps.showOpenDialog({
        title,
        filters: dialogFilters(kinds),
        properties: ['openFile', 'multiSelections'],
      });
      if (result.canceled) return [];
      return result.filePaths.filter((path) => isAbsolute(path));
    },

    [INVOKE_CHANNELS.saveSessionDialog]: async (frame, ...args): Promise<string | null> => {
      checkSender(INVOKE_CHANNELS.saveSessionDialog, frame);
      checkArgumentCount(INVOKE_CHANNELS.saveSessionDialog, args, 0);
      const result = await deps.showSaveDialog({
        title: 'Save Session',
        defaultPath: SESSION_FILE_NAME,
        filters: dialogFilters(['session']),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (result.canceled || result.filePath === undefined || !isAbsolute(result.filePath)) return null;
      return result.filePath;
    },

    [INVOKE_CHANNELS.revealInFolder]: async (frame, ...args): Promise<void> => {
      checkSender(INVOKE_CHANNELS.revealInFolder, frame);
      checkArgumentCount(INVOKE_CHANNELS.revealInFolder, args, 1);
      deps.showItemInFolder(parseLocalPath(args[0], 'revealInFolder'));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Paths from the command line

export interface ArgvOptions {
  /** The directory relative paths are resolved against (the launching shell's). */
  cwd: string;
  /**
   * `process.defaultApp`: true when started as `electron . a.fa`, where the argument after the
   * executable is the app's folder, not a file to open.
   */
  launchedWithAppPath: boolean;
}

/**
 * The files to open from a command line such as `electron . genome.fa reads.bam` (or `locus-desktop
 * genome.fa` when packaged), as absolute paths. Switches are dropped: Chromium adds its own
 * (`--original-process-start-time=...`) to a second instance's argv, and Locus takes none, so a file
 * whose name starts with `-` must be given as `./-name`.
 */
export function filesFromArgv(argv: readonly string[], options: ArgvOptions): string[] {
  const operands = argv.slice(1).filter((arg) => arg !== '' && !arg.startsWith('-'));
  const files = options.launchedWithAppPath ? operands.slice(1) : operands;
  return files.map((file) => resolve(options.cwd, file));
}

/** What a second instance passes to `app.requestSingleInstanceLock` for the first one. */
export interface SecondInstanceData {
  files: string[];
}

/**
 * The files a second launch asked to open. It sends them resolved in `additionalData` (its own working
 * directory applied, and no Chromium switches mixed in); an older or foreign launch without it falls
 * back to its argv.
 */
export function filesFromSecondInstance(
  additionalData: unknown,
  argv: readonly string[],
  options: ArgvOptions,
): string[] {
  if (typeof additionalData === 'object' && additionalData !== null) {
    const files = (additionalData as Record<string, unknown>).files;
    if (Array.isArray(files) && files.every((file) => typeof file === 'string' && isAbsolute(file))) {
      return files as string[];
    }
  }
  return filesFromArgv(argv, options);
}
