import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { answerOn, closedRaw as closed, openRaw as open, type RawAnswer } from './helpers/raw-http.js';
import { request, startPortal, type TestPortal } from './helpers/server.js';

/*
 * Issue 19, item 3: slow or broken clients. Every refusal is an answer (a JSON error, then the
 * socket closes), never silence. Sockets from 127.0.0.2 play the attacker, 127.0.0.1 everyone else.
 */

async function raw(url: string, data: string): Promise<RawAnswer> {
  const s = await open(url, data);
  const a = await answerOn(s);
  await closed(s); // every one of these answers closes the connection
  return a;
}

describe('connection limits', () => {
  let p: TestPortal;
  const PER_ADDRESS = 8;
  before(async () => {
    p = await startPortal({ connections: { perAddress: PER_ADDRESS, headersTimeoutMs: 1000, keepAliveTimeoutMs: 300 } });
  });
  after(() => p.stop());

  it('half-sent requests from one address are capped there; other addresses are served', async () => {
    const host = new URL(p.http).host;
    const half = `GET /rest/server.time HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `;
    const slow: Socket[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) slow.push(await open(p.http, half, '127.0.0.2'));
    // the next one from the same address is answered and closed at once
    const over = await open(p.http, half, '127.0.0.2');
    const a = await answerOn(over);
    assert.equal(a.status, 503);
    assert.deepEqual(a.body, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many connections from this address' });
    await closed(over);
    // everyone else still gets through, over plain HTTP
    const ok = await request(`${p.adminHook}/server.time`);
    assert.equal(ok.status, 200);
    // the slow ones are timed out by the header timeout: a 408 JSON answer, then the socket closes
    for (const timedOut of await Promise.all(slow.map(answerOn))) {
      assert.equal(timedOut.status, 408);
      assert.deepEqual(timedOut.body, { error: 'INVALID_REQUEST', error_description: 'Request timeout' });
    }
    await Promise.all(slow.map(closed));
    // their places are free again once the server has seen them close (that may trail our side)
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 20));
      status = (await answerOn(await open(p.http, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, '127.0.0.2'))).status;
    }
    assert.equal(status, 200);
  });

  it('an idle keep-alive connection is closed by the server', async () => {
    const host = new URL(p.http).host;
    const s = await open(p.http, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const a = await answerOn(s);
    assert.equal(a.status, 200);
    await closed(s); // keepAliveTimeoutMs: the server ends it
  });

  it('malformed HTTP always gets a JSON 400 and the connection closes', async () => {
    const bad = { error: 'INVALID_REQUEST', error_description: 'Malformed request' };
    // HTTP/1.1 without Host
    const noHost = await raw(p.http, 'GET / HTTP/1.1\r\n\r\n');
    assert.equal(noHost.status, 400);
    assert.deepEqual(noHost.body, bad);
    // CONNECT is not a proxy's job here
    const tunnel = await raw(p.http, `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`);
    assert.equal(tunnel.status, 400);
    assert.deepEqual(tunnel.body, bad);
    // garbage request lines
    for (const line of ['HELLO\r\n\r\n', '\x00\x01\x02\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n']) {
      const g = await raw(p.http, line);
      assert.equal(g.status, 400, JSON.stringify(line));
      assert.deepEqual(g.body, bad);
    }
  });
});
