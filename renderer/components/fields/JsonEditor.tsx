/**
 * A JSON editor for free-form object fields (`transform.validate`'s JSON Schema): CodeMirror 6 with JSON highlighting,
 * bracket matching and a lint source that marks the first syntax error; under the editor the error as `line:col:
 * message`. With the `json-schema` widget hint the parsed schema is also compiled by the same ajv check the compiler
 * runs (`checkJsonSchema`), so its message is the one `tributary validate` prints. Text that does not parse is kept in
 * the editor and not written to the config until it parses.
 */
import { json } from '@codemirror/lang-json';
import { linter, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef, useState } from 'react';
import { checkJsonSchema } from '../../../nodes/transform/validate.spec';
import { jsonOf, parseJsonText, type RawParse } from '../../form/raw-text';

/** Props of {@link JsonEditor}. */
export interface JsonEditorProps {
  /** The field's value (undefined: not set). */
  value: unknown;
  /** Called with each parsed value (undefined for empty text). */
  onChange: (value: unknown) => void;
  testId: string;
  disabled?: boolean | undefined;
  /** Check the value as a JSON Schema (draft 2020-12) too. */
  jsonSchema?: boolean | undefined;
}

/** What is wrong with the text: a syntax error with its place, or the JSON Schema check's message. */
function problemOf(parsed: RawParse, jsonSchema: boolean): string | undefined {
  if (!parsed.ok) return `${parsed.line}:${parsed.column}: ${parsed.message}`;
  const value = parsed.value;
  if (!jsonSchema || value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'a JSON Schema is an object, e.g. { "type": "object" }';
  const problem = checkJsonSchema(value as Record<string, unknown>);
  return problem === undefined ? undefined : `invalid JSON Schema: ${problem}`;
}

/** Offset in `text` of a 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i] as string).length + 1;
  return Math.min(text.length, offset + column - 1);
}

/** The JSON editor. */
export function JsonEditor({ value, onChange, testId, disabled, jsonSchema }: JsonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The value last written from the editor: a value that differs came from elsewhere (Undo) and replaces the text.
  const written = useRef<string>(JSON.stringify(value ?? null));
  const applying = useRef(false);
  const change = useRef(onChange);
  change.current = onChange;
  const [problem, setProblem] = useState<string | undefined>(() => problemOf({ ok: true, value }, jsonSchema === true));

  useEffect(() => {
    if (host.current === null) return;
    const schemaCheck = jsonSchema === true;
    const lint = linter((v): Diagnostic[] => {
      const text = v.state.doc.toString();
      const parsed = parseJsonText(text);
      const message = problemOf(parsed, schemaCheck);
      if (message === undefined) return [];
      const from = parsed.ok ? 0 : offsetOf(text, parsed.line, parsed.column);
      return [{ from, to: Math.min(text.length, from + 1), severity: 'error', message }];
    });
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: jsonOf(value),
        extensions: [
          basicSetup,
          json(),
          lint,
          EditorState.readOnly.of(disabled === true),
          EditorView.editable.of(disabled !== true),
          EditorView.contentAttributes.of({ 'aria-label': 'JSON' }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged || applying.current) return;
            const parsed = parseJsonText(update.state.doc.toString());
            setProblem(problemOf(parsed, schemaCheck));
            if (!parsed.ok) return;
            written.current = JSON.stringify(parsed.value ?? null);
            change.current(parsed.value);
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once per read-only state; later values arrive through the effect below.
  }, [disabled, jsonSchema]);

  useEffect(() => {
    const editor = view.current;
    const text = JSON.stringify(value ?? null);
    if (editor === null || text === written.current) return;
    written.current = text;
    applying.current = true;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: jsonOf(value) } });
    applying.current = false;
    setProblem(problemOf({ ok: true, value }, jsonSchema === true));
  }, [value]);

  return (
    <div className="json-editor" data-testid={testId}>
      <div className="json-editor-host" ref={host} />
      {problem !== undefined && (
        <div className="field-error" data-testid={`${testId}-problem`}>
          {problem}
        </div>
      )}
    </div>
  );
}
