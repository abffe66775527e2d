import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { control, runCli, startReceiver, until, type Hit, type Receiver } from './helpers/events.js';
import { callJson, startPortal, type TestPortal } from './helpers/server.js';

// Delivery policies: `once` (the real platform: one attempt) and `retry` (exponential back-off on
// the portal clock, per-app order kept, given up after the horizon); failures in the log and CLI.

const T = 1_800_000_000_000;

interface Setup {
  p: TestPortal;
  r: Receiver;
  botId: number;
  /** a new person writes to the bot: one ONIMBOTJOINCHAT; returns the person's id */
  join(): Promise<number>;
  /** the delivery log entry of the join from `userId` */
  entry(userId: number): Promise<any>;
  advance(ms: number): Promise<void>;
}

async function setup(policy: 'once' | 'retry', retryForMs?: number): Promise<Setup> {
  const p = await startPortal({ delivery: { policy, ...(retryForMs === undefined ? {} : { horizonMs: retryForMs }) } });
  const r = await startReceiver();
  const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);
  assert.equal((await ctl('clock', { set_ms: T, freeze: true })).status, 200);
  const reg = await callJson(p.adminHook, 'imbot.register', {
    CODE: 'policy',
    CLIENT_ID: 'app',
    EVENT_MESSAGE_ADD: `${r.base}/h`,
    EVENT_WELCOME_MESSAGE: `${r.base}/h`,
    EVENT_BOT_DELETE: `${r.base}/h`,
    PROPERTIES: { NAME: 'Policy' },
  });
  assert.equal(reg.status, 200, reg.text);
  const botId = reg.body.result as number;
  const db = p.server.core.store.db;
  return {
    p,
    r,
    botId,
    async join() {
      const id = await createUser(db, p.server.clock, { name: 'Person' });
      const hook = await addWebhook(db, p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
      const a = await callJson(`${p.http}/rest/${id}/${hook.code}`, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'hi' });
      assert.equal(a.status, 200, a.text);
      return id;
    },
    async entry(userId) {
      const { body } = await ctl('events?event=ONIMBOTJOINCHAT');
      return body.events.find((e: { body: string }) => e.body.includes(`%5BUSER_ID%5D=${userId}&`));
    },
    async advance(ms) {
      assert.equal((await ctl('clock', { advance_ms: ms })).status, 200);
    },
  };
}

const from = (userId: number) => (h: Hit) => (h.form.data as any)?.PARAMS?.USER_ID === String(userId);
/** The join deliveries only (each person's first message also brings an ONIMBOTMESSAGEADD). */
const joins = (r: Receiver) => r.hits.filter((h) => h.form.event === 'ONIMBOTJOINCHAT');

describe('delivery policy once', () => {
  let s: Setup;
  before(async () => (s = await setup('once')));
  after(async () => {
    await s.p.stop();
    await s.r.close();
  });

  it('a failed delivery is logged as failed and never sent again', async () => {
    s.r.script.push(500);
    const first = await s.join();
    await s.r.waitFor(1, from(first));
    await until(async () => (await s.entry(first)).status === 'failed', 'the delivery is marked failed');
    const e = await s.entry(first);
    assert.deepEqual([e.attempts, e.last_status, e.last_error, e.next_attempt_at], [1, 500, 'HTTP 500', null]);
    assert.deepEqual(e.tries.map((t: any) => [t.attempt, t.http_status, t.response]), [[1, 500, 'handler failed']]);

    await s.advance(3_600_000);
    const second = await s.join();
    await s.r.waitFor(1, from(second));
    assert.deepEqual(joins(s.r).map((h) => [(h.form.data as any).PARAMS.USER_ID, h.status]), [[String(first), 500], [String(second), 200]]);
  });

  it('events log --failed lists only the failed delivery', async () => {
    const run = await runCli('events', 'log', '--data', s.p.dataDir, '--failed');
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]![2], rows[0]![3], rows[0]![4], rows[0]![5], rows[0]![8]], ['ONIMBOTJOINCHAT', 'failed', '1', '500', 'HTTP 500']);
    const all = await runCli('events', 'log', '--data', s.p.dataDir, '--event', 'ONIMBOTDELETE');
    assert.deepEqual([all.code, all.stdout], [0, '']);
  });
});

