import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueTokens, portalEndpoints } from '../src/auth/oauth.js';
import type { Profile } from '../src/context.js';
import { startServer } from '../src/server/listen.js';
import { addApp, uninstallApp } from '../src/apps/apps.js';
import { parseCidrList } from '../src/util/addresses.js';
import { control, startReceiver, until, type Hit, type Receiver } from './helpers/events.js';
import { installScriptApp, portalCtx, type InstallAuth } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, removeTestData, testStoreUrl, type Answer, type Expected, type TestPortal } from './helpers/server.js';

// event.bind / event.unbind / event.get / events / event.test (api-reference/events/event-bind.md …) through HTTP with
// an OAuth app's tokens; the handler URL rules of the dev and cloud profiles at bind and send time;
// ONAPPUNINSTALL to the app's own binding.

const WRONG_AUTH: Expected = [403, 'WRONG_AUTH_TYPE', 'Current authorization type is denied for this method'];
const GLOBAL_EVENTS = ['ONAPPUNINSTALL', 'ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPPAYMENT', 'ONAPPTEST', 'ONAPPMETHODCONFIRM', 'ONOFFLINEEVENT'];
const IMBOT_EVENTS = [
  'ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEUPDATE', 'ONIMBOTMESSAGEDELETE', 'ONIMBOTJOINCHAT', 'ONIMBOTDELETE', 'ONIMCOMMANDADD', 'ONIMBOTCONTEXTGET',
  'ONIMBOTV2MESSAGEADD', 'ONIMBOTV2MESSAGEUPDATE', 'ONIMBOTV2MESSAGEDELETE', 'ONIMBOTV2REACTIONCHANGE', 'ONIMBOTV2COMMANDADD',
  'ONIMBOTV2JOINCHAT', 'ONIMBOTV2CONTEXTGET', 'ONIMBOTV2DELETE',
];

/** A portal on a given data dir (so a test can restart it under another profile). */
async function serveAt(dataDir: string, profile: Profile, allowPrivate = ''): Promise<TestPortal> {
  const server = await startServer({ dataDir, store: testStoreUrl(dataDir), host: '127.0.0.1', port: 0, httpPort: 0, profile, logError: () => {}, allowPrivate: parseCidrList(allowPrivate) });
  const adminCode = /\/rest\/1\/([^/]+)\//.exec(server.adminWebhookUrl)![1]!;
  return { server, dataDir, http: server.httpUrl, https: server.httpsUrl, adminCode, adminHook: `${server.httpUrl}/rest/1/${adminCode}`, stop: () => server.close() };
}

/** A REST call with the token in a JSON body (numbers stay numbers). */
const rest = (p: TestPortal, token: string, method: string, params: Record<string, unknown> = {}): Promise<Answer> =>
  callJson(`${p.http}/rest`, method, { ...params, auth: token });

/** The delivery log with secrets shown (`reveal=1`): these tests compare exact bodies. */
const deliveries = async (p: TestPortal, event: string) => (await control(p.http, p.server.controlToken, `events?event=${event}&reveal=1`)).body.events as any[];

