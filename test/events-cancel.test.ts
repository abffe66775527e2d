import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { control, runCli, startReceiver, until, type Hit, type Receiver } from './helpers/events.js';
import { callJson, startPortal, type TestPortal } from './helpers/server.js';

// Cancelling deliveries from the control API (DELETE /__control/events/<id>, POST
// /__control/events/cancel) and the CLI (events cancel): a pending or retrying delivery becomes
// `cancelled` and is never sent again; anything else is refused with a JSON error.

const T = 1_800_000_000_000;

describe('cancelling pending deliveries', () => {
  let p: TestPortal;
  let r: Receiver;
  let botId: number;
  const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);
  async function del(path: string): Promise<{ status: number; type: string; body: any }> {
    const res = await fetch(`${p.http}/__control/${path}`, { method: 'DELETE', headers: { 'x-imbot-control-token': p.server.controlToken } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
  }

  /** A new person writes `text` to the bot: an ONIMBOTJOINCHAT and an ONIMBOTMESSAGEADD. */
  async function write(text: string): Promise<number> {
    const db = p.server.core.store.db;
    const id = await createUser(db, p.server.clock, { name: 'Person' });
    const hook = await addWebhook(db, p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
    const a = await callJson(`${p.http}/rest/${id}/${hook.code}`, 'im.message.add', { DIALOG_ID: botId, MESSAGE: text });
    assert.equal(a.status, 200, a.text);
    return id;
  }
  /** The log entries (join and message) of the person `userId`, who wrote `text`. */
  async function entriesOf(userId: number, text: string): Promise<{ join: any; message: any }> {
    const { body } = await ctl('events?limit=500');
    const join = body.events.find((e: any) => e.event === 'ONIMBOTJOINCHAT' && e.body.includes(`%5BUSER_ID%5D=${userId}&`));
    const message = body.events.find((e: any) => e.event === 'ONIMBOTMESSAGEADD' && e.body.includes(`%5BMESSAGE%5D=${text}&`));
    assert.ok(join && message, `both deliveries of ${userId} are logged`);
    return { join, message };
  }
  const hitsOf = (userId: number, text: string) => (h: Hit) => (h.form.data as any)?.PARAMS?.USER_ID === String(userId) || (h.form.data as any)?.PARAMS?.MESSAGE === text;

  before(async () => {
    p = await startPortal({ delivery: { policy: 'retry' } });
    r = await startReceiver();
    assert.equal((await ctl('clock', { set_ms: T, freeze: true })).status, 200);
    const reg = await callJson(p.adminHook, 'imbot.register', {
      CODE: 'cancel',
      CLIENT_ID: 'app',
      EVENT_MESSAGE_ADD: `${r.base}/h`,
      EVENT_WELCOME_MESSAGE: `${r.base}/h`,
      EVENT_BOT_DELETE: `${r.base}/h`,
      PROPERTIES: { NAME: 'Cancel' },
    });
    assert.equal(reg.status, 200, reg.text);
    botId = reg.body.result;
  });
  after(async () => {
    await p.stop();
    await r.close();
  });

  it('DELETE /__control/events/<id> cancels a retrying delivery; it is never sent again, the lane goes on', async () => {
    r.script.push(503);
    const user = await write('first');
    await r.waitFor(1, hitsOf(user, 'first'));
    await until(async () => (await entriesOf(user, 'first')).join.attempts === 1, 'the failed attempt is logged');
    const { join, message } = await entriesOf(user, 'first');
    assert.deepEqual([join.status, message.status, message.attempts], ['pending', 'pending', 0]);

    const res = await del(`events/${join.id}`);
    assert.equal(res.status, 200);
    assert.match(res.type, /^application\/json/);
    assert.deepEqual([res.body.event.id, res.body.event.status, res.body.event.last_error, res.body.event.next_attempt_at], [join.id, 'cancelled', 'cancelled by the operator', null]);

    assert.equal((await ctl('clock', { advance_ms: 3_600_000 })).status, 200);
    await r.waitFor(1, (h) => (h.form.data as any)?.PARAMS?.MESSAGE === 'first');
    await until(async () => (await entriesOf(user, 'first')).message.status === 'delivered', 'the message behind it is delivered');
    const after = await entriesOf(user, 'first');
    assert.deepEqual([after.join.status, after.join.attempts], ['cancelled', 1]);
    assert.equal(r.hits.filter((h) => h.form.event === 'ONIMBOTJOINCHAT' && (h.form.data as any).PARAMS.USER_ID === String(user)).length, 1, 'sent once, before the cancel');

    const delivered = await del(`events/${message.id}`);
    assert.deepEqual([delivered.status, delivered.body.error, delivered.body.status], [409, 'EVENT_NOT_PENDING', 'delivered']);
    assert.equal(delivered.body.error_description, `Delivery ${message.id} is delivered: only a pending delivery can be cancelled`);
    const again = await del(`events/${join.id}`);
    assert.deepEqual([again.status, again.body.error, again.body.status], [409, 'EVENT_NOT_PENDING', 'cancelled']);
    for (const id of ['999999', 'abc', '0']) {
      const missing = await del(`events/${id}`);
      assert.deepEqual([missing.status, missing.body], [404, { error: 'EVENT_NOT_FOUND', error_description: 'No delivery with this id' }]);
    }
  });

  it('POST /__control/events/cancel cancels every pending delivery, or those to one handler', async () => {
    r.script.push(503);
    const user = await write('second');
    await until(async () => (await entriesOf(user, 'second')).join.attempts === 1, 'the failed attempt is logged');
    const { join, message } = await entriesOf(user, 'second');

    for (const body of [{}, { pending: false }, { pending: true, handler: 7 }, { pending: true, handler: '' }]) {
      const bad = await ctl('events/cancel', body);
      assert.deepEqual([bad.status, bad.body.error], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    const other = await ctl('events/cancel', { pending: true, handler: `${r.base}/elsewhere` });
    assert.deepEqual([other.status, other.body], [200, { cancelled: [] }]);
    assert.equal((await entriesOf(user, 'second')).join.status, 'pending', 'another handler\'s filter changes nothing');

    // the stored URL carries the webhook bot's ?CLIENT_ID=…; the URL without it matches
    const res = await ctl('events/cancel', { pending: true, handler: `${r.base}/h` });
    assert.deepEqual([res.status, res.body], [200, { cancelled: [join.id, message.id].sort((a, b) => a - b) }]);
    const now = await entriesOf(user, 'second');
    assert.deepEqual([now.join.status, now.message.status], ['cancelled', 'cancelled']);

    assert.equal((await ctl('clock', { advance_ms: 3_600_000 })).status, 200);
    r.script.push(503);
    const next = await write('third'); // the lane is free again: this one is sent at once
    await r.waitFor(1, hitsOf(next, 'third'));
    await until(async () => (await entriesOf(next, 'third')).join.attempts === 1);
    const all = await ctl('events/cancel', { pending: true });
    const third = await entriesOf(next, 'third');
    assert.deepEqual(all.body.cancelled, [third.join.id, third.message.id].sort((a, b) => a - b));
    assert.equal(r.hits.filter(hitsOf(user, 'second')).length, 1, 'the cancelled ones were never sent again');
  });

  it('imbot-server events cancel --pending [--handler URL] and events cancel <id>', async () => {
    r.script.push(503);
    const user = await write('fourth');
    await until(async () => (await entriesOf(user, 'fourth')).join.attempts === 1, 'the failed attempt is logged');
    const { join, message } = await entriesOf(user, 'fourth');

    const elsewhere = await runCli('events', 'cancel', '--pending', '--handler', `${r.base}/elsewhere`, '--data', p.dataDir);
    assert.deepEqual([elsewhere.code, elsewhere.stdout, elsewhere.stderr], [0, '', 'cancelled 0 pending deliveries\n']);
    const both = await runCli('events', 'cancel', '--pending', '--handler', `${r.base}/h`, '--data', p.dataDir);
    assert.deepEqual([both.code, both.stdout, both.stderr], [0, `${join.id}\n${message.id}\n`, 'cancelled 2 pending deliveries\n']);
    const now = await entriesOf(user, 'fourth');
    assert.deepEqual([now.join.status, now.message.status, now.message.last_error], ['cancelled', 'cancelled', 'cancelled by the operator']);

    assert.equal((await ctl('clock', { advance_ms: 3_600_000 })).status, 200);
    r.script.push(503);
    const next = await write('fifth');
    await until(async () => (await entriesOf(next, 'fifth')).join.attempts === 1, 'the failed attempt is logged');
    const fifth = await entriesOf(next, 'fifth');
    const one = await runCli('events', 'cancel', String(fifth.join.id), '--data', p.dataDir);
    assert.deepEqual([one.code, one.stdout], [0, `cancelled ${fifth.join.id}\n`], one.stderr);
    assert.equal((await entriesOf(next, 'fifth')).join.status, 'cancelled');
    const twice = await runCli('events', 'cancel', String(fifth.join.id), '--data', p.dataDir);
    assert.deepEqual([twice.code, twice.stderr.trim()], [1, `error: delivery ${fifth.join.id} is cancelled: only a pending delivery can be cancelled`]);
    const none = await runCli('events', 'cancel', '999999', '--data', p.dataDir);
    assert.deepEqual([none.code, none.stderr.trim()], [1, 'error: no delivery 999999']);
    for (const args of [[String(fifth.join.id), '--pending'], [], ['--handler', `${r.base}/h`]]) {
      const bad = await runCli('events', 'cancel', ...args, '--data', p.dataDir);
      assert.deepEqual([bad.code, bad.stderr.trim()], [1, 'error: give a delivery id, or --pending [--handler URL]'], args.join(' '));
    }
  });
});
