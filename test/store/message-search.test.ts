import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroupChat } from '../../src/im/chats.js';
import { postMessage } from '../../src/im/messages.js';
import { createUser } from '../../src/im/users.js';
import { reactionsOn, searchMessages } from '../../src/store/repos/message-search.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: message search in one chat (store/repos/message-search.ts), on the suite's engine. */
describe('store contract: message search', () => {
  let t: TestStore;
  let chat: number;
  let m: number[];
  let t0: number;

  before(async () => {
    t = await openTestStore();
    const ann = await createUser(t.store.db, t.clock, { name: 'Ann' });
    chat = await createGroupChat(t.ctx, { type: 'C', title: 'T', authorId: ann, users: [] });
    const other = await createGroupChat(t.ctx, { type: 'C', title: 'U', authorId: ann, users: [] });
    t0 = t.clock.now();
    m = [];
    for (const text of ['Hello World', 'hello again', 'bye 100%_done']) {
      m.push(await postMessage(t.ctx, { chatId: chat, authorId: ann, text }));
      t.clock.advance(60_000);
    }
    await postMessage(t.ctx, { chatId: other, authorId: ann, text: 'hello elsewhere' });
    await t.store.db.updateTable('messages').set({ deleted: 1 }).where('id', '=', m[1]!).execute();
    await t.store.db.insertInto('message_reactions').values({ message_id: m[0]!, user_id: ann, reaction: 'fire', created_at: 1 }).execute();
  });
  after(() => t.close());

  const ids = async (q: Partial<Parameters<typeof searchMessages>[1]>) =>
    (await searchMessages(t.store.db, { chatId: chat, text: null, desc: true, limit: 50, ...q })).map((r) => r.id);

  it('matches text case-insensitively as a plain substring, live messages of the chat only', async () => {
    assert.deepEqual(await ids({ text: 'hello' }), [m[0]]);
    assert.deepEqual(await ids({ text: '%_d' }), [m[2]], 'LIKE wildcards are plain characters');
    assert.deepEqual(await ids({}), [m[2], m[0]]);
  });

  it('orders, limits, pages after an id and filters by time', async () => {
    assert.deepEqual(await ids({ desc: false }), [m[0], m[2]]);
    assert.deepEqual(await ids({ limit: 1 }), [m[2]]);
    assert.deepEqual(await ids({ lastId: m[2] }), [m[0]]);
    assert.deepEqual(await ids({ desc: false, lastId: m[0] }), [m[2]]);
    assert.deepEqual(await ids({ from: t0 + 60_000 }), [m[2]]);
    assert.deepEqual(await ids({ to: t0 + 60_000 }), [m[0]]);
  });

  it('lists the reactions on given messages', async () => {
    assert.deepEqual((await reactionsOn(t.store.db, [m[0]!, m[2]!])).map((r) => [r.message_id, r.reaction]), [[m[0], 'fire']]);
    assert.deepEqual(await reactionsOn(t.store.db, []), []);
  });
});
