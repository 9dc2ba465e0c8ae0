/**
 * The CodeMirror theme of the studio's code fields: colours are the studio's CSS variables (`--panel`, `--text`,
 * `--accent`, ... of `styles.css`), so light and dark follow the studio's theme (system or View > Theme) without
 * reconfiguring the editor.
 */
import { syntaxTree } from '@codemirror/language';
import { RangeSetBuilder, type Extension } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type ViewUpdate } from '@codemirror/view';

/** Editor chrome: background, caret, selection, gutters, tooltips (completion and lint), in the studio's colours. */
const chrome = EditorView.theme({
  '&': {
    backgroundColor: 'var(--panel)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '4px',
    fontSize: '12px',
  },
  '&.cm-focused': { outline: 'none', borderColor: 'var(--accent)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.45' },
  '.cm-content': { padding: '4px 0', caretColor: 'var(--text)' },
  '.cm-line': { padding: '0 6px' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 28%, transparent)',
  },
  '.cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--accent) 22%, transparent)', outline: '1px solid var(--accent)' },
  '.cm-nonmatchingBracket': { color: 'var(--danger)' },
  '.cm-placeholder': { color: 'var(--muted)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--text)', border: '1px solid var(--border)', boxShadow: 'var(--shadow)' },
  '.cm-tooltip-autocomplete > ul': { fontFamily: 'var(--mono)', fontSize: '12px', maxHeight: '14em' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text, #fff)' },
  '.cm-completionDetail': { color: 'var(--muted)', fontStyle: 'normal', marginLeft: '8px' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected] .cm-completionDetail': { color: 'inherit' },
  '.cm-completionInfo': { fontFamily: 'system-ui, sans-serif', maxWidth: '320px' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.tok-keyword': { color: 'var(--transform)' },
  '.tok-string': { color: 'var(--ok)' },
  '.tok-number': { color: 'var(--sink)' },
  '.tok-property': { color: 'var(--accent)' },
  '.tok-comment': { color: 'var(--muted)', fontStyle: 'italic' },
  '.tok-invalid': { color: 'var(--danger)' },
  '.cm-lintRange-error': { textDecoration: 'underline wavy var(--danger)', backgroundImage: 'none' },
});

/** Token classes by the JavaScript grammar's node names (`@lezer/javascript`), coloured by {@link chrome}. */
const TOKEN_CLASS: Record<string, string> = {
  String: 'tok-string',
  TemplateString: 'tok-string',
  RegExp: 'tok-string',
  Number: 'tok-number',
  BooleanLiteral: 'tok-number',
  null: 'tok-number',
  PropertyName: 'tok-property',
  LineComment: 'tok-comment',
  BlockComment: 'tok-comment',
  '⚠': 'tok-invalid',
};
for (const keyword of ['typeof', 'instanceof', 'in', 'new', 'void', 'delete', 'await', 'async', 'function', 'return', 'if', 'else', 'const', 'let', 'var', 'this', 'of']) {
  TOKEN_CLASS[keyword] = 'tok-keyword';
}
const marks = new Map(Object.values(TOKEN_CLASS).map((c) => [c, Decoration.mark({ class: c })]));

/** Marks every coloured token of the visible ranges. */
function tokenDecorations(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  for (const { from, to } of view.visibleRanges) {
    syntaxTree(view.state).iterate({
      from,
      to,
      enter: (node) => {
        const mark = marks.get(TOKEN_CLASS[node.name] ?? '');
        if (mark !== undefined && node.to > node.from) {
          builder.add(node.from, node.to, mark);
          return false;
        }
        return undefined;
      },
    });
  }
  return builder.finish();
}

/**
 * Syntax colours from the studio's CSS variables (keywords in the transform colour, strings in the ok colour, numbers
 * in the sink colour, property names in the accent colour); tokens found by their grammar node names.
 */
const tokenColours = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = tokenDecorations(view);
    }
    update(update: ViewUpdate): void {
      if (update.docChanged || update.viewportChanged || syntaxTree(update.startState) !== syntaxTree(update.state)) {
        this.decorations = tokenDecorations(update.view);
      }
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/** The studio theme: chrome and syntax colours. */
export const studioEditorTheme: Extension = [chrome, tokenColours];
