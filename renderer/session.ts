/**
 * The studio session: everything that talks to the backend (files, autosave, run, preview, export) as plain async
 * functions over the stores. Components call these; nothing here renders. Save and Save As first ask, in one dialog,
 * what to do with the secrets written literally in the flow (store them as `${VAR}` references, or keep them).
 */
import { formatProblems } from '../runtime/common/errors';
import { parseFlowText } from '../runtime/common/flow-loader';
import type { LiteralSecret } from '../runtime/common/secrets';
import type { FlowFile, RunState, StudioApi } from '../runtime/common/studio-api';
import { onConnectionChange, studioApi } from './api/studio-api';
import { applyStore, pendingPlan, type RunningFlow } from './store/apply-store';
import { graphToFlow } from './store/convert';
import { runStore, studioStore, telemetryStore } from './store/index';
import { isEditLocked, isRunActive } from './store/run-store';
import { flowSecrets, referenceFlowSecrets } from './store/secret-references';
import { flowText, graphOf, newFlow, watchProblems, type StudioState } from './store/store';
import { uiStore } from './store/ui-store';

/** localStorage key set after the first launch (the first launch opens the demo flow). */
const LAUNCHED_KEY = 'tributary.launched';
/** Delay between the last edit and the crash-safe autosave (ms). */
const AUTOSAVE_DELAY_MS = 1000;
/** Accepted flow file names. */
const FLOW_FILE = /\.flow\.(ya?ml|json)$/i;

function api(): StudioApi {
  return studioApi();
}

function notify(kind: 'info' | 'error', text: string): void {
  uiStore.getState().noticeShown(kind, text);
}

