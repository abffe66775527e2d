import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroupChat } from '../../src/im/chats.js';
import { createUser } from '../../src/im/users.js';
import { countMembers, pageMembers } from '../../src/store/repos/dialog-members.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the people of a chat, paged (store/repos/dialog-members.ts), on the suite's engine. */
describe('store contract: dialog members', () => {
  let t: TestStore;
  let ids: number[];
  let chat: number;

  before(async () => {
    t = await openTestStore();
    const db = t.store.db;
    const a = await createUser(db, t.clock, { name: 'A' });
    const b = await createUser(db, t.clock, { name: 'B' });
    const bot = await createUser(db, t.clock, { name: 'Bot', externalAuthId: 'bot', userType: 'bot' });
    const gone = await createUser(db, t.clock, { name: 'Gone' });
    chat = await createGroupChat(t.ctx, { type: 'C', title: 'T', authorId: a, users: [b, bot, gone] });
    await db.updateTable('users').set({ active: 0 }).where('id', '=', gone).execute();
    ids = [a, b, bot];
  });
  after(() => t.close());

  it('counts and pages active members in id order, by offset or after an id, without excluded types', async () => {
    const db = t.store.db;
    assert.equal(await countMembers(db, chat, { excludeTypes: [] }), 3);
    assert.equal(await countMembers(db, chat, { excludeTypes: ['bot'] }), 2);
    assert.deepEqual((await pageMembers(db, chat, { excludeTypes: [], limit: 10 })).map((u) => u.id), ids);
    assert.deepEqual((await pageMembers(db, chat, { excludeTypes: [], limit: 1, offset: 1 })).map((u) => u.id), [ids[1]]);
    assert.deepEqual((await pageMembers(db, chat, { excludeTypes: [], limit: 10, afterId: ids[0] })).map((u) => u.id), ids.slice(1));
    assert.deepEqual((await pageMembers(db, chat, { excludeTypes: ['bot'], limit: 10 })).map((u) => u.id), ids.slice(0, 2));
  });
});
