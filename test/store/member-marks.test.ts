import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroupChat } from '../../src/im/chats.js';
import { postMessage } from '../../src/im/messages.js';
import { createUser } from '../../src/im/users.js';
import { setMuted } from '../../src/store/repos/chats.js';
import { markUnreadFrom, readAllChats } from '../../src/store/repos/read-state.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: a member's own settings of a chat: muted (store/repos/chats.ts), the read mark moved by hand (store/repos/read-state.ts). */
describe('store contract: mute and read marks moved by hand', () => {
  let t: TestStore;
  let ann: number;
  let bob: number;
  let chat: number;
  const member = (userId: number) =>
    t.store.db.selectFrom('chat_members').select(['muted', 'last_read_message_id']).where('chat_id', '=', chat).where('user_id', '=', userId).executeTakeFirstOrThrow();

  before(async () => {
    t = await openTestStore();
    ann = await createUser(t.store.db, t.clock, { name: 'Ann' });
    bob = await createUser(t.store.db, t.clock, { name: 'Bob' });
    chat = await createGroupChat(t.ctx, { type: 'C', title: 'T', authorId: ann, users: [bob] });
  });
  after(() => t.close());

  it('mutes a member only; a non-member changes nothing', async () => {
    assert.equal(await setMuted(t.store.db, chat, bob, true), true);
    assert.deepEqual([(await member(bob)).muted, (await member(ann)).muted], [1, 0]);
    assert.equal(await setMuted(t.store.db, chat, 999, true), false);
    assert.equal(await setMuted(t.store.db, chat, bob, false), true);
    assert.equal((await member(bob)).muted, 0);
  });

  it('moves a read mark back before a message, never forward; reads every chat to its end', async () => {
    const m1 = await postMessage(t.ctx, { chatId: chat, authorId: ann, text: 'one' });
    const m2 = await postMessage(t.ctx, { chatId: chat, authorId: ann, text: 'two' });
    assert.equal((await member(bob)).last_read_message_id, 0);
    assert.equal(await markUnreadFrom(t.store.db, chat, bob, m2), true);
    assert.equal((await member(bob)).last_read_message_id, 0, 'a mark already before stays');
    assert.deepEqual(await readAllChats(t.store.db, bob), [{ chatId: chat, lastId: m2 }]);
    assert.equal((await member(bob)).last_read_message_id, m2);
    assert.equal(await markUnreadFrom(t.store.db, chat, bob, m1), true);
    assert.equal((await member(bob)).last_read_message_id, m1 - 1);
    assert.equal(await markUnreadFrom(t.store.db, chat, 999, m1), false);
    assert.deepEqual(await readAllChats(t.store.db, ann), [], 'the author has read everything');
  });
});
