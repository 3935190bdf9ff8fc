/**
 * The desktop bridge (electron/ipc.ts and electron/preload.ts) without Electron: handlers called with
 * fake dialogs and shell, untrusted senders and bad arguments refused before anything native runs, the
 * command-line paths, and the preload bundled exactly as the build bundles it.
 */
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import type {
  OpenDialogOptions as ElectronOpenDialogOptions,
  SaveDialogOptions as ElectronSaveDialogOptions,
} from 'electron';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type LocusDesktopApi } from '../../electron/desktop-api.js';
import { isTrustedSender, type SenderFrame } from '../../electron/guards.js';
import {
  dialogFilters,
  filesFromArgv,
  filesFromSecondInstance,
  makeHandlers,
  type IpcDeps,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from '../../electron/ipc.js';
import { ROOT } from '../helpers/paths.js';

const ORIGIN = 'http://127.0.0.1:43117';
const PAGE: SenderFrame = { url: `${ORIGIN}/?token=abc`, isMainFrame: true };
const UNTRUSTED: (SenderFrame | null)[] = [
  null,
  { url: `${ORIGIN}/`, isMainFrame: false },
  { url: 'https://evil.example/', isMainFrame: true },
  { url: 'http://127.0.0.1:9999/', isMainFrame: true },
];

/** Handlers over fake dialogs and shell that record every call. */
function fakes(answers: { open?: string[] | null; save?: string | null } = {}) {
  const calls = { open: [] as OpenDialogOptions[], save: [] as SaveDialogOptions[], reveal: [] as string[] };
  const deps: IpcDeps = {
    isTrustedSender: (frame) => isTrustedSender(frame, ORIGIN),
    showOpenDialog: async (options) => {
      calls.open.push(options);
      const paths = answers.open === undefined ? ['/data/genome.fa'] : answers.open;
      return paths === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: paths };
    },
    showSaveDialog: async (options) => {
      calls.save.push(options);
      const path = answers.save === undefined ? '/data/session.json' : answers.save;
      return path === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: path };
    },
    showItemInFolder: (path) => {
      calls.reveal.push(path);
    },
  };
  return { handlers: makeHandlers(deps), calls };
}

describe('makeHandlers', () => {
  it('handles exactly the channels the preload invokes', () => {
    expect(Object.keys(fakes().handlers).sort()).toEqual(Object.values(INVOKE_CHANNELS).sort());
  });

  it('refuses every channel from an untrusted or subframe sender, before any dialog opens', async () => {
    const { handlers, calls } = fakes();
    for (const frame of UNTRUSTED) {
      await expect(handlers['locus:open-file-dialog'](frame)).rejects.toThrow(
        /did not come from the Locus window/,
      );
      await expect(handlers['locus:save-session-dialog'](frame)).rejects.toThrow(/did not come from/);
      await expect(handlers['locus:reveal-in-folder'](frame, '/data/genome.fa')).rejects.toThrow(
        /did not come/,
      );
    }
    expect(calls).toEqual({ open: [], save: [], reveal: [] });
  });

  it('refuses calls with extra arguments', async () => {
    const { handlers, calls } = fakes();
    await expect(handlers['locus:open-file-dialog'](PAGE, {}, 'extra')).rejects.toThrow(TypeError);
    await expect(handlers['locus:save-session-dialog'](PAGE, '/tmp/x')).rejects.toThrow(TypeError);
    await expect(handlers['locus:reveal-in-folder'](PAGE, '/a', '/b')).rejects.toThrow(TypeError);
    expect(calls).toEqual({ open: [], save: [], reveal: [] });
  });
});

