import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { addWebhook, removeWebhook } from '../src/auth/webhooks.js';
import { callJson, errorOf, request, startPortal, type Answer, type TestPortal } from './helpers/server.js';

const NO_AUTH = { status: 401, error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' };
const BAD_CREDENTIALS = { status: 401, error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' };
const NOT_FOUND = { status: 404, error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' };
const WEBHOOK_SCOPE = {
  status: 401,
  error: 'insufficient_scope',
  error_description: 'The request requires higher privileges than provided by the webhook token',
};
const HTTPS_REQUIRED = { status: 401, error: 'INVALID_REQUEST', error_description: 'Https required.' };
const INVALID_TOKEN = { status: 401, error: 'invalid_token', error_description: 'Unable to get application by token' };
const SESSION_DENIED = { status: 403, error: 'WRONG_AUTH_TYPE', error_description: 'Access for this method not allowed by session authorization.' };
const NO_APP_CONTEXT = { status: 403, error: 'ACCESS_DENIED', error_description: 'Access denied! Application context required' };
const BOT = { CODE: 'auth_bot', CLIENT_ID: 'auth', EVENT_HANDLER: 'http://127.0.0.1:9/handler', PROPERTIES: { NAME: 'Auth' } };

/** A webhook created the way the CLI does it, straight in the portal's store. */
async function webhook(p: TestPortal, scope: string, userId = 1): Promise<string> {
  const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId, scope });
  return `${p.http}/rest/${userId}/${hook.code}`;
}

/** The answer must be a success; returns `result`. */
function ok(a: Answer): any {
  assert.equal(a.status, 200, a.text);
  assert.ok('result' in a.body && 'time' in a.body, a.text);
  return a.body.result;
}

describe('webhook authentication', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('without any credentials: 401 NO_AUTH_FOUND (GET and POST)', async () => {
    assert.deepEqual(errorOf(await request(`${p.http}/rest/server.time`)), NO_AUTH);
    assert.deepEqual(errorOf(await callJson(`${p.http}/rest`, 'profile', {})), NO_AUTH);
    assert.deepEqual(errorOf(await request(`${p.http}/rest/server.time?aplogin=1`)), NO_AUTH);
  });

  it('the method lookup comes first: an unknown method is 404 whatever the credentials', async () => {
    assert.deepEqual(errorOf(await request(`${p.http}/rest/no.such.method`)), NOT_FOUND);
    assert.deepEqual(errorOf(await request(`${p.http}/rest/1/wrongcode/no.such.method`)), NOT_FOUND);
    const limited = await webhook(p, 'user');
    assert.deepEqual(errorOf(await request(`${limited}/imbot.no.such`)), NOT_FOUND);
  });

  it('a wrong code, a wrong user for a valid code, or a bad ap param: 401 INVALID_CREDENTIALS', async () => {
    for (const url of [
      `${p.http}/rest/1/wrongcode/server.time`,
      `${p.http}/rest/2/${p.adminCode}/server.time`,
      `${p.http}/rest/nobody/${p.adminCode}/server.time`,
      `${p.http}/rest/server.time?aplogin=1&ap=wrongcode`,
      `${p.http}/rest/server.time?aplogin=2&ap=${p.adminCode}`,
    ]) {
      assert.deepEqual(errorOf(await request(url)), BAD_CREDENTIALS, url);
    }
  });

  it('a removed webhook stops working on the next call', async () => {
    const hook = await webhook(p, 'imbot,im,user');
    ok(await request(`${hook}/server.time`));
    assert.equal(await removeWebhook(p.server.core.store.db, hook.split('/').pop()!), true);
    assert.deepEqual(errorOf(await request(`${hook}/server.time`)), BAD_CREDENTIALS);
  });

  it('credentials are checked before the scope', async () => {
    assert.deepEqual(errorOf(await request(`${p.http}/rest/1/wrongcode/imbot.bot.list`)), BAD_CREDENTIALS);
  });

  it('a method outside the webhook scopes: 401 insufficient_scope; _global methods always work', async () => {
    const hook = await webhook(p, 'user');
    assert.deepEqual(errorOf(await callJson(hook, 'imbot.register', BOT)), WEBHOOK_SCOPE);
    assert.deepEqual(errorOf(await request(`${hook}/imbot.bot.list`)), WEBHOOK_SCOPE);
    assert.deepEqual(errorOf(await callJson(hook, 'im.message.add', { DIALOG_ID: '1', MESSAGE: 'x' })), WEBHOOK_SCOPE);
    for (const m of ['server.time', 'scope', 'methods', 'profile', 'app.info', 'user.current']) ok(await request(`${hook}/${m}`));
    assert.deepEqual(ok(await request(`${hook}/scope`)), ['user']);
    assert.deepEqual(ok(await request(`${hook}/method.get?name=imbot.register`)), { isExisting: true, isAvailable: false });
    assert.ok(!ok(await request(`${hook}/methods`)).includes('imbot.register'));
    // No call above may have left a bot behind.
    assert.deepEqual(ok(await request(`${p.adminHook}/imbot.bot.list`)), []);
  });

  it('alternative scopes grant the method too (user_brief → user.current)', async () => {
    const hook = await webhook(p, 'user_brief');
    assert.equal(ok(await request(`${hook}/user.current`)).ID, '1');
    assert.deepEqual(errorOf(await request(`${hook}/imbot.bot.list`)), WEBHOOK_SCOPE);
  });

  it('an empty-scope webhook reaches only the _global methods', async () => {
    const hook = await webhook(p, '');
    assert.match(ok(await request(`${hook}/server.time`)), /^\d{4}-/);
    assert.deepEqual(errorOf(await request(`${hook}/user.current`)), WEBHOOK_SCOPE);
  });
});

