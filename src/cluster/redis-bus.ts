import { Listeners, type BusListener, type ClusterBus } from './bus.js';
import type { RedisLinks } from './redis.js';

/**
 * The bus over Redis pub/sub: one channel per cluster (`<prefix>bus`), each message
 * `{"f": node, "t": topic, "d": data}`. A node ignores its own messages. After the subscriber
 * connection comes back from a break, listeners of `reconnected` hear it (signals sent meanwhile
 * are gone: they scan for what they may have missed).
 */
export const RECONNECTED = 'reconnected';

export class RedisBus implements ClusterBus {
  private readonly listeners = new Listeners();
  readonly channel: string;

  constructor(
    private readonly links: RedisLinks,
    readonly nodeId: string,
    private readonly logError: (err: unknown, where: string) => void,
  ) {
    this.channel = `${links.prefix}bus`;
  }

  async start(): Promise<void> {
    let first = true;
    this.links.sub.on('ready', () => {
      if (first) return;
      this.listeners.dispatch(RECONNECTED, null, this.nodeId, (err) => this.logError(err, 'cluster bus'));
    });
    this.links.sub.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let msg: { f?: unknown; t?: unknown; d?: unknown };
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof msg.f !== 'string' || typeof msg.t !== 'string' || msg.f === this.nodeId) return;
      this.listeners.dispatch(msg.t, msg.d, msg.f, (err) => this.logError(err, `cluster bus (${String(msg.t)})`));
    });
    await this.links.sub.subscribe(this.channel);
    first = false;
  }

  publish(topic: string, data: unknown): void {
    this.links.cmd.publish(this.channel, JSON.stringify({ f: this.nodeId, t: topic, d: data })).catch((err) => this.logError(err, 'cluster bus'));
  }

  subscribe(topic: string, fn: BusListener): () => void {
    return this.listeners.add(topic, fn);
  }
}
