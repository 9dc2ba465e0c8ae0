/**
 * "Replay from…" on a `source.kafka` node: shows the consumer group's committed offset, log end and lag per partition,
 * asks where to move the group (a time, the earliest or the latest offset), shows how many records the next run will
 * process again (a dry run of the reset), and moves the group. Moving is possible only while the flow is stopped
 * (the backend refuses it too, as it does while any consumer of the group runs).
 */
import { useEffect, useState } from 'react';
import type { GroupOffsets, OffsetReset, ResetTarget } from '../../runtime/common/group-offsets';
import { studioApi } from '../api/studio-api';
import { flowText } from '../store/store';
import { studioStore, useRun } from '../store/index';
import { isRunActive } from '../store/run-store';

/** Where the user wants to go. */
type Choice = 'time' | 'earliest' | 'latest';

/** `yyyy-MM-ddTHH:mm` of a time in the browser's zone, as `<input type="datetime-local">` reads and writes it. */
function localInputValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The reset target of the form, or a reason it has none yet. */
function targetOf(choice: Choice, time: string): ResetTarget | string {
  if (choice === 'earliest') return { kind: 'earliest' };
  if (choice === 'latest') return { kind: 'latest' };
  // A datetime-local value has no zone: it is read in the browser's zone.
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? 'give a date and time' : { kind: 'timestamp', timestamp: ms };
}

