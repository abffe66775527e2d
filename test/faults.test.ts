import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { runCli, startReceiver, until, type Receiver } from './helpers/events.js';
import { callJson, errorOf, request, startPortal, type TestPortal } from './helpers/server.js';

// Scripted faults beyond store_failure/internal_error: injected portal errors, latency, and
// event-delivery faults (drop, delay, duplicate, reorder), with counts, probability, listing and
// removal, over the control API and the CLI.

describe('faults: injected errors and latency', () => {
  let p: TestPortal;
  const ctl = (method: string, path: string, body?: unknown) =>
    request(`${p.http}/__control/${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  before(async () => (p = await startPortal()));
  after(() => p.stop());
  beforeEach(async () => void (await ctl('DELETE', 'faults')));

  it('an error fault answers the portal\'s own status and text for that code, once, changing nothing', async () => {
    const armed = await ctl('POST', 'faults', { method: 'imbot.register', kind: 'error', error: 'QUERY_LIMIT_EXCEEDED' });
    assert.equal(armed.status, 200, armed.text);
    assert.deepEqual(armed.body.fault.error, { code: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests', status: 503 });
    const reg = { CODE: 'f1', CLIENT_ID: 'c', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'F' } };
    assert.deepEqual(errorOf(await callJson(p.adminHook, 'imbot.register', reg)), { status: 503, error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    assert.deepEqual((await callJson(p.adminHook, 'imbot.bot.list')).body.result, [], 'the refused call did nothing');
    assert.equal(typeof (await callJson(p.adminHook, 'imbot.register', reg)).body.result, 'number', 'times defaults to 1');
  });

  it('expired_token in its 401 shape, a bare status, and a custom code; other methods are untouched', async () => {
    await ctl('POST', 'faults', { method: 'server.time', kind: 'error', error: 'expired_token', times: 2 });
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(errorOf(await callJson(p.adminHook, 'server.time')), { status: 401, error: 'expired_token', error_description: 'The access token provided has expired' });
    }
    assert.equal((await callJson(p.adminHook, 'server.time')).status, 200);
    await ctl('POST', 'faults', { method: 'server.time', kind: 'error', status: 500 });
    assert.equal((await callJson(p.adminHook, 'user.current')).status, 200, 'another method');
    assert.deepEqual(errorOf(await callJson(p.adminHook, 'server.time')), { status: 500, error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    await ctl('POST', 'faults', { method: 'server.time', kind: 'error', error: 'MY_ERROR', status: 418, description: 'teapot' });
    assert.deepEqual(errorOf(await callJson(p.adminHook, 'server.time')), { status: 418, error: 'MY_ERROR', error_description: 'teapot' });
  });

  it('inside a batch, the command answers the injected error', async () => {
    await ctl('POST', 'faults', { method: 'server.time', kind: 'error', error: 'ACCESS_DENIED' });
    const b = await callJson(p.adminHook, 'batch', { cmd: { a: 'server.time', b: 'user.current' } });
    assert.equal(b.status, 200);
    assert.deepEqual(b.body.result.result_error.a, { error: 'ACCESS_DENIED', error_description: 'Access denied!' });
    assert.equal(b.body.result.result.b.ID, '1');
  });

  it('latency delays every call of "*" while armed; removing it by id ends it', async () => {
    const armed = await ctl('POST', 'faults', { method: '*', kind: 'latency', ms: 300, times: null });
    assert.equal(armed.body.fault.remaining, null);
    for (const m of ['server.time', 'user.current']) {
      const t0 = performance.now();
      assert.equal((await callJson(p.adminHook, m)).status, 200);
      assert.ok(performance.now() - t0 >= 290, `${m} waited for the latency`);
    }
    assert.equal((await ctl('GET', 'faults')).body.faults.length, 1, 'an unlimited fault stays');
    assert.equal((await ctl('DELETE', `faults/${armed.body.fault.id}`)).status, 200);
    assert.deepEqual(errorOf(await ctl('DELETE', `faults/${armed.body.fault.id}`)), { status: 404, error: 'FAULT_NOT_FOUND', error_description: 'No armed fault with this id' });
    assert.deepEqual((await ctl('GET', 'faults')).body.faults, []);
  });

  it('probability hits some calls and not others; misses do not use it up', async () => {
    await ctl('POST', 'faults', { method: 'server.time', kind: 'error', error: 'INTERNAL_SERVER_ERROR', probability: 0.5 });
    const statuses = new Set<number>();
    for (let i = 0; i < 60 && statuses.size < 2; i++) statuses.add((await callJson(p.adminHook, 'server.time')).status);
    assert.deepEqual([...statuses].sort(), [200, 500]);
    assert.equal((await ctl('GET', 'faults')).body.faults[0].probability, 0.5);
  });

  it('refuses a fault that does not make sense, saying why', async () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'error', method: 'server.time' }, /"error" \(a code\) or "status" is needed/],
      [{ kind: 'latency', method: 'server.time' }, /"ms" is needed for latency/],
      [{ kind: 'latency', method: 'server.time', ms: 10, error: 'X' }, /"error" is for error only/],
      [{ kind: 'event_drop', method: 'server.time' }, /"method" is for/],
      [{ kind: 'error', event: 'ONIMBOTMESSAGEADD', status: 500 }, /"event" is for event_drop/],
      [{ kind: 'error', method: 'no.such', status: 500 }, /an existing method or "\*"/],
      [{ kind: 'error', method: 'server.time', status: 200 }, /status/],
      [{ kind: 'event_drop', probability: 2 }, /probability/],
      [{ kind: 'event_drop', colour: 'red' }, /unknown key "colour"/],
    ];
    for (const [body, why] of bad) {
      const a = await ctl('POST', 'faults', body);
      assert.equal(a.status, 400, JSON.stringify(body));
      assert.equal(a.body.error, 'INVALID_FAULT');
      assert.match(a.body.error_description, why, JSON.stringify(body));
    }
    assert.deepEqual((await ctl('GET', 'faults')).body.faults, []);
  });

  it('the CLI adds, lists, removes and clears faults of a running server', async () => {
    const base = ['--url', p.http, '--token', p.server.controlToken];
    const added = await runCli('faults', 'add', ...base, '--method', 'server.time', '--kind', 'error', '--error', 'QUERY_LIMIT_EXCEEDED', '--times', '2');
    assert.equal(added.code, 0, added.stderr);
    const id = Number(/^(\d+)\t/.exec(added.stdout)![1]);
    assert.equal((await callJson(p.adminHook, 'server.time')).status, 503);
    const listed = await runCli('faults', 'list', ...base);
    assert.match(listed.stdout, new RegExp(`^${id}\\terror\\tserver\\.time\\tQUERY_LIMIT_EXCEEDED 503\\t1 left`, 'm'));
    await runCli('faults', 'add', ...base, '--kind', 'event_delay', '--event', 'ONIMBOTMESSAGEADD', '--ms', '50', '--probability', '0.5');
    assert.equal((await ctl('GET', 'faults')).body.faults.length, 2);
    assert.equal((await runCli('faults', 'remove', ...base, String(id))).code, 0);
    assert.deepEqual((await ctl('GET', 'faults')).body.faults.map((f: any) => f.kind), ['event_delay']);
    const wrong = await runCli('faults', 'add', ...base, '--kind', 'latency', '--method', 'server.time');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /"ms" is needed for latency/);
    assert.equal((await runCli('faults', 'clear', ...base)).code, 0);
    assert.deepEqual((await ctl('GET', 'faults')).body.faults, []);
  });
});

describe('faults: event delivery', () => {
  let p: TestPortal;
  let r: Receiver;
  let botId: number;
  const ctl = (body: unknown) =>
    request(`${p.http}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify(body),
    });
  /** a new person's first message to the bot: ONIMBOTJOINCHAT then ONIMBOTMESSAGEADD, one commit */
  async function writeToBot(text: string): Promise<number> {
    const db = p.server.core.store.db;
    const id = await createUser(db, p.server.clock, { name: 'P' });
    const hook = await addWebhook(db, p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
    const a = await callJson(`${p.http}/rest/${id}/${hook.code}`, 'im.message.add', { DIALOG_ID: botId, MESSAGE: text });
    assert.equal(a.status, 200, a.text);
    return id;
  }
  const fromUser = (id: number) => r.hits.filter((h) => (h.form.data as any)?.PARAMS?.FROM_USER_ID === String(id) || (h.form.data as any)?.PARAMS?.USER_ID === String(id));
  const log = async () => (await request(`${p.http}/__control/events?limit=1000`, { headers: { 'x-imbot-control-token': p.server.controlToken } })).body.events;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    const reg = await callJson(p.adminHook, 'imbot.register', {
      CODE: 'ev', CLIENT_ID: 'evapp', EVENT_MESSAGE_ADD: `${r.base}/h`, EVENT_WELCOME_MESSAGE: `${r.base}/h`, EVENT_BOT_DELETE: `${r.base}/h`, PROPERTIES: { NAME: 'Ev' },
    });
    botId = reg.body.result;
  });
  after(async () => {
    await p.stop();
    await r.close();
  });

  it('event_drop: the event never arrives, is logged failed after one attempt, and later events still come', async () => {
    await ctl({ kind: 'event_drop', event: 'ONIMBOTMESSAGEADD' });
    const u = await writeToBot('lost');
    await r.waitFor(1, (h) => h.form.event === 'ONIMBOTJOINCHAT' && (h.form.data as any).PARAMS.USER_ID === String(u));
    await until(async () => (await log()).some((e: any) => e.event === 'ONIMBOTMESSAGEADD' && e.status === 'failed'), 'the dropped event is logged');
    const dropped = (await log()).find((e: any) => e.event === 'ONIMBOTMESSAGEADD' && e.status === 'failed');
    assert.deepEqual([dropped.attempts, dropped.last_error], [1, 'dropped by a scripted fault (event_drop)']);
    const v = await writeToBot('kept');
    await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD' && (h.form.data as any).PARAMS.MESSAGE === 'kept');
    assert.equal(r.hits.filter((h) => (h.form.data as any)?.PARAMS?.MESSAGE === 'lost').length, 0);
    assert.ok(fromUser(v).length >= 1);
  });

  it('event_duplicate: the handler gets the event twice with the same X-Imbot-Event-Id', async () => {
    await ctl({ kind: 'event_duplicate', event: 'ONIMBOTMESSAGEADD' });
    await writeToBot('twice');
    const hits = await r.waitFor(2, (h) => (h.form.data as any)?.PARAMS?.MESSAGE === 'twice');
    assert.equal(hits.length, 2);
    assert.equal(hits[0]!.headers['x-imbot-event-id'], hits[1]!.headers['x-imbot-event-id']);
    assert.equal(hits[0]!.raw, hits[1]!.raw);
  });

  it('event_reorder: the next event of the same application arrives first', async () => {
    await ctl({ kind: 'event_reorder', event: 'ONIMBOTJOINCHAT' });
    const u = await writeToBot('second first');
    await r.waitFor(2, (h) => fromUser(u).includes(h));
    assert.deepEqual(fromUser(u).map((h) => h.form.event), ['ONIMBOTMESSAGEADD', 'ONIMBOTJOINCHAT']);
  });

  it('event_delay: the event arrives late, and its application\'s later events wait behind it', async () => {
    await ctl({ kind: 'event_delay', event: 'ONIMBOTJOINCHAT', ms: 400 });
    const t0 = performance.now();
    const u = await writeToBot('late');
    await r.waitFor(2, (h) => fromUser(u).includes(h));
    assert.ok(performance.now() - t0 >= 390, 'sent after the delay');
    assert.deepEqual(fromUser(u).map((h) => h.form.event), ['ONIMBOTJOINCHAT', 'ONIMBOTMESSAGEADD'], 'order kept');
  });
});
