import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addPerson, assertResult, callJson, request, startPortal, type TestPortal } from './helpers/server.js';
import { runCli, spawnCli, until } from './helpers/events.js';
import { MovableClock } from '../src/clock.js';
import { RequestLog } from '../src/rest/request-log.js';

// The request log (issue 15 §1): every REST call and batch command, secrets masked, under
// GET /__control/requests and `imbot-server requests`; pino logs on stdout.

function requests(p: TestPortal, query = '', token = p.server.controlToken) {
  return request(`${p.http}/__control/requests${query ? `?${query}` : ''}`, { headers: { 'x-imbot-control-token': token } });
}

describe('request log', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('records each call with caller, method, masked params, status, result and duration, newest first', async () => {
    const person = await addPerson(p, 'Ann');
    const code = person.hook.split('/').at(-1)!;
    assertResult(await callJson(person.hook, 'user.current'));
    const sent = await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: person.id, MESSAGE: 'hello' });
    const messageId = assertResult(sent);
    const a = await requests(p, 'limit=2');
    assert.equal(a.status, 200);
    const [last, first] = a.body.requests;
    assert.equal(last.method, 'im.message.add');
    assert.equal(last.transport, 'http');
    assert.equal(last.status, 200);
    assert.equal(last.error, null);
    assert.equal(last.result, messageId);
    assert.equal(last.user_id, 1);
    assert.match(last.caller, /^webhook:\d+$/);
    assert.deepEqual({ ...last.params, ap: undefined }, { DIALOG_ID: person.id, MESSAGE: 'hello', aplogin: '1', ap: undefined });
    assert.equal(typeof last.duration_ms, 'number');
    assert.equal(typeof last.node, 'string');
    assert.ok(last.id > first.id);
    assert.equal(first.method, 'user.current');
    assert.equal(first.user_id, person.id);
    assert.equal(first.result.ID, String(person.id));
    // the webhook code is never in the log
    assert.ok(!a.text.includes(code), 'webhook code masked');
    assert.ok(!a.text.includes(p.adminCode), 'admin code masked');
    assert.equal(first.params.ap, '***');
  });

  it('records failures with their error code and HTTP status', async () => {
    const unknown = await callJson(p.adminHook, 'no.such.method');
    assert.equal(unknown.status, 404);
    const badAuth = await request(`${p.http}/rest/1/wrongcode123/user.current`);
    assert.equal(badAuth.status, 401);
    const [bad, missing] = (await requests(p, 'limit=2')).body.requests;
    assert.deepEqual([bad.method, bad.status, bad.error, bad.caller], ['user.current', 401, badAuth.body.error, null]);
    assert.equal(bad.params.ap, '***');
    assert.deepEqual([missing.method, missing.status, missing.error], ['no.such.method', 404, 'ERROR_METHOD_NOT_FOUND']);
    assert.equal(missing.error_description, unknown.body.error_description);
  });

  it('records each batch command after the batch, linked by parent_id, secrets in cmd masked', async () => {
    const token = 'abcdef0123456789abcdef0123456789';
    const b = await callJson(p.adminHook, 'batch', { halt: 0, cmd: { me: 'user.current', bad: 'no.such.method', x: `user.current?auth=${token}` } });
    assert.equal(b.status, 200);
    const list = (await requests(p, 'limit=4')).body.requests;
    const [c3, c2, c1, batch] = list;
    assert.equal(batch.method, 'batch');
    assert.ok(!JSON.stringify(list).includes(token), 'token in a batch cmd masked');
    assert.equal(batch.params.cmd.x, 'user.current?auth=***');
    for (const c of [c1, c2, c3]) {
      assert.equal(c.transport, 'batch');
      assert.equal(c.parent_id, batch.id);
    }
    assert.deepEqual([c1.method, c1.status], ['user.current', 200]);
    assert.deepEqual([c2.method, c2.status, c2.error], ['no.such.method', 404, 'ERROR_METHOD_NOT_FOUND']);
    assert.equal(c3.params.auth, '***');
  });

  it('filters by method (prefix), status, error, caller, since, after and limit', async () => {
    const person = await addPerson(p, 'Bob');
    assertResult(await callJson(person.hook, 'user.current'));
    assertResult(await callJson(person.hook, 'im.recent.get'));
    const all = (await requests(p, 'limit=1000')).body.requests as any[];
    const ofBob = (await requests(p, `caller=user:${person.id}`)).body.requests as any[];
    assert.deepEqual(ofBob.map((e) => e.method), ['im.recent.get', 'user.current']);
    const byHook = (await requests(p, `caller=${encodeURIComponent(ofBob[0].caller)}`)).body.requests as any[];
    assert.equal(byHook.length, 2);
    assert.deepEqual((await requests(p, 'method=IM.RECENT.GET')).body.requests.map((e: any) => e.id), [ofBob[0].id]);
    assert.ok((await requests(p, 'method=im.*')).body.requests.every((e: any) => e.method.startsWith('im.')));
    const failed = (await requests(p, 'error=*')).body.requests as any[];
    assert.ok(failed.length >= 3 && failed.every((e) => e.error !== null));
    assert.ok((await requests(p, 'status=404')).body.requests.every((e: any) => e.status === 404));
    assert.deepEqual((await requests(p, 'error=ERROR_METHOD_NOT_FOUND')).body.requests.map((e: any) => e.error), ['ERROR_METHOD_NOT_FOUND', 'ERROR_METHOD_NOT_FOUND']);
    assert.deepEqual((await requests(p, `after=${ofBob[1].id}`)).body.requests.map((e: any) => e.id), [ofBob[0].id]);
    assert.ok((await requests(p, `since=${new Date(ofBob[0].time).toISOString()}`)).body.requests.some((e: any) => e.id === ofBob[0].id));
    assert.equal((await requests(p, `since=${ofBob[0].time + 60_000}`)).body.requests.length, 0);
    assert.equal((await requests(p, 'limit=3')).body.requests.length, 3);
    assert.ok(all.length >= 10);
  });

  it('refuses bad filters with INVALID_FILTER and calls without the control token', async () => {
    for (const q of ['limit=0', 'limit=abc', 'status=99', 'since=yesterday', 'caller=bob']) {
      const a = await requests(p, q);
      assert.equal(a.status, 400, q);
      assert.equal(a.body.error, 'INVALID_FILTER', q);
      assert.equal(typeof a.body.error_description, 'string');
    }
    const denied = await requests(p, '', 'wrong');
    assert.equal(denied.status, 401);
    assert.equal(denied.body.error, 'CONTROL_TOKEN_REQUIRED');
  });

  it('is cleared by DELETE', async () => {
    const a = await request(`${p.http}/__control/requests`, { method: 'DELETE', headers: { 'x-imbot-control-token': p.server.controlToken } });
    assert.deepEqual(a.body, { requests: [] });
    assert.deepEqual((await requests(p)).body.requests, []);
  });
});

