/**
 * The application menu, as a template of plain objects shaped like Electron's
 * `MenuItemConstructorOptions` (`main.ts` passes it to `Menu.buildFromTemplate`).
 *
 * Standard items use Electron's `role`s, so labels, shortcuts and behaviour match each platform's
 * conventions (Cmd+Q on macOS, Alt+F4/"Exit" on Windows). Items that are Locus's own call the actions
 * passed in, so the template is tested without Electron.
 */

/** The roles this menu uses (a subset of Electron's). */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'window'
  | 'help';

/** One menu item; assignable to Electron's `MenuItemConstructorOptions`. */
export interface MenuItemTemplate {
  label?: string;
  role?: MenuRole;
  type?: 'separator';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemTemplate[];
}

/** What Locus's own items do; `main.ts` supplies them. */
export interface MenuActions {
  /** File > Open File…: the native Open dialog, then the chosen paths go to the renderer. */
  openFile(): void;
  /** File > Save Session… / Open Session…: the renderer owns the session, so it handles these. */
  saveSession(): void;
  openSession(): void;
  /** About Locus: the version, in a small dialog. */
  about(): void;
}

export interface MenuOptions {
  /** `process.platform`: macOS gets the app menu and its window conventions. */
  platform: NodeJS.Platform;
  /** `app.isPackaged`: developer tools are offered only to developers running from source. */
  isPackaged: boolean;
  actions: MenuActions;
}

const separator: MenuItemTemplate = { type: 'separator' };

export function menuTemplate(options: MenuOptions): MenuItemTemplate[] {
  const { actions } = options;
  const mac = options.platform === 'darwin';
  const about: MenuItemTemplate = { label: 'About Locus', click: actions.about };

  const appMenu: MenuItemTemplate = {
    label: 'Locus',
    submenu: [
      about,
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };

  const fileMenu: MenuItemTemplate = {
    label: 'File',
    submenu: [
      { label: 'Open File…', accelerator: 'CmdOrCtrl+O', click: actions.openFile },
      separator,
      { label: 'Open Session…', accelerator: 'CmdOrCtrl+Shift+O', click: actions.openSession },
      { label: 'Save Session…', accelerator: 'CmdOrCtrl+S', click: actions.saveSession },
      separator,
      // macOS apps close the window and keep running (Quit is in the app menu); elsewhere File ends the app.
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const editMenu: MenuItemTemplate = {
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'delete' },
      separator,
      { role: 'selectAll' },
    ],
  };

  const viewMenu: MenuItemTemplate = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      { role: 'forceReload' },
      // Developer tools can run any script in the page; a packaged app gives users no such console.
      ...(options.isPackaged ? [] : [{ role: 'toggleDevTools' } satisfies MenuItemTemplate]),
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };

  const windowMenu: MenuItemTemplate = {
    label: 'Window',
    role: 'window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  };

  const helpMenu: MenuItemTemplate = {
    label: 'Help',
    role: 'help',
    // On macOS About is in the app menu already.
    submenu: mac ? [] : [about],
  };

  return [
    ...(mac ? [appMenu] : []),
    fileMenu,
    editMenu,
    viewMenu,
    windowMenu,
    ...(helpMenu.submenu?.length ? [helpMenu] : []),
  ];
}
