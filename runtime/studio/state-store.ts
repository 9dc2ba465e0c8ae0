/**
 * The studio's state directory (Node-only): recent files, the files this studio created or saved (so that others can
 * be marked external), and the autosave of unsaved work. The directory is `$TRIBUTARY_STATE_DIR`, else
 * `~/.config/tributary`; each file is JSON, written atomically (temporary file + rename, mode 0600), and writes are
 * serialized so that read-modify-write updates never interleave. The autosave never holds a literal secret: every one
 * is written as its `${VAR}` reference (`runtime/common/secrets.ts`), whoever asks for the write.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { specRegistry } from '../../nodes/specs';
import type { SpecRegistry } from '../common/flow';
import { withSecretReferences } from '../common/secrets';

/** Most recent files kept. */
export const MAX_RECENT_FILES = 10;
/** Most files remembered as created or saved by this studio. */
export const MAX_KNOWN_FILES = 10_000;

/** The autosaved copy of unsaved work. */
export interface Autosave {
  /** The flow text, literal secrets replaced by their `${VAR}` references. */
  text: string;
  /** Absolute path of the file it belongs to, or null for a new flow. */
  path: string | null;
  /** When it was written, ms since the epoch. */
  savedAt: number;
}

/** The state directory: `$TRIBUTARY_STATE_DIR`, else `~/.config/tributary`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TRIBUTARY_STATE_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.config', 'tributary');
}

const RECENT_FILE = 'recent.json';
const KNOWN_FILE = 'known-files.json';
const AUTOSAVE_FILE = 'autosave.json';

/** Reads and writes the state files of one state directory. Unreadable or malformed files read as empty. */
export class StateStore {
  private writes: Promise<unknown> = Promise.resolve();

  /**
   * @param dir the state directory (created on the first write)
   * @param specs the node specs by type, for the fields they mark secret (default: the registered specs)
   */
  constructor(
    readonly dir: string,
    private readonly specs: SpecRegistry = specRegistry,
  ) {}

  private async readJson<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Writes a state file atomically; writes are serialized so read-modify-write updates do not interleave. */
  private writeJson(name: string, update: () => Promise<unknown>): Promise<void> {
    const next = this.writes.then(async () => {
      const value = await update();
      await mkdir(this.dir, { recursive: true });
      const file = join(this.dir, name);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(value, null, 2), { mode: 0o600 });
      await rename(temp, file);
    });
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async stringList(name: string, max: number): Promise<string[]> {
    const list = await this.readJson<unknown>(name);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(0, max) : [];
  }

  /** Most recently opened or saved files (absolute paths), newest first, at most {@link MAX_RECENT_FILES}. */
  recentFiles(): Promise<string[]> {
    return this.stringList(RECENT_FILE, MAX_RECENT_FILES);
  }

  /** True when this studio created or saved `path` (an absolute path). */
  async isKnown(path: string): Promise<boolean> {
    return (await this.stringList(KNOWN_FILE, MAX_KNOWN_FILES)).includes(path);
  }

  /**
   * Puts `path` first in the recent files (without duplicates); with `known`, also remembers that this studio wrote it.
   * @param path absolute path of a flow file
   * @param known true after a save: the file is no longer external
   * @throws Error when the state directory cannot be written
   */
  remember(path: string, known: boolean): Promise<void> {
    const recent = this.writeJson(RECENT_FILE, async () => [path, ...(await this.recentFiles()).filter((p) => p !== path)].slice(0, MAX_RECENT_FILES));
    if (!known) return recent;
    return recent.then(() =>
      this.writeJson(KNOWN_FILE, async () => [path, ...(await this.stringList(KNOWN_FILE, MAX_KNOWN_FILES)).filter((p) => p !== path)].slice(0, MAX_KNOWN_FILES)),
    );
  }

  /**
   * Stores a crash-safe copy of unsaved work, stamped with the current time. Literal secrets in the text are stored
   * as their proposed `${VAR}` references (a text that does not parse as YAML or JSON is stored as it is: nothing in it
   * can be told to be a secret).
   * @param text the flow text (YAML or JSON)
   * @param path the file it belongs to (made absolute), or null for a new flow
   * @throws Error when the text is not a string or the state directory cannot be written
   */
  writeAutosave(text: string, path: string | null): Promise<void> {
    if (typeof text !== 'string') return Promise.reject(new Error('cannot autosave: the flow text is missing'));
    const autosave: Autosave = { text: withSecretReferences(text, this.specs), path: typeof path === 'string' ? resolve(path) : null, savedAt: Date.now() };
    return this.writeJson(AUTOSAVE_FILE, () => Promise.resolve(autosave));
  }

  /** The autosaved copy, once pending writes are done; null when there is none (or it is malformed). */
  async readAutosave(): Promise<Autosave | null> {
    await this.writes;
    const value = await this.readJson<Partial<Autosave>>(AUTOSAVE_FILE);
    if (value === undefined || typeof value.text !== 'string' || typeof value.savedAt !== 'number') return null;
    return { text: value.text, path: typeof value.path === 'string' ? value.path : null, savedAt: value.savedAt };
  }

  /** Forgets the autosaved copy, once pending writes are done. */
  async clearAutosave(): Promise<void> {
    await this.writes;
    await rm(join(this.dir, AUTOSAVE_FILE), { force: true });
  }
}