describe('openFileDialog', () => {
  it('opens a multi-select dialog filtered on every kind by default', async () => {
    const { handlers, calls } = fakes({ open: ['/data/genome.fa', '/data/reads.bam'] });
    expect(await handlers['locus:open-file-dialog'](PAGE)).toEqual(['/data/genome.fa', '/data/reads.bam']);
    expect(calls.open).toHaveLength(1);
    const options = calls.open[0]!;
    expect(options.title).toBe('Open');
    expect(options.properties).toEqual(['openFile', 'multiSelections']);
    expect(options.filters[0]?.name).toBe('All supported files');
    expect(options.filters.at(-1)).toEqual({ name: 'All files', extensions: ['*'] });
    // A compile-time check: Locus's options are accepted by Electron's dialog.
    const accepted: ElectronOpenDialogOptions = options;
    expect(accepted.filters).toHaveLength(8);
  });

  it('builds filters from the requested kinds', async () => {
    const { handlers, calls } = fakes();
    await handlers['locus:open-file-dialog'](PAGE, { title: 'Open alignments', kinds: ['bam'] });
    expect(calls.open[0]).toEqual({
      title: 'Open alignments',
      filters: [
        { name: 'Alignments (.bam, .cram)', extensions: ['bam', 'cram'] },
        { name: 'All files', extensions: ['*'] },
      ],
      properties: ['openFile', 'multiSelections'],
    });
  });

  it('offers extensions without dots or wildcards, one combined filter first, each kind once', () => {
    const filters = dialogFilters(['fasta', 'vcf', 'fasta']);
    expect(filters.map((filter) => filter.name)).toEqual([
      'All supported files',
      'FASTA (.fa, .fasta, .fna, .fa.gz)',
      'Variants (.vcf, .vcf.gz)',
      'All files',
    ]);
    expect(filters[0]?.extensions).toEqual(['fa', 'fasta', 'fna', 'fas', 'gz', 'vcf']);
    for (const filter of filters.slice(0, -1)) {
      for (const extension of filter.extensions) expect(extension).toMatch(/^[a-z]+$/);
    }
  });

  it('returns [] when cancelled', async () => {
    expect(await fakes({ open: null }).handlers['locus:open-file-dialog'](PAGE)).toEqual([]);
  });

  it('refuses malformed options with a TypeError naming the problem', async () => {
    const { handlers, calls } = fakes();
    const bad: [unknown, RegExp][] = [
      ['bam', /options must be an object/],
      [null, /options must be an object/],
      [['bam'], /options must be an object/],
      [{ kinds: ['exe'] }, /unknown kind "exe"/],
      [{ kinds: [] }, /kinds must be a non-empty array/],
      [{ kinds: 'bam' }, /kinds must be a non-empty array/],
      [{ title: 42 }, /title must be a non-empty string/],
      [{ title: 'x'.repeat(201) }, /title must be/],
      [{ defaultPath: '/etc' }, /unknown option "defaultPath"/],
      [{ properties: ['openDirectory'] }, /unknown option "properties"/],
    ];
    for (const [options, message] of bad) {
      await expect(handlers['locus:open-file-dialog'](PAGE, options)).rejects.toThrow(message);
      await expect(handlers['locus:open-file-dialog'](PAGE, options)).rejects.toBeInstanceOf(TypeError);
    }
    expect(calls.open).toEqual([]);
  });
});

describe('saveSessionDialog', () => {
  it('returns the chosen path', async () => {
    const { handlers, calls } = fakes({ save: '/data/my-session.json' });
    expect(await handlers['locus:save-session-dialog'](PAGE)).toBe('/data/my-session.json');
    const options = calls.save[0]!;
    expect(options.filters[0]).toEqual({ name: 'Locus session (.json)', extensions: ['json'] });
    expect(options.properties).toContain('showOverwriteConfirmation');
    const accepted: ElectronSaveDialogOptions = options;
    expect(accepted.defaultPath).toBe('locus-session.json');
  });

  it('returns null when cancelled', async () => {
    expect(await fakes({ save: null }).handlers['locus:save-session-dialog'](PAGE)).toBeNull();
    expect(await fakes({ save: 'relative.json' }).handlers['locus:save-session-dialog'](PAGE)).toBeNull();
  });
});

describe('revealInFolder', () => {
  it('shows an absolute path, normalized', async () => {
    const { handlers, calls } = fakes();
    await handlers['locus:reveal-in-folder'](PAGE, '/data/runs/../reads.bam');
    expect(calls.reveal).toEqual(['/data/reads.bam']);
  });

  it('refuses relative paths, network paths and non-strings', async () => {
    const { handlers, calls } = fakes();
    for (const path of [
      'reads.bam',
      './reads.bam',
      '../etc/passwd',
      '',
      '//server/share/reads.bam',
      '\\\\server\\share\\reads.bam',
      '/data/\0/x',
      `/${'a'.repeat(40_000)}`,
      42,
      null,
      undefined,
      ['/data/reads.bam'],
      { path: '/data/reads.bam' },
    ]) {
      await expect(handlers['locus:reveal-in-folder'](PAGE, path), String(path)).rejects.toBeInstanceOf(
        TypeError,
      );
    }
    expect(calls.reveal).toEqual([]);
  });
});

describe('filesFromArgv', () => {
  it('skips the app folder of `electron . files...` and resolves against the working folder', () => {
    const argv = ['/usr/lib/electron/electron', '.', 'genome.fa', '/abs/reads.bam'];
    expect(filesFromArgv(argv, { cwd: '/work', launchedWithAppPath: true })).toEqual([
      '/work/genome.fa',
      '/abs/reads.bam',
    ]);
  });

  it('takes every operand of a packaged app', () => {
    expect(
      filesFromArgv(['/opt/Locus/locus', 'a.fa'], { cwd: '/home/u', launchedWithAppPath: false }),
    ).toEqual(['/home/u/a.fa']);
    expect(filesFromArgv(['/opt/Locus/locus'], { cwd: '/home/u', launchedWithAppPath: false })).toEqual([]);
  });

  it("drops Chromium's and Electron's switches", () => {
    const argv = [
      '/usr/lib/electron/electron',
      '--inspect=9229',
      '.',
      '--original-process-start-time=13371337',
      'genome.fa',
      '--allow-file-access-from-files',
    ];
    expect(filesFromArgv(argv, { cwd: '/work', launchedWithAppPath: true })).toEqual(['/work/genome.fa']);
  });
});

