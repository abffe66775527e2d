import { Listeners, type BusListener, type ClusterBus } from './bus.js';
import type { RedisLinks } from './redis.js';
import { workCounters } from '../util/work-counters.js';

/**
 * The bus over Redis pub/sub: one channel per cluster (`<prefix>bus`), each message
 * `{"f": node, "t": topic, "d": data}`, or `{"f": node, "m": [[topic, data], …]}` for the
 * messages one node sent in one turn of its event loop (a group commit's chat changes and lane
 * wake-ups go out as one message, so every other node parses one message, not one per call). A
 * node ignores its own messages.
 *
 * A topic a node needs only at times (web push: only while it has a browser's stream open) has
 * its own channel, `<prefix>bus:<topic>`, which a node subscribes to through `attend` and leaves
 * through `leave`: nodes without streams are not sent the chat changes at all.
 *
 * After the subscriber connection comes back from a break, listeners of `reconnected` hear it
 * (signals sent meanwhile are gone: they scan for what they may have missed). ioredis subscribes
 * again to every channel attended at that moment.
 */
export const RECONNECTED = 'reconnected';

export class RedisBus implements ClusterBus {
  private readonly listeners = new Listeners();
  readonly channel: string;
  /** per channel, what this turn of the event loop published, sent together at its end */
  private readonly queued = new Map<string, [string, unknown][]>();
  private flushing = false;

  constructor(
    private readonly links: RedisLinks,
    readonly nodeId: string,
    private readonly logError: (err: unknown, where: string) => void,
    /** topics with their own channel (see attend) */
    private readonly onDemand: ReadonlySet<string> = new Set(),
  ) {
    this.channel = `${links.prefix}bus`;
  }

  private channelOf(topic: string): string {
    return this.onDemand.has(topic) ? `${this.channel}:${topic}` : this.channel;
  }

  async start(): Promise<void> {
    let first = true;
    this.links.sub.on('ready', () => {
      if (first) return;
      this.listeners.dispatch(RECONNECTED, null, this.nodeId, (err) => this.logError(err, 'cluster bus'));
    });
    this.links.sub.on('message', (channel: string, text: string) => {
      if (channel !== this.channel && !channel.startsWith(`${this.channel}:`)) return;
      workCounters.add('bus.received');
      let msg: { f?: unknown; t?: unknown; d?: unknown; m?: unknown };
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof msg.f !== 'string' || msg.f === this.nodeId) return;
      const from = msg.f;
      const one = (topic: unknown, data: unknown) => {
        if (typeof topic !== 'string') return;
        workCounters.add(`bus.handled.${topic}`);
        this.listeners.dispatch(topic, data, from, (err) => this.logError(err, `cluster bus (${topic})`));
      };
      if (Array.isArray(msg.m)) {
        for (const item of msg.m) if (Array.isArray(item)) one(item[0], item[1]);
      } else one(msg.t, msg.d);
    });
    await this.links.sub.subscribe(this.channel);
    first = false;
  }

  publish(topic: string, data: unknown): void {
    workCounters.add(`bus.sent.${topic}`);
    const channel = this.channelOf(topic);
    const queue = this.queued.get(channel);
    if (queue) queue.push([topic, data]);
    else this.queued.set(channel, [[topic, data]]);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    for (const [channel, items] of this.queued) {
      const text = items.length === 1 ? JSON.stringify({ f: this.nodeId, t: items[0]![0], d: items[0]![1] }) : JSON.stringify({ f: this.nodeId, m: items });
      workCounters.add('bus.messages');
      this.links.cmd.publish(channel, text).catch((err) => this.logError(err, 'cluster bus'));
    }
    this.queued.clear();
  }

  subscribe(topic: string, fn: BusListener): () => void {
    return this.listeners.add(topic, fn);
  }

  /**
   * Starts hearing an on-demand topic's channel; resolves once Redis confirmed the subscription
   * (every message published after that reaches this node).
   */
  async attend(topic: string): Promise<void> {
    await this.links.sub.subscribe(this.channelOf(topic));
  }

  /** Stops hearing an on-demand topic's channel. */
  leave(topic: string): void {
    this.links.sub.unsubscribe(this.channelOf(topic)).catch((err) => this.logError(err, 'cluster bus'));
  }
}
