import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clearUnread, flagsOf, setFlags } from '../../src/store/repos/recent-flags.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: one person's marks on recent-list entries (store/repos/recent-flags.ts), on the suite's engine. */
describe('store contract: recent flags', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('creates a row on the first mark and patches only the given marks after', async () => {
    const db = t.store.db;
    await setFlags(db, 5, 10, { pinned: 1, pin_sort: 1000 });
    await setFlags(db, 5, 10, { unread: 1 });
    await setFlags(db, 5, 11, { hidden_up_to: 0 });
    await setFlags(db, 6, 10, { unread: 1 });
    const mine = await flagsOf(db, 5);
    assert.deepEqual(
      [...mine.values()].map((r) => [r.chat_id, r.pinned, Number(r.pin_sort), r.unread, r.hidden_up_to]).sort(),
      [[10, 1, 1000, 1, null], [11, 0, 0, 0, 0]],
    );
    assert.deepEqual([...(await flagsOf(db, 7)).keys()], []);
  });

  it('clears the unread mark of one entry or of all of one person\'s, nobody else\'s', async () => {
    const db = t.store.db;
    await setFlags(db, 5, 11, { unread: 1 });
    await clearUnread(db, 5, 10);
    assert.deepEqual([(await flagsOf(db, 5)).get(10)!.unread, (await flagsOf(db, 5)).get(11)!.unread], [0, 1]);
    await clearUnread(db, 5);
    assert.deepEqual([...(await flagsOf(db, 5)).values()].map((r) => r.unread), [0, 0]);
    assert.equal((await flagsOf(db, 6)).get(10)!.unread, 1);
  });
});
