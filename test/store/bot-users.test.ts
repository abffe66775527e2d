import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroupChat, openPrivateChat } from '../../src/im/chats.js';
import { deleteMessage, getMessage, postMessage } from '../../src/im/messages.js';
import { createUser, getUser } from '../../src/im/users.js';
import { insertBotOnce } from '../../src/store/repos/bots.js';
import { deleteMembershipsOf, findOtherMemberId, listMembersWithBotFlags, listMemberships } from '../../src/store/repos/chats.js';
import { countMessagesBy, findPreviousMessageId } from '../../src/store/repos/messages.js';
import { deleteUserRow, findActiveUserIdByLogin, findUserAccess, maxUserId, updateUserColumns } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/*
 * Contract: the queries on people, chats and messages that bots/ and auth/ make
 * (store/repos/users.ts, chats.ts, messages.ts).
 */
describe('store contract: users, chats and messages as bots and auth read them', () => {
  let t: TestStore;
  let person: number;
  let bot: number;
  before(async () => {
    t = await openTestStore();
    person = await createUser(t.store.db, t.clock, { name: 'Ann', login: 'ann' });
    bot = await createUser(t.store.db, t.clock, { name: 'Bot', externalAuthId: 'bot', userType: 'bot' });
    await insertBotOnce(t.store.db, { bot_id: bot, code: 'bot', app_id: 'customA', type: 'S', openline: 'Y' });
  });
  after(() => t.close());

  it('user access flags, login lookup (active users only, exact), field updates, the highest id', async () => {
    const db = t.store.db;
    assert.deepEqual(await findUserAccess(db, 1), { active: 1, is_admin: 1, external_auth_id: '' });
    assert.deepEqual(await findUserAccess(db, bot), { active: 1, is_admin: 0, external_auth_id: 'bot' });
    assert.equal(await findUserAccess(db, 999_999), undefined);
    assert.equal(await findActiveUserIdByLogin(db, 'ann'), person);
    assert.equal(await findActiveUserIdByLogin(db, 'ANN'), undefined);
    await updateUserColumns(db, person, { active: 0, work_position: 'Boss' });
    await updateUserColumns(db, person, {});
    assert.equal(await findActiveUserIdByLogin(db, 'ann'), undefined, 'inactive');
    assert.equal((await getUser(db, person))?.work_position, 'Boss');
    await updateUserColumns(db, person, { active: 1 });
    assert.equal(await maxUserId(db), bot);
  });

  it("members with bot flags in id order, a private chat's other member, leaving every chat", async () => {
    const db = t.store.db;
    const group = await createGroupChat(t.ctx, { type: 'C', title: 'G', authorId: person, users: [person, bot] });
    const { chatId: dialog } = await openPrivateChat(t.ctx, person, bot);
    const chats = (await listMemberships(db, bot)).sort((a, b) => a.id - b.id);
    assert.deepEqual(chats.map((c) => [c.id, c.type]), [[group, 'C'], [dialog, 'P']]);
    const members = await listMembersWithBotFlags(db, group);
    assert.deepEqual(members.map((m) => [m.user_id, m.external_auth_id, m.type, m.openline]), [[person, '', null, null], [bot, 'bot', 'S', 'Y']]);
    assert.equal(members[0]?.role, 'owner');
    assert.equal(await findOtherMemberId(db, dialog, bot), person);
    assert.equal(await findOtherMemberId(db, dialog, person), bot);
    await deleteMembershipsOf(db, bot);
    assert.deepEqual(await listMemberships(db, bot), []);
    assert.equal(await findOtherMemberId(db, dialog, person), undefined);
  });

  it("the chat's previous message, and a user's messages counted without deleted ones", async () => {
    const db = t.store.db;
    const chat = await createGroupChat(t.ctx, { type: 'C', title: 'M', authorId: person, users: [person] });
    const first = await postMessage(t.ctx, { chatId: chat, authorId: person, text: 'one' });
    const second = await postMessage(t.ctx, { chatId: chat, authorId: person, text: 'two' });
    const before = await countMessagesBy(db, person);
    assert.equal(await findPreviousMessageId(db, chat, second), first);
    assert.equal(await findPreviousMessageId(db, chat, first), undefined);
    await deleteMessage(t.ctx, (await getMessage(db, second))!, false);
    assert.equal(await countMessagesBy(db, person), before - 1);
    await deleteUserRow(db, bot);
    assert.equal(await findUserAccess(db, bot), undefined);
  });
});
