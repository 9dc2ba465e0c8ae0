/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`): self time per function and per package/file, so
 * `npm run bench -- --profile` can print where a run spends its CPU.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The checkout the bench runs in (a worktree too), with a trailing slash. */
const ROOT = `${resolve(import.meta.dirname, '..')}/`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of a self-time summary. */
export interface SelfTimeRow {
  /** `function (file:line)` or a package/file name. */
  name: string;
  /** Self time (ms). */
  ms: number;
  /** Share of all sampled time, idle included (%). */
  percent: number;
}

/** A summary of a CPU profile. */
export interface ProfileSummary {
  /** Sampled time (ms), idle included. */
  totalMs: number;
  /** Time sampled as `(idle)` (ms). */
  idleMs: number;
  /** Functions with the most self time, highest first. */
  functions: SelfTimeRow[];
  /** Self time per package (node_modules/<name>) or repo directory, highest first. */
  areas: SelfTimeRow[];
}

/**
 * Shortens a script URL to `node_modules/<pkg>/...` or a path relative to the checkout; the built runtime's chunks
 * (`dist/runtime/<build>/chunks/chunk-<hash>.js`, see scripts/build-runtime.ts) to `dist/runtime/<chunk file>`.
 */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + 1);
  const relative = path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  if (relative.startsWith('dist/runtime/')) return `dist/runtime/${relative.slice(relative.lastIndexOf('/') + 1)}`;
  return relative === '' ? '(native)' : relative;
}

/** The area a script belongs to: `kafkajs`, `ioredis`, `runtime/engine`, `node:internal`, ... */
function areaOf(url: string): string {
  const short = shortUrl(url);
  if (short.startsWith('node_modules/')) {
    const parts = short.split('/');
    return parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!;
  }
  if (short.startsWith('node:')) return 'node: (core)';
  if (short === '(native)') return '(native / GC / program)';
  // The built runtime bundles engine and nodes together: one area (its functions keep their names).
  if (short.startsWith('dist/runtime/')) return 'dist/runtime (engine, nodes: the built runtime)';
  const parts = short.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * Reads a `.cpuprofile` and sums self time per function and per area.
 * @param file path of the profile
 * @param top rows to keep in each list
 */
export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  let idleUs = 0;
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = frame.url === '' ? '' : ` (${shortUrl(frame.url)}:${frame.lineNumber + 1})`;
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = frame.url === '' ? frame.functionName : areaOf(frame.url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const rows = (map: Map<string, number>): SelfTimeRow[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions: rows(functions), areas: rows(areas) };
}
