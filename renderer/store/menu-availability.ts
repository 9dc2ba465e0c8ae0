/**
 * Which menu entries that mirror a toolbar button are refused right now, with the reason the notice shows: the same
 * conditions that disable the button (the native menu's items stay enabled, so the renderer refuses instead).
 */
import type { MenuCommandName } from '../../runtime/common/studio-menu';
import type { RunState } from '../../runtime/common/studio-api';
import { isRunActive } from './run-store';

/** What decides the availability: the run state and the open flow's file (null when not saved yet). */
export interface MenuContext {
  runState: RunState;
  path: string | null;
}

/**
 * The one-line reason `command` is refused in `context`, or undefined when it may run. Covers `compareSaved` (needs a
 * saved file; the session's own check shows the notice) and `attach` (not while a run or an attachment is active).
 */
export function menuCommandRefusal(command: MenuCommandName, context: MenuContext): string | undefined {
  if (command === 'compareSaved' && context.path === null) return 'cannot compare with the saved file: this flow has not been saved yet';
  if (command === 'attach' && isRunActive(context.runState)) return 'cannot attach: stop the current run or attachment first';
  return undefined;
}
