/**
 * The raw text views of a structured field, as pure functions (no DOM, unit-tested in Node): the value as YAML (the
 * "Edit as YAML" view of every list and object field) and as JSON (the JSON editor), and parsing either back with
 * the first syntax error as `line:col` (1-based) and message.
 */
import { jsonLanguage } from '@codemirror/lang-json';
import { parseDocument, stringify } from 'yaml';

/** The result of parsing raw text: the value, or the first syntax error and where it is (1-based line and column). */
export type RawParse = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

/** 1-based line and column of a 0-based offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1] as string).length + 1 };
}

/** The value as YAML text (block style, as in flow files); empty for undefined. */
export function yamlOf(value: unknown): string {
  return value === undefined ? '' : stringify(value, { lineWidth: 0 });
}

/**
 * Parses YAML text (the "Edit as YAML" view).
 * @returns the value (`undefined` for empty text), or the first error with its line and column
 */
export function parseYamlText(text: string): RawParse {
  if (text.trim() === '') return { ok: true, value: undefined };
  const doc = parseDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    const where = at === undefined ? lineColumnAt(text, error.pos[0]) : { line: at.line, column: at.col };
    return { ok: false, ...where, message: (error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '') };
  }
  return { ok: true, value: doc.toJS() as unknown };
}

/** The value as indented JSON text (the JSON editor); empty for undefined. */
export function jsonOf(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

/** Offset of the first syntax error in JSON text, from the JSON grammar of the editor (the text's end when none). */
function jsonErrorOffset(text: string): number {
  let offset = text.length;
  jsonLanguage.parser.parse(text).iterate({
    enter(node) {
      if (offset === text.length && node.type.isError) offset = node.from;
      return offset === text.length;
    },
  });
  return offset;
}

/**
 * Parses JSON text (the JSON editor).
 * @returns the value (`undefined` for empty text), or the syntax error with its line and column: the position the
 *   engine's message names, else the first error of the JSON grammar
 */
export function parseJsonText(text: string): RawParse {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message.replace(/\s*\(line \d+ column \d+\)$/, '');
    const named = /at position (\d+)/.exec(message);
    const at = lineColumnAt(text, named === null ? jsonErrorOffset(text) : Number(named[1]));
    return { ok: false, line: at.line, column: at.column, message: message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '') };
  }
}
