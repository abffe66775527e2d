import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertChat, insertMembers } from '../../src/store/repos/chats.js';
import { insertMessage, updateMessage } from '../../src/store/repos/messages.js';
import { countUnread, countUnreadByChat, findReadMark, listReadMarks, listUnreadBetween, setReadMark, unreadAbove } from '../../src/store/repos/read-state.js';
import { insertUser } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: read marks and unread counts (store/repos/read-state.ts), on the suite's engine. */
describe('store contract: read state', () => {
  let t: TestStore;
  let ann: number;
  let bob: number;
  let outsider: number;
  let chat: number;
  let quiet: number;
  /** bob, ann, bob, bob (deleted), bob: message ids in `chat` */
  const ids: number[] = [];
  before(async () => {
    t = await openTestStore();
    const db = t.store.db;
    ann = await insertUser(db, { name: 'Ann' });
    bob = await insertUser(db, { name: 'Bob' });
    outsider = await insertUser(db, { name: 'Out' });
    chat = await insertChat(db, { type: 'C', created_at: 1 });
    quiet = await insertChat(db, { type: 'C', created_at: 1 });
    await insertMembers(db, [
      { chat_id: chat, user_id: ann, joined_at: 1 },
      { chat_id: chat, user_id: bob, joined_at: 1 },
      { chat_id: quiet, user_id: ann, joined_at: 1 },
    ]);
    for (const author of [bob, ann, bob, bob, bob]) ids.push(await insertMessage(db, { chat_id: chat, author_id: author, text: 'x' }));
    await updateMessage(db, ids[3]!, { deleted: 1 });
  });
  after(() => t.close());

  it('reads and sets a member\'s read mark; a non-member has none', async () => {
    const db = t.store.db;
    assert.equal(await findReadMark(db, chat, ann), 0);
    assert.equal(await findReadMark(db, chat, outsider), undefined);
    await setReadMark(db, chat, bob, ids[4]!);
    assert.equal(await findReadMark(db, chat, bob), ids[4]);
    await setReadMark(db, chat, outsider, ids[4]!);
    assert.equal(await findReadMark(db, chat, outsider), undefined);
    const marks = (await listReadMarks(db, chat)).sort((a, b) => a.user_id - b.user_id);
    assert.deepEqual(marks, [
      { user_id: ann, last_read_message_id: 0 },
      { user_id: bob, last_read_message_id: ids[4]! },
    ].sort((a, b) => a.user_id - b.user_id));
  });

  it('counts others\' live messages above the mark: own and deleted ones do not count', async () => {
    const db = t.store.db;
    assert.equal(await countUnread(db, chat, ann), 3);
    assert.equal(await countUnread(db, chat, bob), 0);
    assert.equal(await countUnread(db, chat, outsider), 0);
    await setReadMark(db, chat, ann, ids[0]!);
    assert.equal(await countUnread(db, chat, ann), 2);
    assert.deepEqual(await unreadAbove(db, chat, ann, ids[0]!), { count: 2, firstId: ids[2]! });
    assert.deepEqual(await unreadAbove(db, chat, ann, ids[4]!), { count: 0, firstId: 0 });
  });

  it('counts per chat only where something is unread', async () => {
    const counts = await countUnreadByChat(t.store.db, ann);
    assert.equal(counts.get(chat), 2);
    assert.equal(counts.has(quiet), false);
    assert.equal((await countUnreadByChat(t.store.db, outsider)).size, 0);
  });

  it('lists what a read between two marks viewed, ascending', async () => {
    const db = t.store.db;
    assert.deepEqual(await listUnreadBetween(db, chat, ann, 0, ids[4]!), [ids[0]!, ids[2]!, ids[4]!]);
    assert.deepEqual(await listUnreadBetween(db, chat, ann, ids[0]!, ids[2]!), [ids[2]!]);
    assert.deepEqual(await listUnreadBetween(db, chat, ann, ids[2]!, ids[2]!), []);
  });
});
