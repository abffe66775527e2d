import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { addApp } from '../src/apps/apps.js';
import { redactingLog } from '../src/util/secrets.js';
import { control, spawnCli } from './helpers/events.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type TestPortal } from './helpers/server.js';
import { tokenPost } from './helpers/oauth.js';
import { eventPublisher } from '../src/events/publisher.js';

/*
 * Issue 19, item 5 (and the CLIENT_ID question of the issue): secrets never reach the logs, the
 * banner (after the first start) or the control API's answers without `reveal=1`.
 */

/** An event handler that answers with what it got, plus a token-looking JSON: its answers are stored in the log. */
async function echoHandler(): Promise<{ base: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (d) => (raw += d));
    req.on('end', () => {
      bodies.push(raw);
      const form = new URLSearchParams(raw);
      const echoed = JSON.stringify({ ok: true, access_token: form.get('auth[access_token]'), application_token: form.get('auth[application_token]') });
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${echoed}\n${raw}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 750; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not happen`);
}

describe('secrets stay out of logs and control answers', () => {
  const logged: string[] = [];
  let p: TestPortal;
  let h: Awaited<ReturnType<typeof echoHandler>>;
  const secrets = new Map<string, string>();

  before(async () => {
    h = await echoHandler();
    p = await startPortal({
      delivery: { policy: 'once' },
      logError: (err, where) => logged.push(`${where}: ${inspect(err)}`),
    });
    secrets.set('admin webhook code', p.adminCode);
    secrets.set('control token', p.server.controlToken);
  });
  after(async () => {
    await p.stop();
    await h.close();
  });

  it('a run that hits errors: events with tokens, failing handlers, internal errors, wrong secrets', async () => {
    // an OAuth app: ONAPPINSTALL carries access, refresh and application tokens to a failing handler
    const app = await addApp({ db: p.server.core.store.db, clock: p.server.clock, portal: p.server.core.portal, profile: 'dev' , events: eventPublisher}, { name: 'Leaky', scope: 'imbot,im,user', installUrl: `${h.base}/install` });
    secrets.set('client_secret', app.client_secret);
    await waitFor(async () => h.bodies.length >= 1, 'ONAPPINSTALL');
    const install = new URLSearchParams(h.bodies[0]!);
    for (const k of ['access_token', 'refresh_token', 'application_token']) secrets.set(k, install.get(`auth[${k}]`)!);

    // a webhook bot: its CLIENT_ID rides in its handler URL and as auth[application_token]
    const clientId = 'team-secret-client-id';
    secrets.set('CLIENT_ID', clientId);
    const botId = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'leak', CLIENT_ID: clientId, EVENT_HANDLER: `${h.base}/bot`, PROPERTIES: { NAME: 'Leak' } }));
    const person = await addPerson(p, 'Mallory');
    secrets.set('person webhook code', /\/rest\/\d+\/([^/]+)$/.exec(person.hook)![1]!);
    assertResult(await callJson(person.hook, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'hi' }));

    // a browser session's ids
    const s = await control(p.http, p.server.controlToken, 'sessions', { user_id: 1 });
    secrets.set('PHPSESSID', s.body.PHPSESSID);
    secrets.set('sessid', s.body.sessid);

    // errors: scripted internal errors with secrets in the call, wrong credentials of every kind
    assert.equal((await control(p.http, p.server.controlToken, 'faults', { method: 'im.message.add', kind: 'internal_error', times: 2 })).status, 200);
    assert.equal((await callJson(person.hook, 'im.message.add', { DIALOG_ID: botId, MESSAGE: `auth=${secrets.get('access_token')}`, CLIENT_ID: clientId })).status, 500);
    assert.equal((await callJson(`${p.http}/rest`, 'im.message.add', { auth: secrets.get('access_token'), DIALOG_ID: botId, MESSAGE: 'x' })).status, 500);
    assert.equal((await tokenPost(p, { grant_type: 'refresh_token', client_id: app.client_id, client_secret: 'wrong', refresh_token: secrets.get('refresh_token')! })).body.error, 'invalid_client');
    assert.equal((await callJson(`${p.http}/rest/1/${p.adminCode}x`, 'server.time')).status, 401);
    const wrongSessid = await request(`${p.http}/rest/server.time`, { headers: { cookie: `PHPSESSID=${s.body.PHPSESSID}`, 'content-type': 'application/x-www-form-urlencoded' }, method: 'POST', body: 'sessid=wrong' });
    assert.equal(wrongSessid.status, 401);

    await waitFor(async () => {
      const events = (await control(p.http, p.server.controlToken, 'events')).body.events as any[];
      return events.length >= 3 && events.every((e) => e.status === 'failed');
    }, 'every event tried');
    assert.ok(logged.length >= 2, `the run logged its internal errors: ${logged.length}`);
  });

  it('the error log holds none of the secrets', () => {
    const all = logged.join('\n');
    for (const [name, value] of secrets) assert.ok(!all.includes(value), `${name} is in the log`);
  });

  it('/__control/events without reveal holds none of them (bodies, handler URLs, stored answers, app); reveal=1 shows them', async () => {
    const masked = await request(`${p.http}/__control/events`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    assert.equal(masked.status, 200);
    assert.ok(masked.body.events.length >= 3);
    for (const [name, value] of secrets) {
      if (name === 'control token' || name === 'PHPSESSID' || name === 'sessid' || name === 'admin webhook code' || name === 'person webhook code' || name === 'client_secret') continue; // never in events
      assert.ok(!masked.text.includes(value), `${name} is in the masked log`);
    }
    const bot = masked.body.events.find((e: any) => e.handler_url.includes('/bot'));
    assert.equal(bot.handler_url, `${h.base}/bot?CLIENT_ID=***`);
    assert.equal(bot.app, 'custom***');
    assert.match(bot.body, /auth%5Bapplication_token%5D=\*\*\*/);
    assert.match(bot.tries[0].response, /"application_token":"\*\*\*"/);

    const revealed = await request(`${p.http}/__control/events?reveal=1`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    for (const name of ['access_token', 'refresh_token', 'application_token', 'CLIENT_ID']) assert.ok(revealed.text.includes(secrets.get(name)!), `${name} shown with reveal=1`);
    // reveal needs the token like everything else
    assert.equal((await request(`${p.http}//__control/events?reveal=1`)).status, 401);
  });

  it('the log wrapper masks what a failure might carry (tokens in a message, a webhook path, a Bearer header)', () => {
    const seen: string[] = [];
    const log = redactingLog((err, where) => seen.push(`${where} ${inspect(err)}`));
    const err = new Error(`failed: /rest/1/${p.adminCode}/im.message.add?auth=${secrets.get('access_token')} {"refresh_token":"${secrets.get('refresh_token')}"} Authorization: Bearer ${p.server.controlToken}`);
    log(err, `call with client_secret=${secrets.get('client_secret')}`);
    assert.equal(seen.length, 1);
    for (const name of ['admin webhook code', 'access_token', 'refresh_token', 'control token', 'client_secret']) assert.ok(!seen[0]!.includes(secrets.get(name)!), name);
    assert.match(seen[0]!, /\/rest\/1\/\*\*\*\/im\.message\.add/);
  });
});

