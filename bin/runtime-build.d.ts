/** Types of bin/runtime-build.js (plain JavaScript, so that the CLI checks its build without a TypeScript loader). */

/** Where the builds are, relative to the repository root. */
export const RUNTIME_OUT_DIR: string;
/** A build lock this old (ms) belongs to a builder that died: it is removed. */
export const BUILD_LOCK_STALE_MS: number;

/** What `dist/runtime/current.json` holds (scripts/build-runtime.ts writes it). */
export interface RuntimeBuildManifest {
  /** The build folder, relative to `dist/runtime/`. */
  dir: string;
  /** The entry module in that folder: `cli.js`. */
  entry: string;
  /** When the build started (ms since the epoch). */
  startedAt: number;
  /** Repository-relative paths of the project files the build was made from. */
  inputs: string[];
}

/** The current build's manifest, or undefined when there is none or it cannot be read. */
export function readRuntimeManifest(root: string): RuntimeBuildManifest | undefined;
/** Why the runtime needs a build (a short phrase), or undefined when the current build is fresh. */
export function runtimeBuildReason(root: string): string | undefined;
/**
 * The absolute path of a fresh build's entry module, building it first when missing or stale (used as it is where
 * there is no scripts/build-runtime.ts).
 * @throws Error when the build fails or another process's build does not end within 3 minutes
 */
export function ensureRuntimeBuild(root: string, log?: (line: string) => void): string;
