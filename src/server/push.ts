import type { ServerResponse } from 'node:http';
import type { ChangeSink, ChatChange } from '../changes.js';
import { memberIds } from '../im/chats.js';
import type { Db } from '../store/db.js';

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 25_000;

/**
 * The in-process publisher behind the web push channel (server-sent events). Committed chat
 * changes arrive from the REST pipeline (src/changes.ts) and go to every open stream of the
 * chat's members. The payload is a hint (chat id and kind), never content: the browser re-reads
 * through im.* with its own session. A cluster replaces this with a publisher that also sends
 * each change to the other nodes (e.g. Redis pub/sub) and calls `deliver` there.
 */
export class PushHub implements ChangeSink {
  private readonly streams = new Map<number, Set<ServerResponse>>();
  private readonly heartbeat: NodeJS.Timeout;
  private nextId = 1;
  /** streams open or opening */
  private open = 0;
  /** a cluster's subscription to the other nodes' changes, held while a stream is open */
  private demand: { attend(): Promise<void>; leave(): void } | null = null;
  private attending: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly logError: (err: unknown, where: string) => void) {
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  publish(change: ChatChange): void {
    this.deliver(change).catch((err) => this.logError(err, 'push'));
  }

  /** Sends a change to the streams of the chat's members (and `alsoUsers`); the typist is not told of their own typing. */
  async deliver(change: ChatChange): Promise<void> {
    if (this.streams.size === 0) return;
    const users = new Set([...(await memberIds(this.db, change.chatId)), ...(change.alsoUsers ?? [])]);
    if (change.kind === 'typing' && change.userId !== undefined) users.delete(change.userId);
    const frame = `id: ${this.nextId++}\nevent: change\ndata: ${JSON.stringify({ chatId: change.chatId, kind: change.kind, userId: change.userId ?? null })}\n\n`;
    for (const user of users) for (const res of this.streams.get(user) ?? []) res.write(frame);
  }

  /**
   * A cluster (bridges.ts): `attend` is called when the first stream opens (the stream says
   * `ready` once it resolved: from then on other nodes' changes arrive), `leave` when the last
   * one closed.
   */
  onDemand(demand: { attend(): Promise<void>; leave(): void } | null): void {
    if (this.attending) this.demand?.leave();
    this.attending = null;
    this.demand = demand;
  }

  /**
   * Opens a stream for `userId` on a raw response the caller has taken over from the router;
   * resolves once it is open (`ready` sent) or the client went away meanwhile.
   */
  async attach(userId: number, res: ServerResponse): Promise<void> {
    this.open++;
    let set: Set<ServerResponse> | undefined;
    let closed = false;
    res.on('close', () => {
      closed = true;
      if (set) {
        set.delete(res);
        if (set.size === 0 && this.streams.get(userId) === set) this.streams.delete(userId);
      }
      if (--this.open === 0 && this.attending) {
        this.attending = null;
        this.demand?.leave();
      }
    });
    if (this.demand) {
      const attending = (this.attending ??= this.demand.attend());
      try {
        await attending;
      } catch (err) {
        // the stream still opens; the next stream to open tries to subscribe again
        if (this.attending === attending) this.attending = null;
        this.logError(err, 'push');
      }
    }
    if (closed) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: 2000\nevent: ready\ndata: {}\n\n`);
    set = this.streams.get(userId);
    if (!set) this.streams.set(userId, (set = new Set()));
    set.add(res);
  }

  /** Ends the streams of one user (sign-out) or of everyone (shutdown). */
  end(userId?: number): void {
    const sets = userId === undefined ? [...this.streams.values()] : [this.streams.get(userId) ?? new Set<ServerResponse>()];
    for (const set of sets) for (const res of [...set]) res.end();
    if (userId === undefined) clearInterval(this.heartbeat);
  }

  private broadcast(line: string): void {
    for (const set of this.streams.values()) for (const res of set) res.write(line);
  }
}