describe('request log bounds', () => {
  it('keeps at most --request-log-size entries and none older than --request-log-age', async () => {
    const p = await startPortal({ requestLog: { maxEntries: 3, maxAgeMs: 60_000 } });
    try {
      for (let i = 0; i < 5; i++) assertResult(await callJson(p.adminHook, 'user.current'));
      const kept = (await requests(p)).body.requests as any[];
      assert.equal(kept.length, 3);
      assert.equal(kept[0].id, 5);
      p.server.clock.advance(61_000);
      assert.deepEqual((await requests(p)).body.requests, []);
      assertResult(await callJson(p.adminHook, 'user.current'));
      assert.equal((await requests(p)).body.requests.length, 1);
    } finally {
      await p.stop();
    }
  });
});

describe('request log bounds, in the class', () => {
  it('a full log keeps the newest entries in order through many calls (past its compactions), and drops by age', () => {
    const clock = new MovableClock();
    const log = new RequestLog(clock, { maxEntries: 1000, maxAgeMs: 60_000, node: 'n' });
    const add = () => log.add({ transport: 'http', method: 'user.current', params: {}, status: 200, result: true, durationMs: 1 });
    for (let i = 0; i < 5_500; i++) add();
    const all = log.list({ limit: 5_000 });
    assert.equal(all.length, 1000);
    assert.equal(all[0]!.id, 5_500);
    assert.equal(all.at(-1)!.id, 4_501);
    assert.ok(all.every((e, i) => e.id === 5_500 - i));
    assert.deepEqual(log.list({ after: 5_497 }).map((e) => e.id), [5_500, 5_499, 5_498]);
    clock.advance(30_000);
    for (let i = 0; i < 10; i++) add();
    clock.advance(31_000);
    assert.deepEqual(log.list({ limit: 5_000 }).map((e) => e.id), Array.from({ length: 10 }, (_, i) => 5_510 - i));
    clock.advance(61_000);
    assert.deepEqual(log.list(), []);
    add();
    assert.deepEqual(log.list().map((e) => e.id), [5_511]);
  });
});

