/**
 * YAML alias checks of a flow file, run on the parsed document before anything turns it into data: a recursive alias
 * (`nodes: &n [ {id: gen}, *n ]`, an alias inside the node its anchor names) would make every recursive walk of the
 * data overflow the stack, and an alias bomb (billion laughs: anchors of lists of aliases of lists of aliases) expands
 * to more values than memory holds. Both are reported with the line and column of the offending alias. Browser-safe:
 * no Node imports.
 */
import { isAlias, isCollection, isPair, visit, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
import type { Problem } from './errors';

/**
 * The alias budget of a flow file, the `maxAliasCount` of the `yaml` package: an alias is refused once the uses of its
 * anchor so far, times the aliases its anchored node expands to, pass this number.
 */
export const MAX_ALIAS_COUNT = 100;

/** Counts kept per anchored node, as the `yaml` package keeps them when it resolves aliases. */
interface AnchorUse {
  /** Aliases resolved to this node so far, in document order. */
  count: number;
  /** The aliases the node expands to (at least 1), computed at its first use; 0 until then. */
  aliasCount: number;
}

/**
 * The aliases a node expands to, as the `yaml` package's `maxAliasCount` check computes it: 1 for a scalar, the
 * largest of the items for a collection, and for an alias the uses times the alias count of its anchor so far.
 */
function aliasCountOf(node: unknown, anchorOf: Map<YamlNode, YamlNode>, uses: Map<YamlNode, AnchorUse>): number {
  if (isAlias(node)) {
    const source = anchorOf.get(node);
    const use = source === undefined ? undefined : uses.get(source);
    return use === undefined ? 0 : use.count * use.aliasCount;
  }
  if (isCollection(node)) {
    let count = 0;
    for (const item of node.items) count = Math.max(count, aliasCountOf(item, anchorOf, uses));
    return count;
  }
  if (isPair(node)) return Math.max(aliasCountOf(node.key, anchorOf, uses), aliasCountOf(node.value, anchorOf, uses));
  return 1;
}

/**
 * Finds the first recursive alias and the first alias over the {@link MAX_ALIAS_COUNT} budget of a parsed document
 * (one problem each at most, as either stops the load).
 *
 * - `E_FLOW_PARSE`: an alias inside the node its own anchor names (a recursive alias), with the anchor's line;
 * - `E_FLOW_LIMIT`: an alias that passes the budget (an alias bomb).
 *
 * Neither check follows aliases, so both run in time linear in the document (times its nesting depth for the
 * budget), whatever the document expands to.
 * @param doc a document parsed without errors
 * @param lines the line counter it was parsed with
 * @returns the problems, each with the 1-based line and column of the alias; empty when the aliases are sound
 */
export function aliasProblems(doc: Document, lines: LineCounter): Problem[] {
  const at = (node: { range?: [number, number, number] | null }): { line: number; column: number } => {
    const { line, col } = lines.linePos(node.range?.[0] ?? 0);
    return { line, column: col };
  };
  // Anchors in document order: an alias names the last node anchored with its name before it.
  const anchored = new Map<string, YamlNode>();
  const anchorOf = new Map<YamlNode, YamlNode>();
  const aliases: YamlNode[] = [];
  let recursive: Problem | undefined;
  visit(doc, {
    Node(_key, node, path) {
      if (isAlias(node)) {
        const source = anchored.get(node.source);
        if (source === undefined) return undefined;
        if (path.includes(source)) {
          recursive = {
            code: 'E_FLOW_PARSE',
            path: '',
            message: `recursive YAML alias *${node.source}: it is inside the node its anchor &${node.source} names (line ${at(source).line}); copy the values instead`,
            ...at(node),
          };
          return visit.BREAK;
        }
        anchorOf.set(node, source);
        aliases.push(node);
      } else if (node.anchor !== undefined && node.anchor !== '') {
        anchored.set(node.anchor, node);
      }
      return undefined;
    },
  });
  if (recursive !== undefined) return [recursive];

  const uses = new Map<YamlNode, AnchorUse>();
  for (const alias of aliases) {
    const source = anchorOf.get(alias) as YamlNode;
    let use = uses.get(source);
    if (use === undefined) {
      use = { count: 0, aliasCount: 0 };
      uses.set(source, use);
    }
    use.count += 1;
    if (use.aliasCount === 0) use.aliasCount = aliasCountOf(source, anchorOf, uses);
    if (use.count * use.aliasCount > MAX_ALIAS_COUNT) {
      const name = isAlias(alias) ? alias.source : '';
      return [
        {
          code: 'E_FLOW_LIMIT',
          path: '',
          message: `too many YAML aliases (alias *${name} expands past ${MAX_ALIAS_COUNT} aliased values; an alias bomb?): copy the values instead`,
          ...at(alias),
        },
      ];
    }
  }
  return [];
}
