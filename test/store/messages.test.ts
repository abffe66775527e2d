import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertChat } from '../../src/store/repos/chats.js';
import {
  deleteMessageRow,
  deleteMessagesOfChats,
  deleteReaction,
  deleteReactionsOf,
  findMessage,
  findMessageIdByUuid,
  findMessages,
  insertMessage,
  insertReaction,
  lastMessageId,
  lastMessageIdByAuthor,
  listChatHistory,
  listNeighbours,
  listReactionsOf,
  updateMessage,
} from '../../src/store/repos/messages.js';
import { insertUser } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: messages and reactions (store/repos/messages.ts), on the suite's engine. */
describe('store contract: messages', () => {
  let t: TestStore;
  let ann: number;
  let bob: number;
  let chat: number;
  let other: number;
  /** ids of messages 1..6 in `chat`, oldest first */
  const ids: number[] = [];
  before(async () => {
    t = await openTestStore();
    const db = t.store.db;
    ann = await insertUser(db, { name: 'Ann' });
    bob = await insertUser(db, { name: 'Bob' });
    chat = await insertChat(db, { type: 'C', created_at: 1 });
    other = await insertChat(db, { type: 'C', created_at: 1 });
    for (let i = 1; i <= 6; i++) {
      ids.push(await insertMessage(db, { chat_id: chat, author_id: i % 2 ? ann : bob, text: `m${i}`, uuid: i === 3 ? 'u-3' : null, created_at: i }));
      await insertMessage(db, { chat_id: other, author_id: ann, text: `o${i}` });
    }
  });
  after(() => t.close());

  it('inserts with increasing ids and column defaults', async () => {
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const row = await findMessage(t.store.db, ids[0]!);
    assert.equal(row?.text, 'm1');
    assert.equal(row?.params, '{}');
    assert.equal(row?.system, 'N');
    assert.equal(row?.deleted, 0);
    assert.equal(row?.updated_at, null);
    assert.equal(await findMessage(t.store.db, 999_999), undefined);
    assert.deepEqual((await findMessages(t.store.db, [ids[1]!, 999_999])).map((m) => m.text), ['m2']);
    assert.deepEqual(await findMessages(t.store.db, []), []);
  });

  it('finds a message by uuid within its chat only', async () => {
    assert.equal(await findMessageIdByUuid(t.store.db, chat, 'u-3'), ids[2]);
    assert.equal(await findMessageIdByUuid(t.store.db, other, 'u-3'), null);
    assert.equal(await findMessageIdByUuid(t.store.db, chat, 'U-3'), null);
  });

  it('pages the history newest first: from the top, below lastId, above firstId', async () => {
    const db = t.store.db;
    const texts = (rows: { text: string }[]) => rows.map((r) => r.text);
    assert.deepEqual(texts(await listChatHistory(db, chat, { limit: 2 })), ['m6', 'm5']);
    assert.deepEqual(texts(await listChatHistory(db, chat, { lastId: ids[4], limit: 2 })), ['m4', 'm3']);
    // above firstId: the page nearest to it, still newest first
    assert.deepEqual(texts(await listChatHistory(db, chat, { firstId: ids[1], limit: 2 })), ['m4', 'm3']);
    assert.deepEqual(texts(await listChatHistory(db, chat, { firstId: 0, lastId: 0, limit: 10 })), ['m6', 'm5', 'm4', 'm3', 'm2', 'm1']);
  });

  it('lists neighbours nearest first on either side', async () => {
    const db = t.store.db;
    assert.deepEqual((await listNeighbours(db, chat, ids[3]!, 'before', 2)).map((r) => r.text), ['m3', 'm2']);
    assert.deepEqual((await listNeighbours(db, chat, ids[3]!, 'after', 5)).map((r) => r.text), ['m5', 'm6']);
  });

  it('knows the last message of a chat and of each author', async () => {
    const db = t.store.db;
    assert.equal(await lastMessageId(db, chat), ids[5]);
    assert.equal(await lastMessageId(db, 999_999), 0);
    const byAuthor = await lastMessageIdByAuthor(db, chat);
    assert.equal(byAuthor.get(ann), ids[4]);
    assert.equal(byAuthor.get(bob), ids[5]);
  });

  it('updates only the given columns', async () => {
    const db = t.store.db;
    await updateMessage(db, ids[0]!, { params: '{"IS_EDITED":"Y"}', updated_at: 77 });
    const row = await findMessage(db, ids[0]!);
    assert.equal(row?.text, 'm1');
    assert.equal(row?.params, '{"IS_EDITED":"Y"}');
    assert.equal(row?.updated_at, 77);
  });

  it('keeps one row per reaction code and user; deletes report whether there was one', async () => {
    const db = t.store.db;
    const m = ids[1]!;
    await insertReaction(db, m, ann, 'faceWithTearsOfJoy', 1);
    await insertReaction(db, m, ann, 'heart', 2);
    await insertReaction(db, m, bob, 'heart', 3);
    await assert.rejects(insertReaction(db, m, ann, 'heart', 4));
    assert.deepEqual((await listReactionsOf(db, m, ann)).sort(), ['faceWithTearsOfJoy', 'heart']);
    assert.equal(await deleteReaction(db, m, ann, 'heart'), true);
    assert.equal(await deleteReaction(db, m, ann, 'heart'), false);
    assert.deepEqual(await listReactionsOf(db, m, ann), ['faceWithTearsOfJoy']);
    await deleteReactionsOf(db, m);
    assert.deepEqual(await listReactionsOf(db, m, ann), []);
    assert.deepEqual(await listReactionsOf(db, m, bob), []);
  });

  it('deletes one message, or every message of some chats', async () => {
    const db = t.store.db;
    await deleteMessageRow(db, ids[5]!);
    assert.equal(await findMessage(db, ids[5]!), undefined);
    assert.equal(await lastMessageId(db, chat), ids[4]);
    await deleteMessagesOfChats(db, [other]);
    assert.equal(await lastMessageId(db, other), 0);
    assert.equal(await lastMessageId(db, chat), ids[4]);
  });
});
