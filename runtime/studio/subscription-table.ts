/**
 * Reference-counted subscriptions per peer (an Electron window's web contents, a browser-mode socket) and key (e.g.
 * `samples` of node `price`): the first acquire of a key opens the backend subscription, the last release ends it,
 * and a peer that goes away ends all of its own. The one place this bookkeeping lives; both dispatchers use it
 * through `dispatcher.ts`.
 */
import type { Unsubscribe } from '../common/api-declaration';

interface Entry {
  count: number;
  off: Unsubscribe;
}

/** Subscriptions of many peers, counted per (peer, key). */
export class SubscriptionTable<P> {
  private readonly peers = new Map<P, Map<string, Entry>>();

  /**
   * Takes one reference on `key` for `peer`, opening the subscription with `open` when it is the first.
   * @param watch called once per peer, on its first subscription, with the function to call when the peer goes away
   */
  acquire(peer: P, key: string, open: () => Unsubscribe, watch?: (gone: () => void) => void): void {
    let own = this.peers.get(peer);
    if (own === undefined) {
      own = new Map();
      this.peers.set(peer, own);
      watch?.(() => this.releasePeer(peer));
    }
    const entry = own.get(key);
    if (entry !== undefined) entry.count++;
    else own.set(key, { count: 1, off: open() });
  }

  /** Drops one reference on `key` for `peer`; the subscription ends with the last one. Unknown keys are ignored. */
  release(peer: P, key: string): void {
    const own = this.peers.get(peer);
    const entry = own?.get(key);
    if (entry === undefined || --entry.count > 0) return;
    own!.delete(key);
    entry.off();
  }

  /** Ends every subscription of `peer` (its window or socket closed). */
  releasePeer(peer: P): void {
    const own = this.peers.get(peer);
    if (own === undefined) return;
    this.peers.delete(peer);
    for (const entry of own.values()) entry.off();
  }

  /** Ends every subscription of every peer. */
  clear(): void {
    for (const peer of [...this.peers.keys()]) this.releasePeer(peer);
  }

  /** References `peer` holds on `key` (0 when none). */
  count(peer: P, key: string): number {
    return this.peers.get(peer)?.get(key)?.count ?? 0;
  }
}
