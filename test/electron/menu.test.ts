/**
 * The application menu (electron/menu.ts): the usual items on each platform, Locus's own items wired to
 * their actions, and no developer tools in a packaged app.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import {
  menuTemplate,
  type MenuActions,
  type MenuItemTemplate,
  type MenuOptions,
} from '../../electron/menu.js';

/** Actions that record which one ran. */
function recorder(): { actions: MenuActions; ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    actions: {
      openFile: () => ran.push('openFile'),
      saveSession: () => ran.push('saveSession'),
      openSession: () => ran.push('openSession'),
      about: () => ran.push('about'),
    },
  };
}

function template(options: Partial<MenuOptions> = {}): MenuItemTemplate[] {
  return menuTemplate({ platform: 'linux', isPackaged: true, actions: recorder().actions, ...options });
}

/** Every item, submenus included, depth first. */
function flatten(items: readonly MenuItemTemplate[]): MenuItemTemplate[] {
  return items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);
}

function submenu(items: readonly MenuItemTemplate[], label: string): MenuItemTemplate[] {
  const menu = items.find((item) => item.label === label);
  expect(menu, `menu ${label}`).toBeDefined();
  return menu?.submenu ?? [];
}

function roles(items: readonly MenuItemTemplate[]): string[] {
  return items.flatMap((item) => (item.role === undefined ? [] : [item.role]));
}

describe('menuTemplate', () => {
  it('has the usual menus on Windows and Linux, and the app menu first on macOS', () => {
    for (const platform of ['linux', 'win32'] as const) {
      expect(template({ platform }).map((item) => item.label)).toEqual([
        'File',
        'Edit',
        'View',
        'Window',
        'Help',
      ]);
    }
    const mac = template({ platform: 'darwin' });
    expect(mac.map((item) => item.label)).toEqual(['Locus', 'File', 'Edit', 'View', 'Window']);
    expect(roles(submenu(mac, 'Locus'))).toEqual(['services', 'hide', 'hideOthers', 'unhide', 'quit']);
  });

  it('opens files with Cmd/Ctrl+O and routes the session items to their actions', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const { actions, ran } = recorder();
      const file = submenu(menuTemplate({ platform, isPackaged: true, actions }), 'File');
      const open = file.find((item) => item.label === 'Open File…');
      expect(open?.accelerator).toBe('CmdOrCtrl+O');
      open?.click?.();
      file.find((item) => item.label === 'Save Session…')?.click?.();
      file.find((item) => item.label === 'Open Session…')?.click?.();
      expect(ran).toEqual(['openFile', 'saveSession', 'openSession']);
    }
  });

  it('ends File with Close Window on macOS and Quit elsewhere', () => {
    expect(submenu(template({ platform: 'darwin' }), 'File').at(-1)).toEqual({ role: 'close' });
    expect(submenu(template({ platform: 'win32' }), 'File').at(-1)).toEqual({ role: 'quit' });
  });

  it('uses roles for editing, zoom, full screen and windows', () => {
    const menu = template();
    expect(roles(submenu(menu, 'Edit'))).toEqual([
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'delete',
      'selectAll',
    ]);
    expect(roles(submenu(menu, 'View'))).toEqual([
      'reload',
      'forceReload',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen',
    ]);
    expect(roles(submenu(menu, 'Window'))).toEqual(['minimize', 'close']);
    expect(roles(submenu(template({ platform: 'darwin' }), 'Window'))).toEqual(['minimize', 'zoom', 'front']);
  });

  it('offers developer tools only when not packaged', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      expect(roles(flatten(template({ platform, isPackaged: true })))).not.toContain('toggleDevTools');
      expect(roles(submenu(template({ platform, isPackaged: false }), 'View'))).toContain('toggleDevTools');
    }
  });

  it('shows About Locus from Help, or from the app menu on macOS', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const { actions, ran } = recorder();
      const about = flatten(menuTemplate({ platform, isPackaged: true, actions })).filter(
        (item) => item.label === 'About Locus',
      );
      expect(about).toHaveLength(1);
      about[0]?.click?.();
      expect(ran).toEqual(['about']);
    }
    expect(submenu(template(), 'Help').map((item) => item.label)).toEqual(['About Locus']);
  });

  it('gives every item a role, a submenu, a separator or a labelled action, and no shortcut twice', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const items = flatten(template({ platform, isPackaged: false }));
      for (const item of items) {
        const kind =
          item.type === 'separator' ||
          item.role !== undefined ||
          item.submenu !== undefined ||
          (item.label !== undefined && item.click !== undefined);
        expect(kind, JSON.stringify(item)).toBe(true);
      }
      const accelerators = items.flatMap((item) =>
        item.accelerator === undefined ? [] : [item.accelerator],
      );
      expect(new Set(accelerators).size).toBe(accelerators.length);
    }
  });

  it("is accepted by Electron's Menu.buildFromTemplate", () => {
    // A compile-time check (tsc over test/): the template's type is Electron's.
    const accepted: MenuItemConstructorOptions[] = template();
    expect(accepted.length).toBeGreaterThan(0);
  });
});
