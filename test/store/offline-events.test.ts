import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  clearProcess,
  dropOfflineQueue,
  lastOfflineNotice,
  listOfflineRows,
  markErrors,
  mergeOfflineEvent,
  processRows,
  recordOfflineNotice,
  reserveOfflineRows,
  type Conditions,
  type QueueOf,
} from '../../src/store/repos/offline-events.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: an application's offline event queue and its notices (store/repos/offline-events.ts). */
describe('store contract: offline events', () => {
  let t: TestStore;
  const q: QueueOf = { appId: 5, connectorId: '' };
  const none: Conditions = { conditions: [], order: [] };
  const state = (messageId: string, event: string, changedAt: number, data = '{}') => ({ messageId, event, changedAt, data, additional: '[]' });

  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('an object waiting in the queue keeps one row with its latest state; another app or connector has its own', async () => {
    const db = t.store.db;
    await mergeOfflineEvent(db, q, state('m1', 'ONCRMLEADADD', 100, '{"v":1}'));
    await mergeOfflineEvent(db, q, state('m1', 'ONCRMLEADADD', 200, '{"v":2}'));
    await mergeOfflineEvent(db, q, state('m2', 'onCrmLeadUpdate', 150));
    await mergeOfflineEvent(db, { appId: 5, connectorId: 'c2' }, state('m1', 'ONCRMLEADADD', 300));
    await mergeOfflineEvent(db, { appId: 6, connectorId: '' }, state('m1', 'ONCRMLEADADD', 300));
    const { rows, total } = await listOfflineRows(db, q, none, 0, 10);
    assert.equal(total, 2);
    assert.deepEqual(rows.map((r) => [r.message_id, r.changed_at, r.event_data]), [['m1', 200, '{"v":2}'], ['m2', 150, '{}']]);
  });

  it('filters and orders as the API asks: contains is case-insensitive, text sorts byte-wise, ID breaks ties', async () => {
    const db = t.store.db;
    const like = await listOfflineRows(db, q, { conditions: [{ op: '%', field: 'EVENT_NAME', value: 'leadupd' }], order: [] }, 0, 10);
    assert.deepEqual([like.total, like.rows.map((r) => r.message_id)], [1, ['m2']]);
    const sorted = await listOfflineRows(db, q, { conditions: [], order: [{ field: 'EVENT_NAME', dir: 'asc' }] }, 0, 10);
    assert.deepEqual(sorted.rows.map((r) => r.event_name), ['ONCRMLEADADD', 'onCrmLeadUpdate'], 'upper case before lower case');
    const listed = await listOfflineRows(db, q, { conditions: [{ op: '@', field: 'MESSAGE_ID', value: [] }], order: [] }, 0, 10);
    assert.deepEqual([listed.total, listed.rows], [0, []], 'an empty list matches nothing');
    const paged = await listOfflineRows(db, q, { conditions: [{ op: '>=', field: 'TIMESTAMP_X', value: 0 }], order: [{ field: 'TIMESTAMP_X', dir: 'desc' }] }, 1, 1);
    assert.deepEqual([paged.total, paged.rows.map((r) => r.message_id)], [2, ['m2']]);
  });

  it('a process reserves free rows; a new state of a reserved object waits in a row of its own', async () => {
    const db = t.store.db;
    await reserveOfflineRows(db, q, 'p1', false, none, 1);
    assert.deepEqual((await processRows(db, q, 'p1', false, none, 10)).map((r) => r.message_id), ['m1']);
    await mergeOfflineEvent(db, q, state('m1', 'ONCRMLEADADD', 400, '{"v":3}'));
    const { rows } = await listOfflineRows(db, q, { conditions: [], order: [{ field: 'ID', dir: 'asc' }] }, 0, 10);
    assert.deepEqual(rows.map((r) => [r.message_id, r.process_id]), [['m1', 'p1'], ['m2', ''], ['m1', '']]);
    await reserveOfflineRows(db, q, 'p2', false, none, 10);
    assert.deepEqual((await processRows(db, q, 'p2', false, none, 10)).map((r) => r.message_id), ['m2', 'm1'], 'only free rows, in id order');
  });

  it('errors put a process\'s rows back flagged and drop the other copies; clearing deletes a process\'s rows', async () => {
    const db = t.store.db;
    await markErrors(db, q, 'p1', ['m1']);
    const after1 = await listOfflineRows(db, q, { conditions: [], order: [{ field: 'ID', dir: 'asc' }] }, 0, 10);
    assert.deepEqual(after1.rows.map((r) => [r.message_id, r.process_id, r.error]), [['m1', '', 1], ['m2', 'p2', 0]], 'm1 of p2 went, m1 of p1 is back flagged');
    await reserveOfflineRows(db, q, 'p3', true, none, 10);
    assert.deepEqual((await processRows(db, q, 'p3', true, none, 10)).map((r) => r.message_id), ['m1'], 'error rows are reserved apart');
    await clearProcess(db, q, 'p2', { messageIds: ['nope'] });
    assert.equal((await listOfflineRows(db, q, none, 0, 10)).total, 2);
    await clearProcess(db, q, 'p2');
    await clearProcess(db, q, 'p3', { ids: [] });
    assert.deepEqual((await listOfflineRows(db, q, none, 0, 10)).rows.map((r) => r.process_id), ['p3'], 'an empty id list clears nothing');
    await dropOfflineQueue(db, 5);
    assert.equal((await listOfflineRows(db, q, none, 0, 10)).total, 0);
    assert.equal((await listOfflineRows(db, { appId: 5, connectorId: 'c2' }, none, 0, 10)).total, 0, 'every connector of the app');
    assert.equal((await listOfflineRows(db, { appId: 6, connectorId: '' }, none, 0, 10)).total, 1, 'another app keeps its queue');
  });

  it('the last notice of a binding is recorded and replaced', async () => {
    const db = t.store.db;
    assert.equal(await lastOfflineNotice(db, 42), null);
    await recordOfflineNotice(db, 42, 1000);
    await recordOfflineNotice(db, 42, 2500);
    assert.equal(await lastOfflineNotice(db, 42), 2500);
  });
});
