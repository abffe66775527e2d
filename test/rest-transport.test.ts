import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { errorOf, request, startPortal, type Answer, type TestPortal } from './helpers/server.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const DATE_C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const TIME_KEYS = ['date_finish', 'date_start', 'duration', 'finish', 'operating', 'operating_reset_at', 'processing', 'start'];
const NOT_FOUND = { status: 404, error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' };

/** POST a raw body with an explicit content type (none when `type` is null). */
function post(url: string, body: string | FormData, type: string | null): Promise<Answer> {
  const headers: Record<string, string> = type === null ? {} : { 'content-type': type };
  // A Buffer body makes fetch send no content type at all.
  const payload = type === null && typeof body === 'string' ? Buffer.from(body) : body;
  return request(url, { method: 'POST', headers, body: payload });
}

const postJson = (url: string, params: unknown) => post(url, JSON.stringify(params), 'application/json');
const postForm = (url: string, form: string) => post(url, form, 'application/x-www-form-urlencoded');

/** A success envelope: `result` plus the full `time` block, served as PHP-style JSON. */
function assertSuccess(a: Answer): unknown {
  assert.equal(a.status, 200, a.text);
  assert.equal(a.headers.get('content-type'), JSON_TYPE);
  assert.ok('result' in a.body, a.text);
  assert.deepEqual(Object.keys(a.body.time).sort(), TIME_KEYS);
  return a.body.result;
}

/** The methods of one scope, asserted to be exactly the ones named with that prefix. */
function assertImOnly(names: string[]): void {
  assert.ok(names.includes('im.message.add'), names.join());
  assert.ok(names.every((n) => n.startsWith('im.')), names.join());
}

/** Registers a bot through any transport and returns its id. */
async function registerVia(send: () => Promise<Answer>): Promise<number> {
  const id = assertSuccess(await send());
  assert.equal(typeof id, 'number');
  return id as number;
}

async function botById(p: TestPortal, id: number): Promise<{ ID: number; NAME: string; CODE: string; OPENLINE: string }> {
  const list = assertSuccess(await request(`${p.adminHook}/imbot.bot.list`)) as Record<string, any>;
  return list[String(id)];
}

describe('REST URL shapes', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('accepts the webhook path with or without a transport suffix and a trailing slash', async () => {
    for (const tail of ['server.time', 'server.time.json', 'server.time/', 'server.time.json/']) {
      const result = assertSuccess(await request(`${p.adminHook}/${tail}`));
      assert.match(result as string, DATE_C, tail);
    }
  });

  it('collapses repeated slashes', async () => {
    assert.match(assertSuccess(await request(`${p.http}/rest//1//${p.adminCode}//server.time`)) as string, DATE_C);
    assert.match(assertSuccess(await request(`${p.http}//rest/1/${p.adminCode}/server.time//`)) as string, DATE_C);
  });

  it('takes webhook credentials from aplogin/ap query params, by user id or login', async () => {
    for (const login of ['1', 'admin']) {
      const a = await request(`${p.http}/rest/profile.json?aplogin=${login}&ap=${p.adminCode}`);
      assert.equal((assertSuccess(a) as any).ID, '1');
    }
    assert.equal((assertSuccess(await request(`${p.http}/rest/admin/${p.adminCode}/profile`)) as any).ID, '1');
  });

  it('looks method names up case-insensitively and percent-decoded', async () => {
    for (const name of ['SERVER.TIME', 'Server.Time.JSON', '%53erver%2Etime', 'server%2etime.json']) {
      assert.match(assertSuccess(await request(`${p.adminHook}/${name}`)) as string, DATE_C, name);
    }
  });

  it('answers an unknown method with 404 before looking at credentials', async () => {
    for (const url of [
      `${p.http}/rest/no.such.method`,
      `${p.http}/rest/no.such.method.json`,
      `${p.adminHook}/no.such.method`,
      `${p.http}/rest/1/wrongcode/no.such.method`,
      `${p.http}/rest/7/x/imbot.nothing/`,
    ]) {
      const a = await request(url);
      assert.deepEqual(errorOf(a), NOT_FOUND, url);
      assert.equal(a.headers.get('content-type'), JSON_TYPE);
    }
    assert.deepEqual(errorOf(await postJson(`${p.http}/rest/no.such.method`, { auth: 'whatever' })), NOT_FOUND);
  });

  it('answers paths that are not a REST shape with 404 JSON', async () => {
    for (const path of ['/rest/a/b/', '/rest/', '/rest', `/rest/1/${p.adminCode}/server.time/extra`, '/rest/1/x/y/z/server.time']) {
      const a = await request(`${p.http}${path}`);
      assert.deepEqual(errorOf(a), NOT_FOUND, path);
      assert.equal(a.headers.get('content-type'), JSON_TYPE);
    }
  });

  it('answers a broken percent-escape in the method with the REST 404, not a framework error', async () => {
    const a = await request(`${p.adminHook}/server.time%E0%A4%A`);
    assert.deepEqual(errorOf(a), NOT_FOUND);
    assert.equal(a.headers.get('content-type'), JSON_TYPE);
    assert.equal(a.headers.get('access-control-allow-origin'), '*');
    const outside = await request(`${p.http}/elsewhere/%E0%A4%A`);
    assert.equal(outside.headers.get('content-type'), JSON_TYPE);
    assert.equal(outside.status, 400);
    assert.equal(typeof outside.body.error, 'string');
  });

  it('renders .xml as a <response> document', async () => {
    const a = await request(`${p.adminHook}/scope.xml`);
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.match(a.text, /^<\?xml version="1\.0" encoding="utf-8"\?><response><result><item>[a-z]+<\/item>/);
    assert.match(a.text, /<item>imbot<\/item>/);
    assert.match(a.text, /<time><start>[\d.]+<\/start>.*<date_start>[^<]+<\/date_start>/);
    assert.match(a.text, /<\/response>$/);

    const err = await request(`${p.http}/rest/no.such.method.xml`);
    assert.equal(err.status, 404);
    assert.equal(err.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.match(err.text, /<response><error>ERROR_METHOD_NOT_FOUND<\/error><error_description>Method not found!<\/error_description><\/response>$/);
  });

  it('answers an HTTP/2 cleartext upgrade offer (curl --http2) as plain HTTP/1.1', async () => {
    const port = Number(new URL(p.http).port);
    const offer = (method: string, path: string, body?: string) =>
      new Promise<{ version: string; status: number; upgraded: boolean; body: string }>((resolve, reject) => {
        const headers: Record<string, string> = { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const req = http.request({ host: '127.0.0.1', port, method, path, headers });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ version: res.httpVersion, status: res.statusCode ?? 0, upgraded: true, body: '' });
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ version: res.httpVersion, status: res.statusCode ?? 0, upgraded: false, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const plain = { version: '1.1', status: 200, upgraded: false };
    const get = await offer('GET', `/rest/1/${p.adminCode}/server.time`);
    assert.deepEqual({ ...get, body: undefined }, { ...plain, body: undefined });
    assert.match(JSON.parse(get.body).result, DATE_C);
    const posted = await offer('POST', `/rest/1/${p.adminCode}/methods/`, JSON.stringify({ scope: 'im' }));
    assert.deepEqual({ ...posted, body: undefined }, { ...plain, body: undefined });
    assertImOnly(JSON.parse(posted.body).result);
  });
});

describe('REST parameter parsing', () => {
  let p: TestPortal;
  const handler = 'http://127.0.0.1:9/handler';
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('reads GET query parameters', async () => {
    assertImOnly(assertSuccess(await request(`${p.adminHook}/methods?scope=im`)) as string[]);
    const full = assertSuccess(await request(`${p.adminHook}/scope?full=1`)) as string[];
    assert.ok(full.includes('crm') && full.includes('imbot'), full.join());
  });

  it('reads a form body with PHP bracket names', async () => {
    const id = await registerVia(() =>
      postForm(`${p.adminHook}/imbot.register`, `CODE=form_bot&CLIENT_ID=form&EVENT_HANDLER=${encodeURIComponent(handler)}&PROPERTIES%5BNAME%5D=Form+Bot&PROPERTIES[LAST_NAME]=Smith`),
    );
    assert.deepEqual(await botById(p, id), { ID: id, NAME: 'Form Bot Smith', CODE: 'form_bot', OPENLINE: 'N' });
  });

  it('appends a[]=1&a[]=2 form values to a list', async () => {
    const ids: number[] = [];
    for (const code of ['list_a', 'list_b']) {
      ids.push(await registerVia(() => postJson(`${p.adminHook}/imbot.register`, { CODE: code, CLIENT_ID: 'lists', EVENT_HANDLER: handler, PROPERTIES: { NAME: code } })));
    }
    const chatId = assertSuccess(await postForm(`${p.adminHook}/im.chat.add`, `TITLE=Lists&USERS[]=${ids[0]}&USERS[]=${ids[1]}`));
    const members = assertSuccess(await postForm(`${p.adminHook}/im.chat.user.list`, `CHAT_ID=${chatId}`)) as number[];
    assert.deepEqual([...members].sort((a, b) => a - b), [1, ...ids]);
  });

  it('reads a JSON body with native types', async () => {
    assertImOnly(assertSuccess(await postJson(`${p.adminHook}/methods`, { scope: 'im' })) as string[]);
    const full = assertSuccess(await postJson(`${p.adminHook}/scope`, { full: true })) as string[];
    assert.ok(full.includes('crm'), full.join());
    const own = assertSuccess(await postJson(`${p.adminHook}/scope`, { full: false })) as string[];
    assert.ok(!own.includes('crm'), own.join());
  });

  it('lets JSON body keys replace query keys and keeps the other query keys', async () => {
    assertImOnly(assertSuccess(await postJson(`${p.adminHook}/methods?scope=imbot`, { scope: 'im' })) as string[]);
    const full = assertSuccess(await postJson(`${p.adminHook}/scope?full=1`, { unrelated: 1 })) as string[];
    assert.ok(full.includes('crm'), full.join());
    // Top level only: the body's PROPERTIES replaces the query's whole PROPERTIES array.
    const id = await registerVia(() =>
      postJson(`${p.adminHook}/imbot.register?CODE=query_code&PROPERTIES[LAST_NAME]=Query&CLIENT_ID=over`, {
        CODE: 'body_code',
        EVENT_HANDLER: handler,
        PROPERTIES: { NAME: 'Body' },
      }),
    );
    const bot = await botById(p, id);
    assert.deepEqual({ NAME: bot.NAME, CODE: bot.CODE }, { NAME: 'Body', CODE: 'body_code' });
  });

  it('ignores an undecodable JSON body and still runs the call', async () => {
    assertImOnly(assertSuccess(await post(`${p.adminHook}/methods?scope=im`, '{"scope": "imbot"', 'application/json')) as string[]);
    assertImOnly(assertSuccess(await post(`${p.adminHook}/methods?scope=im`, '"just a string"', 'application/json; charset=utf-8')) as string[]);
  });

  it('parses a text/plain body (BX24.js) and a body without content type like a form', async () => {
    assertImOnly(assertSuccess(await post(`${p.adminHook}/methods`, 'scope=im', 'text/plain;charset=UTF-8')) as string[]);
    assertImOnly(assertSuccess(await post(`${p.adminHook}/methods`, 'scope=im', null)) as string[]);
    const id = await registerVia(() =>
      post(`${p.adminHook}/imbot.register.json`, `CODE=plain_bot&CLIENT_ID=plain&EVENT_HANDLER=${encodeURIComponent(handler)}&PROPERTIES%5BNAME%5D=Plain`, 'text/plain;charset=UTF-8'),
    );
    assert.equal((await botById(p, id)).CODE, 'plain_bot');
  });

  it('reads multipart/form-data fields', async () => {
    const form = new FormData();
    form.set('CODE', 'multipart_bot');
    form.set('CLIENT_ID', 'multipart');
    form.set('EVENT_HANDLER', handler);
    form.set('PROPERTIES[NAME]', 'Multi Part');
    const id = await registerVia(() => post(`${p.adminHook}/imbot.register`, form, null));
    const bot = await botById(p, id);
    assert.deepEqual({ NAME: bot.NAME, CODE: bot.CODE }, { NAME: 'Multi Part', CODE: 'multipart_bot' });
  });

  it('treats form values as PHP strings: "0" is false, "false" is true', async () => {
    const own = assertSuccess(await request(`${p.adminHook}/scope?full=0`)) as string[];
    assert.ok(!own.includes('crm'), own.join());
    const full = assertSuccess(await request(`${p.adminHook}/scope?full=false`)) as string[];
    assert.ok(full.includes('crm'), full.join());
  });

  it('passes SDK telemetry query params through without breaking calls', async () => {
    const telemetry = 'bx24_request_id=0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b&bx24_sdk_ver=2.1.0&bx24_sdk_type=b24-js-sdk';
    assert.match(assertSuccess(await request(`${p.adminHook}/server.time?${telemetry}`)) as string, DATE_C);
    assertImOnly(assertSuccess(await request(`${p.adminHook}/methods?scope=im&${telemetry}`)) as string[]);
    const id = await registerVia(() =>
      postJson(`${p.adminHook}/imbot.register?${telemetry}`, { CODE: 'telemetry_bot', CLIENT_ID: 'tele', EVENT_HANDLER: handler, PROPERTIES: { NAME: 'Tele' } }),
    );
    assert.equal((await botById(p, id)).CODE, 'telemetry_bot');
  });

  it('survives a form variable nested far too deep (PHP drops it) and keeps the others', async () => {
    const deep = `junk${'[x]'.repeat(100_000)}=1`;
    assertImOnly(assertSuccess(await postForm(`${p.adminHook}/methods`, `scope=im&${deep}`)) as string[]);
  });
});

describe('REST response envelope', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('renders an empty bot list as [] (PHP array), never {}', async () => {
    const a = await request(`${p.adminHook}/imbot.bot.list`);
    assert.deepEqual(assertSuccess(a), []);
    assert.match(a.text, /^\{"result":\[\],"time":\{/);
  });

  it('has a time block with the eight keys, numeric times and date("c") dates', async () => {
    const a = await request(`${p.adminHook}/server.time`);
    assertSuccess(a);
    const t = a.body.time;
    for (const k of ['start', 'finish', 'duration', 'processing', 'operating', 'operating_reset_at']) assert.equal(typeof t[k], 'number', k);
    assert.ok(Number.isInteger(t.operating_reset_at));
    assert.ok(t.finish >= t.start && t.duration >= 0 && t.processing >= 0 && t.operating >= 0);
    assert.match(t.date_start, DATE_C);
    assert.match(t.date_finish, DATE_C);
    assert.equal(Date.parse(t.date_start) / 1000, Math.floor(t.start));
    assert.equal(Date.parse(t.date_finish) / 1000, Math.floor(t.finish));
  });

  it('has only error and error_description on errors, without time', async () => {
    const a = await postJson(`${p.adminHook}/im.dialog.messages.get`, {});
    assert.equal(a.status, 400);
    assert.equal(a.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(Object.keys(a.body).sort(), ['error', 'error_description']);
    const missing = await request(`${p.http}/rest/no.such.method`);
    assert.deepEqual(Object.keys(missing.body).sort(), ['error', 'error_description']);
  });

  it('escapes JSON the PHP way: \\/, \\uXXXX for non-ASCII, <>&\' as hex', async () => {
    const reg = await postJson(`${p.adminHook}/imbot.register`, {
      CODE: 'escape/bot',
      CLIENT_ID: 'escape',
      EVENT_HANDLER: 'http://127.0.0.1:9/handler',
      PROPERTIES: { NAME: 'Ünï <b>&\'/' },
    });
    const id = assertSuccess(reg) as number;
    const list = await request(`${p.adminHook}/imbot.bot.list`);
    assert.equal(list.body.result[String(id)].NAME, 'Ünï <b>&\'/');
    assert.ok(list.text.includes('"NAME":"\\u00dcn\\u00ef \\u003Cb\\u003E\\u0026\\u0027\\/"'), list.text);
    assert.ok(list.text.includes('"CODE":"escape\\/bot"'), list.text);
    assert.ok(!/[^\x20-\x7e]/.test(list.text), 'only printable ASCII on the wire');

    const err = await postJson(`${p.adminHook}/im.dialog.messages.get`, {});
    assert.ok(err.text.includes('\\u0027'), err.text);
  });

  it('sends the CORS and nosniff headers on success, errors and OPTIONS preflight', async () => {
    const answers = [
      await request(`${p.adminHook}/server.time`),
      await request(`${p.http}/rest/no.such.method`),
      await request(`${p.http}/rest/server.time`),
      await request(`${p.adminHook}/server.time`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [200, 404, 401, 200]);
    for (const a of answers) {
      assert.equal(a.headers.get('access-control-allow-origin'), '*');
      assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
      assert.match(a.headers.get('access-control-allow-headers') ?? '', /content-type/);
    }
  });
});

describe('common methods', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const control = (body: unknown) =>
    request(`${p.http}/__control/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify(body),
    });
  const serverTime = async () => Date.parse(assertSuccess(await request(`${p.adminHook}/server.time`)) as string);

  it('server.time is date("c") of the portal clock and follows it', async () => {
    const instant = Date.UTC(2031, 4, 6, 7, 8, 9);
    try {
      assert.equal((await control({ set_ms: instant, freeze: true })).status, 200);
      assert.equal(await serverTime(), instant);
      await control({ advance_ms: 90 * 60_000 });
      assert.equal(await serverTime(), instant + 90 * 60_000);
    } finally {
      await control({ set_ms: Date.now(), freeze: false });
    }
  });

  it('scope lists the webhook scopes; full=true lists every portal scope', async () => {
    const own = assertSuccess(await request(`${p.adminHook}/scope`)) as string[];
    assert.ok(['imbot', 'im', 'user'].every((s) => own.includes(s)), own.join());
    const full = assertSuccess(await request(`${p.adminHook}/scope?full=true`)) as string[];
    for (const s of ['imbot', 'im', 'crm', 'user', 'task', 'main']) assert.ok(full.includes(s), s);
    assert.ok(full.length > own.length);
  });

  it('methods: the caller\'s by default, global ones for scope=, all with full=true', async () => {
    const mine = assertSuccess(await request(`${p.adminHook}/methods`)) as string[];
    assert.ok(['imbot.register', 'im.message.add', 'server.time', 'user.current'].every((m) => mine.includes(m)), mine.join());
    const global = assertSuccess(await request(`${p.adminHook}/methods?scope=`)) as string[];
    assert.ok(global.includes('server.time') && global.includes('scope'), global.join());
    assert.ok(!global.some((m) => m.startsWith('im') || m === 'user.current'), global.join());
    const all = assertSuccess(await request(`${p.adminHook}/methods?full=true`)) as string[];
    assert.ok(mine.every((m) => all.includes(m)));
  });

  it('method.get tells whether a method exists and is available', async () => {
    const get = async (name: string) => assertSuccess(await request(`${p.adminHook}/method.get?name=${name}`));
    assert.deepEqual(await get('app.info1'), { isExisting: false, isAvailable: false });
    assert.deepEqual(await get(''), { isExisting: false, isAvailable: false });
    assert.deepEqual(await get('imbot.register'), { isExisting: true, isAvailable: true });
  });

  it('profile and user.current describe the webhook owner', async () => {
    const profile = assertSuccess(await request(`${p.adminHook}/profile`)) as any;
    assert.equal(profile.ID, '1');
    assert.equal(profile.ADMIN, true);
    const user = assertSuccess(await request(`${p.adminHook}/user.current`)) as any;
    assert.equal(user.ID, '1');
    assert.equal(user.ACTIVE, true);
    assert.ok(Array.isArray(user.UF_DEPARTMENT) && user.UF_DEPARTMENT.every(Number.isInteger), JSON.stringify(user.UF_DEPARTMENT));
    assert.match(user.DATE_REGISTER, DATE_C);
  });

  it('app.info via a webhook gives SCOPE and a LICENSE string', async () => {
    const info = assertSuccess(await request(`${p.adminHook}/app.info`)) as any;
    assert.deepEqual(Object.keys(info).sort(), ['LICENSE', 'SCOPE']);
    assert.ok(Array.isArray(info.SCOPE) && info.SCOPE.includes('imbot'));
    assert.equal(typeof info.LICENSE, 'string');
    assert.notEqual(info.LICENSE, '');
  });
});

describe('internal failures', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
    p.server.core.registry.add({
      name: 'test.explode',
      scope: '_global',
      handler: () => {
        throw new Error('secret internals at /srv/imbot/src/secret.ts:42');
      },
    });
  });
  after(() => p.stop());

  it('answer 500 INTERNAL_SERVER_ERROR as JSON without leaking the error', async () => {
    const a = await request(`${p.adminHook}/test.explode`);
    assert.deepEqual(errorOf(a), { status: 500, error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    assert.equal(a.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(Object.keys(a.body).sort(), ['error', 'error_description']);
    assert.ok(!/secret|\.ts:|\bat\b/.test(a.text), a.text);
  });
});
