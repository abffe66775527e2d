import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { refuseUngatedControlRoutes } from '../src/server/control-api.js';
import { parseCidrList } from '../src/util/addresses.js';
import { runCli } from './helpers/events.js';
import { startPortal, type TestPortal } from './helpers/server.js';

/*
 * Issue 19, item 1: the control API behind one gate. Each attack here got an answer without any
 * credential before the gate (the token check looked at the raw URL's prefix).
 */

interface Raw {
  status: number;
  body: any;
  text: string;
}

/** A request with the path sent exactly as written (no URL normalisation on the client side). */
function raw(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer } = {}): Promise<Raw> {
  const u = new URL(base);
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      { host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: { 'content-type': 'application/json', ...opts.headers }, ca: opts.ca, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d));
        res.on('end', () => {
          let body: any;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode!, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const TOKEN_REQUIRED = { error: 'CONTROL_TOKEN_REQUIRED', error_description: 'Send the token from <data>/control-token as X-Imbot-Control-Token' };

/** Every spelling of a control path the router accepts. */
const SPELLINGS = ['/__control/events', '//__control/events', '/%5F%5Fcontrol/events', '/%5f%5fcontrol/events', '/__control//events', '///__control/events', '/__c%6Fntrol/events'];

describe('control API: one gate for every spelling of the path', () => {
  let p: TestPortal;
  let ca: Buffer;
  before(async () => {
    p = await startPortal();
    ca = readFileSync(p.server.caPath);
  });
  after(() => p.stop());

  it('each spelling of /__control/events is refused without the token, over HTTP and HTTPS', async () => {
    for (const path of SPELLINGS) {
      for (const base of [p.http, p.https]) {
        const a = await raw(base, path, { ca });
        assert.deepEqual([a.status, a.body], [401, TOKEN_REQUIRED], `${base}${path}`);
      }
    }
  });

  it('the same spellings answer with the token (they are the same route)', async () => {
    for (const path of SPELLINGS) {
      const a = await raw(p.http, path, { headers: { 'x-imbot-control-token': p.server.controlToken } });
      assert.equal(a.status, 200, path);
      assert.ok(Array.isArray(a.body.events), path);
    }
  });

  it('POST //__control/sessions cannot mint an administrator session; the clock, faults and limits stay shut', async () => {
    const before = await p.server.core.store.db.selectFrom('ui_sessions').select('id').execute();
    const minted = await raw(p.http, '//__control/sessions', { method: 'POST', body: JSON.stringify({ user_id: 1 }) });
    assert.deepEqual([minted.status, minted.body], [401, TOKEN_REQUIRED]);
    assert.deepEqual(await p.server.core.store.db.selectFrom('ui_sessions').select('id').execute(), before);

    const now = p.server.clock.now();
    const clock = await raw(p.http, '/%5F%5Fcontrol/clock', { method: 'POST', body: JSON.stringify({ advance_ms: 86_400_000 }) });
    assert.equal(clock.status, 401);
    assert.ok(p.server.clock.now() - now < 86_400_000, 'the clock did not move');

    const fault = await raw(p.http, '//__control/faults', { method: 'POST', body: JSON.stringify({ method: 'server.time', kind: 'internal_error' }) });
    assert.equal(fault.status, 401);
    assert.deepEqual(p.server.core.faults.list(), []);

    const limits = await raw(p.http, '//__control//limits', { method: 'POST', body: JSON.stringify({ rate: 'off', operating_limit: 'off' }) });
    assert.equal(limits.status, 401);
  });

  it('a wrong token of the right length, or one in the wrong header, is refused; Bearer works', async () => {
    const t = p.server.controlToken;
    const wrong = t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');
    assert.equal((await raw(p.http, '/__control/clock', { headers: { 'x-imbot-control-token': wrong } })).status, 401);
    assert.equal((await raw(p.http, '/__control/clock', { headers: { 'x-imbot-control-token': '' } })).status, 401);
    assert.equal((await raw(p.http, '/__control/clock', { headers: { cookie: `token=${t}` } })).status, 401);
    assert.equal((await raw(p.http, '/__control/clock', { headers: { authorization: `Bearer ${t}` } })).status, 200);
  });
});

describe('control API: --control off', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal({ control: false });
  });
  after(() => p.stop());

  it('no control route exists: every spelling is the plain 404, even with the token', async () => {
    for (const path of [...SPELLINGS, '/__control/sessions', '/__control/clock', '/__control/faults', '/__control/limits']) {
      const a = await raw(p.http, path, { headers: { 'x-imbot-control-token': p.server.controlToken } });
      assert.deepEqual([a.status, a.body], [404, { error: 'NOT_FOUND', error_description: 'Not found' }], path);
    }
  });

  it('the REST API is unaffected', async () => {
    const a = await raw(p.http, `/rest/1/${p.adminCode}/server.time`);
    assert.equal(a.status, 200);
  });
});

/** This machine's first non-loopback IPv4 address: a client on it is not loopback. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  throw new Error('this machine has no non-loopback IPv4 interface to test from');
}

describe('control API: who may call it when the server listens beyond loopback', () => {
  const lan = lanAddress();
  let open: TestPortal;
  let widened: TestPortal;
  before(async () => {
    [open, widened] = await Promise.all([
      startPortal({ host: '0.0.0.0' }),
      startPortal({ host: '0.0.0.0', controlFrom: parseCidrList(`${lan}/32`) }),
    ]);
  });
  after(() => Promise.all([open.stop(), widened.stop()]));

  const at = (p: TestPortal, host: string) => `http://${host}:${new URL(p.http).port}`;

  it('a client that is not loopback gets 403 even with the token; loopback clients still get in', async () => {
    const headers = { 'x-imbot-control-token': open.server.controlToken };
    const far = await raw(at(open, lan), '/__control/clock', { headers });
    assert.deepEqual([far.status, far.body.error], [403, 'CONTROL_FORBIDDEN']);
    assert.equal((await raw(at(open, lan), '//__control/sessions', { method: 'POST', headers, body: '{"user_id":1}' })).status, 403);
    assert.equal((await raw(at(open, '127.0.0.1'), '/__control/clock', { headers })).status, 200);
    // the REST API is served to that client as usual
    assert.equal((await raw(at(open, lan), `/rest/1/${open.adminCode}/server.time`)).status, 200);
  });

  it('--control-from lets the named range in (still with the token only)', async () => {
    assert.equal((await raw(at(widened, lan), '/__control/clock', { headers: { 'x-imbot-control-token': widened.server.controlToken } })).status, 200);
    assert.equal((await raw(at(widened, lan), '/__control/clock')).status, 401);
  });
});

describe('control API: the gate is the only way in', () => {
  it('a /__control route registered outside the gated plugin stops the app from starting', async () => {
    const app = Fastify({ routerOptions: { ignoreDuplicateSlashes: true } });
    refuseUngatedControlRoutes(app);
    assert.throws(() => app.get('/__control/request-log', async () => 'open'), /registered outside the control gate/);
    assert.throws(() => app.get('//__CONTROL/x', async () => 'open'), /registered outside the control gate/);
    app.get('/rest/x', async () => 'fine');
    await app.close();
  });

  it('serve refuses a --control-from or --allow-private that is not a range, and --control other than on/off', async () => {
    for (const args of [['--control-from', '10.0.0.0/33'], ['--allow-private', 'intranet'], ['--control', 'maybe']]) {
      const run = await runCli('serve', '--data', '/nonexistent/never-created', ...args);
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, /error: option '--[a-z-]+ <[^>]+>' argument '[^']*' is invalid/, args.join(' '));
    }
  });
});
