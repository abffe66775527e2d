/**
 * Cross-node signals: small JSON messages on named topics, heard by every other node of the
 * cluster (never by the node that sent them). What crosses: outbox wake-ups (which lanes got
 * rows), web-push chat changes, and the control API's state (clock, faults, limit settings).
 * A signal is a hint or a state snapshot, never the only copy of anything acknowledged: what
 * must not be lost is in the store, so a signal lost while a node reconnects costs latency only.
 */
export type BusListener = (data: unknown, from: string) => void;

export interface ClusterBus {
  /** this node's id (host:pid unless given) */
  readonly nodeId: string;
  /** Sends `data` to the other nodes' listeners of `topic`; never throws, never waits. */
  publish(topic: string, data: unknown): void;
  /** Listens to other nodes' messages on `topic`; returns the unsubscribe function. */
  subscribe(topic: string, fn: BusListener): () => void;
  /**
   * An on-demand topic (CHAT_CHANGE): starts receiving it; resolves once every message sent
   * after that will arrive. Other topics always arrive.
   */
  attend(topic: string): Promise<void>;
  /** Stops receiving an on-demand topic. */
  leave(topic: string): void;
}

/**
 * Web push's chat changes: sent only to the nodes that have a browser's stream open (they
 * attend it while they do), not to every node on every write call.
 */
export const CHAT_CHANGE = 'chat-change';
/** The topics a node hears only while it attends them. */
export const ON_DEMAND_TOPICS: ReadonlySet<string> = new Set([CHAT_CHANGE]);

/** Topic → listeners, shared by the bus implementations. */
export class Listeners {
  private readonly byTopic = new Map<string, Set<BusListener>>();

  add(topic: string, fn: BusListener): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  dispatch(topic: string, data: unknown, from: string, onError: (err: unknown) => void): void {
    for (const fn of this.byTopic.get(topic) ?? []) {
      try {
        fn(data, from);
      } catch (err) {
        onError(err);
      }
    }
  }
}

/** One node alone: there is nobody to tell. */
export class LocalBus implements ClusterBus {
  constructor(readonly nodeId: string) {}

  publish(): void {}

  subscribe(): () => void {
    return () => {};
  }

  async attend(): Promise<void> {}

  leave(): void {}
}
