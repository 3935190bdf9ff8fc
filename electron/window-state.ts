/**
 * Remember where the window was: its bounds and whether it was maximized, in a small JSON file under
 * Electron's user-data folder (`window-state.json`).
 *
 * Restoring must never hide the window: a monitor may have been unplugged or the resolution lowered
 * since the last run, so saved bounds are moved and shrunk onto a display's work area (the screen minus
 * taskbar and menu bar). A missing, unreadable or corrupt file gives the defaults; the app always starts.
 *
 * No `electron` import: the caller passes the displays (`screen.getAllDisplays()`, primary first).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../src/io/files.js';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What this module needs of Electron's `Display`. */
export interface DisplayArea {
  workArea: Rectangle;
}

export interface WindowState {
  /** Left edge in screen coordinates; `undefined` lets Electron center the window on the primary display. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  /** Restored with `win.maximize()` after creation; `x`..`height` are then the un-maximized bounds. */
  isMaximized: boolean;
}

export const DEFAULT_WIDTH = 1400;
export const DEFAULT_HEIGHT = 900;
/** Below this the track panel and the attention view do not fit side by side. */
export const MIN_WIDTH = 640;
export const MIN_HEIGHT = 480;

/** The file's version: a file with another one is ignored (defaults), never misread. */
const VERSION = 1;

/**
 * Read the saved state and fit it onto `displays` (primary first). Never throws: a missing or corrupt
 * file gives the default size, centered.
 */
export async function loadWindowState(file: string, displays: readonly DisplayArea[]): Promise<WindowState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return fitToDisplays(defaultState(), displays);
  }
  return fitToDisplays(parseWindowState(text) ?? defaultState(), displays);
}

/** Write the state atomically (temporary file + rename), so a crash mid-write leaves the old file whole. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  const saved = {
    version: VERSION,
    ...(state.x === undefined || state.y === undefined ? {} : { x: state.x, y: state.y }),
    width: state.width,
    height: state.height,
    isMaximized: state.isMaximized,
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(saved, null, 2)}\n`);
}

export function defaultState(): WindowState {
  return { width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT, isMaximized: false };
}

/** The state in `text`, or `undefined` when it is not a valid window-state file. */
export function parseWindowState(text: string): WindowState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { x, y, width, height, isMaximized } = record;
  if (record.version !== VERSION) return undefined;
  if (!isCoordinate(width) || !isCoordinate(height) || width <= 0 || height <= 0) return undefined;
  if (typeof isMaximized !== 'boolean') return undefined;
  const state: WindowState = { width: Math.round(width), height: Math.round(height), isMaximized };
  // A position is kept only whole: x without y cannot be placed.
  if (isCoordinate(x) && isCoordinate(y)) {
    state.x = Math.round(x);
    state.y = Math.round(y);
  }
  return state;
}

/** A finite number of a plausible size (screens are far smaller than 1e6 px; larger is corruption). */
function isCoordinate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 1e6;
}

/**
 * Fit `state` onto the display it overlaps most: shrink it to that work area (never below the minimum
 * size unless the screen itself is smaller) and move it fully inside. A window that overlaps no display
 * (its monitor is gone) is centered on the primary display. With no displays known, it is left as is.
 */
export function fitToDisplays(state: WindowState, displays: readonly DisplayArea[]): WindowState {
  const primary = displays[0];
  if (primary === undefined) return { ...state };

  let target: Rectangle | undefined;
  if (state.x !== undefined && state.y !== undefined) {
    const bounds: Rectangle = { x: state.x, y: state.y, width: state.width, height: state.height };
    let bestArea = 0;
    for (const display of displays) {
      const area = overlapArea(bounds, display.workArea);
      if (area > bestArea) {
        bestArea = area;
        target = display.workArea;
      }
    }
  }

  const area = target ?? primary.workArea;
  const width = clampSize(state.width, MIN_WIDTH, area.width);
  const height = clampSize(state.height, MIN_HEIGHT, area.height);
  if (target === undefined || state.x === undefined || state.y === undefined) {
    // Off every screen, or never placed: center on the primary display.
    return {
      x: area.x + Math.round((area.width - width) / 2),
      y: area.y + Math.round((area.height - height) / 2),
      width,
      height,
      isMaximized: state.isMaximized,
    };
  }
  return {
    x: clamp(state.x, area.x, area.x + area.width - width),
    y: clamp(state.y, area.y, area.y + area.height - height),
    width,
    height,
    isMaximized: state.isMaximized,
  };
}

function overlapArea(a: Rectangle, b: Rectangle): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/** `size` within `[minimum, available]`; a screen smaller than the minimum wins. */
function clampSize(size: number, minimum: number, available: number): number {
  return Math.max(Math.min(size, available), Math.min(minimum, available));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
