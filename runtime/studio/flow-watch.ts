/**
 * Noticing that an open flow file changed on disk (an editor, `git pull`, a script) (Node-only). The directory of each
 * watched file is watched, not the file: editors and the studio itself replace files by rename, which ends a watch on
 * the file. A change is reported only when the file's text differs from the last text this studio read or wrote for
 * that path, so the studio's own saves are never reported back to it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { FlowFileChange } from '../common/studio-api';

/** How long a burst of file system events is collected before the file is read (ms). */
export const FLOW_WATCH_SETTLE_MS = 150;

interface Watched {
  watcher: FSWatcher;
  listeners: Set<(change: FlowFileChange) => void>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Watches flow files for changes made outside the studio. Call {@link FlowWatch.dispose} on shutdown. */
export class FlowWatch {
  private readonly known = new Map<string, string | null>();
  private readonly watched = new Map<string, Watched>();

  /**
   * Records the text the studio read from or wrote to `path`: the baseline later changes are compared with.
   * @param path an absolute path
   * @param text the file's text as this studio knows it
   */
  noteText(path: string, text: string): void {
    this.known.set(resolve(path), text);
  }

  /**
   * Calls `listener` with the file's new text (or `text: null` when it was deleted) whenever it changes on disk to
   * something other than the last text noted. Subscriptions to one path share one directory watch.
   * @param path the flow file's path (made absolute)
   * @returns the unsubscribe function
   * @throws Error when the file's directory cannot be watched (it does not exist, or too many watches are open)
   */
  subscribe(path: string, listener: (change: FlowFileChange) => void): () => void {
    const file = resolve(path);
    let entry = this.watched.get(file);
    if (entry === undefined) {
      const created: Watched = { listeners: new Set(), timer: undefined, watcher: undefined as unknown as FSWatcher };
      created.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== null && name.toString() !== basename(file)) return;
        if (created.timer !== undefined) clearTimeout(created.timer);
        created.timer = setTimeout(() => void this.check(file, created), FLOW_WATCH_SETTLE_MS);
      });
      created.watcher.on('error', () => undefined);
      this.watched.set(file, created);
      entry = created;
    }
    entry.listeners.add(listener);
    const watched = entry;
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size > 0) return;
      if (watched.timer !== undefined) clearTimeout(watched.timer);
      watched.watcher.close();
      this.watched.delete(file);
    };
  }

  /** Stops every watch. */
  dispose(): void {
    for (const entry of this.watched.values()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.watcher.close();
    }
    this.watched.clear();
  }

  private async check(file: string, entry: Watched): Promise<void> {
    entry.timer = undefined;
    let text: string | null;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      text = null;
    }
    if (this.known.has(file) && this.known.get(file) === text) return;
    this.known.set(file, text);
    for (const listener of [...entry.listeners]) listener({ path: file, text });
  }
}