describe('the banner shows the admin webhook on the first start only; --quiet-secrets never', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** Starts `serve`, returns everything it printed up to its banner, then stops it. */
  async function banner(dataDir: string, ...flags: string[]): Promise<string> {
    const child = spawnCli('serve', '--data', dataDir, '--port', '0', '--http-port', '0', ...flags);
    let out = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d) => {
        out += d;
        if (out.includes('control token:')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    return out;
  }

  const codeIn = (text: string) => /admin webhook:\s+https:\/\/\S+\/rest\/1\/([a-z0-9]{16})\//.exec(text)?.[1];

  it('first start: the URL; a restart: <hidden> and where to look; --quiet-secrets on a fresh portal: never', async () => {
    const data = mkdtempSync(join(tmpdir(), 'imbot-sec-'));
    const quiet = mkdtempSync(join(tmpdir(), 'imbot-sec-'));
    dirs.push(data, quiet);
    const first = await banner(data);
    const code = codeIn(first);
    assert.ok(code, first);
    assert.match(first, /shown on this first start only; later: imbot-server webhook list --data /);
    const second = await banner(data);
    assert.equal(codeIn(second), undefined);
    assert.ok(!second.includes(code!), 'the code is not printed again');
    assert.match(second, /admin webhook:\s+https:\/\/\S+\/rest\/1\/<hidden>\/ \(imbot-server webhook list --data /);
    const q = await banner(quiet, '--quiet-secrets');
    assert.match(q, /\/rest\/1\/<hidden>\//);
    assert.equal(codeIn(q), undefined);
  });
});

describe('imbot.update of a webhook bot through another user\'s webhook (CLIENT_ID is the shared secret)', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('a non-admin who knows the CLIENT_ID may change its handlers, as on a portal; without it they may not', async () => {
    const botId = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'owned', CLIENT_ID: 'team-x', EVENT_HANDLER: 'http://127.0.0.1:9/admin', PROPERTIES: { NAME: 'Owned' } }));
    const person = await addPerson(p, 'Not an admin');
    assertError(await callJson(person.hook, 'imbot.update', { BOT_ID: botId, FIELDS: { EVENT_HANDLER: 'http://127.0.0.1:9/theirs' } }), [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified']);
    assertError(await callJson(person.hook, 'imbot.update', { BOT_ID: botId, CLIENT_ID: 'team-y', FIELDS: { EVENT_HANDLER: 'http://127.0.0.1:9/theirs' } }), [400, 'APP_ID_ERROR', 'Bot was installed by another rest application']);
    const handlers = () => p.server.core.store.db.selectFrom('event_bindings').select('handler_url').where('application_token', '=', 'team-x').execute();
    assert.ok((await handlers()).every((b) => b.handler_url === 'http://127.0.0.1:9/admin?CLIENT_ID=team-x'));
    assert.equal(assertResult(await callJson(person.hook, 'imbot.update', { BOT_ID: botId, CLIENT_ID: 'team-x', FIELDS: { EVENT_HANDLER: 'http://127.0.0.1:9/theirs' } })), true);
    const after = await handlers();
    assert.ok(after.length > 0 && after.every((b) => b.handler_url === 'http://127.0.0.1:9/theirs?CLIENT_ID=team-x'), JSON.stringify(after));
  });
});
