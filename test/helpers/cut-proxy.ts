import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on loopback that a test can cut: `cut()` drops every connection through it and
 * stops listening (new connections are refused, as when the engine behind it is gone), `open()`
 * listens again on the same port. A node given the proxy's address instead of the engine's sees
 * PostgreSQL or Redis vanish and come back (test/cluster-ready.test.ts).
 */
export class CutProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts listening (on a free port the first time, then on the same one). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.track(client);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', fail);
        done();
      });
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Drops every connection through the proxy and refuses new ones until `open()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }

  /** How many connections are open through the proxy now (both ends of each counted once). */
  get connections(): number {
    return this.sockets.size / 2;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }
}

/** A proxy in front of the service at `url` (postgres:// or redis://), open; `url` = the same URL through it. */
export async function cutProxyFor(url: string): Promise<{ proxy: CutProxy; url: string }> {
  const u = new URL(url);
  const proxy = new CutProxy(u.hostname, Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)));
  await proxy.open();
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return { proxy, url: u.toString() };
}
