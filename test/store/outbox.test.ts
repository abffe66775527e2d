import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cancelPendingDeliveries,
  cancelPendingRow,
  cancelPendingRows,
  deliveryStatus,
  insertDelivery,
  laneBatch,
  laneHeads,
  listDeliveries,
  recordAttempts,
  resendDelivery,
  type NewDelivery,
  type OutboxRow,
} from '../../src/store/repos/outbox.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: event deliveries and their attempts (store/repos/outbox.ts), on the suite's engine. */
describe('store contract: outbox', () => {
  let t: TestStore;
  let n = 0;
  const delivery = (lane: string, event = 'ONIMBOTMESSAGEADD', at = 1000): NewDelivery => ({
    uid: `uid-${++n}`,
    event_name: event,
    binding_id: 1,
    lane,
    handler_url: `https://h.example/${lane}`,
    payload: JSON.stringify({ n }),
    created_at: at,
    next_attempt_at: at,
  });
  const attempt = (httpStatus: number | null, error = '') => ({ startedAt: 2000, durationMs: 5, httpStatus, error, response: error ? '' : 'ok' });

  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('each lane is read in id order; the head of a lane is its oldest pending row', async () => {
    const db = t.store.db;
    for (const lane of ['app-b', 'app-a', 'app-b', 'app-a', 'app-b']) await insertDelivery(db, delivery(lane));
    const heads = await laneHeads(db);
    assert.deepEqual(heads.map((h) => h.lane), ['app-b', 'app-a'], 'heads in id order, one per lane');
    const b = await laneBatch(db, 'app-b', 0, 10);
    assert.deepEqual(b.map((r) => r.uid), ['uid-1', 'uid-3', 'uid-5']);
    assert.deepEqual((await laneBatch(db, 'app-b', b[0]!.id, 1)).map((r) => r.uid), ['uid-3'], 'after an id, limited');
    assert.deepEqual((await laneBatch(db, 'app-a', 0, 10)).map((r) => r.uid), ['uid-2', 'uid-4']);
  });

  it('attempts move rows on: delivered, retried at the scheduled time, given up; each attempt is logged', async () => {
    const db = t.store.db;
    const [first, second, third] = await laneBatch(db, 'app-b', 0, 3) as [OutboxRow, OutboxRow, OutboxRow];
    await recordAttempts(
      db,
      [
        { row: first, result: attempt(200), outcome: { status: 'delivered' } },
        { row: second, result: attempt(503, 'HTTP 503'), outcome: { status: 'pending', retryAt: 9000 } },
        { row: third, result: attempt(null, 'connection refused'), outcome: { status: 'failed' } },
      ],
      2100,
    );
    const pending = await laneBatch(db, 'app-b', 0, 10);
    assert.deepEqual(pending.map((r) => [r.uid, r.attempts, r.next_attempt_at, r.last_status]), [['uid-3', 1, 9000, 503]], 'only the retried row is pending, due at its retry time');
    const [head] = (await laneHeads(db)).filter((h) => h.lane === 'app-b');
    assert.equal(head!.next_attempt_at, 9000, 'the lane waits for its retry');

    const log = await listDeliveries(db, { limit: 10 });
    assert.deepEqual(log.map((e) => e.row.uid), ['uid-5', 'uid-4', 'uid-3', 'uid-2', 'uid-1'], 'newest first');
    const byUid = new Map(log.map((e) => [e.row.uid, e]));
    assert.deepEqual([byUid.get('uid-1')!.row.status, byUid.get('uid-1')!.row.delivered_at, byUid.get('uid-1')!.row.attempts], ['delivered', 2100, 1]);
    assert.deepEqual([byUid.get('uid-5')!.row.status, byUid.get('uid-5')!.row.last_error], ['failed', 'connection refused']);
    assert.deepEqual(byUid.get('uid-3')!.attempts.map((a) => [a.attempt, a.http_status, a.error]), [[1, 503, 'HTTP 503']]);

    // the second try of the retried row succeeds: attempt 2, delivered
    await recordAttempts(db, [{ row: pending[0]!, result: attempt(200), outcome: { status: 'delivered' } }], 9100);
    const [again] = await listDeliveries(db, { id: pending[0]!.id, limit: 1 });
    assert.deepEqual([again!.row.status, again!.row.attempts, again!.attempts.map((a) => a.attempt)], ['delivered', 2, [1, 2]]);
  });

  it('the log filters failed deliveries and one event; a resend puts a row back, a restore cancels what is pending', async () => {
    const db = t.store.db;
    await insertDelivery(db, delivery('app-c', 'ONAPPTEST'));
    assert.deepEqual((await listDeliveries(db, { failed: true, limit: 10 })).map((e) => e.row.uid), ['uid-5']);
    assert.deepEqual((await listDeliveries(db, { event: 'ONAPPTEST', limit: 10 })).map((e) => e.row.uid), ['uid-6']);
    const failed = (await listDeliveries(db, { failed: true, limit: 1 }))[0]!.row;
    assert.equal(await resendDelivery(db, failed.id, 5000), true);
    assert.equal(await resendDelivery(db, 999_999, 5000), false, 'no such delivery');
    assert.deepEqual((await laneBatch(db, 'app-b', 0, 10)).map((r) => [r.uid, r.next_attempt_at, r.attempts]), [['uid-5', 5000, 1]], 'same row, attempts keep counting');
    await cancelPendingDeliveries(db, 'cancelled: restored');
    assert.deepEqual(await laneHeads(db), []);
    const cancelled = (await listDeliveries(db, { limit: 10 })).filter((e) => e.row.status === 'cancelled').map((e) => e.row.uid).sort();
    assert.deepEqual(cancelled, ['uid-2', 'uid-4', 'uid-5', 'uid-6']);
  });

  it('writers of one lane become visible in id order: a reader past the last id it saw never skips a row', async () => {
    const { store } = t;
    const a = await store.begin();
    await insertDelivery(a.trx, delivery('race'));
    // a second writer while the first is open: on PostgreSQL it waits for the first to end (its
    // id comes after the first one's commit); on SQLite writers take turns anyway
    let bDone = false;
    const b = store.transaction(async (trx) => insertDelivery(trx, delivery('race'))).then(() => {
      bDone = true;
    });
    try {
      if (store.dialect === 'postgres') {
        await new Promise((r) => setTimeout(r, 200)); // give the second writer every chance to overtake
        assert.equal(bDone, false, 'the second writer waits for the first');
        assert.deepEqual(await laneBatch(store.db, 'race', 0, 10), [], 'nothing of either writer is visible yet');
      }
    } finally {
      await a.end(true);
      await b;
    }
    const rows = await laneBatch(store.db, 'race', 0, 10);
    assert.deepEqual(rows.map((r) => r.uid), [`uid-${n - 1}`, `uid-${n}`], 'the first writer\'s row first');
    assert.ok(rows[0]!.id < rows[1]!.id);
  });

  it("the operator cancels one pending row, or every pending row to a handler (its URL with or without a query)", async () => {
    const db = t.store.db;
    await cancelPendingDeliveries(db, 'clean slate');
    for (const lane of ['op-a', 'op-b', 'op-c']) await insertDelivery(db, delivery(lane));
    await insertDelivery(db, { ...delivery('op-q'), handler_url: 'https://h.example/op-a?CLIENT_ID=x' });
    await insertDelivery(db, { ...delivery('op-z'), handler_url: 'https://h.example/op-ab' });
    const [a] = await laneBatch(db, 'op-a', 0, 1);
    const [q] = await laneBatch(db, 'op-q', 0, 1);
    const [z] = await laneBatch(db, 'op-z', 0, 1);
    const [b] = await laneBatch(db, 'op-b', 0, 1);
    assert.equal(await deliveryStatus(db, b!.id), 'pending');
    assert.equal(await cancelPendingRow(db, b!.id, 'by hand'), true);
    assert.equal(await deliveryStatus(db, b!.id), 'cancelled');
    assert.equal(await cancelPendingRow(db, b!.id, 'again'), false, 'no longer pending');
    assert.equal(await deliveryStatus(db, 999_999), undefined);
    assert.deepEqual(await cancelPendingRows(db, 'https://h.example/op-a', 'handler gone'), [a!.id, q!.id], 'the URL and the URL with a query, not a longer URL');
    assert.equal(await deliveryStatus(db, z!.id), 'pending');
    const rest = await cancelPendingRows(db, undefined, 'all');
    assert.ok(rest.includes(z!.id) && !rest.includes(a!.id), 'every pending row left');
  });
});
