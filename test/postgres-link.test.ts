import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openPostgresStore } from '../src/store/postgres.js';

/*
 * A PostgreSQL address where something accepts the connection and then never answers (packets
 * dropped by a firewall, a host gone mid-handshake): opening the store gives up with an error
 * after the URL's connect_timeout instead of waiting for ever. Needs no PostgreSQL at all.
 */
describe('PostgreSQL that accepts and never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let port = 0;
  before(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {}).on('close', () => sockets.delete(s));
      // read and drop everything: the startup message never gets its answer
      s.resume();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('opening the store fails with a timeout (connect_timeout in the URL) and leaves no connection open', async () => {
    const opening = openPostgresStore(`postgres://postgres@127.0.0.1:${port}/test?connect_timeout=1`);
    // the test's own bound is far above the 1 s asked for: a hang fails here, not in the runner
    const hang = new Promise((_, fail) => setTimeout(() => fail(new Error('openPostgresStore still waiting after 60 s')), 60_000).unref());
    await assert.rejects(Promise.race([opening, hang]), /timeout/i);
    // the pool ended the attempt: the server sees its connection close
    for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(sockets.size, 0, 'the timed-out connection was closed');
  });
});
