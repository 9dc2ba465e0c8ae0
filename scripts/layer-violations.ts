/**
 * The layer check: runs dependency-cruiser with the rules of `.dependency-cruiser.cjs` (every import resolved to the
 * file, package or built-in it reaches before it is judged) and turns its result into one {@link LayerViolation} per
 * broken rule, a circle reported once however many of its modules dependency-cruiser flags. There are no exceptions:
 * the tree is kept free of violations. `scripts/check-layers.ts` is the command (`npm run lint:layers`); the unit test
 * `test/unit/layers.test.ts` runs it on a probe tree and on this one.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The dependency-cruiser configuration holding the layer rules. */
export const LAYER_CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');

/** What is cruised, relative to the base directory: every folder and root file with code (those that exist). */
export const LAYER_ROOTS: readonly string[] = [
  'bench',
  'bin',
  'electron',
  'examples',
  'nodes',
  'renderer',
  'runtime',
  'scripts',
  'test',
  'eslint.config.js',
  'vite.config.ts',
  'vitest.config.ts',
];

/** One broken layer rule. Paths are relative to the cruised base directory. */
export interface LayerViolation {
  /** The rule's name in `.dependency-cruiser.cjs`, e.g. `browser-only-browser-side`. */
  rule: string;
  /** The importing file. */
  from: string;
  /**
   * What the import resolved to: a file, a file inside `node_modules/`, or a Node built-in's name (`fs`). For a
   * circle: the next module of the circle after `from`.
   */
  to: string;
  /** For a circle: its modules after `from`, in import order, the last one being `from` again. */
  cycle?: readonly string[];
  /** The rule's comment: what is wrong and what to do. */
  message: string;
}

/** Options of {@link findLayerViolations}. */
export interface FindLayerOptions {
  /** The tree to cruise (default: the repository root); rule paths are relative to it. */
  baseDir?: string;
  /** Files and folders to cruise, relative to `baseDir` (default: those of {@link LAYER_ROOTS} that exist). */
  roots?: readonly string[];
  /** The dependency-cruiser configuration (default {@link LAYER_CONFIG}). */
  config?: string;
}

/** A circle rotated to start at its smallest module, so that each circle has one key. */
function circleKey(from: string, cycle: readonly string[]): string {
  const members = [from, ...cycle.slice(0, -1)];
  let start = 0;
  members.forEach((m, i) => {
    if (m < (members[start] as string)) start = i;
  });
  return [...members.slice(start), ...members.slice(0, start)].join(' -> ');
}

function toLayerViolation(v: IViolation, messages: ReadonlyMap<string, string>): LayerViolation {
  const out: LayerViolation = { rule: v.rule.name, from: v.from, to: v.to, message: messages.get(v.rule.name) ?? '' };
  if (v.cycle !== undefined && v.cycle.length > 0) out.cycle = v.cycle.map((d) => d.name);
  return out;
}

/**
 * Cruises a tree with the layer rules and returns every violation, sorted by rule then path;
 * a circle appears once, starting at its smallest module.
 * @throws when the configuration is invalid or a root does not exist (dependency-cruiser's error)
 */
export async function findLayerViolations(options: FindLayerOptions = {}): Promise<LayerViolation[]> {
  const baseDir = options.baseDir ?? REPO_ROOT;
  const roots = options.roots ?? LAYER_ROOTS.filter((root) => existsSync(join(baseDir, root)));
  const cruiseOptions = await extractDepcruiseOptions(options.config ?? LAYER_CONFIG);
  const messages = new Map<string, string>();
  for (const rule of cruiseOptions.ruleSet?.forbidden ?? []) if (rule.name !== undefined) messages.set(rule.name, rule.comment ?? '');
  const { output } = await cruise([...roots], { ...cruiseOptions, baseDir, outputType: 'json' });
  const result: ICruiseResult = typeof output === 'string' ? (JSON.parse(output) as ICruiseResult) : output;

  const circles = new Set<string>();
  const violations: LayerViolation[] = [];
  for (const v of result.summary.violations) {
    const violation = toLayerViolation(v, messages);
    if (violation.cycle !== undefined) {
      const key = circleKey(violation.from, violation.cycle);
      if (circles.has(key)) continue;
      circles.add(key);
      const members = key.split(' -> ');
      violation.from = members[0] as string;
      violation.cycle = [...members.slice(1), violation.from];
      violation.to = violation.cycle[0] as string;
    }
    violations.push(violation);
  }
  return violations.sort((a, b) => a.rule.localeCompare(b.rule) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** `node_modules/kafkajs/index.js` -> `kafkajs`; `node_modules/@types/ws/index.d.ts` -> `ws`; other paths unchanged. */
function displayTarget(to: string): string {
  const m = /(?:^|\/)node_modules\/(?:@types\/)?((?:@[^/]+\/)?[^/]+)\//.exec(to);
  return m === null ? to : (m[1] as string);
}

/**
 * One line for a violation: `from -> to: rule: message`, a circle as `a -> b -> a: no-circular: message`.
 */
export function formatLayerViolation(v: LayerViolation): string {
  const path = v.cycle === undefined ? `${v.from} -> ${displayTarget(v.to)}` : [v.from, ...v.cycle].join(' -> ');
  return `${path}: ${v.rule}: ${v.message}`;
}
