import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteWebhook, findWebhookByCode, insertWebhook, listWebhooks, setWebhookBlocked } from '../../src/store/repos/webhooks.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: incoming webhooks (store/repos/webhooks.ts); the portal's admin webhook exists. */
describe('store contract: webhooks', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('inserts with unique codes, finds by exact code, lists in id order', async () => {
    const db = t.store.db;
    const id = await insertWebhook(db, { user_id: 1, code: 'hookAbc', scope: 'imbot,im', created_at: 5 });
    await assert.rejects(insertWebhook(db, { user_id: 1, code: 'hookAbc' }));
    const row = await findWebhookByCode(db, 'hookAbc');
    assert.equal(row?.id, id);
    assert.equal(row?.scope, 'imbot,im');
    assert.equal(row?.active, 1);
    assert.equal(row?.expires_at, null);
    assert.equal(await findWebhookByCode(db, 'HOOKABC'), undefined);
    const all = await listWebhooks(db);
    assert.equal(all[0]?.code, t.portal.adminWebhookCode);
    assert.equal(all.at(-1)?.id, id);
  });

  it('blocks by code; deletes by code or by numeric id', async () => {
    const db = t.store.db;
    assert.equal(await setWebhookBlocked(db, 'hookAbc', true), true);
    assert.equal((await findWebhookByCode(db, 'hookAbc'))?.blocked, 1);
    assert.equal(await setWebhookBlocked(db, 'none', true), false);
    const id = await insertWebhook(db, { user_id: 1, code: 'second' });
    assert.equal(await deleteWebhook(db, String(id)), true);
    assert.equal(await findWebhookByCode(db, 'second'), undefined);
    const numeric = await insertWebhook(db, { user_id: 1, code: '424242' });
    assert.equal(await deleteWebhook(db, '424242'), true, 'a numeric code is a code too');
    assert.equal(await findWebhookByCode(db, '424242'), undefined);
    assert.ok(numeric > 0);
    assert.equal(await deleteWebhook(db, 'hookAbc'), true);
    assert.equal(await deleteWebhook(db, 'hookAbc'), false);
  });
});
