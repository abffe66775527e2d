import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { addApp } from '../src/apps/apps.js';
import { issueTokens, portalEndpoints } from '../src/auth/oauth.js';
import { parseCidrList } from '../src/util/addresses.js';
import { control, startReceiver, until, type Receiver } from './helpers/events.js';
import { portalCtx } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, httpsJson, startPortal, type TestPortal } from './helpers/server.js';

/*
 * Issue 19, item 4: handler URLs under `cloud` must not reach the portal's own network. Before the
 * fix the only rule was "the host contains a dot", so every URL below registered fine.
 * No external DNS: names go through an injected resolver (a table; unknown names fail as
 * ENOTFOUND would), IP literals need none.
 */

const PUBLIC = '93.184.215.14';

/** A resolver the test can change between registration and delivery (DNS rebinding). */
function resolverTable(entries: Record<string, string[]>) {
  const table = new Map(Object.entries(entries));
  return {
    table,
    resolve: async (host: string) => {
      const found = table.get(host);
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    },
  };
}

/** Every notation of a non-public address that has a dot in its host (the portal's own URL rule). */
const REFUSED = [
  'http://127.0.0.1/h',
  'http://127.1/h',
  'http://2130706433/h',
  'http://0x7f000001/h',
  'http://0177.0.0.1/h',
  'http://0x7f.1/h',
  'https://127.0.0.1:8443/h',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/h',
  'http://172.16.5.4/h',
  'http://192.168.1.1/h',
  'http://100.64.0.1/h',
  'http://0.0.0.0/h',
  'http://224.0.0.1/h',
  'http://255.255.255.255/h',
  'http://198.18.0.1/h',
  'http://localhost./h',
  'http://bot.localhost/h',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://loopback.example.test/h',
  'http://mixed.example.test/h',
  'http://mapped.example.test/h',
  'http://v6.example.test/h',
];
/** Hosts without a dot: the portal's own rule refuses them already (`[::1]` included). */
const NO_DOT = ['http://[::1]/h', 'http://[::ffff:127.0.0.1]/h', 'http://[fe80::1]/h', 'http://localhost/h'];
const ACCEPTED = [`http://${PUBLIC}/h`, 'https://bot.example.test/h', 'http://unresolvable.example.test/h'];

const names = {
  'metadata.google.internal': ['169.254.169.254'],
  'loopback.example.test': ['127.0.0.2'],
  'mixed.example.test': [PUBLIC, '10.1.2.3'], // one private answer is enough to refuse
  'mapped.example.test': ['::ffff:7f00:1'],
  'v6.example.test': ['fd00::1'],
  'bot.example.test': [PUBLIC, '2606:2800:220:1::1'],
};

