import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listLiveInputActions, replaceInputAction } from '../../src/store/repos/input-actions.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: input indicators (store/repos/input-actions.ts), on the suite's engine. */
describe('store contract: input actions', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('one indicator per user and chat: a new one replaces the old', async () => {
    const db = t.store.db;
    await replaceInputAction(db, 1, 9, '', 100);
    await replaceInputAction(db, 1, 9, 'IMBOT_AGENT_ACTION_THINKING', 150);
    await replaceInputAction(db, 1, 4, '', 120);
    await replaceInputAction(db, 2, 9, '', 500);
    assert.deepEqual(await listLiveInputActions(db, 1, 0), [
      { userId: 4, code: '', expiresAt: 120 },
      { userId: 9, code: 'IMBOT_AGENT_ACTION_THINKING', expiresAt: 150 },
    ]);
  });

  it('lists only indicators live after the given time', async () => {
    const db = t.store.db;
    assert.deepEqual(await listLiveInputActions(db, 1, 120), [{ userId: 9, code: 'IMBOT_AGENT_ACTION_THINKING', expiresAt: 150 }]);
    assert.deepEqual(await listLiveInputActions(db, 1, 150), []);
  });
});
