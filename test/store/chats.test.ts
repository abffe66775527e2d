import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  chatMessageAdded,
  chatMessageRemoved,
  deleteChat,
  deleteChats,
  deleteMember,
  findChat,
  findChatIdByEntity,
  findMemberRole,
  findPrivateChatId,
  insertChat,
  insertMembers,
  insertSystemChat,
  listActiveMemberUsers,
  listMemberIds,
  listMembers,
  listMemberships,
  listMembersOfChats,
  listMembersWithNames,
  listPrivatePairs,
  lockChatForWrite,
  memberExists,
  pairPrivateChat,
  setMemberRole,
  updateChat,
} from '../../src/store/repos/chats.js';
import { findMessage, insertMessage } from '../../src/store/repos/messages.js';
import { insertUser } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: chats, members and private dialogs (store/repos/chats.ts), on the suite's engine. */
describe('store contract: chats', () => {
  let t: TestStore;
  let ann: number;
  let bob: number;
  let cid: number;
  before(async () => {
    t = await openTestStore();
    ann = await insertUser(t.store.db, { name: 'Ann', last_name: 'Lee' });
    bob = await insertUser(t.store.db, { name: 'Bob', last_name: 'Ray' });
    cid = await insertUser(t.store.db, { name: 'Cid', active: 0 });
  });
  after(() => t.close());

  it('inserts, updates and finds a chat; defaults fill the rest', async () => {
    const db = t.store.db;
    const id = await insertChat(db, { type: 'C', title: 'Team', author_id: ann, owner_id: ann, created_at: 5 });
    await updateChat(db, id, { color: 'MINT', entity_type: 'CRM', entity_id: 'DEAL|1' });
    const chat = await findChat(db, id);
    assert.equal(chat?.title, 'Team');
    assert.equal(chat?.color, 'MINT');
    assert.equal(chat?.last_message_id, 0);
    assert.equal(chat?.message_count, 0);
    assert.equal(await findChat(db, 999_999), undefined);
  });

  it('finds the lowest-id chat bound to an entity, matching exactly', async () => {
    const db = t.store.db;
    const a = await insertChat(db, { type: 'C', entity_type: 'LINES', entity_id: 'x|7', created_at: 1 });
    await insertChat(db, { type: 'C', entity_type: 'LINES', entity_id: 'x|7', created_at: 2 });
    assert.equal(await findChatIdByEntity(db, 'LINES', 'x|7'), a);
    assert.equal(await findChatIdByEntity(db, 'LINES', 'X|7'), null);
    assert.equal(await findChatIdByEntity(db, 'lines', 'x|7'), null);
  });

  it('pairs one private chat per unordered pair; a second pair attempt loses', async () => {
    const db = t.store.db;
    const first = await insertChat(db, { type: 'P', author_id: ann, created_at: 1 });
    const second = await insertChat(db, { type: 'P', author_id: bob, created_at: 1 });
    assert.equal(await findPrivateChatId(db, ann, bob), null);
    assert.equal(await pairPrivateChat(db, bob, ann, first), true);
    assert.equal(await pairPrivateChat(db, ann, bob, second), false);
    await deleteChat(db, second);
    assert.equal(await findChat(db, second), undefined);
    assert.equal(await findPrivateChatId(db, ann, bob), first);
    assert.equal(await findPrivateChatId(db, bob, ann), first);
    assert.deepEqual(await listPrivatePairs(db, [first, second]), [{ user_lo: Math.min(ann, bob), user_hi: Math.max(ann, bob), chat_id: first }]);
    assert.deepEqual(await listPrivatePairs(db, []), []);
  });

  it('of concurrent first contacts, one pairs its chat; the others see the winner after it commits', async () => {
    const x = await insertUser(t.store.db, { name: 'X' });
    const y = await insertUser(t.store.db, { name: 'Y' });
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.store.transaction(async (trx) => {
          const id = await insertChat(trx, { type: 'P', author_id: x, created_at: 1 });
          if (await pairPrivateChat(trx, x, y, id)) return { won: true, id };
          await deleteChat(trx, id);
          return { won: false, id: await findPrivateChatId(trx, x, y) };
        }),
      ),
    );
    const winners = attempts.filter((a) => a.won);
    assert.equal(winners.length, 1);
    assert.ok(attempts.every((a) => a.id === winners[0]!.id));
    assert.equal(await findPrivateChatId(t.store.db, y, x), winners[0]!.id);
  });

  it('keeps members with roles; membership, role changes and removal', async () => {
    const db = t.store.db;
    const id = await insertChat(db, { type: 'C', created_at: 1 });
    await insertMembers(db, [
      { chat_id: id, user_id: bob, role: 'member', joined_at: 20 },
      { chat_id: id, user_id: ann, role: 'owner', joined_at: 10 },
      { chat_id: id, user_id: cid, role: 'member', joined_at: 30 },
    ]);
    await insertMembers(db, []);
    assert.deepEqual(await listMemberIds(db, id), [ann, bob, cid].sort((a, b) => a - b));
    assert.equal(await memberExists(db, id, bob), true);
    assert.equal(await memberExists(db, id, 999_999), false);
    assert.equal(await findMemberRole(db, id, ann), 'owner');
    assert.equal(await findMemberRole(db, id, 999_999), undefined);

    // `from`: only members whose role is `from` change
    await setMemberRole(db, id, [ann, bob], 'manager', 'member');
    assert.equal(await findMemberRole(db, id, ann), 'owner');
    assert.equal(await findMemberRole(db, id, bob), 'manager');
    await setMemberRole(db, id, [bob], 'member');
    assert.equal(await findMemberRole(db, id, bob), 'member');

    const rows = await listMembers(db, id);
    assert.deepEqual(rows.map((r) => r.user_id), [ann, bob, cid].sort((a, b) => a - b));
    assert.deepEqual(rows.find((r) => r.user_id === ann), { user_id: ann, role: 'owner', last_read_message_id: 0, muted: 0 });
    const named = await listMembersWithNames(db, id);
    assert.equal(named.find((r) => r.user_id === bob)?.last_name, 'Ray');

    // inactive users are not active members; joined_at comes along
    const active = await listActiveMemberUsers(db, id);
    assert.deepEqual(active.map((u) => [u.id, u.joined_at]).sort((a, b) => a[0]! - b[0]!), [[ann, 10], [bob, 20]].sort((a, b) => a[0]! - b[0]!));

    await deleteMember(db, id, bob);
    assert.equal(await memberExists(db, id, bob), false);
    assert.deepEqual((await listMembersOfChats(db, [id])).map((m) => m.user_id).sort((a, b) => a - b), [ann, cid].sort((a, b) => a - b));
  });

  it('lists one user\'s memberships with role, mute flag and read mark', async () => {
    const db = t.store.db;
    const dan = await insertUser(db, { name: 'Dan' });
    const a = await insertChat(db, { type: 'C', title: 'A', created_at: 1 });
    const b = await insertChat(db, { type: 'O', title: 'B', created_at: 1 });
    await insertMembers(db, [
      { chat_id: a, user_id: dan, role: 'owner', joined_at: 1, muted: 0, last_read_message_id: 0 },
      { chat_id: b, user_id: dan, role: 'member', joined_at: 1, muted: 1, last_read_message_id: 4 },
    ]);
    const rows = (await listMemberships(db, dan)).sort((x, y) => x.id - y.id);
    assert.deepEqual(rows.map((r) => [r.id, r.title, r.member_role, r.member_muted, r.member_read]), [
      [a, 'A', 'owner', 0, 0],
      [b, 'B', 'member', 1, 4],
    ]);
  });

  it('moves the last message and count as messages come and go', async () => {
    const db = t.store.db;
    const id = await insertChat(db, { type: 'C', created_at: 1 });
    await lockChatForWrite(db, id);
    await chatMessageAdded(db, id, 41);
    await chatMessageAdded(db, id, 42);
    assert.deepEqual(await findChat(db, id).then((c) => [c?.last_message_id, c?.message_count]), [42, 2]);
    await chatMessageRemoved(db, id, 41);
    assert.deepEqual(await findChat(db, id).then((c) => [c?.last_message_id, c?.message_count]), [41, 1]);
  });

  it('deleting chats takes their messages, members and private pairs, and nothing else', async () => {
    const db = t.store.db;
    const eve = await insertUser(db, { name: 'Eve' });
    const doomed = await insertChat(db, { type: 'P', created_at: 1 });
    const kept = await insertChat(db, { type: 'C', created_at: 1 });
    await pairPrivateChat(db, ann, eve, doomed);
    await insertMembers(db, [
      { chat_id: doomed, user_id: eve, joined_at: 1 },
      { chat_id: kept, user_id: eve, joined_at: 1 },
    ]);
    const gone = await insertMessage(db, { chat_id: doomed, author_id: eve, text: 'bye' });
    const stays = await insertMessage(db, { chat_id: kept, author_id: eve, text: 'hi' });
    await deleteChats(db, [doomed]);
    await deleteChats(db, []);
    assert.equal(await findChat(db, doomed), undefined);
    assert.equal(await findPrivateChatId(db, ann, eve), null);
    assert.equal(await findMessage(db, gone), undefined);
    assert.equal((await findMessage(db, stays))?.text, 'hi');
    assert.deepEqual(await listMemberIds(db, doomed), []);
    assert.deepEqual(await listMemberIds(db, kept), [eve]);
  });

  it('a system chat (a notification chat) is type S, owned by the person, with no members', async () => {
    const db = t.store.db;
    const id = await insertSystemChat(db, ann, 77);
    const chat = await findChat(db, id);
    assert.equal(chat?.type, 'S');
    assert.equal(chat?.owner_id, ann);
    assert.equal(chat?.created_at, 77);
    assert.deepEqual(await listMemberIds(db, id), []);
  });
});
