/**
 * "Save as test case" in the sample panel: while the flow runs in the studio, names a case and asks the backend to
 * append the flow's sampled source records and what they produced at every sink and error port to `<flow>.test.yaml`
 * next to the flow file (docs/flow-tests.md); `tributary test` runs it with no Kafka or Redis.
 */
import { useState } from 'react';
import { studioApi } from '../api/studio-api';
import { flowText } from '../store/store';
import { studioStore, useRun, useStudio } from '../store/index';
import { uiStore } from '../store/ui-store';

/** A default case name: the time of day of the capture. */
function defaultName(): string {
  return `captured ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
}

/** The button and its inline name field. */
export function SaveTestCase() {
  const running = useRun((s) => s.runState.status === 'running' && s.runState.mode === 'run');
  const path = useStudio((s) => s.path);
  const [name, setName] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (!running) return null;

  const save = async (): Promise<void> => {
    if (path === null || name === undefined) return;
    setBusy(true);
    try {
      const saved = await studioApi().saveTestCase(flowText(studioStore.getState()), path, name);
      const left = saved.leftOut === 0 ? '' : ` (${saved.leftOut} sampled record${saved.leftOut === 1 ? '' : 's'} left out: their inputs or outputs were no longer sampled)`;
      const unchecked = saved.unchecked.length === 0 ? '' : `; not checked (window results): ${saved.unchecked.join(', ')}`;
      uiStore.getState().noticeShown('info', `test case "${saved.name}" saved to ${saved.file}: ${saved.inputs} input and ${saved.outputs} expected record(s)${left}${unchecked}`);
      setName(undefined);
    } catch (error) {
      uiStore.getState().noticeShown('error', `cannot save the test case: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };

  if (name === undefined) {
    return (
      <button
        type="button"
        disabled={path === null}
        title={path === null ? 'save the flow first: the test file goes next to it' : 'save the sampled inputs and the outputs they produced as a test case of this flow'}
        onClick={() => setName(defaultName())}
        data-testid="save-test-case"
      >
        Save as test case
      </button>
    );
  }
  return (
    <form
      className="save-test-case"
      style={{ display: 'flex', gap: 6, alignItems: 'center' }}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input aria-label="test case name" value={name} onChange={(e) => setName(e.target.value)} autoFocus size={24} data-testid="test-case-name" />
      <button type="submit" disabled={busy || name.trim() === ''} data-testid="test-case-save">
        Save
      </button>
      <button type="button" className="link" onClick={() => setName(undefined)} data-testid="test-case-cancel">
        cancel
      </button>
    </form>
  );
}
