/**
 * The acknowledgement ledger of a source: which delivered chunks are not acknowledged yet, per lane (a Kafka
 * partition, a Redis stream), and the contiguous acknowledged prefix of each lane, which is what may be committed
 * (Kafka offset commit) or acknowledged at the server (Redis XACK).
 *
 * A source registers every chunk it hands to the engine with {@link AckLedger.deliver}, in delivery order, and calls
 * {@link AckLedger.acknowledge} when the engine's `deliver` for it resolved. Chunks are acknowledged in any order; the
 * ledger releases them in delivery order: a chunk acknowledged before an earlier one waits for it, and a chunk never
 * acknowledged (its delivery failed, or the run stopped while it was held) keeps every later chunk of its lane
 * unreleased, so a restart replays from it and loses nothing. One delivery may span several lanes (a Redis read of
 * several streams): it registers one chunk per lane, and each lane releases on its own.
 *
 * Each lane also keeps its **commit position**: after each release it moves to `positionAfter(last released chunk)`
 * (never backwards), and {@link AckLedger.uncommitted} lists the lanes whose position moved since it was last marked
 * committed. A source whose position must follow the server instead (Redis: the highest id XACKed, once the XACK
 * runs) leaves `positionAfter` out and moves it with {@link AckLedger.advance}.
 */

/** A chunk registered with {@link AckLedger.deliver}; pass it back to {@link AckLedger.acknowledge}. */
export interface AckTicket<T> {
  /** The lane the chunk belongs to. */
  readonly lane: string;
  /** What the source registered (e.g. the chunk's last offset). */
  readonly item: T;
}

/** A lane whose commit position moved since it was last committed (see {@link AckLedger.uncommitted}). */
export interface UncommittedLane<P> {
  lane: string;
  /** The lane's commit position now. */
  position: P;
  /** Marks `position` as committed on this lane (ignored when the lane was dropped and registered again meanwhile). */
  markCommitted(): void;
}

/** How a ledger derives and orders commit positions. */
export interface AckLedgerOptions<T, P> {
  /**
   * The commit position once `item` and everything before it are acknowledged (Kafka: last offset + 1). Without it,
   * releases leave the position alone and only {@link AckLedger.advance} moves it.
   */
  positionAfter?(item: T): P;
  /** Orders positions (negative, zero, positive); a lane's position never moves backwards. */
  compare(a: P, b: P): number;
}

interface Entry<T, P> extends AckTicket<T> {
  acked: boolean;
  owner: Lane<T, P>;
}

interface Lane<T, P> {
  /** Delivered but not released, oldest first. */
  queue: Entry<T, P>[];
  /** Index of the oldest entry still in `queue` (entries before it are released; compacted now and then). */
  head: number;
  position: P | undefined;
  committed: P | undefined;
}

/** Per-lane ledger of delivered chunks (see the module doc). Not thread-safe; one per source instance. */
export class AckLedger<T, P> {
  private readonly lanes = new Map<string, Lane<T, P>>();

  constructor(private readonly options: AckLedgerOptions<T, P>) {}

  /** Registers a chunk delivered on `lane` (after every chunk registered there before). */
  deliver(lane: string, item: T): AckTicket<T> {
    let owner = this.lanes.get(lane);
    if (owner === undefined) this.lanes.set(lane, (owner = { queue: [], head: 0, position: undefined, committed: undefined }));
    const entry: Entry<T, P> = { lane, item, acked: false, owner };
    owner.queue.push(entry);
    return entry;
  }

  /**
   * Marks a chunk acknowledged and releases its lane's acknowledged prefix.
   * @returns the chunks released now, oldest first: empty when an earlier chunk is still unacknowledged, when the
   *   chunk was acknowledged before, or when its lane was dropped ({@link retain}) since it was delivered
   */
  acknowledge(ticket: AckTicket<T>): T[] {
    const entry = ticket as Entry<T, P>;
    if (entry.acked) return [];
    entry.acked = true;
    const lane = entry.owner;
    if (this.lanes.get(entry.lane) !== lane) return [];
    const released: T[] = [];
    const { queue } = lane;
    while (lane.head < queue.length && queue[lane.head]!.acked) released.push(queue[lane.head++]!.item);
    if (released.length === 0) return released;
    if (lane.head === queue.length) {
      queue.length = 0;
      lane.head = 0;
    } else if (lane.head >= 64 && lane.head * 2 >= queue.length) {
      queue.splice(0, lane.head);
      lane.head = 0;
    }
    if (this.options.positionAfter !== undefined) this.advanceLane(lane, this.options.positionAfter(released[released.length - 1]!));
    return released;
  }

  /** The oldest chunk of `lane` not released yet, or undefined when every chunk delivered there is released. */
  oldest(lane: string): T | undefined {
    const owner = this.lanes.get(lane);
    return owner === undefined ? undefined : owner.queue[owner.head]?.item;
  }

  /** Chunks of `lane` delivered and not released yet. */
  pending(lane: string): number {
    const owner = this.lanes.get(lane);
    return owner === undefined ? 0 : owner.queue.length - owner.head;
  }

  /** The commit position of `lane`, or undefined before its first release. */
  position(lane: string): P | undefined {
    return this.lanes.get(lane)?.position;
  }

  /**
   * Moves the commit position of `lane` to `position` when that is further: for ledgers without `positionAfter`, or for
   * chunks the source acknowledged without the ledger.
   */
  advance(lane: string, position: P): void {
    let owner = this.lanes.get(lane);
    if (owner === undefined) this.lanes.set(lane, (owner = { queue: [], head: 0, position: undefined, committed: undefined }));
    this.advanceLane(owner, position);
  }

  /** Lanes whose commit position moved past the position last marked committed there. */
  uncommitted(): UncommittedLane<P>[] {
    const { compare } = this.options;
    const found: UncommittedLane<P>[] = [];
    for (const [lane, owner] of this.lanes) {
      const position = owner.position;
      if (position === undefined || (owner.committed !== undefined && compare(position, owner.committed) <= 0)) continue;
      found.push({
        lane,
        position,
        markCommitted: () => {
          if (owner.committed === undefined || compare(position, owner.committed) > 0) owner.committed = position;
        },
      });
    }
    return found;
  }

  /**
   * Keeps only the lanes `keep` accepts (e.g. the partitions still assigned after a rebalance). A dropped lane forgets
   * its chunks and positions: acknowledging its chunks later releases nothing, and a lane registered again under the
   * same name starts empty.
   */
  retain(keep: (lane: string) => boolean): void {
    for (const lane of [...this.lanes.keys()]) if (!keep(lane)) this.lanes.delete(lane);
  }

  private advanceLane(lane: Lane<T, P>, position: P): void {
    if (lane.position === undefined || this.options.compare(position, lane.position) > 0) lane.position = position;
  }
}