function fail(what: string): (error: unknown) => void {
  return (error) => notify('error', `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

async function refreshRecent(): Promise<void> {
  try {
    studioStore.getState().recentFilesLoaded(await api().recentFiles());
  } catch {
    // the list is a convenience; a failure is not worth a notice
  }
}

/**
 * Loads flow text into the editor. A file that does not parse is not opened (the canvas cannot show it); its
 * problems are shown instead, as `tributary validate` prints them.
 */
export function loadFlowText(text: string, file: { path: string | null; external: boolean; dirty?: boolean }): boolean {
  const parsed = parseFlowText(text, { env: {}, substitute: false, ...(file.path === null ? {} : { fileName: file.path }) });
  if (!parsed.ok) {
    notify('error', `cannot open ${file.path ?? 'the flow'}:\n${formatProblems(parsed.problems, file.path ?? 'flow').join('\n')}`);
    return false;
  }
  studioStore.getState().flowOpened(parsed.flow, { ...file, text });
  return true;
}

/** The open file's change subscription: one at a time, for the path the editor shows. */
let fileWatch: { path: string; off: () => void } | undefined;

/**
 * Keeps {@link fileWatch} on the open file: an edit made on disk by anything but the studio (an editor, `git pull`)
 * reloads the flow when it has no unsaved edits, and asks first when it has.
 */
function watchOpenFile(): void {
  const follow = (path: string | null): void => {
    if (fileWatch?.path === path) return;
    fileWatch?.off();
    fileWatch = undefined;
    if (path === null) return;
    try {
      fileWatch = { path, off: api().onFlowFileChanged(path, fileChangedOnDisk) };
    } catch {
      // watching is a convenience: the file still opens and saves without it
    }
  };
  follow(studioStore.getState().path);
  studioStore.subscribe((state, previous) => {
    if (state.path !== previous.path) follow(state.path);
  });
}

function fileChangedOnDisk(change: { path: string; text: string | null }): void {
  const state = studioStore.getState();
  if (state.path !== change.path) return;
  if (change.text === null) {
    notify('error', `${change.path} was deleted or moved on disk; Save writes it again`);
    return;
  }
  if (state.dirty) {
    uiStore.getState().modalOpened({ kind: 'fileChanged', path: change.path, text: change.text });
    return;
  }
  reloadChangedFile(change.path, change.text);
}

/**
 * Replaces the open flow by the text now on disk (after "Reload" in the changed-on-disk dialog, or at once when there
 * were no unsaved edits).
 */
export function reloadChangedFile(path: string, text: string): void {
  const external = studioStore.getState().external;
  if (loadFlowText(text, { path, external })) notify('info', `reloaded ${path}: it changed on disk`);
}

function loadFile(file: FlowFile): void {
  if (loadFlowText(file.text, { path: file.path, external: file.external })) {
    notify('info', `opened ${file.path}`);
    void refreshRecent();
  }
}

/**
 * Takes the flow the backend's run runs (run state `running` carries its text) as the running flow, so that a studio
 * reloaded during a run shows Apply when the editor differs from it. A text that does not parse is ignored.
 */
function runReported(state: RunState): void {
  if (state.status !== 'running' || state.mode !== 'run' || state.flow === undefined) return;
  const { text, path } = state.flow;
  const parsed = parseFlowText(text, { env: {}, substitute: false, ...(path === null ? {} : { fileName: path }) });
  if (parsed.ok) applyStore.getState().runReported({ text, path, flow: parsed.flow });
}

/** Starts the session: connection state, run state, problems, autosave, then recovery / demo / empty flow. */
export async function startSession(): Promise<void> {
  onConnectionChange((connected) => uiStore.getState().connectionChanged(connected));
  const backend = api();
  backend.onRunState((state) => {
    if (state.status === 'starting' && state.mode === 'run') {
      if (state.applied === true) telemetryStore.getState().runApplied(applyStore.getState().applying?.changedNodes ?? []);
      else telemetryStore.getState().runStarted();
    }
    if (state.status === 'exited' && state.mode === 'run' && state.crashed) applyStore.getState().runCrashed(state.reason);
    runReported(state);
    runStore.getState().runStateChanged(state);
  });
  backend.onTelemetry((frame) => telemetryStore.getState().frameReceived(frame));
  watchSamples();
  watchProblems(studioStore);
  watchAutosave();
  watchOpenFile();
  backend.runState().then((s) => {
    runReported(s);
    runStore.getState().runStateChanged(s);
  }, () => undefined);
  void refreshRecent();

  try {
    const saved = await backend.readAutosave();
    if (saved !== null) {
      uiStore.getState().modalOpened({ kind: 'recover', ...saved });
      return;
    }
  } catch (error) {
    fail('cannot read the autosaved copy')(error);
  }
  let firstLaunch = false;
  try {
    firstLaunch = localStorage.getItem(LAUNCHED_KEY) === null;
    localStorage.setItem(LAUNCHED_KEY, String(Date.now()));
  } catch {
    // storage unavailable: treat as a later launch
  }
  if (firstLaunch) {
    try {
      const demo = await backend.demoFlow();
      loadFlowText(demo.text, { path: null, external: false });
      notify('info', 'This is the demo flow: a generator, a map, a filter and the console. Press Run to watch it.');
      return;
    } catch (error) {
      fail('cannot load the demo flow')(error);
    }
  }
  newFlow(studioStore);
}

/** The one selected node's id, if exactly one node is selected. */
function selectedNodeId(): string | undefined {
  let found: string | undefined;
  for (const n of studioStore.getState().nodes) {
    if (n.selected !== true) continue;
    if (found !== undefined) return undefined;
    found = n.id;
  }
  return found;
}

/**
 * Subscribes to the sample records of the selected node while a run is active (the backend refreshes them about twice
 * a second); one subscription at a time.
 */
function watchSamples(): void {
  let current: { nodeId: string; stop: () => void } | undefined;
  const update = (): void => {
    const nodeId = isRunActive(runStore.getState().runState) ? selectedNodeId() : undefined;
    if (current?.nodeId === nodeId) return;
    current?.stop();
    current = undefined;
    if (nodeId === undefined) return;
    const stop = api().onSamples(nodeId, (samples) => telemetryStore.getState().samplesReceived(samples));
    current = { nodeId, stop };
  };
  studioStore.subscribe((state, previous) => {
    if (state.nodes !== previous.nodes) update();
  });
  runStore.subscribe((state, previous) => {
    if (state.runState !== previous.runState) update();
  });
}

/** Writes a crash-safe copy of unsaved work shortly after each edit. */
function watchAutosave(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  studioStore.subscribe((state, previous) => {
    if (!state.dirty || (state.nodes === previous.nodes && state.edges === previous.edges && state.meta === previous.meta)) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      const now = studioStore.getState();
      if (!now.dirty) return;
      api().writeAutosave(flowText(now), now.path).catch(() => undefined);
    }, AUTOSAVE_DELAY_MS);
  });
}

/** The recovery dialog's answer. */
export async function recoveryAnswered(recover: boolean): Promise<void> {
  const modal = uiStore.getState().modal;
  uiStore.getState().modalClosed();
  if (modal?.kind !== 'recover') return;
  if (recover && loadFlowText(modal.text, { path: modal.path, external: false, dirty: true })) {
    notify('info', 'Recovered your unsaved work. Save it to keep it.');
    return;
  }
  await api().clearAutosave().catch(() => undefined);
  newFlow(studioStore);
}

/** File > New. Asks first when there are unsaved edits. */
export function newRequested(confirmed = false): void {
  if (!confirmed && studioStore.getState().dirty) {
    uiStore.getState().modalOpened({ kind: 'confirmDiscard', action: 'new' });
    return;
  }
  uiStore.getState().modalClosed();
  uiStore.getState().noticeDismissed();
  newFlow(studioStore);
  void api().clearAutosave().catch(() => undefined);
}

/** File > Open: the native dialog in Electron; in a browser, a dialog with recent files and a path field. */
export async function openRequested(confirmed = false): Promise<void> {
  if (!confirmed && studioStore.getState().dirty) {
    uiStore.getState().modalOpened({ kind: 'confirmDiscard', action: 'open' });
    return;
  }
  uiStore.getState().modalClosed();
  if (api().transport === 'electron') {
    try {
      const file = await api().openFlow();
      if (file !== null) loadFile(file);
    } catch (error) {
      fail('cannot open the flow')(error);
    }
    return;
  }
  void refreshRecent();
  uiStore.getState().modalOpened({ kind: 'open' });
}

/** Opens a flow file by path (browser Open dialog, recent files). */
export async function openPath(path: string): Promise<void> {
  try {
    const file = await api().openFlow(path);
    if (file !== null) {
      uiStore.getState().modalClosed();
      loadFile(file);
    }
  } catch (error) {
    fail(`cannot open ${path}`)(error);
  }
}

async function writeTo(path: string | undefined): Promise<boolean> {
  const state = studioStore.getState();
  const target = path ?? state.path;
  if (target !== null && !FLOW_FILE.test(target)) {
    notify('error', `cannot save as ${target}: flow files are named *.flow.yaml or *.flow.json`);
    return false;
  }
  try {
    const text = flowText(state, target);
    const written = await api().saveFlow(text, target ?? undefined);
    if (written === null) return false;
    await saved(written, text);
    return true;
  } catch (error) {
    fail('cannot save the flow')(error);
    return false;
  }
}

/**
 * What the save being made was told about secrets: the `export` lines of the secrets just turned into references
 * (shown once the file is written), or the secrets kept literally (named in the notice).
 */
let pendingSecrets: { exports: string[] } | { kept: LiteralSecret[] } | undefined;

/**
 * After a save to `path`: the document is clean, the autosave is dropped, the user is told, recent files refresh. A
 * save to another path than the open one (a new flow's first save, Save As) is read back, since the backend gives a
 * new file a schema reference line: later saves keep it.
 */
async function saved(path: string, text?: string): Promise<void> {
  let written = text;
  const before = studioStore.getState();
  if (before.sourceText === null || before.path !== path || text === undefined) {
    written = await api()
      .openFlow(path)
      .then((file) => file?.text ?? text, () => text);
  }
  studioStore.getState().flowSaved(path, written);
  await api().clearAutosave().catch(() => undefined);
  const secrets = pendingSecrets;
  pendingSecrets = undefined;
  if (secrets !== undefined && 'exports' in secrets) uiStore.getState().modalOpened({ kind: 'secretExports', path, lines: secrets.exports });
  else if (secrets !== undefined) {
    const fields = secrets.kept.map((s) => `${s.nodeId}: ${s.path.join('.')}`).join(', ');
    notify('info', `saved ${path}, with ${secrets.kept.length} secret(s) written literally (${fields}): anyone who can read the file can read them`);
  } else notify('info', `saved ${path}`);
  void refreshRecent();
}

/**
 * Opens the secrets dialog before a save when the open flow has literal secrets.
 * @returns true when the dialog was opened (the save continues from {@link secretsAnswered})
 */
function askAboutSecrets(then: 'save' | 'saveAs'): boolean {
  pendingSecrets = undefined;
  const secrets = flowSecrets(studioStore);
  if (secrets.length === 0) return false;
  uiStore.getState().modalOpened({ kind: 'secrets', secrets, then });
  return true;
}

/**
 * The secrets dialog's answer; the save it interrupted goes on.
 * @param answer `references`: each secret becomes `${VAR}` with the variable chosen for it, in the open flow (one
 *   undoable edit per field) and so in the saved file, and the `export` lines are shown after the save; `keep`: the
 *   secrets are saved as they are, and the notice says so; `cancel`: nothing is saved
 * @param variables the variable of each secret of the dialog, in its order (for `references`)
 * @throws Error when a variable is not a valid environment variable name (nothing is changed)
 */
export async function secretsAnswered(answer: 'references' | 'keep' | 'cancel', variables: readonly string[] = []): Promise<void> {
  const modal = uiStore.getState().modal;
  if (modal?.kind !== 'secrets') return;
  if (answer === 'cancel') {
    uiStore.getState().modalClosed();
    return;
  }
  if (answer === 'references') {
    pendingSecrets = { exports: referenceFlowSecrets(studioStore, modal.secrets, variables) };
  } else pendingSecrets = { kept: modal.secrets };
  uiStore.getState().modalClosed();
  const secrets = pendingSecrets;
  await (modal.then === 'save' ? saveRequested(true) : saveAsRequested(true));
  // Browser Save As goes on in its own dialog (the answer waits for its write); anything else is done now.
  if (uiStore.getState().modal?.kind !== 'saveAs' && pendingSecrets === secrets) pendingSecrets = undefined;
}

/**
 * File > Save (Ctrl/Cmd+S): to the flow's path, or Save As for a new flow.
 * @param secretsChecked true when the secrets dialog was answered for this save
 * @returns true when the file was written
 */
export async function saveRequested(secretsChecked = false): Promise<boolean> {
  if (!secretsChecked && askAboutSecrets('save')) return false;
  if (studioStore.getState().path === null) return saveAsRequested(true);
  return writeTo(undefined);
}

/**
 * File > Save As: the native dialog in Electron; in a browser, a dialog asking for the path.
 * @param secretsChecked true when the secrets dialog was answered for this save
 * @returns true when the file was written (always false in a browser: the path dialog writes it)
 */
export async function saveAsRequested(secretsChecked = false): Promise<boolean> {
  if (!secretsChecked && askAboutSecrets('saveAs')) return false;
  if (api().transport === 'electron') {
    const state = studioStore.getState();
    try {
      const written = await api().saveFlow(flowText(state));
      if (written === null) return false;
      // The dialog may have chosen JSON: write again in the chosen format when it differs.
      if (/\.json$/i.test(written)) await api().saveFlow(flowText(state, written), written);
      await saved(written);
      return true;
    } catch (error) {
      fail('cannot save the flow')(error);
      return false;
    }
  }
  const state = studioStore.getState();
  uiStore.getState().modalOpened({ kind: 'saveAs', suggested: state.path ?? `${state.meta.name || 'untitled'}.flow.yaml` });
  return false;
}

/** The browser Save As dialog's answer. */
export async function saveAsPathChosen(path: string): Promise<void> {
  // The save may have opened a dialog of its own (the export lines of new references): close only the path dialog.
  if ((await writeTo(path.trim())) && uiStore.getState().modal?.kind === 'saveAs') uiStore.getState().modalClosed();
}

/** Toolbar Run. A flow from outside this studio asks once before it runs (its expressions are code). */
export async function runRequested(confirmed = false): Promise<void> {
  const state = studioStore.getState();
  if (state.external && !confirmed) {
    uiStore.getState().modalOpened({ kind: 'confirmExternal', path: state.path });
    return;
  }
  if (state.external) state.externalRunConfirmed();
  uiStore.getState().modalClosed();
  const running = runningFlowOf(state);
  try {
    await api().run(running.text, running.path);
    applyStore.getState().runStarted(running);
  } catch (error) {
    fail('cannot start the run')(error);
  }
}

function runningFlowOf(state: StudioState): RunningFlow {
  return { text: flowText(state), flow: graphToFlow(graphOf(state)), path: state.path };
}

/**
 * Toolbar Apply (edit while running): the edited flow replaces the running one (validated first; the old runtime
 * drains and commits; the new one starts on the same consumer groups). A failure is shown and kept for a retry.
 */
export async function applyRequested(): Promise<void> {
  const edited = runningFlowOf(studioStore.getState());
  const plan = pendingPlan(applyStore.getState().running, edited.flow);
  if (plan === null) return;
  applyStore.getState().applyStarted(plan);
  try {
    const result = await api().apply(edited.text, edited.path);
    applyStore.getState().applySucceeded(result, edited);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    applyStore.getState().applyFailed(message);
    notify('error', message.startsWith('cannot apply') ? message : `cannot apply: ${message}`);
  }
}

/** "Run previous version" after a failed Apply: runs the flow that ran before it again. */
export async function retryPreviousRequested(): Promise<void> {
  const previous = applyStore.getState().failed?.previous;
  if (previous === undefined) return;
  try {
    await api().run(previous.text, previous.path);
    applyStore.getState().runStarted(previous);
  } catch (error) {
    fail('cannot start the run')(error);
  }
}

/** Toolbar Stop. */
export async function stopRequested(): Promise<void> {
  try {
    await api().stop();
  } catch (error) {
    fail('cannot stop the run')(error);
  }
}

/** Toolbar Preview: a few records through the graph, nothing written to sinks. */
export async function previewRequested(): Promise<void> {
  const state = studioStore.getState();
  if (state.external) {
    uiStore.getState().modalOpened({ kind: 'confirmExternal', path: state.path });
    return;
  }
  runStore.getState().previewStarted();
  try {
    runStore.getState().previewFinished(await api().preview(flowText(state)));
  } catch (error) {
    runStore.getState().previewFinished(null);
    fail('preview failed')(error);
  }
}

/** File > Export headless: the flow with secrets as `${VAR}` and the exact `tributary run` command. */
export async function exportRequested(): Promise<void> {
  const state = studioStore.getState();
  try {
    const result = await api().exportHeadless(flowText(state), state.path);
    uiStore.getState().modalOpened({ kind: 'export', ...result });
  } catch (error) {
    fail('cannot export the flow')(error);
  }
}

/** True while edits are refused (attached to headless instances; a run of the studio's own stays editable). */
export function isReadOnly(): boolean {
  return isEditLocked(runStore.getState().runState);
}