describe('cloud: handler URLs pointing into the portal\'s network are refused at registration', () => {
  let p: TestPortal;
  let ca: Buffer;
  let hook: string;
  let oauthToken: string;
  before(async () => {
    p = await startPortal({ profile: 'cloud', resolveHost: resolverTable(names).resolve, limits: { rate: null } }); // many calls in a row
    ca = readFileSync(p.server.caPath);
    hook = `${p.https}/rest/1/${p.adminCode}`;
    const ctx = portalCtx(p);
    const app = await addApp(ctx, { name: 'Binder', scope: 'imbot,im,user' });
    oauthToken = (await issueTokens(ctx, app, 1, app.scope, portalEndpoints(ctx))).access_token;
  });
  after(() => p.stop());

  const register = (code: string, url: string) =>
    httpsJson(`${hook}/imbot.register`, { CODE: code, CLIENT_ID: 'ssrf', EVENT_HANDLER: url, PROPERTIES: { NAME: code } }, ca);

  it('imbot.register: every notation of loopback, private, link-local, CGNAT, multicast, unspecified, and names resolving there', async () => {
    for (const [i, url] of [...REFUSED, ...NO_DOT].entries()) {
      assertError(await register(`bad${i}`, url), [400, 'EVENT_MESSAGE_ADD_ERROR', 'Wrong handler URL'], url);
    }
    for (const [i, url] of ACCEPTED.entries()) assert.ok(Number.isInteger(assertResult(await register(`good${i}`, url), url)), url);
    const stored = await p.server.core.store.db.selectFrom('bots').select('code').execute();
    assert.deepEqual(stored.map((b) => b.code).sort(), ['good0', 'good1', 'good2']);
  });

  it('imbot.update, imbot.command.register/update, imbot.v2.Bot.register/update and event.bind refuse them too', async () => {
    const botId = assertResult(await register('upd', `http://${PUBLIC}/h`));
    const cmd = assertResult(await httpsJson(`${hook}/imbot.command.register`, { BOT_ID: botId, CLIENT_ID: 'ssrf', COMMAND: 'go', EVENT_COMMAND_ADD: `http://${PUBLIC}/c`, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'go' }] }, ca));
    const v2 = assertResult(await httpsJson(`${hook}/imbot.v2.Bot.register`, { botToken: 'ssrf-v2', fields: { code: 'v2', properties: { name: 'V2' }, eventMode: 'webhook', webhookUrl: `http://${PUBLIC}/v2` } }, ca));
    for (const url of ['http://2130706433/h', 'http://metadata.google.internal/', 'http://localhost./h']) {
      assertError(await httpsJson(`${hook}/imbot.update`, { BOT_ID: botId, CLIENT_ID: 'ssrf', FIELDS: { EVENT_HANDLER: url } }, ca), [400, 'EVENT_MESSAGE_ADD_ERROR', 'Wrong handler URL'], url);
      assertError(await httpsJson(`${hook}/imbot.command.register`, { BOT_ID: botId, CLIENT_ID: 'ssrf', COMMAND: 'x', EVENT_COMMAND_ADD: url, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'x' }] }, ca), [400, 'EVENT_COMMAND_ADD_ERROR', 'Wrong handler URL'], url);
      assertError(await httpsJson(`${hook}/imbot.command.update`, { COMMAND_ID: cmd, CLIENT_ID: 'ssrf', FIELDS: { EVENT_COMMAND_ADD: url } }, ca), [400, 'EVENT_COMMAND_ADD_ERROR', 'Wrong handler URL'], url);
      const v2reg = await httpsJson(`${hook}/imbot.v2.Bot.register`, { botToken: 'ssrf-v2b', fields: { code: 'v2b', properties: { name: 'V2' }, eventMode: 'webhook', webhookUrl: url } }, ca);
      assert.equal(v2reg.body.error, 'BOT_INVALID_CALLBACK', url);
      const v2upd = await httpsJson(`${hook}/imbot.v2.Bot.update`, { botId: v2.bot.id, botToken: 'ssrf-v2', fields: { webhookUrl: url } }, ca);
      assert.equal(v2upd.body.error, 'BOT_INVALID_CALLBACK', url);
      assertError(await httpsJson(`${p.https}/rest/event.bind`, { auth: oauthToken, event: 'ONAPPTEST', handler: url }, ca), [400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'], url);
    }
    // nothing changed: the stored handlers are still the public ones
    const bindings = await p.server.core.store.db.selectFrom('event_bindings').select('handler_url').execute();
    assert.ok(bindings.every((b) => b.handler_url.startsWith(`http://${PUBLIC}/`)), JSON.stringify(bindings));
  });
});

describe('dev keeps accepting localhost', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal({ profile: 'dev' });
  });
  after(() => p.stop());

  it('localhost, 127.0.0.1 and 2130706433 register under dev', async () => {
    for (const [i, url] of ['http://localhost:3000/h', 'http://127.0.0.1:3000/h', 'http://2130706433/h', 'http://10.0.0.1/h'].entries()) {
      assert.ok(Number.isInteger(assertResult(await httpsJson(`${p.https}/rest/1/${p.adminCode}/imbot.register`, { CODE: `dev${i}`, CLIENT_ID: 'd', EVENT_HANDLER: url, PROPERTIES: { NAME: 'D' } }, readFileSync(p.server.caPath)))), url);
    }
  });
});