describe('filesFromSecondInstance', () => {
  const options = { cwd: '/second', launchedWithAppPath: false };

  it("uses the second launch's resolved files", () => {
    expect(filesFromSecondInstance({ files: ['/a/genome.fa'] }, ['/opt/locus', 'other.fa'], options)).toEqual(
      ['/a/genome.fa'],
    );
  });

  it('falls back to its argv when the data is missing or malformed', () => {
    const argv = ['/opt/locus', 'genome.fa'];
    for (const data of [undefined, null, {}, { files: 'x' }, { files: ['relative.fa'] }, { files: [1] }]) {
      expect(filesFromSecondInstance(data, argv, options)).toEqual(['/second/genome.fa']);
    }
  });
});

describe('preload', () => {
  /** Bundle electron/preload.ts as `package.json` does (esbuild, node, cjs, electron external). */
  async function bundlePreload(): Promise<string> {
    const result = await build({
      entryPoints: [join(ROOT, 'electron/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles).toHaveLength(1);
    return result.outputFiles[0]!.text;
  }

  /** Run the bundle against a fake `electron`, as the sandbox's `require` would, and return what it exposed. */
  function runPreload(code: string) {
    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const invoked: unknown[][] = [];
    const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return undefined;
        },
        on: (channel: string, listener: (...args: unknown[]) => void) => {
          listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
        },
        removeListener: (channel: string, listener: (...args: unknown[]) => void) => {
          listeners.set(
            channel,
            (listeners.get(channel) ?? []).filter((item) => item !== listener),
          );
        },
      },
    };
    const module = { exports: {} };
    const fakeRequire = (name: string): unknown => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`the sandboxed preload cannot require "${name}"`);
    };
    runInNewContext(code, { require: fakeRequire, module, exports: module.exports });
    const emit = (channel: string, ...args: unknown[]) => {
      for (const listener of listeners.get(channel) ?? []) listener(...args);
    };
    return { required, exposed, invoked, listeners, emit };
  }

  it('bundles to CommonJS that requires only electron', async () => {
    const code = await bundlePreload();
    const requires = [...code.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(runPreload(code).required).toEqual(['electron']);
  });

  it('exposes window.locusDesktop with one function per message and nothing else', async () => {
    const { exposed, invoked } = runPreload(await bundlePreload());
    expect([...exposed.keys()]).toEqual(['locusDesktop']);
    const api = exposed.get('locusDesktop') as LocusDesktopApi;
    expect(Object.keys(api).sort()).toEqual(
      ['onMenuAction', 'onOpenPaths', 'openFileDialog', 'revealInFolder', 'saveSessionDialog'].sort(),
    );
    for (const value of Object.values(api)) expect(typeof value).toBe('function');

    await api.openFileDialog({ kinds: ['bam'] });
    await api.saveSessionDialog();
    await api.revealInFolder('/data/reads.bam');
    expect(invoked).toEqual([
      [INVOKE_CHANNELS.openFileDialog, { kinds: ['bam'] }],
      [INVOKE_CHANNELS.saveSessionDialog],
      [INVOKE_CHANNELS.revealInFolder, '/data/reads.bam'],
    ]);
  });

  it('passes the page only checked payloads, never the IPC event', async () => {
    const { exposed, emit, listeners } = runPreload(await bundlePreload());
    const api = exposed.get('locusDesktop') as LocusDesktopApi;
    const paths: unknown[][] = [];
    const actions: unknown[][] = [];
    const stopPaths = api.onOpenPaths((...args: unknown[]) => paths.push(args));
    api.onMenuAction((...args: unknown[]) => actions.push(args));

    const event = { sender: 'ipcRenderer itself' };
    emit(EVENT_CHANNELS.openPaths, event, ['/data/genome.fa']);
    emit(EVENT_CHANNELS.openPaths, event, '/not/a/list');
    emit(EVENT_CHANNELS.openPaths, event, [42]);
    emit(EVENT_CHANNELS.menuAction, event, 'save-session');
    emit(EVENT_CHANNELS.menuAction, event, 'format-disk');
    expect(paths).toEqual([[['/data/genome.fa']]]);
    expect(actions).toEqual([['save-session']]);

    stopPaths();
    expect(listeners.get(EVENT_CHANNELS.openPaths)).toEqual([]);
  });
});
