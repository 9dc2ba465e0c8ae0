/**
 * An expression field with live feedback: as you type, the result of the expression on the node's latest sampled
 * (live run) or previewed input record, or the error with its column; and completion of field names (`value.<field>`,
 * `headers.<h>`, `meta.<m>`) taken from the sampled records (click a suggestion, or Tab for the first one).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SampleRecord } from '../../runtime/common/telemetry';
import { completionsAt, evaluateOn, fieldPaths } from '../store/samples';
import { useRun, useTelemetry } from '../store/index';
import { isRunActive } from '../store/run-store';

const NO_RECORDS: readonly SampleRecord[] = [];

/**
 * The node's sampled input records: live samples while a run is active, otherwise the last preview's, otherwise the
 * last run's.
 */
function useInputRecords(nodeId: string): { records: readonly SampleRecord[]; from: 'live' | 'preview' | undefined } {
  const live = useTelemetry((s) => s.samples[nodeId]?.in);
  const preview = useRun((s) => s.preview?.nodes.find((n) => n.id === nodeId)?.in);
  const active = useRun((s) => isRunActive(s.runState));
  const hasLive = live !== undefined && live.length > 0;
  if (hasLive && active) return { records: live, from: 'live' };
  if (preview !== undefined && preview.length > 0) return { records: preview, from: 'preview' };
  if (hasLive) return { records: live, from: 'live' };
  return { records: NO_RECORDS, from: undefined };
}

/** Props of {@link ExpressionEditor}. */
export interface ExpressionEditorProps {
  value: string;
  onCommit: (text: string) => void;
  testId: string;
  /** The node whose sampled input the expression is evaluated on. */
  nodeId: string;
  disabled?: boolean;
  placeholder?: string;
}

/** The expression editor. */
export function ExpressionEditor({ value, onCommit, testId, nodeId, disabled, placeholder }: ExpressionEditorProps) {
  const [draft, setDraft] = useState(value);
  const [focused, setFocused] = useState(false);
  const [cursor, setCursor] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const { records, from } = useInputRecords(nodeId);
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);

  const text = focused ? draft : value;
  const source = text.trim() === '' ? (placeholder ?? '') : text;
  const paths = useMemo(() => fieldPaths(records), [records]);
  const completions = focused ? completionsAt(text, cursor, paths) : { from: 0, options: [] };
  const latest = records[records.length - 1];
  const result = useMemo(() => (latest === undefined || source.trim() === '' ? undefined : evaluateOn(source, latest)), [latest, source]);

  const commit = (next: string, caret: number): void => {
    setDraft(next);
    setCursor(caret);
    onCommit(next);
  };
  const accept = (option: string): void => {
    const next = text.slice(0, completions.from) + option + text.slice(cursor);
    const caret = completions.from + option.length;
    commit(next, caret);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(caret, caret);
    });
  };

  return (
    <div className="expression-editor">
      <textarea
        ref={area}
        className="expression"
        rows={2}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        data-testid={testId}
        onFocus={(e) => {
          setDraft(value);
          setFocused(true);
          setCursor(e.target.selectionStart);
        }}
        onBlur={() => setFocused(false)}
        onSelect={(e) => setCursor(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (e.key === 'Tab' && completions.options.length > 0) {
            e.preventDefault();
            accept(completions.options[0] as string);
          }
        }}
        onChange={(e) => commit(e.target.value, e.target.selectionStart)}
      />
      {completions.options.length > 0 && (
        <div className="completions" data-testid={`${testId}-completions`}>
          {completions.options.map((option) => (
            <button
              type="button"
              key={option}
              className="completion"
              data-testid={`completion-${option}`}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(option);
              }}
            >
              {option}
            </button>
          ))}
        </div>
      )}
      {result === undefined ? (
        <div className="expression-result muted" data-testid={`${testId}-result`}>
          {from === undefined ? 'Run or Preview the flow to see this expression evaluated on a sampled input record.' : ''}
        </div>
      ) : result.ok ? (
        <div className="expression-result ok" data-testid={`${testId}-result`} title={`on the latest ${from} input record`}>
          <span className="muted">= </span>
          {result.text.length > 300 ? `${result.text.slice(0, 300)}…` : result.text}
        </div>
      ) : (
        <div className="expression-result error" data-testid={`${testId}-result`}>
          {result.column === undefined ? result.message : `error at column ${result.column}: ${result.message}`}
          {result.column !== undefined && !source.includes('\n') && <pre className="expression-caret">{`${source}\n${' '.repeat(result.column - 1)}^`}</pre>}
        </div>
      )}
    </div>
  );
}
