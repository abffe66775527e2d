import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, errorOf, request, startPortal, type TestPortal } from './helpers/server.js';

describe('control API: scripted faults, clock, token', () => {
  let p: TestPortal;
  const control = (path: string, method: string, body?: unknown, token?: string) =>
    request(`${p.http}/__control/${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': token ?? p.server.controlToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('refuses calls without the control token', async () => {
    const a = await control('faults', 'GET', undefined, 'wrong');
    assert.equal(a.status, 401);
    assert.equal(a.body.error, 'CONTROL_TOKEN_REQUIRED');
  });

  it('GET counters: the process\'s work counters, behind the token', async () => {
    assert.equal((await control('counters', 'GET', undefined, 'wrong')).status, 401);
    const read = async () => (await control('counters', 'GET')).body.counters as Record<string, number>;
    const cacheReads = (c: Record<string, number>) => (c['cache.hit'] ?? 0) + (c['cache.miss'] ?? 0) + (c['cache.stale'] ?? 0) + (c['cache.bypass'] ?? 0);
    const before = await read();
    assert.equal((await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: '1', MESSAGE: 'count me' })).status, 200);
    assert.equal((await callJson(p.adminHook, 'imbot.bot.list')).status, 200);
    const after = await read();
    assert.ok(cacheReads(after) > cacheReads(before), 'the bot list goes through the read cache');
    if (p.server.core.store.dialect === 'postgres') {
      // the write's statements, and the change notifications of its commit (its own, not acted on)
      assert.ok((after['sql.statements'] ?? 0) > (before['sql.statements'] ?? 0));
      assert.ok((after['sql.transactions'] ?? 0) > (before['sql.transactions'] ?? 0));
      // the notification reaches the listening connection on its own schedule: wait for it
      let notified = after['pg.notify.received'] ?? 0;
      for (let i = 0; i < 100 && notified <= (before['pg.notify.received'] ?? 0); i++) {
        await new Promise((r) => setTimeout(r, 20));
        notified = (await read())['pg.notify.received'] ?? 0;
      }
      assert.ok(notified > (before['pg.notify.received'] ?? 0));
    }
  });

  it('rejects a fault for an unknown method or kind', async () => {
    assert.equal((await control('faults', 'POST', { method: 'no.such.method', kind: 'store_failure' })).status, 400);
    assert.equal((await control('faults', 'POST', { method: 'imbot.register', kind: 'explode' })).status, 400);
    assert.deepEqual((await control('faults', 'GET')).body, { faults: [] });
  });

  it('an internal_error fault gives one JSON 500 without details, then calls work again', async () => {
    const armed = await control('faults', 'POST', { method: 'server.time', kind: 'internal_error', times: 1 });
    assert.equal(armed.status, 200);
    const failed = await callJson(p.adminHook, 'server.time');
    assert.deepEqual(errorOf(failed), { status: 500, error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    assert.equal(failed.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.doesNotMatch(failed.text, /scripted|Error:|at /);
    const ok = await callJson(p.adminHook, 'server.time');
    assert.equal(ok.status, 200);
    assert.deepEqual((await control('faults', 'GET')).body, { faults: [] });
  });

  it('a store_failure fault answers the method error and changes nothing; DELETE disarms', async () => {
    await control('faults', 'POST', { method: 'imbot.register', kind: 'store_failure', times: 2 });
    const reg = { CODE: 'faulty', EVENT_HANDLER: 'http://127.0.0.1:9/h', CLIENT_ID: 'c', PROPERTIES: { NAME: 'F' } };
    const first = await callJson(p.adminHook, 'imbot.register', reg);
    assert.deepEqual(errorOf(first), { status: 400, error: 'WRONG_REQUEST', error_description: "Bot can't be created" });
    assert.deepEqual((await callJson(p.adminHook, 'imbot.bot.list')).body.result, []);
    assert.equal((await control('faults', 'GET')).body.faults[0].remaining, 1);
    await control('faults', 'DELETE');
    const second = await callJson(p.adminHook, 'imbot.register', reg);
    assert.equal(typeof second.body.result, 'number');
  });

  it('a store_failure with "after" lets the call write, then fails it; the call\'s transaction undoes those writes too', async () => {
    const db = p.server.core.store.db;
    const users = () => db.selectFrom('users').select(['id', 'name']).orderBy('id').execute();
    const before = await users();
    // imbot.register writes the bot's user row first, then the bots row: after 1 fails the second.
    assert.equal((await control('faults', 'POST', { method: 'imbot.register', kind: 'store_failure', after: 1 })).status, 200);
    const reg = { CODE: 'half', EVENT_HANDLER: 'http://127.0.0.1:9/h', CLIENT_ID: 'c', PROPERTIES: { NAME: 'Half' } };
    assert.deepEqual(errorOf(await callJson(p.adminHook, 'imbot.register', reg)), { status: 400, error: 'WRONG_REQUEST', error_description: "Bot can't be created" });
    assert.deepEqual(await users(), before);
    const nextId = before.at(-1)!.id + 1;
    assert.deepEqual(errorOf(await callJson(p.adminHook, 'im.user.get', { ID: nextId })), { status: 400, error: 'USER_NOT_EXISTS', error_description: 'User is not exists' });
    assert.equal(Object.values((await callJson(p.adminHook, 'imbot.bot.list')).body.result).some((b: any) => b.CODE === 'half'), false);
    // more allowed writes than the call makes: nothing fails, and the fault is used up
    await control('faults', 'POST', { method: 'imbot.register', kind: 'store_failure', after: 100 });
    const id = (await callJson(p.adminHook, 'imbot.register', reg)).body.result;
    assert.equal(typeof id, 'number');
    assert.equal((await callJson(p.adminHook, 'im.user.get', { ID: id })).body.result.name, 'Half');
    assert.deepEqual((await control('faults', 'GET')).body, { faults: [] });
  });

  it('rejects an "after" that is not a whole number >= 0, or given for internal_error', async () => {
    for (const bad of [{ kind: 'store_failure', after: -1 }, { kind: 'store_failure', after: 1.5 }, { kind: 'store_failure', after: '1' }, { kind: 'internal_error', after: 1 }]) {
      const a = await control('faults', 'POST', { method: 'imbot.register', ...bad });
      assert.equal(a.status, 400, JSON.stringify(bad));
      assert.equal(a.body.error, 'INVALID_FAULT');
      assert.match(a.body.error_description, /after/, JSON.stringify(a.body));
    }
    assert.deepEqual((await control('faults', 'GET')).body, { faults: [] });
  });

  it('moves the portal clock that server.time reports', async () => {
    const before = Date.parse((await callJson(p.adminHook, 'server.time')).body.result);
    const moved = await control('clock', 'POST', { advance_ms: 3 * 86_400_000 });
    assert.equal(moved.status, 200);
    const later = Date.parse((await callJson(p.adminHook, 'server.time')).body.result);
    assert.ok(later - before >= 3 * 86_400_000 - 5_000, `clock moved by ${later - before} ms`);
    await control('clock', 'POST', { advance_ms: -3 * 86_400_000 });
  });
});
