import type { ChangeSink, ChatChange } from '../changes.js';
import type { MovableClock } from '../clock.js';
import { outboxSignal } from '../events/signal.js';
import type { Limits } from '../limits/index.js';
import type { FaultPlan } from '../harness/faults.js';
import { CHAT_CHANGE } from './bus.js';
import { RECONNECTED, type Cluster } from './index.js';

/**
 * What crosses nodes over the bus (src/cluster/bus.ts). Each bridge returns its undo function.
 */

/**
 * Outbox wake-ups: a commit that wrote rows for some lanes rings `outboxSignal` with their names
 * here, and the other nodes ring theirs with the same names, so whichever node holds (or can
 * take) the lane starts it at once with one read. The lanes of one turn of the event loop go out
 * as one message. A broken bus connection makes every node scan the outbox once it is back.
 */
export function bridgeOutbox(cluster: Cluster): () => void {
  if (!cluster.clustered) return () => {};
  let relaying = false;
  // the lanes rung in one turn of the event loop (a group commit's calls) go out as one message
  let pending: Set<string> | null = null;
  const local = (lanes?: string[]) => {
    if (relaying || !lanes || !lanes.length) return;
    if (!pending) {
      pending = new Set();
      setImmediate(() => {
        const all = [...pending!];
        pending = null;
        cluster.bus.publish('outbox', all);
      });
    }
    for (const lane of lanes) pending.add(lane);
  };
  const remote = (data: unknown) => {
    if (!Array.isArray(data) || !data.every((l) => typeof l === 'string')) return;
    relaying = true;
    try {
      outboxSignal.emit('written', data);
    } finally {
      relaying = false;
    }
  };
  outboxSignal.on('written', local);
  const offRemote = cluster.bus.subscribe('outbox', remote);
  const offReconnect = cluster.bus.subscribe(RECONNECTED, () => outboxSignal.emit('written'));
  return () => {
    outboxSignal.off('written', local);
    offRemote();
    offReconnect();
  };
}

/** A node's push streams: they tell when the first opens and the last closes (PushHub). */
export interface PushStreams extends ChangeSink {
  onDemand(demand: { attend(): Promise<void>; leave(): void } | null): void;
}

/**
 * Web push: committed chat changes go to this node's streams and to the other nodes that have
 * streams open, which hand them to theirs (a person's browser may be connected to any node). A
 * node attends the bus's chat-change topic from its first open stream to its last (the stream
 * says `ready` only once the subscription holds), so a cluster without browsers sends its
 * changes to nobody, and the changes of one turn go out as one message (redis-bus.ts).
 */
export function bridgeChanges(cluster: Cluster, local: PushStreams): { sink: ChangeSink; stop: () => void } {
  if (!cluster.clustered) return { sink: local, stop: () => {} };
  local.onDemand({ attend: () => cluster.bus.attend(CHAT_CHANGE), leave: () => cluster.bus.leave(CHAT_CHANGE) });
  const off = cluster.bus.subscribe(CHAT_CHANGE, (data) => {
    const c = data as ChatChange;
    if (c && typeof c.chatId === 'number' && typeof c.kind === 'string') local.publish(c);
  });
  return {
    sink: {
      publish(change: ChatChange) {
        local.publish(change);
        cluster.bus.publish(CHAT_CHANGE, change);
      },
    },
    stop: () => {
      off();
      local.onDemand(null);
    },
  };
}

interface Shareable<S> {
  onChange?: (state: S) => void;
  load(state: S): void;
}

/**
 * The control API's state — the clock, the armed faults (with their remaining uses), the limit
 * settings — is the cluster's, not a node's: a change made through any node is stored in Redis
 * under a new version (a node that starts later takes it from there) and sent to the other
 * nodes, which load it unless they already hold a newer version. Two changes at the same moment
 * on two nodes: every node ends with the one Redis numbered last. Faults used up on two nodes at
 * the same moment can each take the last use (a `times: 1` fault may hit once per node then).
 * Manual blocks and the delivery log live in the store already.
 */
export async function shareControlState(cluster: Cluster, parts: { clock: MovableClock; faults: FaultPlan; limits: Limits }, logError: (err: unknown, where: string) => void): Promise<() => void> {
  if (!cluster.clustered) return () => {};
  const stops: (() => void)[] = [];
  const share = async <S>(name: string, part: Shareable<S>) => {
    let version = 0;
    const take = (v: number, state: S) => {
      if (v <= version) return;
      version = v;
      part.load(state);
    };
    stops.push(cluster.bus.subscribe(`shared:${name}`, (data) => {
      const d = data as { v?: unknown; s?: unknown };
      if (d && typeof d.v === 'number') take(d.v, d.s as S);
    }));
    const stored = await cluster.getShared(name);
    if (stored) take(stored.v, stored.s as S);
    part.onChange = (state) => {
      cluster.setShared(name, state).then(
        // another node's older change loaded while this one was on its way: this one is newer
        (v) => take(v, state),
        (err) => logError(err, `cluster control state (${name})`),
      );
    };
    stops.push(() => (part.onChange = undefined));
  };
  await share('clock', parts.clock);
  await share('faults', parts.faults);
  await share('limits', parts.limits);
  return () => stops.forEach((s) => s());
}
