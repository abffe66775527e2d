import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { uninstallApp } from '../src/apps/apps.js';
import { issueTokens, portalEndpoints, type AppRow } from '../src/auth/oauth.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { setWebhookBlocked } from '../src/limits/blocks.js';
import { startReceiver, type Receiver } from './helpers/events.js';
import { advance, installScriptApp, portalCtx, type InstallAuth } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Answer, type Expected, type TestPortal } from './helpers/server.js';

/**
 * Fidelity audit of the REST core (settings/how-to-call-rest-api/, error-codes.md, limits.md, settings/oauth/):
 * the portal's behaviour that no other test
 * pinned down, each asserted exactly through real HTTP — batch scope errors, CRest's long GET
 * URLs, the XML scalars, the OAuth token carrier order, the order of the auth checks (webhook,
 * token, load limiter) and which parameters the core consumes before a method sees them.
 */

const INVALID_TOKEN: Expected = [401, 'invalid_token', 'Unable to get application by token'];
const EXPIRED: Expected = [401, 'expired_token', 'The access token provided has expired'];
const APP_NOT_FOUND: Expected = [401, 'APPLICATION_NOT_FOUND', 'Application not found'];
const BAD_CREDENTIALS: Expected = [401, 'INVALID_CREDENTIALS', 'Invalid request credentials'];
const AUTHORIZATION: Expected = [401, 'authorization_error', 'Unable to authorize user'];
const OVERLOAD: Expected = [401, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload.'];
const HOOK_SCOPE: Expected = [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token'];
const TOKEN_SCOPE: Expected = [401, 'insufficient_scope', 'The request requires higher privileges than provided by the access token'];
const TIME_LIMIT: Expected = [429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'];
const NOT_FOUND: Expected = [404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'];

/** POST /__control/<path> with the control token. */
async function control(p: TestPortal, path: string, body: unknown): Promise<void> {
  const a = await request(`${p.http}/__control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
    body: JSON.stringify(body),
  });
  assert.equal(a.status, 200, a.text);
}

/** A raw GET over HTTP or HTTPS (trusting the portal's CA), for URLs longer than fetch needs to see. */
function rawGet(p: TestPortal, base: string, path: string): Promise<Answer> {
  const lib = base.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(`${base}${path}`, { ca: readFileSync(p.server.caPath), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The body keys of `batch` whose commands all failed: docs' shape, every other key `[]`. */
function failedBatch(errors: Record<string, unknown>): Record<string, unknown> {
  return { result: [], result_error: errors, result_total: [], result_next: [], result_time: [] };
}

describe('REST core audit', () => {
  let p: TestPortal;
  let r: Receiver;
  let app: AppRow;
  let admin: InstallAuth;
  /** a token of the app that only has the `user` scope */
  let narrow: string;
  const withToken = (token: string, method: string, params: Record<string, unknown> = {}) => callJson(`${p.http}/rest`, method, { ...params, auth: token });

  before(async () => {
    [p, r] = await Promise.all([startPortal(), startReceiver()]);
    ({ app, auth: admin } = await installScriptApp(p, r, '/install'));
    const ctx = portalCtx(p);
    narrow = (await issueTokens(ctx, app, 1, 'user', portalEndpoints(ctx))).access_token;
  });
  after(() => Promise.all([p.stop(), r.close()]));

  describe('batch', () => {
    it('a command outside the scope fails with a bare insufficient_scope: empty description, as in the docs example', async () => {
      const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
      const base = `${p.http}/rest/1/${hook.code}`;
      const cmd = { get_bots: 'imbot.bot.list', get_chats: 'im.recent.get' };
      const bare = { error: 'insufficient_scope', error_description: '' };

      const viaHook = await callJson(base, 'batch', { halt: 0, cmd });
      assert.deepEqual(assertResult(viaHook), failedBatch({ get_bots: bare, get_chats: bare }));
      const viaToken = await withToken(narrow, 'batch', { halt: 0, cmd });
      assert.deepEqual(assertResult(viaToken), failedBatch({ get_bots: bare, get_chats: bare }));
      // halt=1: the first failure stops the chain; the commands before it keep their results
      const halted = assertResult(await callJson(base, 'batch', { halt: 1, cmd: { me: 'user.current', ...cmd } }));
      assert.deepEqual([Object.keys(halted.result), halted.result_error], [['me'], { get_bots: bare }]);

      // called directly, the same refusals carry their full texts
      assertError(await request(`${base}/imbot.bot.list`), HOOK_SCOPE);
      assertError(await withToken(narrow, 'imbot.bot.list'), TOKEN_SCOPE);
    });

    it('keeps the extra keys of a command error (`argument`) in result_error', async () => {
      const out = assertResult(await withToken(admin.access_token, 'batch', { cmd: { bind: 'event.bind?handler=http%3A%2F%2F127.0.0.1%3A9%2Fh' } }));
      assert.deepEqual(out, failedBatch({ bind: { error: 'ERROR_ARGUMENT', error_description: "Argument 'EVENT' is null or empty", argument: 'EVENT' } }));
    });
  });

  describe('long GET URLs (CRest webhook calls)', () => {
    it('takes a 15,000-character message in the query string over HTTP and HTTPS', async () => {
      const person = await addPerson(p, 'Reader');
      // 15,000 characters, Cyrillic and emoji: ~85 KB once percent-encoded (Node's default limit: 16 KiB)
      const text = Array.from(('Привет, бот! 🙂 ' + 'ж'.repeat(40)).repeat(300)).slice(0, 15_000).join('');
      // http_build_query: PHP percent-encoding, spaces as '+'
      const query = new URLSearchParams({ DIALOG_ID: String(person.id), MESSAGE: text }).toString();
      assert.ok(query.length > 80_000, `the URL is long (${query.length})`);
      for (const base of [p.http, p.https]) {
        const sent = await rawGet(p, base, `/rest/1/${p.adminCode}/im.message.add.json?${query}`);
        const id = assertResult(sent, base);
        assert.equal(typeof id, 'number');
        const [last] = assertResult(await callJson(p.adminHook, 'im.dialog.messages.get', { DIALOG_ID: person.id, LIMIT: 1 })).messages;
        assert.equal(last.id, id);
        // compared as a flag: a failing diff of two 20,000-character strings helps nobody
        assert.ok(last.text === text, `${base}: the text arrives intact (${Array.from(last.text).length} code points)`);
      }
    });

    it('answers a request line over the limit with a JSON error in the portal shape, not a bare status', async () => {
      const a = await new Promise<{ status: number; type: string | undefined; cors: string | undefined; body: any }>((resolve, reject) => {
        const req = http.request(`${p.adminHook}/server.time?x=${'a'.repeat(1100 * 1024)}`, { agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], cors: res.headers['access-control-allow-origin'] as string, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual(a, {
        status: 431,
        type: 'application/json; charset=utf-8',
        cors: '*',
        body: { error: 'REQUEST_TOO_LARGE', error_description: 'Request line and headers are too large' },
      });
    });
  });

  describe('.xml transport', () => {
    it('writes scalars the PHP way: true as 1, false as empty; quotes as entities', async () => {
      const yes = await request(`${p.adminHook}/method.get.xml?name=server.time`);
      assert.match(yes.text, /<result><isExisting>1<\/isExisting><isAvailable>1<\/isAvailable><\/result>/);
      const no = await request(`${p.adminHook}/method.get.xml?name=no.such.method`);
      assert.match(no.text, /<result><isExisting><\/isExisting><isAvailable><\/isAvailable><\/result>/);
      const err = await request(`${p.adminHook}/im.dialog.messages.get.xml`);
      assert.equal(err.status, 400);
      assert.match(err.text, /<response><error>DIALOG_ID_EMPTY<\/error><error_description>Dialog ID can&apos;t be empty<\/error_description><\/response>$/);
    });
  });

  describe('OAuth token carriers (Bearer, then auth, then access_token)', () => {
    const profileWith = (query: string, headers: Record<string, string> = {}, body?: unknown) =>
      request(`${p.http}/rest/profile.json?${query}`, body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('the Bearer header wins over a bad auth param; a non-Bearer Authorization header is ignored', async () => {
      assert.equal(assertResult(await profileWith('auth=bogus', { authorization: `Bearer ${admin.access_token}` })).ID, '1');
      assertError(await profileWith(`auth=${admin.access_token}`, { authorization: 'Bearer bogus' }), INVALID_TOKEN);
      assert.equal(assertResult(await profileWith(`auth=${admin.access_token}`, { authorization: 'Basic Zm9vOmJhcg==' })).ID, '1');
    });

    it('auth is read before access_token; an auth that is an array is skipped', async () => {
      assertError(await profileWith(`auth=bogus&access_token=${admin.access_token}`), INVALID_TOKEN);
      assert.equal(assertResult(await profileWith('', {}, { auth: { nested: 'x' }, access_token: admin.access_token })).ID, '1');
    });
  });

  describe('what reaches a method', () => {
    it('start, state and the auth keys are consumed by the core; telemetry and other params pass through', async () => {
      assert.equal(assertResult(await withToken(admin.access_token, 'event.bind', { event: 'ONAPPTEST', handler: `${r.base}/query` })), true);
      const query = 'bx24_request_id=0190a1b2&bx24_sdk_ver=2.1.0&start=50&state=xyz&auth_connector=c1&access_token=unused';
      assert.equal(assertResult(await withToken(admin.access_token, `event.test?${query}`, { own: 'v', list: [1, 2] })), 1);
      const [hit] = await r.waitFor(1, (h) => h.url === '/query');
      assert.deepEqual(hit!.form.data, { QUERY: { bx24_request_id: '0190a1b2', bx24_sdk_ver: '2.1.0', own: 'v', list: ['1', '2'] }, LANGUAGE_ID: 'en' });
    });
  });

  describe('order of the auth checks', () => {
    it('tokens: an unknown app comes before expiry, expiry before scope', async () => {
      const second = await installScriptApp(p, r, '/second', { scope: 'user' });
      await advance(p, 3601_000);
      assertError(await withToken(narrow, 'imbot.bot.list'), EXPIRED);
      await uninstallApp(portalCtx(p), second.app.client_id, false);
      assertError(await withToken(second.auth.access_token, 'imbot.bot.list'), APP_NOT_FOUND);
      admin = (await installScriptApp(p, r, '/again', {})).auth; // fresh tokens for the tests after this one
    });

    it('webhooks: credentials, scope, block, then the user (SRV apauth); an expired or disabled webhook is INVALID_CREDENTIALS', async () => {
      const db = p.server.core.store.db;
      const userId = await createUser(db, p.server.clock, { name: 'Leaving', login: 'leaving' });
      const hook = await addWebhook(db, p.server.clock, { userId, scope: 'user' });
      const base = `${p.http}/rest/${userId}/${hook.code}`;
      await db.updateTable('users').set({ active: 0 }).where('id', '=', userId).execute();
      assertError(await request(`${base}/server.time`), AUTHORIZATION);
      // by login, only active users are looked up: the credentials themselves are wrong
      assertError(await request(`${p.http}/rest/leaving/${hook.code}/server.time`), BAD_CREDENTIALS);
      await setWebhookBlocked(db, hook.code, true);
      assertError(await request(`${base}/server.time`), OVERLOAD);
      assertError(await request(`${base}/imbot.bot.list`), HOOK_SCOPE);

      const other = await addWebhook(db, p.server.clock, { userId: 1, scope: 'user' });
      const otherBase = `${p.http}/rest/1/${other.code}`;
      assert.equal(assertResult(await request(`${otherBase}/user.current`)).ID, '1');
      await db.updateTable('webhooks').set({ expires_at: p.server.clock.now() }).where('id', '=', other.id).execute();
      assertError(await request(`${otherBase}/user.current`), BAD_CREDENTIALS);
      await db.updateTable('webhooks').set({ expires_at: null, active: 0 }).where('id', '=', other.id).execute();
      assertError(await request(`${otherBase}/user.current`), BAD_CREDENTIALS);
    });

    it('the operating-time limiter comes after method lookup and authentication', async () => {
      const db = p.server.core.store.db;
      const userId = await createUser(db, p.server.clock, { name: 'Heavy' });
      const hook = await addWebhook(db, p.server.clock, { userId, scope: 'user' });
      const base = `${p.http}/rest/${userId}/${hook.code}`;
      try {
        await control(p, 'limits', { operating_limit: 480, costs: { 'user.current': 500 }, reset: true });
        assert.equal(assertResult(await request(`${base}/user.current`)).ID, String(userId));
        assertError(await request(`${base}/user.current`), TIME_LIMIT);
        assertError(await request(`${base}/user.current.nope`), NOT_FOUND);
        await db.updateTable('users').set({ active: 0 }).where('id', '=', userId).execute();
        assertError(await request(`${base}/user.current`), AUTHORIZATION);
        await db.updateTable('users').set({ active: 1 }).where('id', '=', userId).execute();
        assertError(await request(`${base}/user.current`), TIME_LIMIT);
      } finally {
        await control(p, 'limits', { operating_limit: 'off', costs: { 'user.current': null }, reset: true });
      }
    });
  });
});
