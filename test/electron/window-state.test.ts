/**
 * Remembered window bounds (electron/window-state.ts): a round trip, atomic writes, and the cases where
 * restoring must not hide the window (monitor unplugged, resolution lowered, corrupt file).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  fitToDisplays,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  parseWindowState,
  saveWindowState,
  type DisplayArea,
  type Rectangle,
  type WindowState,
} from '../../electron/window-state.js';

/** A 1920x1080 primary screen with a 40 px taskbar at the bottom. */
const PRIMARY: DisplayArea = { workArea: { x: 0, y: 0, width: 1920, height: 1040 } };
/** A 1280x1024 screen to the left of the primary one. */
const LEFT: DisplayArea = { workArea: { x: -1280, y: 0, width: 1280, height: 1024 } };

function tempFile(name = 'window-state.json'): string {
  return join(mkdtempSync(join(tmpdir(), 'locus-window-')), name);
}

function inside(state: WindowState, area: Rectangle): boolean {
  return (
    state.x !== undefined &&
    state.y !== undefined &&
    state.x >= area.x &&
    state.y >= area.y &&
    state.x + state.width <= area.x + area.width &&
    state.y + state.height <= area.y + area.height
  );
}

describe('loadWindowState', () => {
  it('gives the default size, centered on the primary display, when there is no file', async () => {
    const state = await loadWindowState(tempFile(), [PRIMARY, LEFT]);
    expect(state).toEqual({
      x: (1920 - DEFAULT_WIDTH) / 2,
      y: (1040 - DEFAULT_HEIGHT) / 2,
      width: DEFAULT_WIDTH,
      height: DEFAULT_HEIGHT,
      isMaximized: false,
    });
  });

  it('survives a corrupt or foreign file with the defaults', async () => {
    const contents = [
      '',
      '{"version":1,"x":10,',
      'null',
      '[]',
      '"text"',
      '{"version":2,"x":10,"y":10,"width":800,"height":600,"isMaximized":false}',
      '{"version":1,"x":10,"y":10,"width":-800,"height":600,"isMaximized":false}',
      '{"version":1,"x":10,"y":10,"width":"800","height":600,"isMaximized":false}',
      '{"version":1,"x":10,"y":10,"width":1e300,"height":600,"isMaximized":false}',
      '{"version":1,"x":10,"y":10,"width":800,"height":600,"isMaximized":"yes"}',
      '\u0000\u0001binary',
    ];
    for (const text of contents) {
      const file = tempFile();
      writeFileSync(file, text);
      const state = await loadWindowState(file, [PRIMARY]);
      expect(state.width, text).toBe(DEFAULT_WIDTH);
      expect(state.height, text).toBe(DEFAULT_HEIGHT);
      expect(state.isMaximized, text).toBe(false);
      expect(inside(state, PRIMARY.workArea), text).toBe(true);
    }
  });

  it('survives a folder where the file should be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-window-'));
    const state = await loadWindowState(dir, [PRIMARY]);
    expect(state.width).toBe(DEFAULT_WIDTH);
  });

  it('restores what was saved', async () => {
    const file = tempFile();
    await saveWindowState(file, { x: 100, y: 80, width: 1200, height: 800, isMaximized: true });
    expect(await loadWindowState(file, [PRIMARY])).toEqual({
      x: 100,
      y: 80,
      width: 1200,
      height: 800,
      isMaximized: true,
    });
  });

  it('puts a window whose monitor is gone back on the primary display', async () => {
    const file = tempFile();
    await saveWindowState(file, { x: -1000, y: 100, width: 1000, height: 700, isMaximized: false });
    // Saved on the left monitor, which is now unplugged.
    const state = await loadWindowState(file, [PRIMARY]);
    expect(state).toEqual({ x: 460, y: 170, width: 1000, height: 700, isMaximized: false });
  });
});

