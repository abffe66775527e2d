import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { INPUT_CAPS } from '../src/rest/input-limits.js';
import { parseStr } from '../src/rest/php.js';
import { answerOn, openRaw, type RawAnswer } from './helpers/raw-http.js';
import { assertError, assertResult, callJson, request, startPortal, type Answer, type TestPortal } from './helpers/server.js';

/*
 * Issue 19, item 2: parameter parsing a hostile client cannot abuse. Each attack from the issue is
 * a test here; the server is the test process, so pollution is checked on this process's prototypes.
 */

const TOO_MANY = ['INVALID_REQUEST', 'Too many parameters'] as const;

function assertClean(label: string): void {
  for (const name of ['polluted', 'x', 'y', 'z', 'length2']) {
    assert.equal((Object.prototype as any)[name], undefined, `${label}: Object.prototype.${name}`);
    assert.equal((Array.prototype as any)[name], undefined, `${label}: Array.prototype.${name}`);
  }
  assert.equal(({} as any).polluted, undefined, label);
}

function multipart(parts: { name: string; filename?: string; value: string }[]): { body: string; type: string } {
  const boundary = 'xBOUNDARYx';
  let body = '';
  for (const p of parts) {
    body += `--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.filename !== undefined) body += 'content-type: application/octet-stream\r\n';
    body += `\r\n${p.value}\r\n`;
  }
  return { body: body + `--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Sends only the request head (and `sent` bytes of body) on a raw socket and returns the first
 * answer the server writes: proof it answered without waiting for the announced body.
 */
async function headThenAnswer(url: string, head: string, sent = ''): Promise<RawAnswer> {
  const socket = await openRaw(url, head + sent);
  try {
    return await answerOn(socket);
  } finally {
    socket.destroy();
  }
}

describe('parameter parsing against a hostile client', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('a multipart part named __proto__[x] to an unknown method pollutes nothing (the issue\'s attack)', async () => {
    const m = multipart([
      { name: '__proto__[x]', filename: 'a.txt', value: 'evil' },
      { name: '__proto__[polluted]', value: '1' },
    ]);
    const a = await request(`${p.http}/rest/no.such.method`, { method: 'POST', headers: { 'content-type': m.type }, body: m.body });
    assertError(a, [404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!']);
    assertClean('unknown method');
    // the same parts to a real method, next to list-shaped fields (Array.prototype)
    const m2 = multipart([
      { name: 'a[0]', value: '1' },
      { name: 'a[__proto__][y]', filename: 'b.txt', value: 'evil' },
      { name: 'constructor[prototype][z]', filename: 'c.txt', value: 'evil' },
      { name: '__proto__[x]', filename: 'a.txt', value: 'evil' },
    ]);
    const b = await request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': m2.type }, body: m2.body });
    assert.equal(b.status, 200, b.text);
    assertClean('known method');
  });

  it('query, form, JSON and batch commands keep __proto__/constructor as ordinary keys', async () => {
    const q = '__proto__[polluted]=1&constructor[prototype][x]=1&a[0]=1&a[__proto__][y]=1';
    assert.equal((await request(`${p.adminHook}/server.time?${q}`)).status, 200);
    assert.equal((await request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: q })).status, 200);
    const json = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"cmd":{"__proto__":"server.time?__proto__[y]=1"}}';
    assert.equal((await request(`${p.adminHook}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })).status, 200);
    const batch = await callJson(p.adminHook, 'batch', { cmd: { __proto__x: 'server.time?__proto__[z]=1&constructor[prototype][z]=1', a: 'user.get?__proto__[x]=1&NAME[0][x]=1' } });
    assert.equal(batch.status, 200, batch.text);
    assertClean('query/form/json/batch');
    // what the parser builds: the keys are data, the containers have no prototype to reach
    const parsed = parseStr('__proto__[x]=1&a[]=1&a[__proto__][x]=2') as any;
    assert.equal(Object.getPrototypeOf(parsed), null);
    assert.deepEqual(Object.keys(parsed), ['__proto__', 'a']);
    assert.equal(parsed['__proto__'].x, '1');
    assertClean('parseStr');
  });

  it('a[]= appends in linear time: 200,000 appends parse (the quadratic parser never finished)', () => {
    const n = 200_000;
    const out = parseStr('a[]=1&'.repeat(n), { ...INPUT_CAPS, maxVars: Infinity }) as any;
    assert.equal(out.a.length, n);
    assert.equal(out.a[n - 1], '1');
    // PHP's next index: one past the largest integer key so far
    assert.deepEqual(JSON.parse(JSON.stringify(parseStr('a[5]=x&a[]=y&a[x]=z&a[]=w&b[-3]=1&b[]=2'))), { a: { 5: 'x', 6: 'y', x: 'z', 7: 'w' }, b: { '-3': '1', 0: '2' } });
  });

  it('the issue\'s 600 KB a[]= request answers 400 at once; a concurrent call is not held up', async () => {
    const body = 'a[]=1&'.repeat(100_000); // 600 KB, 100,000 parameters
    const [big, time] = await Promise.all([
      request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
      request(`${p.adminHook}/server.time`),
    ]);
    assertError(big, [400, ...TOO_MANY]);
    assert.equal(time.status, 200);
    // the same number in the query string and as JSON
    assertError(await request(`${p.adminHook}/server.time?${'b[]=1&'.repeat(10_001)}`), [400, ...TOO_MANY]);
    const json = JSON.stringify({ a: new Array(10_001).fill(1) });
    assertError(await request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }), [400, ...TOO_MANY]);
    // at the cap, a call goes through
    assert.equal((await request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a[]=1&'.repeat(10_000) })).status, 200);
  });

  it('parameter names over 1024 characters and nesting deeper than 64 levels are refused', async () => {
    const form = (body: string) => request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assertError(await form(`${'k'.repeat(1025)}=1`), [400, 'INVALID_REQUEST', 'Parameter name is too long']);
    assert.equal((await form(`${'k'.repeat(1024)}=1`)).status, 200);
    // a form name deeper than PHP's max_input_nesting_level (64) is dropped, as PHP does, however long
    assert.equal((await form(`a${'[b]'.repeat(65)}=1`)).status, 200);
    assert.equal((await form(`a${'[b]'.repeat(300_000)}=1`)).status, 200);
    assert.deepEqual(JSON.parse(JSON.stringify(parseStr(`a=1&b${'[b]'.repeat(65)}=1&c${'[c]'.repeat(64)}=1`))).a, '1');
    assert.equal(Object.keys(parseStr(`b=1&b${'[b]'.repeat(65)}=1`)).length, 0);
    assertError(await form(`a[${'b'.repeat(1100)}]=1`), [400, 'INVALID_REQUEST', 'Parameter name is too long']);
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const json = (body: string) => request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // the body object is the parameter array itself; 64 levels below it pass
    assertError(await json(deep(66)), [400, 'INVALID_REQUEST', 'Parameters are nested too deeply']);
    assertError(await json('['.repeat(100_000) + ']'.repeat(100_000)), [400, 'INVALID_REQUEST', 'Parameters are nested too deeply']);
    assert.equal((await json(deep(65))).status, 200);
    assertError(await json(JSON.stringify({ ['k'.repeat(1025)]: 1 })), [400, 'INVALID_REQUEST', 'Parameter name is too long']);
    // batch commands are parsed with the same caps, each one on its own
    const batch = assertResult(await callJson(p.adminHook, 'batch', { cmd: { a: `server.time?${'x[]=1&'.repeat(10_001)}`, b: 'server.time' } }));
    assert.deepEqual(batch.result_error.a, { error: 'INVALID_REQUEST', error_description: 'Too many parameters' });
    assert.ok(batch.result.b);
  });

  it('a 150 MB body to an unknown method is refused before it is read', async () => {
    const u = new URL(p.http);
    const head = `POST /rest/no.such.method HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${150 * 1024 * 1024}\r\n\r\n`;
    const a = await headThenAnswer(p.http, head, '{"a":');
    assert.equal(a.status, 404);
    assert.deepEqual(a.body, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    assert.match(a.raw, /connection: close/i);
  });

  it('a large body to a known method is refused before it is read; uploads take the large limit only when authenticated', async () => {
    const u = new URL(p.http);
    const head = (path: string, len: number) => `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;
    const tooLarge = { error: 'REQUEST_TOO_LARGE', error_description: 'Request body is too large' };
    // an ordinary method: 4 MiB
    const small = await headThenAnswer(p.http, head(`/rest/1/${p.adminCode}/server.time`, 5 * 1024 * 1024), '{');
    assert.equal(small.status, 413);
    assert.deepEqual(small.body, tooLarge);
    // an upload method with no credential in the URL or headers: the small limit too
    const anon = await headThenAnswer(p.http, head('/rest/imbot.v2.File.upload', 150 * 1024 * 1024), '{');
    assert.equal(anon.status, 413);
    assert.deepEqual(anon.body, tooLarge);
    // an upload method with a wrong webhook in the path: its auth error, before the body
    const wrong = await headThenAnswer(p.http, head('/rest/1/wrongcode123/imbot.v2.File.upload', 150 * 1024 * 1024), '{');
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' });
    // the admin webhook may send more than 4 MiB to an upload method (the method then answers)
    const big = JSON.stringify({ botId: 1, dialogId: 'chat1', fields: { name: 'a.bin', content: 'A'.repeat(5 * 1024 * 1024) } });
    const up = await request(`${p.adminHook}/imbot.v2.File.upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.notEqual(up.body?.error, 'REQUEST_TOO_LARGE', up.text.slice(0, 200));
  });

  it('a 1 MB webhook code is refused without reaching the store or the auth cache', async () => {
    const code = 'a'.repeat(1024 * 1024);
    const b = await request(`${p.http}/rest/server.time`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ aplogin: '1', ap: code }) });
    assertError(b, [401, 'INVALID_CREDENTIALS', 'Invalid request credentials']);
    const entries = (p.server.core.store.cache as any).entries as Map<string, unknown>;
    for (const key of entries.keys()) assert.ok(key.length < 200, `cache key of ${key.length} characters`);
  });
});

export type { Answer };
