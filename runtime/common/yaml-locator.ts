/**
 * Positions in a flow file's YAML: the line and column of a path (for problems found on the parsed data), of keys by
 * name, and {@link locateProblems}, which adds lines to problems that have none (the compiler's). Browser-safe: no Node
 * imports.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Problem } from './errors';
import { parsePath, type PathSegments } from './flow-path';

/** A 1-based line and column in the flow file. */
export interface TextPosition {
  line: number;
  column: number;
}

type YamlNode = unknown;

/** Finds positions of paths, and keys by name, in a parsed YAML document. */
export class YamlLocator {
  /**
   * @param doc the parsed document
   * @param lines the line counter the document was parsed with (`parseDocument(text, { lineCounter })`)
   */
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private at(offset: number): TextPosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private resolve(node: YamlNode): YamlNode {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /**
   * The position of `path` in the document: the value when the whole path is found and leads to a scalar (unless
   * `atKey`), otherwise the deepest part found (a map entry's key, a sequence item, or the document itself).
   */
  locate(path: PathSegments, atKey = false): TextPosition {
    let node: YamlNode = this.doc.contents;
    let offset = (this.doc.contents?.range?.[0] ?? 0) as number;
    let complete = true;
    for (const segment of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) {
          complete = false;
          break;
        }
        offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: YamlNode = node.items[segment];
        if (item === undefined) {
          complete = false;
          break;
        }
        const range = (item as { range?: [number, number, number] | null }).range;
        offset = range?.[0] ?? offset;
        node = item;
      } else {
        complete = false;
        break;
      }
    }
    node = this.resolve(node);
    if (complete && !atKey && path.length > 0 && isScalar(node) && node.range != null) offset = node.range[0];
    return this.at(offset);
  }

  /**
   * Every map key that is one of `names`, anywhere in the document, with its path (non-scalar keys as `?`) and the
   * position of the key.
   */
  keysNamed(names: ReadonlySet<string>): { path: (string | number)[]; key: string; position: TextPosition }[] {
    const found: { path: (string | number)[]; key: string; position: TextPosition }[] = [];
    const walk = (node: YamlNode, path: (string | number)[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (key !== undefined && names.has(key)) {
            found.push({ path: [...path, key], key, position: this.at(isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0) });
          }
          walk(pair.key, path);
          walk(pair.value, [...path, key ?? '?']);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      }
    };
    walk(this.doc.contents, []);
    return found;
  }
}

/**
 * Fills in `line` (and `column`, unless already set) of problems that lack a line, e.g. the compiler's, by finding
 * their field in the flow file text: `nodeId` + node-relative path (`config.routes[1].expression`) inside that node, or
 * a flow path (`edges[2].to`). Problems whose place cannot be found get the line of the deepest part found.
 * @param text the flow file text the problems are about (must parse as YAML; otherwise problems are returned as given)
 * @param problems problems from `compileFlow` or elsewhere
 * @returns new problem objects; the input is not modified
 */
export function locateProblems(text: string, problems: readonly Problem[]): Problem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) return problems.map((p) => ({ ...p }));
  const locator = new YamlLocator(doc, lines);
  let nodes: unknown;
  try {
    nodes = (doc.toJS({ maxAliasCount: 100 }) as { nodes?: unknown } | null)?.nodes;
  } catch {
    return problems.map((p) => ({ ...p }));
  }
  return problems.map((problem) => {
    if (problem.line !== undefined) return { ...problem };
    const inner = parsePath(problem.path) ?? [];
    let path: (string | number)[] = inner;
    if (problem.nodeId !== undefined) {
      const index = Array.isArray(nodes)
        ? nodes.findIndex((n: unknown) => n !== null && typeof n === 'object' && (n as { id?: unknown }).id === problem.nodeId)
        : -1;
      if (index < 0) return { ...problem };
      path = ['nodes', index, ...inner];
    }
    const position = locator.locate(path);
    return { ...problem, line: position.line, column: problem.column ?? position.column };
  });
}