describe('cloud: the check is made again at each delivery, and the connection goes to the checked address', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver();
  });
  after(() => r.close());

  /** Registers a webhook bot on `host`, then a person writes to it (ONIMBOTJOINCHAT + ONIMBOTMESSAGEADD). */
  async function botAndMessage(p: TestPortal, host: string, path: string): Promise<void> {
    const ca = readFileSync(p.server.caPath);
    const url = `http://${host}:${new URL(r.base).port}${path}`;
    const botId = assertResult(await httpsJson(`${p.https}/rest/1/${p.adminCode}/imbot.register`, { CODE: 'b', CLIENT_ID: 'secret-client', EVENT_HANDLER: url, PROPERTIES: { NAME: 'B' } }, ca));
    await sendAs(p, botId, ca);
  }

  /** The delivery log once the two events (join + message) have both failed. */
  async function bothFailed(p: TestPortal): Promise<any[]> {
    let events: any[] = [];
    await until(async () => {
      events = (await control(p.http, p.server.controlToken, 'events')).body.events;
      return events.length >= 2 && events.every((e) => e.status === 'failed');
    }, 'both events failed');
    return events;
  }

  async function sendAs(p: TestPortal, botId: number, ca: Buffer): Promise<void> {
    const person = await addPerson(p, 'Eve');
    const hook = person.hook.replace(p.http, p.https);
    assertResult(await httpsJson(`${hook}/im.message.add`, { DIALOG_ID: botId, MESSAGE: 'hello' }, ca));
  }

  it('a name that resolved to a public address at registration and to 127.0.0.1 now (DNS rebinding) gets nothing sent', async () => {
    const dns = resolverTable({ 'rebind.example.test': [PUBLIC] });
    const p = await startPortal({ profile: 'cloud', resolveHost: dns.resolve });
    try {
      const ca = readFileSync(p.server.caPath);
      const url = `http://rebind.example.test:${new URL(r.base).port}/rebind`;
      const botId = assertResult(await httpsJson(`${p.https}/rest/1/${p.adminCode}/imbot.register`, { CODE: 'rb', CLIENT_ID: 'secret-client', EVENT_HANDLER: url, PROPERTIES: { NAME: 'R' } }, ca));
      dns.table.set('rebind.example.test', ['127.0.0.1']);
      await sendAs(p, botId, ca);
      const events = await bothFailed(p);
      for (const e of events) {
        assert.equal(e.last_error, `not sent: the cloud profile refuses the handler URL (rebind.example.test is 127.0.0.1, not a public address): ${url}?CLIENT_ID=***`);
        assert.deepEqual(e.tries.map((t: any) => t.http_status), [null]);
      }
      assert.equal(r.hits.filter((h) => h.url.startsWith('/rebind')).length, 0);
    } finally {
      await p.stop();
    }
  });

  it('with --allow-private 127.0.0.0/8 a name only the injected resolver knows is delivered to: the request went to the checked address', async () => {
    const dns = resolverTable({ 'pinned.example.test': ['127.0.0.1'] });
    const p = await startPortal({ profile: 'cloud', resolveHost: dns.resolve, allowPrivate: parseCidrList('127.0.0.0/8') });
    try {
      await botAndMessage(p, 'pinned.example.test', '/pinned');
      const hits = await r.waitFor(2, (h) => h.url.startsWith('/pinned'));
      assert.equal(hits[0]!.headers.host, `pinned.example.test:${new URL(r.base).port}`);
      assert.deepEqual(hits.map((h) => h.form.event).sort(), ['ONIMBOTJOINCHAT', 'ONIMBOTMESSAGEADD']);
    } finally {
      await p.stop();
    }
  });

  it('a name that does not resolve at delivery is a failed attempt (retried), not a request to anywhere', async () => {
    const dns = resolverTable({ 'gone.example.test': [PUBLIC] });
    const p = await startPortal({ profile: 'cloud', resolveHost: dns.resolve, delivery: { policy: 'once' } });
    try {
      const ca = readFileSync(p.server.caPath);
      const botId = assertResult(await httpsJson(`${p.https}/rest/1/${p.adminCode}/imbot.register`, { CODE: 'g', CLIENT_ID: 'c', EVENT_HANDLER: `http://gone.example.test:${new URL(r.base).port}/gone`, PROPERTIES: { NAME: 'G' } }, ca));
      dns.table.delete('gone.example.test');
      await sendAs(p, botId, ca);
      const events = await bothFailed(p);
      assert.ok(events.every((e) => e.last_error === 'not sent: cannot resolve gone.example.test: ENOTFOUND'), JSON.stringify(events.map((e) => e.last_error)));
      assert.equal(r.hits.filter((h) => h.url.startsWith('/gone')).length, 0);
    } finally {
      await p.stop();
    }
  });
});