function OffsetsTable({ offsets }: { offsets: GroupOffsets }) {
  const multiTopic = new Set(offsets.partitions.map((p) => p.topic)).size > 1;
  return (
    <table className="replay-offsets" data-testid="replay-offsets">
      <thead>
        <tr>
          {multiTopic && <th>topic</th>}
          <th>partition</th>
          <th>committed</th>
          <th>log end</th>
          <th>lag</th>
        </tr>
      </thead>
      <tbody>
        {offsets.partitions.map((p) => (
          <tr key={`${p.topic}:${p.partition}`} data-testid={`replay-partition-${p.partition}`}>
            {multiTopic && <td>{p.topic}</td>}
            <td>{p.partition}</td>
            <td data-testid={`replay-committed-${p.partition}`}>{p.committed ?? '–'}</td>
            <td data-testid={`replay-end-${p.partition}`}>{p.logEnd}</td>
            <td data-testid={`replay-lag-${p.partition}`}>{p.lag ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The dialog; `onClose` hides it. */
export function ReplayDialog({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const running = useRun((s) => isRunActive(s.runState));
  const [offsets, setOffsets] = useState<GroupOffsets | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [choice, setChoice] = useState<Choice>('time');
  const [time, setTime] = useState(() => localInputValue(Date.now() - 3_600_000));
  const [plan, setPlan] = useState<OffsetReset | string | undefined>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<OffsetReset | undefined>();
  const [loads, setLoads] = useState(0);

  const text = (): string => flowText(studioStore.getState());
  const target = targetOf(choice, time);

  useEffect(() => {
    let current = true;
    studioApi()
      .groupOffsets(text(), nodeId)
      .then(
        (result) => current && (setOffsets(result), setError(undefined)),
        (e: unknown) => current && setError((e as Error).message),
      );
    return () => {
      current = false;
    };
  }, [nodeId, loads]);

  // The plan (a dry run) follows the choice, so the warning says how many records will be processed again.
  const targetKey = JSON.stringify(target);
  useEffect(() => {
    if (typeof target === 'string') {
      setPlan(target);
      return;
    }
    let current = true;
    setPlan(undefined);
    studioApi()
      .resetGroupOffsets(text(), nodeId, target, true)
      .then(
        (result) => current && setPlan(result),
        (e: unknown) => current && setPlan((e as Error).message),
      );
    return () => {
      current = false;
    };
  }, [nodeId, targetKey, loads]);

  const reset = async (): Promise<void> => {
    if (typeof target === 'string') return;
    setBusy(true);
    try {
      setDone(await studioApi().resetGroupOffsets(text(), nodeId, target, false));
      setLoads((n) => n + 1);
    } catch (e) {
      setPlan((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const moving = typeof plan === 'object' ? plan.moves.filter((m) => m.from !== m.to).length : 0;
  const disabledReason = running
    ? 'Stop the flow first: offsets can be moved only while no run of the flow is active.'
    : offsets !== undefined && offsets.members > 0
      ? `The group has ${offsets.members} active member(s) elsewhere: stop every instance of the flow first.`
      : undefined;

  return (
    <div className="modal-backdrop">
      <div className="modal replay" role="dialog" aria-label="Replay from" data-testid="replay-dialog">
        <h2>Replay from…</h2>
        <p className="muted small">
          Moves the consumer group of <b>{nodeId}</b>
          {offsets !== undefined && (
            <>
              {' '}
              (<span className="mono">{offsets.groupId}</span>, {offsets.state.toLowerCase()})
            </>
          )}{' '}
          so that the next run reads again from there.
        </p>
        {error !== undefined && (
          <div className="field-error" data-testid="replay-error">
            {error}
          </div>
        )}
        {offsets === undefined && error === undefined && <p className="muted">Reading the group&apos;s offsets…</p>}
        {offsets !== undefined && <OffsetsTable offsets={offsets} />}
        <fieldset className="replay-target">
          <legend>Start again from</legend>
          <label className="inline">
            <input type="radio" name="replay-choice" checked={choice === 'time'} onChange={() => setChoice('time')} data-testid="replay-choice-time" />
            the first record at or after
            <input
              type="datetime-local"
              value={time}
              step={1}
              disabled={choice !== 'time'}
              onChange={(e) => setTime(e.target.value)}
              data-testid="replay-time"
            />
            <span className="muted small">{typeof target === 'object' && target.kind === 'timestamp' ? new Date(target.timestamp).toISOString() : ''}</span>
          </label>
          <label className="inline">
            <input type="radio" name="replay-choice" checked={choice === 'earliest'} onChange={() => setChoice('earliest')} data-testid="replay-choice-earliest" />
            the earliest record kept
          </label>
          <label className="inline">
            <input type="radio" name="replay-choice" checked={choice === 'latest'} onChange={() => setChoice('latest')} data-testid="replay-choice-latest" />
            the latest offset (skip what was not read yet)
          </label>
        </fieldset>
        <div className="replay-plan" data-testid="replay-plan">
          {plan === undefined && <span className="muted">Working out what moves…</span>}
          {typeof plan === 'string' && <span className="field-error">{plan}</span>}
          {typeof plan === 'object' && (
            <div className={plan.again > 0 ? 'replay-warning' : 'muted'} data-testid="replay-warning" data-again={plan.again}>
              {plan.again > 0
                ? `${plan.again} record(s) will be processed again by the next run (${moving} partition(s) move back); sinks that are not idempotent write them twice.`
                : `${moving} partition(s) move; no record is processed again.`}
            </div>
          )}
        </div>
        {done !== undefined && (
          <div className="ok" data-testid="replay-done">
            Moved {done.moves.filter((m) => m.from !== m.to).length} partition(s) of group {done.groupId}. Run the flow to process the records again.
          </div>
        )}
        {disabledReason !== undefined && (
          <div className="replay-disabled muted small" data-testid="replay-disabled-reason">
            {disabledReason}
          </div>
        )}
        <div className="buttons">
          <button type="button" onClick={onClose} data-testid="replay-close">
            {done === undefined ? 'Cancel' : 'Close'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy || disabledReason !== undefined || typeof plan !== 'object' || moving === 0}
            title={disabledReason}
            onClick={() => void reset()}
            data-testid="replay-confirm"
          >
            {busy ? 'Moving…' : 'Move the offsets'}
          </button>
        </div>
      </div>
    </div>
  );
}
