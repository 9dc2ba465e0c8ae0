/**
 * A JSON editor for free-form fields (`transform.validate`'s JSON Schema): the studio's CodeMirror editor
 * (`CodeEditor`) with JSON highlighting, bracket matching and a lint source that marks the first syntax error, shown
 * under the editor as `line:col: message`. Text that does not parse stays in the editor and is not written to the
 * config until it parses. A JSON Schema's own check (ajv) is the compiler's, shown with the field's problems as
 * `tributary validate` prints it: ajv compiles code, which the studio's Content-Security-Policy forbids in the page.
 */
import { json } from '@codemirror/lang-json';
import { linter, type Diagnostic } from '@codemirror/lint';
import { useMemo, useState } from 'react';
import { jsonOf, parseJsonText, type RawParse } from '../../form/raw-text';
import { CodeEditor } from '../CodeEditor';

/** Props of {@link JsonEditor}. */
export interface JsonEditorProps {
  /** The field's value (undefined: not set). */
  value: unknown;
  /** Called with each parsed value (undefined for empty text). */
  onChange: (value: unknown) => void;
  testId: string;
  disabled?: boolean | undefined;
}

/** What is wrong with the text: a syntax error with its place. */
function problemOf(parsed: RawParse): string | undefined {
  return parsed.ok ? undefined : `${parsed.line}:${parsed.column}: ${parsed.message}`;
}

/** Offset in `text` of a 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i] as string).length + 1;
  return Math.min(text.length, offset + column - 1);
}

/** The JSON editor. */
export function JsonEditor({ value, onChange, testId, disabled }: JsonEditorProps) {
  // Text that does not parse stays in the editor (the config keeps the last value that parsed).
  const [draft, setDraft] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const extensions = useMemo(
    () => [
      json(),
      linter((v): Diagnostic[] => {
        const text = v.state.doc.toString();
        const parsed = parseJsonText(text);
        const message = problemOf(parsed);
        if (message === undefined) return [];
        const from = parsed.ok ? 0 : offsetOf(text, parsed.line, parsed.column);
        return [{ from, to: Math.min(text.length, from + 1), severity: 'error', message }];
      }),
    ],
    [],
  );
  return (
    <div className="json-editor">
      <CodeEditor
        value={draft ?? jsonOf(value)}
        testId={testId}
        disabled={disabled === true}
        maxHeight={320}
        extensions={extensions}
        onChange={(text) => {
          const parsed = parseJsonText(text);
          setProblem(problemOf(parsed));
          if (!parsed.ok) {
            setDraft(text);
            return;
          }
          setDraft(undefined);
          onChange(parsed.value);
        }}
      />
      {problem !== undefined && (
        <div className="field-error" data-testid={`${testId}-problem`}>
          {problem}
        </div>
      )}
    </div>
  );
}