describe('saveWindowState', () => {
  it('writes atomically: the whole file replaced, no temporary file left', async () => {
    const file = tempFile();
    writeFileSync(file, 'old contents');
    await saveWindowState(file, { x: 1, y: 2, width: 900, height: 700, isMaximized: false });
    const saved: unknown = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toEqual({ version: 1, x: 1, y: 2, width: 900, height: 700, isMaximized: false });
    expect(readdirSync(join(file, '..'))).toEqual(['window-state.json']);
  });

  it('creates the user-data folder if needed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'locus-window-')), 'Locus', 'window-state.json');
    await saveWindowState(file, { width: 900, height: 700, isMaximized: false });
    expect(parseWindowState(readFileSync(file, 'utf8'))).toEqual({
      width: 900,
      height: 700,
      isMaximized: false,
    });
  });

  it('removes its temporary file when the write fails', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'locus-window-'));
    // The target is a folder, so the rename fails.
    const target = join(parent, 'window-state.json');
    mkdirSync(target);
    await expect(saveWindowState(target, { width: 900, height: 700, isMaximized: false })).rejects.toThrow();
    expect(readdirSync(parent)).toEqual(['window-state.json']);
  });
});

describe('fitToDisplays', () => {
  it('keeps a window that is fully visible', () => {
    const state = { x: 200, y: 100, width: 1000, height: 700, isMaximized: false };
    expect(fitToDisplays(state, [PRIMARY, LEFT])).toEqual(state);
  });

  it('keeps a window on a secondary display with negative coordinates', () => {
    const state = { x: -1200, y: 50, width: 1000, height: 700, isMaximized: false };
    expect(fitToDisplays(state, [PRIMARY, LEFT])).toEqual(state);
  });

  it('moves a window hanging off the edge back inside the display it overlaps most', () => {
    const fitted = fitToDisplays({ x: 1500, y: 900, width: 1000, height: 700, isMaximized: false }, [
      PRIMARY,
    ]);
    expect(fitted).toEqual({ x: 920, y: 340, width: 1000, height: 700, isMaximized: false });
    // Mostly on the left monitor: stays there.
    const left = fitToDisplays({ x: -1100, y: -50, width: 1000, height: 700, isMaximized: false }, [
      PRIMARY,
      LEFT,
    ]);
    expect(inside(left, LEFT.workArea)).toBe(true);
  });

  it('centers a window that is entirely off-screen on the primary display', () => {
    for (const [x, y] of [
      [5000, 100],
      [100, -5000],
      [-1000, 2000],
    ] as const) {
      const fitted = fitToDisplays({ x, y, width: 800, height: 600, isMaximized: false }, [PRIMARY]);
      expect(fitted).toEqual({ x: 560, y: 220, width: 800, height: 600, isMaximized: false });
    }
  });

  it('shrinks a window larger than the screen (resolution lowered)', () => {
    const small: DisplayArea = { workArea: { x: 0, y: 25, width: 1280, height: 775 } };
    const fitted = fitToDisplays({ x: 0, y: 0, width: 2500, height: 1400, isMaximized: true }, [small]);
    expect(fitted).toEqual({ x: 0, y: 25, width: 1280, height: 775, isMaximized: true });
  });

  it('grows a window below the minimum size, but never beyond a tiny screen', () => {
    expect(
      fitToDisplays({ x: 10, y: 10, width: 50, height: 20, isMaximized: false }, [PRIMARY]),
    ).toMatchObject({
      width: MIN_WIDTH,
      height: MIN_HEIGHT,
    });
    const tiny: DisplayArea = { workArea: { x: 0, y: 0, width: 600, height: 400 } };
    expect(fitToDisplays({ x: 0, y: 0, width: 1400, height: 900, isMaximized: false }, [tiny])).toEqual({
      x: 0,
      y: 0,
      width: 600,
      height: 400,
      isMaximized: false,
    });
  });

  it('leaves the state alone when no display is known', () => {
    const state = { x: 5000, y: 5000, width: 800, height: 600, isMaximized: false };
    expect(fitToDisplays(state, [])).toEqual(state);
  });
});

describe('parseWindowState', () => {
  it('drops a position that is only half there, keeping the size', () => {
    expect(parseWindowState('{"version":1,"x":10,"width":800,"height":600,"isMaximized":false}')).toEqual({
      width: 800,
      height: 600,
      isMaximized: false,
    });
  });

  it('rounds fractional pixels (Electron takes integers)', () => {
    expect(
      parseWindowState('{"version":1,"x":10.4,"y":20.6,"width":800.5,"height":600.2,"isMaximized":false}'),
    ).toEqual({ x: 10, y: 21, width: 801, height: 600, isMaximized: false });
  });
});
