/**
 * A small React wrapper of a CodeMirror 6 editor for one code field: the document follows `value` while the editor
 * is not focused, every edit is reported with `onChange`, and `disabled` makes it read-only. The editor grows with
 * its text (lines wrap) up to `maxHeight` px, then scrolls. `extensions` are read once, when the editor is created:
 * pass extensions that read changing data through a function or ref.
 */
import { useEffect, useRef } from 'react';
import { closeBrackets } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching } from '@codemirror/language';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderText } from '@codemirror/view';
import { studioEditorTheme } from '../editor/theme';

/** Props of {@link CodeEditor}. */
export interface CodeEditorProps {
  value: string;
  /** Called with the whole text after every edit. */
  onChange: (text: string) => void;
  /** Language, completion, lint...: read once, at creation. */
  extensions: Extension;
  /** `data-testid` of the editable content (Playwright can `fill` it). */
  testId: string;
  disabled?: boolean;
  placeholder?: string;
  /** Tallest the editor grows before it scrolls (px); default 240. */
  maxHeight?: number;
  /** Called when the editor gains (true) or loses (false) the focus. */
  onFocusChange?: (focused: boolean) => void;
}

/** A CodeMirror editor of one field. */
export function CodeEditor({ value, onChange, extensions, testId, disabled = false, placeholder, maxHeight = 240, onFocusChange }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const editable = useRef(new Compartment());
  const callbacks = useRef({ onChange, onFocusChange });
  callbacks.current = { onChange, onFocusChange };

  useEffect(() => {
    if (host.current === null) return;
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'data-testid': testId, spellcheck: 'false', 'aria-label': testId }),
          EditorView.theme({ '&': { maxHeight: `${maxHeight}px` }, '.cm-scroller': { overflow: 'auto' } }),
          studioEditorTheme,
          placeholder === undefined ? [] : placeholderText(placeholder),
          editable.current.of([EditorView.editable.of(!disabled), EditorState.readOnly.of(disabled)]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
            if (update.focusChanged) callbacks.current.onFocusChange?.(update.view.hasFocus);
          }),
          extensions,
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // Created once per mounted field; later props are applied by the effects below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v === null || v.hasFocus) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure([EditorView.editable.of(!disabled), EditorState.readOnly.of(disabled)]) });
  }, [disabled]);

  return <div className="code-editor" ref={host} />;
}
