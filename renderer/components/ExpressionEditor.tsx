/**
 * An expression field in CodeMirror (`CodeEditor.tsx`): JavaScript highlighting and bracket matching, the runtime's
 * own expression check as lint (the message and column `tributary validate` prints, `editor/lint.ts`), completion of
 * `value.*` field paths from the node's sampled input records, `key`, `headers`, `meta`, the `fn` helpers and the
 * node's variables (`editor/completion.ts`); under it, the result of the expression on the node's latest sampled
 * (live run) or previewed input record, computed by the studio backend with the runtime's compiler
 * (`evaluateExpression`, 200 ms after typing stops), or the error.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { autocompletion } from '@codemirror/autocomplete';
import { javascript } from '@codemirror/lang-javascript';
import type { ExpressionEvaluation } from '../../runtime/common/studio-api';
import type { SampleRecord } from '../../runtime/common/telemetry';
import { specRegistry } from '../../nodes/specs';
import { studioApi } from '../api/studio-api';
import { expressionCompletionSource, type CompletionScope } from '../editor/completion';
import { expressionLinter, expressionProblem } from '../editor/lint';
import { fieldPaths } from '../store/samples';
import { useRun, useStudio, useTelemetry } from '../store/index';
import { isRunActive } from '../store/run-store';
import { CodeEditor } from './CodeEditor';

const NO_RECORDS: readonly SampleRecord[] = [];
const NO_VARIABLES: readonly string[] = [];
/** Wait after the last keystroke before the expression is evaluated (ms). */
const EVALUATE_DELAY_MS = 200;

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

/**
 * The result under the editor, evaluated by the backend on the latest record 200 ms after the text last changed (or
 * records first arrived); a
 * refused expression is answered at once by the same check, with or without a record. The node's variables are `null` in a preview (a sample
 * does not hold their values).
 */
function useEvaluation(source: string, latest: SampleRecord | undefined, variables: readonly string[]): ExpressionEvaluation | undefined {
  const [result, setResult] = useState<ExpressionEvaluation | undefined>(undefined);
  // Read when the timer fires: new live samples (twice a second) must not cancel the evaluation of what was typed.
  const record = useRef(latest);
  record.current = latest;
  const hasRecord = latest !== undefined;
  useEffect(() => {
    const problem = source.trim() === '' ? undefined : expressionProblem(source);
    if (problem !== undefined) {
      setResult({ ok: false, message: problem.message, column: problem.column });
      return;
    }
    if (!hasRecord || source.trim() === '') {
      setResult(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      const on = record.current;
      if (on === undefined) return;
      studioApi()
        .evaluateExpression(source, [{ value: on.value, key: on.key, headers: on.headers, meta: on.meta }], Object.fromEntries(variables.map((name) => [name, null])))
        .then(
          (results) => {
            const first = results[0];
            if (!current || first === undefined) return;
            setResult(first.ok || first.column === undefined ? first : { ...first, message: `expression error at column ${first.column}: ${first.message}` });
          },
          (error: unknown) => current && setResult({ ok: false, message: error instanceof Error ? error.message : String(error) }),
        );
    }, EVALUATE_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [source, hasRecord, variables]);
  return result;
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
  const { records, from } = useInputRecords(nodeId);
  const nodeType = useStudio((s) => s.nodes.find((n) => n.id === nodeId)?.data.type);
  const variables = (nodeType === undefined ? undefined : specRegistry.get(nodeType)?.expressionVariables) ?? NO_VARIABLES;
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);

  const paths = useMemo(() => fieldPaths(records), [records]);
  const scope = useRef<CompletionScope>({ paths, variables });
  scope.current = { paths, variables };
  const extensions = useMemo(
    () => [
      javascript(),
      expressionLinter,
      autocompletion({
        override: [expressionCompletionSource(() => scope.current)],
        icons: false,
        addToOptions: [
          {
            position: 100,
            render: (completion) => {
              const marker = document.createElement('span');
              marker.dataset.testid = `completion-${completion.label}`;
              return marker;
            },
          },
        ],
      }),
    ],
    [],
  );

  const text = focused ? draft : value;
  const source = text.trim() === '' ? (placeholder ?? '') : text;
  const result = useEvaluation(source, records[records.length - 1], variables);

  return (
    <div className="expression-editor">
      <CodeEditor
        value={text}
        testId={testId}
        disabled={disabled}
        placeholder={placeholder}
        extensions={extensions}
        onFocusChange={(has) => {
          if (has) setDraft(value);
          setFocused(has);
        }}
        onChange={(next) => {
          setDraft(next);
          onCommit(next);
        }}
      />
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
          {result.message}
          {result.column !== undefined && !source.includes('\n') && <pre className="expression-caret">{`${source}\n${' '.repeat(result.column - 1)}^`}</pre>}
        </div>
      )}
    </div>
  );
}
