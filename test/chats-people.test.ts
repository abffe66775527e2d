import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DomainCtx } from '../src/context.js';
import { addChatUsers, createChat } from '../src/im/chats.js';
import { startPortal, type TestPortal } from './helpers/server.js';
import { assertError, ChatWorld, E, sorted, type Expected, type Params, type Person } from './helpers/chats.js';
import { eventPublisher } from '../src/events/publisher.js';

// The people's side of chats (api-reference/chats/im-chat-add.md, im-chat-get.md, im-dialog-get.md,
// chat-users/*.md, chat-update/im-chat-update-title.md) — the same handlers as imbot.chat.* on a
// portal, acting as the caller — and the bot joins the domain reports for ONIMBOTJOINCHAT.

type Row = [label: string, params: Params, expected: Expected];

describe('people and chats', () => {
  let p: TestPortal;
  let w: ChatWorld;
  let bot: number;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;

  const chatOf = async (owner: Person, USERS: number[], more: Params = {}): Promise<number> => w.asOk(owner, 'im.chat.add', { USERS, ...more });
  const rowsAs = (who: Person, method: string, cases: Row[]) => w.rows((params) => w.as(who, method, params), cases);

  before(async () => {
    p = await startPortal();
    w = new ChatWorld(p);
    bot = await w.bot('peoplebot');
    alice = await w.person('Alice');
    bob = await w.person('Bob');
    carol = await w.person('Carol');
    dave = await w.person('Dave');
  });
  after(() => p.stop());

  describe('im.chat.add', () => {
    it('rejects USERS entries that are neither ids nor strings; a failed store creates nothing', async () => {
      await rowsAs(alice, 'im.chat.add', [
        ['a list inside USERS', { USERS: [[bob.id]] }, E.usersType],
        ['a float', { USERS: [bob.id, 2.5] }, E.usersType],
      ]);
      await w.failNextWrite('im.chat.add');
      assertError(await w.as(alice, 'im.chat.add', { USERS: [bob.id] }), E.cantCreate);
    });

    it('without parameters: a closed chat with the caller as its only member and owner', async () => {
      const chat = await w.asOk(alice, 'im.chat.add', {});
      const d = await w.dialog(alice, `chat${chat}`);
      assert.deepEqual([d.owner, d.user_counter, d.role, d.type], [alice.id, 1, 'owner', 'chat']);
    });

    it('ignores what USERS cannot be (a scalar or bad JSON) and keeps the message author', async () => {
      const chat = await chatOf(alice, 5 as unknown as number[], { MESSAGE: 'first' });
      assert.deepEqual(await w.members(alice, chat), [alice.id]);
      const other = await w.asOk(alice, 'im.chat.add', { USERS: '[not json' });
      assert.deepEqual(await w.members(alice, other), [alice.id]);
      assert.deepEqual(await w.texts(alice, `chat${chat}`), ['first']);
    });
  });

  describe('im.chat.get', () => {
    it('finds a chat by its entity binding, without access checks', async () => {
      const chat = await chatOf(alice, [bob.id], { ENTITY_TYPE: 'DEAL', ENTITY_ID: '77' });
      assert.deepEqual(await w.asOk(carol, 'im.chat.get', { ENTITY_TYPE: 'DEAL', ENTITY_ID: '77' }), { ID: chat });
      assert.equal(await w.asOk(carol, 'im.chat.get', { ENTITY_TYPE: 'DEAL', ENTITY_ID: '0' }), null, '"0" is empty in PHP');
      assert.equal(await w.asOk(carol, 'im.chat.get', {}), null);
    });

    it('with DIALOG_ID answers the dialog view, with its access errors', async () => {
      const chat = await chatOf(alice, [bob.id]);
      const view = await w.asOk(bob, 'im.chat.get', { DIALOG_ID: `chat${chat}` });
      assert.deepEqual([view.id, view.dialog_id, view.role], [chat, `chat${chat}`, 'member']);
      await rowsAs(carol, 'im.chat.get', [
        ['a bad DIALOG_ID', { DIALOG_ID: 'x1' }, E.dialogEmpty],
        ['a closed chat of others', { DIALOG_ID: `chat${chat}` }, E.noDialogAccess],
      ]);
    });
  });

  describe('im.dialog.get', () => {
    it('shows group and private dialogs with the docs\' shape', async () => {
      const chat = await chatOf(alice, [bob.id], { TITLE: 'Deal chat', DESCRIPTION: 'Discussion' });
      const d = await w.dialog(bob, `chat${chat}`);
      assert.deepEqual([d.name, d.description, d.owner, d.role, d.manager_list, d.dialog_id], ['Deal chat', 'Discussion', alice.id, 'member', [alice.id], `chat${chat}`]);
      await w.asOk(alice, 'im.message.add', { DIALOG_ID: String(carol.id), MESSAGE: 'hi Carol' });
      const priv = await w.dialog(carol, alice.id);
      assert.deepEqual([priv.type, priv.message_type, priv.counter, priv.dialog_id], ['private', 'P', 1, String(alice.id)]);
    });

    it('rejects every error row in order', async () => {
      const closed = await chatOf(alice, [bob.id]);
      await rowsAs(dave, 'im.dialog.get', [
        ['no DIALOG_ID', {}, E.dialogEmpty],
        ['DIALOG_ID "chat"', { DIALOG_ID: 'chat' }, E.dialogEmpty],
        ['a closed chat of others', { DIALOG_ID: `chat${closed}` }, E.noDialogAccess],
        ['a chat that does not exist', { DIALOG_ID: 'chat999999' }, E.noDialogAccess],
        ['a person that does not exist', { DIALOG_ID: '999999' }, E.noDialogAccess],
        ['a person never written to', { DIALOG_ID: String(bob.id) }, E.noChatAccess],
      ]);
    });
  });

  describe('im.chat.user.add', () => {
    it('rejects every error row in order', async () => {
      const chat = await chatOf(alice, [bob.id]);
      const sonet = await chatOf(alice, [bob.id], { ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '3' });
      await rowsAs(alice, 'im.chat.user.add', [
        ['DIALOG_ID of a person', { DIALOG_ID: String(bob.id), USERS: [carol.id] }, E.dialogEmpty],
        ['no CHAT_ID', { USERS: [carol.id] }, E.chatIdEmpty],
        ['a workgroup chat', { CHAT_ID: sonet, USERS: [carol.id] }, E.cantAdd],
      ]);
      await rowsAs(carol, 'im.chat.user.add', [['a chat the caller is not in', { CHAT_ID: chat, USERS: [dave.id] }, E.notAdded]]);
      assert.deepEqual(await w.members(alice, chat), sorted(alice.id, bob.id));
    });

    it('any member adds people and bots', async () => {
      const chat = await chatOf(alice, [bob.id]);
      assert.equal(await w.asOk(bob, 'im.chat.user.add', { CHAT_ID: chat, USERS: [carol.id, bot], HIDE_HISTORY: 'N' }), true);
      assert.deepEqual(await w.members(carol, chat), sorted(alice.id, bob.id, carol.id, bot));
      assert.ok(await w.imbotOk('imbot.message.add', { DIALOG_ID: `chat${chat}`, MESSAGE: 'bot joined' }));
    });
  });

  describe('im.chat.user.delete and im.chat.leave', () => {
    it('rejects every error row in order', async () => {
      const chat = await chatOf(alice, [bob.id, carol.id]);
      const sonet = await chatOf(alice, [bob.id], { ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '4' });
      await rowsAs(alice, 'im.chat.user.delete', [
        ['no CHAT_ID', { USER_ID: bob.id }, E.chatIdEmpty],
        ['a workgroup chat', { CHAT_ID: sonet, USER_ID: bob.id }, E.cantDelete],
        ['no USER_ID', { CHAT_ID: chat }, E.userIdEmpty],
        ['the owner removing itself', { CHAT_ID: chat, USER_ID: alice.id }, E.ownerLeave],
        ['someone not in the chat', { CHAT_ID: chat, USER_ID: dave.id }, E.notDeleted],
      ]);
      await rowsAs(bob, 'im.chat.user.delete', [
        ['a member who is not the owner', { CHAT_ID: chat, USER_ID: carol.id }, E.notDeleted],
        ['a member removing the owner', { CHAT_ID: chat, USER_ID: alice.id }, E.notDeleted],
      ]);
      await rowsAs(alice, 'im.chat.leave', [
        ['no CHAT_ID', {}, E.chatIdEmpty],
        ['the owner cannot leave', { CHAT_ID: chat }, E.ownerLeave],
      ]);
      await rowsAs(dave, 'im.chat.leave', [['not a member', { CHAT_ID: chat }, E.notDeleted]]);
      assert.deepEqual(await w.members(alice, chat), sorted(alice.id, bob.id, carol.id));
    });

    it('the owner removes a member (a bot here), a member leaves', async () => {
      const chat = await chatOf(alice, [bob.id, carol.id, bot]);
      assert.equal(await w.asOk(alice, 'im.chat.user.delete', { CHAT_ID: chat, USER_ID: bot }), true);
      assert.equal(await w.asOk(carol, 'im.chat.leave', { CHAT_ID: chat }), true);
      assert.deepEqual(await w.members(alice, chat), sorted(alice.id, bob.id));
      assert.deepEqual(await w.asOk(carol, 'im.chat.user.list', { CHAT_ID: chat }), [], 'Carol no longer sees the members');
    });
  });

  describe('im.chat.updateTitle', () => {
    it('rejects every error row in order and renames', async () => {
      const chat = await chatOf(alice, [bob.id], { TITLE: 'Before' });
      const crm = await chatOf(alice, [bob.id], { ENTITY_TYPE: 'CRM', ENTITY_ID: 'DEAL|1' });
      await rowsAs(bob, 'im.chat.updateTitle', [
        ['DIALOG_ID of a person', { DIALOG_ID: String(alice.id), TITLE: 'x' }, E.dialogEmpty],
        ['CHAT_ID with the chat prefix', { CHAT_ID: `chat${chat}`, TITLE: 'x' }, E.chatIdEmpty],
        ['blank TITLE', { CHAT_ID: chat, TITLE: '   ' }, E.titleEmpty],
        ['a CRM chat cannot be renamed', { CHAT_ID: crm, TITLE: 'x' }, E.cantRename],
      ]);
      assert.equal(await w.asOk(bob, 'im.chat.updateTitle', { DIALOG_ID: `chat${chat}`, TITLE: ' After ' }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).name, 'After');
      assert.equal((await w.dialog(alice, `chat${crm}`)).type, 'crm');
    });
  });

  describe('bot joins reported by the domain (for ONIMBOTJOINCHAT)', () => {
    const ctx = (): DomainCtx => ({ db: p.server.core.store.db, clock: p.server.clock, portal: p.server.core.portal, profile: 'dev' , events: eventPublisher});

    it('creating a chat reports every bot among the members, the creating bot included', async () => {
      const other = await w.bot('joinbot2');
      const created = await createChat(ctx(), { type: 'C', authorId: bot, users: [alice.id, other, 999999] });
      assert.deepEqual(created.added, sorted(bot, alice.id, other));
      assert.deepEqual(created.botJoins, [
        { chatId: created.chatId, botId: bot, userId: bot, accessHistory: true },
        { chatId: created.chatId, botId: other, userId: bot, accessHistory: true },
      ]);
    });

    it('adding users reports only the bots that were not members yet, with ACCESS_HISTORY', async () => {
      const other = await w.bot('joinbot3');
      const { chatId } = await createChat(ctx(), { type: 'C', authorId: alice.id, users: [bot] });
      const added = await addChatUsers(ctx(), chatId, alice.id, [bot, other, bob.id], true);
      assert.deepEqual(added.added, sorted(other, bob.id));
      assert.deepEqual(added.botJoins, [{ chatId, botId: other, userId: alice.id, accessHistory: false }]);
    });
  });
});