describe('HTTPS requirement by profile', () => {
  let cloud: TestPortal;
  let dev: TestPortal;
  before(async () => {
    [cloud, dev] = await Promise.all([startPortal({ profile: 'cloud' }), startPortal({ profile: 'dev' })]);
  });
  after(() => Promise.all([cloud.stop(), dev.stop()]));

  /** GET over HTTPS trusting the portal's own CA (fetch cannot take a CA). */
  function httpsGet(p: TestPortal, path: string): Promise<Answer> {
    const ca = readFileSync(p.server.caPath);
    return new Promise((resolve, reject) => {
      https
        .get(`${p.https}${path}`, { ca }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers, text });
          });
        })
        .on('error', reject);
    });
  }

  it('cloud: a webhook over plain HTTP is 401 INVALID_REQUEST "Https required."', async () => {
    assert.deepEqual(errorOf(await request(`${cloud.adminHook}/server.time`)), HTTPS_REQUIRED);
    assert.deepEqual(errorOf(await request(`${cloud.http}/rest/server.time?aplogin=1&ap=${cloud.adminCode}`)), HTTPS_REQUIRED);
    // Checked before the credentials themselves, as on a portal.
    assert.deepEqual(errorOf(await request(`${cloud.http}/rest/1/wrongcode/server.time`)), HTTPS_REQUIRED);
  });

  it('cloud: the same webhook over HTTPS works, and still checks the code', async () => {
    assert.match(ok(await httpsGet(cloud, `/rest/1/${cloud.adminCode}/server.time`)), /^\d{4}-/);
    assert.equal(ok(await httpsGet(cloud, `/rest/1/${cloud.adminCode}/profile`)).ID, '1');
    assert.deepEqual(errorOf(await httpsGet(cloud, '/rest/1/wrongcode/server.time')), BAD_CREDENTIALS);
  });

  it('dev: webhooks work over plain HTTP and HTTPS', async () => {
    assert.match(ok(await request(`${dev.adminHook}/server.time`)), /^\d{4}-/);
    assert.match(ok(await httpsGet(dev, `/rest/1/${dev.adminCode}/server.time`)), /^\d{4}-/);
  });
});

