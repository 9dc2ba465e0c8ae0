/**
 * How the studio starts a runtime child process (Node-only): the same entry point as the CLI (`bin/tributary.js`, the
 * built JavaScript), forked with an IPC channel and piped stdout/stderr, under Electron run as plain Node
 * (`ELECTRON_RUN_AS_NODE`), on a flow text written to a private temporary directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { flowFormat, isFlowFileName } from './flow-files';

/** Where and how runtime child processes are started. */
export interface RuntimeChildOptions {
  /** The repository root holding `bin/tributary.js`. */
  rootDir: string;
  /** Executable that runs `bin/tributary.js` (under Electron it runs as Node). */
  nodePath: string;
  /** Environment of the child (`${VAR}` values of the flow come from it). */
  env: NodeJS.ProcessEnv;
}

/** A flow text written to a private temporary directory; remove `dir` when done. */
export interface TempFlow {
  /** The temporary directory (mode 0700, under the OS temp dir). */
  dir: string;
  /** The flow file inside it: the flow's own base name, or `unsaved.flow.<yaml|json>`. */
  file: string;
}

/**
 * Writes the flow text to a private temporary directory (file mode 0600).
 * @param path the flow's file (its base name is kept so messages name it), or null
 * @throws Error when the temporary directory or file cannot be written
 */
export async function writeTempFlow(text: string, path: string | null): Promise<TempFlow> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-studio-'));
  const name = path !== null && isFlowFileName(path) ? basename(path) : `unsaved.flow.${flowFormat(text, path)}`;
  const file = join(dir, name);
  await writeFile(file, text, { encoding: 'utf8', mode: 0o600 });
  return { dir, file };
}

/**
 * Forks `bin/tributary.js <args>` with stdio `['ignore', 'pipe', 'pipe', 'ipc']`. The child runs the built JavaScript
 * (dist/runtime/, rebuilt first when stale) and none of this process's Node.js options: a studio started under tsx
 * (tests, `npx tsx`) must not pass its TypeScript loader (`--import tsx`) on to every runtime.
 * @param args CLI arguments, e.g. `['run', file]`
 * @param cwd working directory of the child
 * @throws Error when the process cannot be forked at all (spawn errors that come later arrive as `error` events)
 */
export function forkRuntime(options: RuntimeChildOptions, args: string[], cwd: string): ChildProcess {
  return fork(join(options.rootDir, 'bin', 'tributary.js'), args, {
    execPath: options.nodePath,
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...options.env, ...(process.versions.electron !== undefined ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    cwd,
  });
}
