import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroupChat } from '../../src/im/chats.js';
import { createUser } from '../../src/im/users.js';
import { addLast, deleteLast, lastList } from '../../src/store/repos/search.js';
import { memberNames, visibleGroupChats } from '../../src/store/repos/chats.js';
import { activeUsers } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the search queries and the recent-search list (store/repos/search.ts, and the chats and users a search reads), on the suite's engine. */
describe('store contract: search', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('keeps a recent-search list per person, newest first, re-adding moves to the top', async () => {
    const db = t.store.db;
    await addLast(db, 1, '5', 1000);
    await addLast(db, 1, 'chat3', 1000);
    await addLast(db, 2, '5', 1000);
    assert.deepEqual(await lastList(db, 1), ['chat3', '5']);
    await addLast(db, 1, '5', 900);
    assert.deepEqual(await lastList(db, 1), ['5', 'chat3']);
    assert.equal(await deleteLast(db, 1, '5'), true);
    assert.equal(await deleteLast(db, 1, '5'), false);
    assert.deepEqual(await lastList(db, 1), ['chat3']);
    assert.deepEqual(await lastList(db, 2), ['5']);
  });

  it('lists active users, the group chats a person may open and their members\' names', async () => {
    const db = t.store.db;
    const ann = await createUser(db, t.clock, { name: 'Ann', lastName: 'Lee' });
    const gone = await createUser(db, t.clock, { name: 'Gone' });
    await db.updateTable('users').set({ active: 0 }).where('id', '=', gone).execute();
    const ids = (await activeUsers(db)).map((u) => u.id);
    assert.ok(ids.includes(ann) && !ids.includes(gone));
    const closed = await createGroupChat(t.ctx, { type: 'C', title: 'Closed', authorId: 1, users: [ann] });
    const others = await createGroupChat(t.ctx, { type: 'C', title: 'Others', authorId: 1, users: [] });
    const open = await createGroupChat(t.ctx, { type: 'O', title: 'Open', authorId: 1, users: [] });
    assert.deepEqual((await visibleGroupChats(db, ann)).map((c) => c.id), [open, closed]);
    assert.deepEqual((await visibleGroupChats(db, 1)).map((c) => c.id), [open, others, closed]);
    const names = (await memberNames(db, [closed])).map((m) => `${m.name} ${m.last_name}`).sort();
    assert.deepEqual(names, ['Admin ', 'Ann Lee']);
  });
});
