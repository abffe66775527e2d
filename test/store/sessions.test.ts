import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findSession, insertSession } from '../../src/store/repos/sessions.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: browser sessions (store/repos/sessions.ts). */
describe('store contract: sessions', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('inserts a session and finds it by its exact cookie value; ids are unique', async () => {
    const db = t.store.db;
    await insertSession(db, { id: 'abc', sessid: 'csrf', user_id: 1, created_at: 1, expires_at: 100 });
    assert.deepEqual(await findSession(db, 'abc'), { id: 'abc', sessid: 'csrf', user_id: 1, created_at: 1, expires_at: 100 });
    assert.equal(await findSession(db, 'ABC'), undefined);
    await assert.rejects(insertSession(db, { id: 'abc', sessid: 'other', user_id: 1 }));
  });
});
