import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addApp, installApp, uninstallApp } from '../src/apps/apps.js';
import type { AppRow } from '../src/auth/oauth.js';
import { createUser } from '../src/im/users.js';
import { control, startReceiver, until, type Receiver } from './helpers/events.js';
import { advance, installScriptApp, portalCtx, refreshParams, restWithAuth, TOKEN_KEYS, tokenGet, tokenPost, type InstallAuth } from './helpers/oauth.js';
import { errorOf, request, startPortal, type TestPortal } from './helpers/server.js';

// The OAuth server (settings/oauth/index.md, settings/app-installation/local-apps/): install callback, /oauth/authorize/, /oauth/token/,
// tokens on REST calls and every error row the server can produce.

const T = 1_800_000_000_000;
const T_S = T / 1000;

describe('OAuth: install callback, token server and token errors', () => {
  let p: TestPortal;
  let r: Receiver;
  let app: AppRow;
  /** the latest pair: access_token and refresh_token */
  let first: { access_token: string; refresh_token: string };
  let installAuth: InstallAuth;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    assert.equal((await control(p.http, p.server.controlToken, 'clock', { set_ms: T, freeze: true })).status, 200);
    ({ app, auth: installAuth } = await installScriptApp(p, r, '/install'));
    first = installAuth;
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  const invalidGrant = { status: 400, error: 'invalid_grant', error_description: 'Invalid grant' };

  it('POSTs ONAPPINSTALL form-encoded to the install URL with the admin tokens incl. refresh_token', async () => {
    const hit = r.hits.find((h) => h.form.event === 'ONAPPINSTALL')!;
    assert.equal(hit.method, 'POST');
    assert.equal(hit.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.keys(hit.form), ['event', 'event_handler_id', 'data', 'ts', 'auth']);
    assert.deepEqual(hit.form.data, { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
    assert.equal(hit.form.ts, String(T_S));
    const { domain, baseUrl, memberId } = p.server.core.portal;
    const first = installAuth;
    assert.deepEqual(first, {
      access_token: first.access_token,
      expires: String(T_S + 3600),
      expires_in: '3600',
      scope: 'imbot,im,user',
      domain,
      server_endpoint: `${baseUrl}/rest/`,
      status: 'L',
      client_endpoint: `${baseUrl}/rest/`,
      member_id: memberId,
      user_id: '1',
      refresh_token: first.refresh_token,
      application_token: app.application_token,
    });
    assert.match(first.access_token, /^[a-z0-9]{32}$/);
    assert.match(app.application_token, /^[0-9a-f]{32}$/);
    assert.notEqual(first.refresh_token, first.access_token);
  });

  it('accepts the token as Bearer header, auth= and access_token=', async () => {
    const answers = [
      await request(`${p.http}/rest/user.current`, { headers: { authorization: `Bearer ${first.access_token}` } }),
      await request(`${p.http}/rest/user.current.json?auth=${first.access_token}`),
      await request(`${p.http}/rest/user.current?access_token=${first.access_token}`),
      await restWithAuth(p, 'user.current', first.access_token),
    ];
    for (const a of answers) {
      assert.equal(a.status, 200, a.text);
      assert.equal(a.body.result.ID, '1');
    }
  });

  it('app.info answers the portal card plus the OAuth server fields', async () => {
    const a = await restWithAuth(p, 'app.info', first.access_token);
    assert.equal(a.status, 200, a.text);
    const { domain, baseUrl, memberId } = p.server.core.portal;
    const res = a.body.result;
    assert.equal(res.CODE, app.client_id);
    assert.equal(res.INSTALLED, true);
    assert.equal(res.client_id, app.client_id);
    assert.equal(res.scope, 'imbot,im,user');
    assert.equal(res.user_id, 1);
    assert.match(res.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.equal(Date.parse(res.expires), (T_S + 3600) * 1000);
    assert.deepEqual(res.install, {
      installed: true, version: 1, status: 'L', scope: 'imbot,im,user', domain, uri: baseUrl,
      client_endpoint: `${baseUrl}/rest/`, member_id: memberId, member_type: 'PORTAL',
    });
  });

  it('refresh_token grant (GET query) returns every field and a new refresh token; the old one is spent', async () => {
    const a = await tokenGet(p, refreshParams(app, first.refresh_token));
    assert.equal(a.status, 200, a.text);
    assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(a.body), TOKEN_KEYS);
    const host = p.http.replace('http://', '');
    assert.deepEqual(a.body, {
      access_token: a.body.access_token,
      client_endpoint: `${p.http}/rest/`,
      domain: host,
      expires: T_S + 3600,
      expires_in: 3600,
      member_id: p.server.core.portal.memberId,
      refresh_token: a.body.refresh_token,
      scope: 'imbot,im,user',
      server_endpoint: `${p.http}/rest/`,
      status: 'L',
      user_id: 1,
    });
    assert.notEqual(a.body.refresh_token, first.refresh_token);
    assert.notEqual(a.body.access_token, first.access_token);
    assert.deepEqual(errorOf(await tokenGet(p, refreshParams(app, first.refresh_token))), invalidGrant);
    // the new pair works, and so does the old access token until it expires
    assert.equal((await restWithAuth(p, 'profile', a.body.access_token)).status, 200);
    assert.equal((await restWithAuth(p, 'profile', first.access_token)).status, 200);
    first = a.body;
  });

  it('the token endpoint answers POST forms at /oauth/token/, //oauth/token/ and /rest/oauth/token/', async () => {
    for (const path of ['/oauth/token/', '//oauth/token/', '/rest/oauth/token/', '/oauth/token']) {
      const a = await tokenPost(p, refreshParams(app, first.refresh_token), path);
      assert.equal(a.status, 200, `${path}: ${a.text}`);
      assert.deepEqual(Object.keys(a.body), TOKEN_KEYS);
      first = a.body;
    }
  });

  it('access tokens expire on the portal clock: 401 expired_token, then refresh and retry', async () => {
    await advance(p, 3600_000);
    assert.deepEqual(errorOf(await restWithAuth(p, 'profile', first.access_token)), {
      status: 401, error: 'expired_token', error_description: 'The access token provided has expired',
    });
    const fresh = await tokenPost(p, refreshParams(app, first.refresh_token));
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.body.expires, T_S + 7200);
    assert.equal((await restWithAuth(p, 'profile', fresh.body.access_token)).status, 200);
    first = fresh.body;
  });

  it('refresh tokens last 180 days', async () => {
    const pair = await tokenPost(p, refreshParams(app, first.refresh_token));
    await advance(p, 180 * 86_400_000 - 1000);
    const still = await tokenPost(p, refreshParams(app, pair.body.refresh_token));
    assert.equal(still.status, 200, still.text);
    await advance(p, 180 * 86_400_000);
    assert.deepEqual(errorOf(await tokenPost(p, refreshParams(app, still.body.refresh_token))), invalidGrant);
    const last = await tokenPost(p, refreshParams(app, still.body.refresh_token));
    assert.equal(last.status, 400);
  });

  it('access-token lifetime follows the server setting (serve --access-token-ttl)', async () => {
    const other = await installScriptApp(p, r, '/ttl');
    p.server.core.portal.accessTokenTtl = 60;
    try {
      const a = await tokenPost(p, refreshParams(other.app, other.auth.refresh_token));
      assert.equal(a.body.expires_in, 60);
      assert.equal(a.body.expires, Math.floor(p.server.clock.now() / 1000) + 60);
      await advance(p, 60_000);
      assert.equal(errorOf(await restWithAuth(p, 'profile', a.body.access_token)).error, 'expired_token');
    } finally {
      p.server.core.portal.accessTokenTtl = undefined;
    }
  });

  it('token endpoint errors: invalid_request, WRONG_CLIENT (200), invalid_client, invalid_grant, invalid_scope, NOT_INSTALLED', async () => {
    const other = await installScriptApp(p, r, '/errors');
    const good = refreshParams(other.app, other.auth.refresh_token);
    const cases: [Record<string, string>, { status: number; error: string; error_description: string }][] = [
      [{ ...good, grant_type: '' }, { status: 400, error: 'invalid_request', error_description: 'grant_type is required' }],
      [{ ...good, grant_type: 'password' }, { status: 400, error: 'invalid_request', error_description: 'Unsupported grant_type: password' }],
      [{ ...good, client_id: '' }, { status: 400, error: 'invalid_request', error_description: 'client_id and refresh_token are required' }],
      [{ grant_type: 'authorization_code', client_id: other.app.client_id, client_secret: other.app.client_secret }, { status: 400, error: 'invalid_request', error_description: 'client_id and code are required' }],
      [{ ...good, client_id: 'local.nope.1' }, { status: 200, error: 'WRONG_CLIENT', error_description: 'Wrong client' }],
      [{ ...good, client_secret: 'wrong' }, { status: 400, error: 'invalid_client', error_description: 'Invalid client credentials' }],
      [{ ...good, refresh_token: 'nope' }, invalidGrant],
      [{ ...good, refresh_token: other.auth.access_token }, invalidGrant],
      [{ ...refreshParams(other.app, first.refresh_token) }, invalidGrant], // another app's token
      [{ ...good, scope: 'imbot,crm' }, { status: 403, error: 'invalid_scope', error_description: 'Requested scope exceeds the application scope' }],
    ];
    for (const [params, expected] of cases) assert.deepEqual(errorOf(await tokenGet(p, params)), expected, JSON.stringify(params));
    // a narrower scope is granted
    const narrow = await tokenGet(p, { ...good, scope: 'user' });
    assert.equal(narrow.body.scope, 'user');
    await uninstallApp(portalCtx(p), other.app.client_id, false);
    assert.deepEqual(errorOf(await tokenGet(p, refreshParams(other.app, narrow.body.refresh_token))), {
      status: 401, error: 'NOT_INSTALLED', error_description: 'Application not installed',
    });
  });

  it('REST errors for tokens: invalid_token, insufficient_scope, authorization_error, APPLICATION_NOT_FOUND', async () => {
    const invalid = { status: 401, error: 'invalid_token', error_description: 'Unable to get application by token' };
    assert.deepEqual(errorOf(await restWithAuth(p, 'profile', 'ydtj8pho532wydb5ixk78ol7uqlb7sch')), invalid);
    assert.deepEqual(errorOf(await restWithAuth(p, 'profile', first.refresh_token)), invalid);

    const narrow = await installScriptApp(p, r, '/narrow', { scope: 'user' });
    assert.deepEqual(errorOf(await restWithAuth(p, 'imbot.bot.list', narrow.auth.access_token)), {
      status: 401, error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token',
    });

    const db = p.server.core.store.db;
    const person = await createUser(db, p.server.clock, { name: 'Inactive' });
    const personal = await installScriptApp(p, r, '/inactive', { installUserId: person });
    await db.updateTable('users').set({ active: 0 }).where('id', '=', person).execute();
    assert.deepEqual(errorOf(await restWithAuth(p, 'profile', personal.auth.access_token)), {
      status: 401, error: 'authorization_error', error_description: 'Unable to authorize user',
    });

    await uninstallApp(portalCtx(p), narrow.app.client_id, false);
    assert.deepEqual(errorOf(await restWithAuth(p, 'user.current', narrow.auth.access_token)), {
      status: 401, error: 'APPLICATION_NOT_FOUND', error_description: 'Application not found',
    });
    // reinstalled: the old tokens are dead, the new install callback carries fresh ones
    await installApp(portalCtx(p), narrow.app.client_id);
    assert.deepEqual(errorOf(await restWithAuth(p, 'user.current', narrow.auth.access_token)), invalid);
    const [, again] = await r.waitFor(2, (h) => h.url === '/narrow' && h.form.event === 'ONAPPINSTALL');
    const reAuth = await restWithAuth(p, 'user.current', (again!.form.auth as InstallAuth).access_token);
    assert.equal(reAuth.status, 200, reAuth.text);
  });
});

describe('OAuth: /oauth/authorize/ code flow, access lists and unfinished installations', () => {
  let p: TestPortal;
  let r: Receiver;
  let uiApp: AppRow;
  let person: number;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    person = await createUser(p.server.core.store.db, p.server.clock, { name: 'Pat' });
    uiApp = await addApp(portalCtx(p), { name: 'UI app', scope: 'imbot,im,user', handlerUrl: `${r.base}/app`, access: '1' });
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  const authorize = (query: string, cookie?: string) =>
    request(`${p.http}/oauth/authorize/?${query}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  async function sessionCookie(userId: number): Promise<string> {
    const s = await control(p.http, p.server.controlToken, 'sessions', { user_id: userId });
    return `PHPSESSID=${s.body.PHPSESSID}`;
  }

  async function codeFor(state: string): Promise<URL> {
    const a = await authorize(`client_id=${uiApp.client_id}&state=${state}`);
    assert.equal(a.status, 302, a.text);
    return new URL(a.headers.get('location')!);
  }

  it('redirects to the redirect URI with code, state, domain, member_id, scope and server_domain', async () => {
    const to = await codeFor('JJHgsdgfkdaslg7lbadsfg');
    const host = p.http.replace('http://', '');
    assert.equal(`${to.origin}${to.pathname}`, `${r.base}/app`);
    assert.deepEqual([...to.searchParams.keys()], ['code', 'state', 'domain', 'member_id', 'scope', 'server_domain']);
    assert.match(to.searchParams.get('code')!, /^[a-z0-9]{32}$/);
    assert.equal(to.searchParams.get('state'), 'JJHgsdgfkdaslg7lbadsfg');
    assert.equal(to.searchParams.get('domain'), host);
    assert.equal(to.searchParams.get('member_id'), p.server.core.portal.memberId);
    assert.equal(to.searchParams.get('server_domain'), host);
    assert.match(to.search, /&scope=imbot%2Cim%2Cuser&/);

    const grant = { grant_type: 'authorization_code', client_id: uiApp.client_id, client_secret: uiApp.client_secret, code: to.searchParams.get('code')! };
    const a = await tokenGet(p, grant);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(Object.keys(a.body), TOKEN_KEYS);
    assert.equal(a.body.user_id, 1);
    assert.equal(a.body.scope, 'imbot,im,user');
    // a code is single-use
    assert.equal(errorOf(await tokenGet(p, grant)).error, 'invalid_grant');
  });

  it('a code lives 30 seconds on the portal clock', async () => {
    const late = (await codeFor('late')).searchParams.get('code')!;
    const inTime = (await codeFor('in-time')).searchParams.get('code')!;
    await advance(p, 29_000);
    const grant = (code: string) => ({ grant_type: 'authorization_code', client_id: uiApp.client_id, client_secret: uiApp.client_secret, code });
    assert.equal((await tokenPost(p, grant(inTime))).status, 200);
    await advance(p, 1_000);
    assert.deepEqual(errorOf(await tokenPost(p, grant(late))), { status: 400, error: 'invalid_grant', error_description: 'Invalid grant' });
  });

  it('refuses on its page: missing or unknown client_id, uninstalled app, bad session, user without access', async () => {
    const gone = await addApp(portalCtx(p), { name: 'Gone', scope: 'user' });
    await uninstallApp(portalCtx(p), gone.client_id, false);
    assert.deepEqual(errorOf(await authorize('state=x')), { status: 400, error: 'invalid_request', error_description: 'client_id is required' });
    assert.deepEqual(errorOf(await authorize('client_id=local.none.0')), { status: 400, error: 'invalid_client', error_description: 'Unknown client_id' });
    assert.deepEqual(errorOf(await authorize(`client_id=${gone.client_id}`)), { status: 400, error: 'NOT_INSTALLED', error_description: 'Application not installed' });
    assert.deepEqual(errorOf(await authorize(`client_id=${uiApp.client_id}`, 'PHPSESSID=nope')), { status: 401, error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    assert.deepEqual(errorOf(await authorize(`client_id=${uiApp.client_id}`, await sessionCookie(person))), {
      status: 403, error: 'user_access_error', error_description: 'The user does not have access to the application.',
    });
  });

  it('REST answers user_access_error for a token of a user outside the access list', async () => {
    const open = await addApp(portalCtx(p), { name: 'Open', scope: 'user', handlerUrl: `${r.base}/open` });
    const to = new URL((await authorize(`client_id=${open.client_id}`, await sessionCookie(person))).headers.get('location')!);
    const pair = await tokenGet(p, { grant_type: 'authorization_code', client_id: open.client_id, client_secret: open.client_secret, code: to.searchParams.get('code')! });
    assert.equal(pair.body.user_id, person);
    assert.equal((await restWithAuth(p, 'user.current', pair.body.access_token)).body.result.ID, String(person));
    await p.server.core.store.db.updateTable('apps').set({ access: '1' }).where('id', '=', open.id).execute();
    assert.deepEqual(errorOf(await restWithAuth(p, 'user.current', pair.body.access_token)), {
      status: 401, error: 'user_access_error', error_description: 'The user does not have access to the application.',
    });
  });

  it('without a redirect URI the code is shown on the page', async () => {
    const bare = await addApp(portalCtx(p), { name: 'No redirect', scope: 'user' });
    const a = await authorize(`client_id=${bare.client_id}&state=s1`);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(Object.keys(a.body), ['code', 'state', 'domain', 'member_id', 'scope', 'server_domain']);
  });

  it('until installFinish, app.info says INSTALLED=false and bot events are not delivered (the log says why)', async () => {
    const to = await codeFor('bot');
    const pair = await tokenGet(p, { grant_type: 'authorization_code', client_id: uiApp.client_id, client_secret: uiApp.client_secret, code: to.searchParams.get('code')! });
    const token = pair.body.access_token;
    const info = await restWithAuth(p, 'app.info', token);
    assert.equal(info.body.result.INSTALLED, false);
    assert.equal(info.body.result.install.installed, false);

    const reg = await restWithAuth(p, 'imbot.register', token, {
      CODE: 'wizard_bot', EVENT_MESSAGE_ADD: `${r.base}/bot`, EVENT_WELCOME_MESSAGE: `${r.base}/bot`, EVENT_BOT_DELETE: `${r.base}/bot`, 'PROPERTIES[NAME]': 'Wizard',
    });
    assert.equal(reg.status, 200, reg.text);
    const botId = reg.body.result;
    const say = (text: string) => restWithAuth(p, 'im.message.add', token, { DIALOG_ID: String(botId), MESSAGE: text });
    assert.equal((await say('before finish')).status, 200);
    let entries: any[] = [];
    await until(async () => {
      entries = (await control(p.http, p.server.controlToken, 'events?event=ONIMBOTMESSAGEADD')).body.events;
      return entries[0]?.status === 'failed';
    }, 'the event given up');
    assert.equal(entries[0].status, 'failed');
    assert.equal(entries[0].last_error, 'not sent: the application installation is not finished (installFinish)');
    assert.equal(entries[0].last_status, null);

    assert.equal(await installApp(portalCtx(p), uiApp.client_id), 'finished');
    assert.equal((await restWithAuth(p, 'app.info', token)).body.result.INSTALLED, true);
    assert.equal((await say('after finish')).status, 200);
    const [hit] = await r.waitFor(1, (h) => h.url === '/bot' && h.form.event === 'ONIMBOTMESSAGEADD');
    assert.equal((hit!.form.data as any).PARAMS.MESSAGE, 'after finish');
    assert.equal(r.hits.filter((h) => h.form.event === 'ONIMBOTMESSAGEADD').length, 1);
  });
});