describe('request log entry size', () => {
  it('keeps a call of 10,000 parameters as its first hundred and a count, ~16 K characters at most (a log bounded by count is bounded in memory)', async () => {
    const p = await startPortal();
    try {
      const form = Array.from({ length: 10_000 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join('&');
      await request(`${p.adminHook}/user.current`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const list = [...Array.from({ length: 300 }, (_, i) => 'x'.repeat(i))];
      assertResult(await callJson(p.adminHook, 'user.current', { list, nested: { a: { b: Array.from({ length: 500 }, () => ({ c: 'y'.repeat(900) })) } } }));
      const [json, form1] = (await requests(p)).body.requests as any[];
      assert.equal(Object.keys(form1.params).length, 101);
      assert.ok(Number(/^\[(\d+) more\]$/.exec(form1.params['…'])?.[1]) >= 9900, form1.params['…']);
      assert.equal(form1.params.k0, 'v'.repeat(200));
      assert.ok(JSON.stringify(form1.params).length < 20_000, String(JSON.stringify(form1.params).length));
      assert.equal(json.params.list.length, 101);
      assert.equal(json.params.list.at(-1), '[200 more]');
      assert.ok(JSON.stringify(json.params).length < 40_000, String(JSON.stringify(json.params).length));
    } finally {
      await p.stop();
    }
  });
});

describe('imbot-server requests and the structured log', () => {
  it('prints the log (tab lines, --json), follows new calls, and filters', async () => {
    const p = await startPortal();
    try {
      assertResult(await callJson(p.adminHook, 'user.current'));
      await callJson(p.adminHook, 'no.such.method');
      const common = ['--url', p.http, '--token', p.server.controlToken];
      const plain = await runCli('requests', ...common);
      assert.equal(plain.code, 0, plain.stderr);
      const lines = plain.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^1\t\d\d:\d\d:\d\d\.\d{3}\twebhook:\d+\tuser\.current\t200\t[\d.]+ ms$/);
      assert.match(lines[1]!, /\tno\.such\.method\t404 ERROR_METHOD_NOT_FOUND\t/);
      const json = await runCli('requests', ...common, '--json', '--error', '*');
      const entries = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(entries.map((e) => e.method), ['no.such.method']);
      const noServer = await runCli('requests', '--url', 'http://127.0.0.1:1', '--token', 'x');
      assert.equal(noServer.code, 1);
      assert.match(noServer.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:1/);

      const child = spawnCli('requests', ...common, '--follow', '--json', '--limit', '1');
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await until(() => out.includes('no.such.method'), 'first page printed');
      assertResult(await callJson(p.adminHook, 'im.recent.get'));
      await until(() => out.includes('im.recent.get'), 'followed call printed');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.deepEqual(out.trim().split('\n').map((l) => JSON.parse(l).method), ['no.such.method', 'im.recent.get']);
    } finally {
      await p.stop();
    }
  });

  it('serve logs one JSON line per REST call with --log-format json, without secrets', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-log-'));
    const child = spawnCli('serve', '--data', dataDir, '--port', '0', '--http-port', '0', '--log-format', 'json');
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(() => /admin webhook:\s+\S+/.test(out), 'banner');
      const hook = /admin webhook:\s+(\S+)/.exec(out)![1]!;
      const http = /portal \(HTTP\):\s+(\S+)\/rest\//.exec(out)![1]!;
      const code = /\/rest\/1\/([^/]+)\//.exec(hook)![1]!;
      assertResult(await callJson(`${http}/rest/1/${code}`, 'user.current'));
      await until(() => out.includes('"rest call"'), 'log line');
      const line = JSON.parse(out.split('\n').find((l) => l.includes('"rest call"'))!);
      assert.equal(line.level, 30);
      assert.equal(line.method, 'user.current');
      assert.equal(line.status, 200);
      assert.match(line.caller, /^webhook:\d+$/);
      const logged = out.split('\n').filter((l) => l.startsWith('{')).join('\n');
      assert.ok(!logged.includes(code), 'no webhook code in the logs');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
