/**
 * "Compare with saved" and "Compare with file…": reads the flow file through the studio API (`openFlow`, the same read
 * as File > Open, without opening it), parses it as the studio does (`${VAR}` references kept) and starts a
 * comparison with the canvas in the compare store. A file that does not parse is named with its problems, as
 * `tributary validate` prints them. (Here rather than in renderer/store/, whose files type-check in Node too: this one
 * talks to the backend.)
 */
import { formatProblems } from '../../runtime/common/errors';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { studioApi } from '../api/studio-api';
import { compareStore, watchComparison } from '../store/compare-store';
import { graphToFlow } from '../store/convert';
import { studioStore } from '../store/index';
import { graphOf } from '../store/store';
import { uiStore } from '../store/ui-store';

let watching = false;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function notifyError(text: string): void {
  uiStore.getState().noticeShown('error', text);
}

/**
 * Reads `path` (or, with no path in Electron, the file chosen in the Open dialog) and compares it with the canvas.
 * @param label how the bar names it (`saved file` / `file`), followed by the file's name
 * @returns true when a comparison was started
 */
async function compareWith(path: string | undefined, label: string): Promise<boolean> {
  let file;
  try {
    file = await studioApi().openFlow(path);
  } catch (error) {
    notifyError(`cannot compare: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  if (file === null) return false;
  const parsed = parseFlowText(file.text, { env: {}, substitute: false, fileName: file.path });
  if (!parsed.ok) {
    notifyError(`cannot compare with ${file.path}:\n${formatProblems(parsed.problems, file.path).join('\n')}`);
    return false;
  }
  if (!watching) {
    watchComparison(studioStore);
    watching = true;
  }
  compareStore.getState().compareStarted(parsed.flow, { label: `${label} ${baseName(file.path)}`, path: file.path }, graphToFlow(graphOf(studioStore.getState())));
  return true;
}

/** "Compare with saved": the open flow's file as it is on disk against the canvas. */
export async function compareWithSavedRequested(): Promise<boolean> {
  const path = studioStore.getState().path;
  if (path === null) {
    notifyError('cannot compare with the saved file: this flow has not been saved yet');
    return false;
  }
  return compareWith(path, 'saved file');
}

/** "Compare with file…": the Open dialog in Electron; in a browser, the compare path dialog. */
export async function compareWithFileRequested(): Promise<boolean> {
  if (studioApi().transport === 'electron') return compareWith(undefined, 'file');
  compareStore.getState().dialogToggled(true);
  return false;
}

/** The browser compare dialog's answer: the path of the flow file to compare with. */
export async function comparePathChosen(path: string): Promise<boolean> {
  return compareWith(path.trim(), 'file');
}
