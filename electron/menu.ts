/**
 * The native application menu (Electron main): File, Edit, View, Run. Items that act on the document send a
 * {@link MenuCommand} to the renderer; Cut/Copy/Paste/Quit are native roles.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../runtime/common/studio-menu';

/** Inputs of {@link buildMenuTemplate}. */
export interface MenuOptions {
  /** Recent files, newest first (absolute paths). */
  recent: string[];
  /** Sends a command to the focused studio window. */
  send: (command: MenuCommand) => void;
  /** Clears the recent files list (also rebuilds the menu). */
  clearRecent?: () => void;
  /** macOS: adds the application menu. */
  isMac: boolean;
  /** Adds Reload and Toggle Developer Tools (unpackaged builds only). */
  dev: boolean;
}

/** The menu template: File, Edit, View, Run (and the app menu on macOS). */
export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { send } = options;
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    click: () => send(command),
    ...(accelerator === undefined ? {} : { accelerator }),
  });
  const recent: MenuItemConstructorOptions[] =
    options.recent.length === 0
      ? [{ label: 'No recent files', enabled: false }]
      : options.recent.map((path) => item(path, { command: 'openRecent', path }));
  if (options.clearRecent !== undefined && options.recent.length > 0) {
    recent.push({ type: 'separator' }, { label: 'Clear Recent', click: options.clearRecent });
  }
  const template: MenuItemConstructorOptions[] = [];
  if (options.isMac) template.push({ role: 'appMenu' });
  template.push(
    {
      label: '&File',
      submenu: [
        item('New', { command: 'new' }, 'CmdOrCtrl+N'),
        item('Open…', { command: 'open' }, 'CmdOrCtrl+O'),
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        item('Save', { command: 'save' }, 'CmdOrCtrl+S'),
        item('Save As…', { command: 'saveAs' }, 'CmdOrCtrl+Shift+S'),
        item('Export Headless Config…', { command: 'exportHeadless' }, 'CmdOrCtrl+E'),
        { type: 'separator' },
        item('Compare with Saved', { command: 'compareSaved' }),
        item('Compare with File…', { command: 'compareFile' }),
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        item('Undo', { command: 'undo' }, 'CmdOrCtrl+Z'),
        item('Redo', { command: 'redo' }, options.isMac ? 'Cmd+Shift+Z' : 'Ctrl+Y'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        item('Select All', { command: 'selectAll' }, 'CmdOrCtrl+A'),
        item('Delete', { command: 'delete' }),
      ],
    },
    {
      label: '&View',
      submenu: [
        item('Zoom In', { command: 'zoomIn' }, 'CmdOrCtrl+='),
        item('Zoom Out', { command: 'zoomOut' }, 'CmdOrCtrl+-'),
        item('Actual Size', { command: 'zoomReset' }, 'CmdOrCtrl+0'),
        item('Fit to Window', { command: 'fit' }, 'CmdOrCtrl+1'),
        item('Auto-layout', { command: 'autoLayout' }, 'CmdOrCtrl+L'),
        { type: 'separator' },
        {
          label: 'Theme',
          submenu: (['system', 'light', 'dark'] as const).map((theme) => ({
            label: theme[0]!.toUpperCase() + theme.slice(1),
            type: 'radio' as const,
            checked: theme === 'system',
            click: () => send({ command: 'theme', theme }),
          })),
        },
        ...(options.dev ? ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      ],
    },
    {
      label: '&Run',
      submenu: [
        item('Run', { command: 'run' }, 'F5'),
        item('Stop', { command: 'stop' }, 'Shift+F5'),
        item('Preview', { command: 'preview' }, 'CmdOrCtrl+P'),
        { type: 'separator' },
        item('Attach…', { command: 'attach' }),
      ],
    },
  );
  return template;
}