describe('event.* methods', () => {
  let p: TestPortal;
  let r: Receiver;
  let admin: InstallAuth;
  let appId: number;
  let personToken: string;
  let personId: number;
  let narrowToken: string;
  const call = (method: string, params: Record<string, unknown> = {}, token = admin.access_token) => rest(p, token, method, params);

  before(async () => {
    p = await serveAt(mkdtempSync(join(tmpdir(), 'imbot-evm-')), 'dev');
    r = await startReceiver();
    const installed = await installScriptApp(p, r, '/install');
    admin = installed.auth;
    appId = installed.app.id;
    const person = await addPerson(p, 'Oleg');
    personId = person.id;
    const ctx = portalCtx(p);
    personToken = (await issueTokens(ctx, installed.app, personId, installed.app.scope, portalEndpoints(ctx))).access_token;
    narrowToken = (await issueTokens(ctx, installed.app, 1, 'user', portalEndpoints(ctx))).access_token;
  });
  after(async () => {
    await r.close();
    await p.stop();
    await removeTestData(p.dataDir);
  });

  it('answers only an OAuth application: a webhook gets WRONG_AUTH_TYPE 403 from every method', async () => {
    for (const m of ['events', 'event.bind', 'event.unbind', 'event.get', 'event.test', 'event.offline.get', 'event.offline.list', 'event.offline.clear', 'event.offline.error']) {
      assertError(await callJson(p.adminHook, m, { event: 'ONAPPTEST', handler: `${r.base}/x` }), WRONG_AUTH, m);
    }
  });

  it('events: the token scopes plus _global, SCOPE (empty = _global only), FULL', async () => {
    assert.deepEqual(assertResult(await call('events')), [...GLOBAL_EVENTS, ...IMBOT_EVENTS]);
    assert.deepEqual(assertResult(await call('events', {}, narrowToken)), GLOBAL_EVENTS);
    assert.deepEqual(assertResult(await call('events', { SCOPE: 'imbot' }, narrowToken)), IMBOT_EVENTS);
    assert.deepEqual(assertResult(await call('events', { scope: '' })), GLOBAL_EVENTS);
    assert.deepEqual(assertResult(await call('events', { FULL: true }, narrowToken)), [...GLOBAL_EVENTS, ...IMBOT_EVENTS]);
  });

  it('event.bind refuses bad input with the portal codes, texts and statuses, and changes nothing', async () => {
    const before = assertResult(await call('event.get'));
    const h = `${r.base}/h`;
    const rows: [Record<string, unknown>, Expected, string?][] = [
      [{ handler: h }, [400, 'ERROR_ARGUMENT', "Argument 'EVENT' is null or empty"], 'EVENT'],
      [{ event: 'onapptest', handler: h, event_type: 'later' }, [400, 'ERROR_ARGUMENT', 'Value must be one of {online|offline}'], 'EVENT_TYPE'],
      [{ event: 'ONAPPTEST' }, [400, 'ERROR_ARGUMENT', "Argument 'HANDLER' is null or empty"], 'HANDLER'],
      [{ event: 'ONAPPTEST', handler: 'not a url' }, [400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL']],
      [{ event: 'ONAPPTEST', handler: 'ftp://files.example.com/h' }, [400, 'ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol']],
      [{ event: 'ONCRMLEADADD', handler: h }, [400, 'ERROR_EVENT_NOT_FOUND', 'Event not found']],
      [{ event: 'ONOFFLINEEVENT', event_type: 'offline' }, [400, 'ERROR_ARGUMENT', 'Offline event cannot be registered for this event.']],
    ];
    for (const [params, expected, argument] of rows) {
      const a = await call('event.bind', params);
      assertError(a, expected, JSON.stringify(params));
      assert.equal(a.body.argument, argument, JSON.stringify(params));
    }
    // an event of a scope the token lacks does not exist for it
    assertError(await call('event.bind', { event: 'ONIMBOTMESSAGEADD', handler: h }, narrowToken), [400, 'ERROR_EVENT_NOT_FOUND', 'Event not found']);
    assert.equal(assertResult(await call('event.bind', { event: 'ONAPPTEST', handler: h })), true);
    assertError(await call('event.bind', { EVENT: 'OnAppTest', HANDLER: h }), [400, 'ERROR_CORE', 'Unable to set event handler: Handler already binded']);
    // a non-administrator: only their own auth_type, no offline bindings
    assertError(await call('event.bind', { event: 'ONAPPTEST', handler: h, auth_type: 1 }, personToken),
      [403, 'ACCESS_DENIED', 'Access denied! Event binding with AUTH_TYPE requires administrator access rights']);
    assertError(await call('event.bind', { event: 'ONAPPTEST', event_type: 'offline' }, personToken),
      [403, 'ACCESS_DENIED', 'Access denied! Offline events binding requires administrator access rights']);
    assert.equal(assertResult(await call('event.unbind', { event: 'ONAPPTEST', handler: h })).count, 1);
    assert.deepEqual(assertResult(await call('event.get')), before);
  });

  it('event.get: the app handlers in id order (its install binding too); a non-admin sees only their own', async () => {
    const h = `${r.base}/h`;
    assert.equal(assertResult(await call('event.bind', { event: 'ONAPPTEST', handler: h })), true);
    assert.equal(assertResult(await call('event.bind', { event: 'ONAPPTEST', handler: h, auth_type: personId })), true);
    assert.equal(assertResult(await call('event.bind', { event: 'ONAPPUPDATE', handler: h }, personToken)), true); // bound to themselves
    assert.equal(assertResult(await call('event.bind', { event: 'ONIMBOTJOINCHAT', event_type: 'OFFLINE', handler: h })), true);
    const own = { event: 'ONAPPUPDATE', handler: h, auth_type: String(personId), offline: 0 };
    assert.deepEqual(assertResult(await call('event.get')), [
      { event: 'ONAPPINSTALL', handler: `${r.base}/install`, auth_type: '0', offline: 0 },
      { event: 'ONAPPTEST', handler: h, auth_type: '0', offline: 0 },
      { event: 'ONAPPTEST', handler: h, auth_type: String(personId), offline: 0 },
      own,
      { event: 'ONIMBOTJOINCHAT', connector_id: '', offline: 1 },
    ]);
    assert.deepEqual(assertResult(await call('event.get', {}, personToken)), [{ event: 'ONAPPTEST', handler: h, auth_type: String(personId), offline: 0 }, own]);
  });

  it('event.unbind: errors, a non-admin only their own, counts what it removed', async () => {
    const h = `${r.base}/h`;
    assertError(await call('event.unbind', { handler: h }), [400, 'ERROR_ARGUMENT', "Argument 'EVENT' is null or empty"]);
    assertError(await call('event.unbind', { event: 'ONAPPTEST', event_type: 'x' }), [400, 'ERROR_ARGUMENT', 'Value must be one of {online|offline}']);
    assertError(await call('event.unbind', { event: 'ONAPPTEST' }), [400, 'ERROR_ARGUMENT', "Argument 'HANDLER' is null or empty"]);
    assertError(await call('event.unbind', { event: 'ONIMBOTJOINCHAT', event_type: 'offline' }, personToken),
      [403, 'ACCESS_DENIED', 'Access denied! Offline events unbinding requires administrator access rights']);
    // the portal compares auth_type with `!==`: a form string never equals the user id
    const form = await fetch(`${p.http}/rest/event.unbind.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ event: 'ONAPPTEST', handler: h, auth_type: String(personId), auth: personToken }),
    });
    assert.deepEqual([form.status, await form.json()], [403, { error: 'ACCESS_DENIED', error_description: 'Access denied! Event unbinding with AUTH_TYPE requires administrator access rights' }]);
    // a non-admin without auth_type removes only their own handler
    assert.deepEqual(assertResult(await call('event.unbind', { event: 'ONAPPTEST', handler: h }, personToken)), { count: 1 });
    assert.deepEqual(assertResult(await call('event.unbind', { event: 'ONAPPUPDATE', handler: h, auth_type: personId }, personToken)), { count: 1 });
    assert.deepEqual(assertResult(await call('event.unbind', { event: 'ONIMBOTJOINCHAT', event_type: 'offline' })), { count: 1 });
    assert.deepEqual(assertResult(await call('event.unbind', { event: 'ONAPPTEST', handler: h })), { count: 1 });
    assert.deepEqual(assertResult(await call('event.unbind', { event: 'ONAPPTEST', handler: h })), { count: 0 });
  });

  it('event.test: ONAPPTEST reaches the bound handler with data[QUERY] and a refresh token, through the delivery log', async () => {
    assert.equal(assertResult(await call('event.bind', { event: 'ONAPPTEST', handler: `${r.base}/test` })), true);
    const [bound] = (assertResult(await call('event.get')) as any[]).filter((b) => b.event === 'ONAPPTEST');
    assert.ok(bound);
    const id = (await p.server.core.store.db.selectFrom('event_bindings').select('id').where('app_id', '=', appId).where('event_name', '=', 'ONAPPTEST').executeTakeFirstOrThrow()).id;
    assert.equal(assertResult(await call('event.test', { any: 'data', nested: { a: 1 } })), 1);
    const [hit] = await r.waitFor(1, (h: Hit) => h.url === '/test');
    assert.deepEqual(Object.keys(hit!.form), ['event', 'event_handler_id', 'data', 'ts', 'auth']);
    const { domain, baseUrl, memberId } = p.server.core.portal;
    const auth = hit!.form.auth as Record<string, string>;
    assert.deepEqual(hit!.form, {
      event: 'ONAPPTEST',
      event_handler_id: String(id),
      data: { QUERY: { any: 'data', nested: { a: '1' } }, LANGUAGE_ID: 'en' },
      ts: hit!.form.ts,
      auth: {
        access_token: auth.access_token, expires: auth.expires, expires_in: '3600', scope: 'imbot,im,user', domain,
        server_endpoint: `${baseUrl}/rest/`, status: 'L', client_endpoint: `${baseUrl}/rest/`, member_id: memberId,
        user_id: '1', refresh_token: auth.refresh_token, application_token: admin.application_token,
      },
    });
    assert.match(auth.access_token!, /\S{20,}/);
    await until(async () => (await deliveries(p, 'ONAPPTEST'))[0]?.status === 'delivered', 'ONAPPTEST logged as delivered');
    const [logged] = await deliveries(p, 'ONAPPTEST');
    assert.equal(logged.handler_url, `${r.base}/test`);
    assert.equal(logged.body, hit!.raw);
  });

  it('ONAPPUNINSTALL goes to the handler the app bound for it (not the uninstall URL); uninstall removes every binding', async () => {
    const other = await installScriptApp(p, r, '/install2');
    assert.equal(assertResult(await rest(p, other.auth.access_token, 'event.bind', { event: 'ONAPPUNINSTALL', handler: `${r.base}/bye` })), true);
    assert.equal(assertResult(await rest(p, other.auth.access_token, 'event.bind', { event: 'ONAPPTEST', event_type: 'offline' })), true);
    await uninstallApp(portalCtx(p), other.app.client_id, true);
    const [bye] = await r.waitFor(1, (h: Hit) => h.url === '/bye');
    assert.deepEqual(bye!.form.data, { LANGUAGE_ID: 'en', CLEAN: '1' });
    assert.equal(r.hits.filter((h) => h.url === '/install2' && h.form.event === 'ONAPPUNINSTALL').length, 0);
    const left = await p.server.core.store.db.selectFrom('event_bindings').select('id').where('app_id', '=', other.app.id).execute();
    assert.deepEqual(left, []);
  });
});

/** A script-only app without an install URL, and an access token for user 1. */
async function tokensOf(p: TestPortal): Promise<{ auth: { access_token: string } }> {
  const ctx = portalCtx(p);
  const app = await addApp(ctx, { name: 'No install URL', scope: 'imbot,im,user' });
  return { auth: { access_token: (await issueTokens(ctx, app, 1, app.scope, portalEndpoints(ctx))).access_token } };
}

describe('handler URL rules: dev and cloud, at bind time and at send time', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver();
  });
  after(() => r.close());

  it('dev binds localhost; cloud refuses localhost (a host needs a dot) and 127.0.0.1 (not public) unless --allow-private covers it', async () => {
    const port = new URL(r.base).port;
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'imbot-evm-')));
    const [dev, cloud, allowed] = await Promise.all([serveAt(dirs[0]!, 'dev'), serveAt(dirs[1]!, 'cloud'), serveAt(dirs[2]!, 'cloud', '127.0.0.0/8')]);
    try {
      const devApp = await installScriptApp(dev, r, '/dev-install');
      // under cloud, ONAPPINSTALL could not reach the receiver on 127.0.0.1: the app gets no install URL
      const cloudApp = await tokensOf(cloud);
      const allowedApp = await installScriptApp(allowed, r, '/allowed-install');
      assert.equal(assertResult(await rest(dev, devApp.auth.access_token, 'event.bind', { event: 'ONAPPTEST', handler: `http://localhost:${port}/a` })), true);
      assertError(await rest(cloud, cloudApp.auth.access_token, 'event.bind', { event: 'ONAPPTEST', handler: `http://localhost:${port}/a` }), [400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL']);
      assertError(await rest(cloud, cloudApp.auth.access_token, 'event.bind', { event: 'ONAPPTEST', handler: `http://127.0.0.1:${port}/a` }), [400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL']);
      assert.equal(assertResult(await rest(allowed, allowedApp.auth.access_token, 'event.bind', { event: 'ONAPPTEST', handler: `http://127.0.0.1:${port}/a` })), true);
    } finally {
      await Promise.all([dev.stop(), cloud.stop(), allowed.stop()]);
      for (const dir of dirs) await removeTestData(dir);
    }
  });

  it('a localhost binding made under dev is refused when sent under cloud, and the delivery log says why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-evm-'));
    const url = `http://localhost:${new URL(r.base).port}/local`;
    const dev = await serveAt(dataDir, 'dev');
    const app = await installScriptApp(dev, r, '/restart-install');
    assert.equal(assertResult(await rest(dev, app.auth.access_token, 'event.bind', { event: 'ONAPPTEST', handler: url })), true);
    await dev.stop();
    const cloud = await serveAt(dataDir, 'cloud');
    try {
      assert.equal(assertResult(await rest(cloud, app.auth.access_token, 'event.test')), 1);
      await until(async () => (await deliveries(cloud, 'ONAPPTEST'))[0]?.status === 'failed', 'ONAPPTEST refused');
      const [logged] = await deliveries(cloud, 'ONAPPTEST');
      assert.equal(logged.last_error, `not sent: the cloud profile refuses the handler URL (Wrong handler URL): ${url}`);
      assert.deepEqual(logged.tries.map((t: any) => t.http_status), [null]);
      assert.equal(r.hits.filter((h) => h.url === '/local').length, 0);
    } finally {
      await cloud.stop();
      await removeTestData(dataDir);
    }
  });
});