describe('delivery policy retry (the default)', () => {
  let s: Setup;
  before(async () => (s = await setup('retry')));
  after(async () => {
    await s.p.stop();
    await s.r.close();
  });

  it('retries on the portal clock with back-off, holding the app later events back until then', async () => {
    s.r.script.push(503, 502);
    const first = await s.join();
    await s.r.waitFor(1, from(first));
    await until(async () => (await s.entry(first)).attempts === 1);
    assert.deepEqual(
      (({ status, attempts, last_status, next_attempt_at }) => ({ status, attempts, last_status, next_attempt_at }))(await s.entry(first)),
      { status: 'pending', attempts: 1, last_status: 503, next_attempt_at: T + 1000 },
    );
    const second = await s.join();

    await s.advance(1000); // first back-off step: 1 s
    await s.r.waitFor(2, from(first));
    await until(async () => (await s.entry(first)).attempts === 2);
    assert.equal((await s.entry(first)).next_attempt_at, T + 1000 + 2000, 'second step: 2 s');

    await s.advance(2000);
    await s.r.waitFor(1, from(second));
    const order = joins(s.r).map((h) => [(h.form.data as any).PARAMS.USER_ID, h.status, h.headers['x-imbot-delivery-attempt']]);
    assert.deepEqual(order, [
      [String(first), 503, '1'],
      [String(first), 502, '2'],
      [String(first), 200, '3'],
      [String(second), 200, '1'],
    ]);
    const ids = joins(s.r).slice(0, 3).map((h) => h.headers['x-imbot-event-id']);
    assert.equal(new Set(ids).size, 1, 'every attempt carries the same event id');
    // The log is written after the handler answered (attempts are recorded per batch): wait for it.
    await until(async () => (await s.entry(first)).status === 'delivered', 'the first join is logged as delivered');
    const e = await s.entry(first);
    assert.deepEqual([e.status, e.attempts, e.tries.map((t: any) => t.http_status)], ['delivered', 3, [503, 502, 200]]);
  });

  it('gives up once the next attempt would fall beyond the 24 h horizon', async () => {
    s.r.script.push(500, 500);
    const third = await s.join();
    await s.r.waitFor(1, from(third));
    await until(async () => (await s.entry(third)).attempts === 1);
    await s.advance(24 * 3_600_000);
    await s.r.waitFor(2, from(third));
    await until(async () => (await s.entry(third)).status === 'failed', 'given up after the horizon');
    assert.equal((await s.entry(third)).attempts, 2);
  });
});

describe('delivery policy retry with --retry-for 5s', () => {
  let s: Setup;
  before(async () => (s = await setup('retry', 5000)));
  after(async () => {
    await s.p.stop();
    await s.r.close();
  });

  it('retries after 1 s and 2 s, then gives up: the next step (4 s) would end beyond 5 s after the event', async () => {
    s.r.script.push(500, 500, 500);
    const id = await s.join();
    await until(async () => (await s.entry(id))?.attempts === 1, 'the first attempt is recorded');
    assert.equal((await s.entry(id)).status, 'pending');
    await s.advance(1000);
    await until(async () => (await s.entry(id)).attempts === 2, 'the retry after 1 s');
    assert.equal((await s.entry(id)).status, 'pending', 'T+3 s is within the 5 s');
    await s.advance(2000);
    await until(async () => (await s.entry(id)).status === 'failed', 'given up after the third attempt');
    const e = await s.entry(id);
    assert.deepEqual([e.attempts, e.next_attempt_at, e.tries.map((t: any) => t.http_status)], [3, null, [500, 500, 500]]);
  });
});