describe('OAuth token carriers with an unknown token', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('Bearer header, auth= and access_token= all give 401 invalid_token', async () => {
    const bogus = 'ydtj8pho532wydb5ixk78ol7uqlb7sch';
    const answers = [
      await request(`${p.http}/rest/server.time`, { headers: { authorization: `Bearer ${bogus}` } }),
      await request(`${p.http}/rest/server.time?auth=${bogus}`),
      await request(`${p.http}/rest/server.time.json?access_token=${bogus}`),
      await callJson(`${p.http}/rest`, 'profile', { auth: bogus }),
      await request(`${p.http}/rest/user.current.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `auth=${bogus}`,
      }),
    ];
    for (const a of answers) assert.deepEqual(errorOf(a), INVALID_TOKEN);
  });
});

describe('browser session authentication', () => {
  let p: TestPortal;
  let session: { PHPSESSID: string; sessid: string };
  before(async () => {
    p = await startPortal();
    const a = await request(`${p.http}/__control/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ user_id: 1 }),
    });
    assert.equal(a.status, 200, a.text);
    session = a.body;
  });
  after(() => p.stop());

  /** POST as the browser would: cookie plus the `sessid` parameter. */
  function asSession(method: string, params: Record<string, unknown> = {}, cookie = `PHPSESSID=${session.PHPSESSID}`): Promise<Answer> {
    return request(`${p.http}/rest/${method}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(params),
    });
  }

  it('common methods work with the session', async () => {
    const { sessid } = session;
    assert.match(ok(await asSession('server.time', { sessid })), /^\d{4}-/);
    const profile = ok(await asSession('profile', { sessid }));
    assert.deepEqual({ ID: profile.ID, ADMIN: profile.ADMIN }, { ID: '1', ADMIN: true });
    assert.equal(ok(await asSession('user.current', { sessid }, `other=1; PHPSESSID=${session.PHPSESSID}`)).ID, '1');
  });

  it('imbot management methods refuse session auth with 403 WRONG_AUTH_TYPE', async () => {
    const { sessid } = session;
    assert.deepEqual(errorOf(await asSession('imbot.register', { ...BOT, sessid })), SESSION_DENIED);
    assert.deepEqual(errorOf(await asSession('imbot.bot.list', { sessid })), SESSION_DENIED);
    assert.deepEqual(ok(await request(`${p.adminHook}/imbot.bot.list`)), []);
  });

  it('app.info needs application context: 403 ACCESS_DENIED', async () => {
    assert.deepEqual(errorOf(await asSession('app.info', { sessid: session.sessid })), NO_APP_CONTEXT);
  });

  it('a session cookie without the right sessid is no authorization at all', async () => {
    assert.deepEqual(errorOf(await asSession('server.time')), NO_AUTH);
    assert.deepEqual(errorOf(await asSession('server.time', { sessid: 'not-the-sessid' })), NO_AUTH);
    assert.deepEqual(errorOf(await asSession('server.time', { sessid: session.sessid }, 'PHPSESSID=unknown')), NO_AUTH);
    assert.deepEqual(errorOf(await asSession('server.time', { sessid: session.sessid }, '')), NO_AUTH);
  });
});

describe('malformed and oversized requests', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  /** A raw request whose Content-Length claims far more than it sends. */
  function oversized(): Promise<{ status: number; type: string | undefined; text: string }> {
    const { hostname, port } = new URL(p.http);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          method: 'POST',
          path: `/rest/1/${p.adminCode}/server.time`,
          headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024 * 1024) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text }));
        },
      );
      req.on('error', reject);
      req.write('{}');
    });
  }

  it('a body over the size limit gets a JSON 413, not HTML', async () => {
    const a = await oversized();
    assert.equal(a.status, 413);
    assert.equal(a.type, 'application/json; charset=utf-8');
    assert.deepEqual(Object.keys(JSON.parse(a.text)).sort(), ['error', 'error_description']);
  });

  it('garbage bodies and broken escapes still get JSON answers', async () => {
    const garbage = await request(`${p.adminHook}/server.time`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--nope\r\nnot multipart at all',
    });
    assert.equal(garbage.status, 200, garbage.text);
    const broken = await request(`${p.adminHook}/server.time?x=%E0%A4%A&y=%zz`);
    assert.equal(broken.status, 200, broken.text);
    const path = await request(`${p.http}/rest/1/%E0%A4%A/server.time`);
    assert.equal(path.status, 401, path.text);
    assert.equal(path.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(typeof path.body.error, 'string');
  });
});
