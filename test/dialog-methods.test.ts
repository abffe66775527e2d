import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { startReceiver, type Receiver } from './helpers/events.js';
import { PNG_1X1, pngHeader } from './helpers/chats.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Expected, type Person, type TestPortal } from './helpers/server.js';

/*
 * The chat and dialog methods of issue 16 through HTTP: im.chat.setOwner / updateColor /
 * updateAvatar (api-reference/chats/chat-update), im.chat.mute, im.dialog.read.all,
 * im.recent.pin / hide / unread (special-operations), im.dialog.users.list (chat-users),
 * im.dialog.messages.search, im.dialog.unread, im.message.share (messages).
 */

const E = {
  chatIdEmpty: [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  userIdEmpty: [400, 'USER_ID_EMPTY', "User ID can't be empty"] as Expected,
  ownerNotChanged: [400, 'WRONG_REQUEST', 'Change owner can only owner and user must be member in chat'] as Expected,
  wrongColor: [400, 'WRONG_COLOR', 'This color currently unavailable'] as Expected,
  colorNotSet: [400, 'WRONG_REQUEST', "This color currently set or chat isn't exists"] as Expected,
  avatarDenied: [400, 'ACCESS_DENIED', 'Access denied'] as Expected,
  avatarType: [400, 'AVATAR_ERROR', 'Avatar incorrect type'] as Expected,
  avatarSize: [400, 'AVATAR_ERROR', 'Avatar incorrect size (max 5000x5000)'] as Expected,
  avatarNoChat: [400, 'WRONG_REQUEST', "Chat isn't exists"] as Expected,
  cantAvatar: [403, 'ACCESS_ERROR', 'The avatar of this chat cannot be changed'] as Expected,
  cannotMute: [403, 'ACCESS_ERROR', 'This chat cannot be muted'] as Expected,
  noDialogAccess: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
  noChatAccess: [400, 'ACCESS_ERROR', "You don't have access to this chat"] as Expected,
  cannotPin: [400, 'ACCESS_ERROR', 'You don’t have permission to pin this chat'] as Expected,
  unreadIdError: [400, 'MESSAGE_ID_ERROR', "First unread message id can't be empty"] as Expected,
  searchChatEmpty: [400, 'CHAT_ID_EMPTY', "CHAT_ID can't be empty"] as Expected,
  searchNoAccess: [403, 'ACCESS_ERROR', 'You do not have access to this chat'] as Expected,
  shareIdError: [400, 'MESSAGE_ID_ERROR', "Message ID can't be empty"] as Expected,
  params: [400, 'PARAMS_ERROR', 'Incorrect params'] as Expected,
};

describe('chat and dialog methods (issue 16)', () => {
  let p: TestPortal;
  let r: Receiver;
  let ann: Person;
  let bob: Person;
  let cat: Person;
  let botId: number;

  const ok = async (who: Person, method: string, params: Record<string, unknown> = {}) => assertResult(await callJson(who.hook, method, params), `${method} ${JSON.stringify(params)}`);
  const say = (who: Person, dialogId: string | number, text: string): Promise<number> => ok(who, 'im.message.add', { DIALOG_ID: String(dialogId), MESSAGE: text });
  const chatOf = (who: Person, users: number[], extra: Record<string, unknown> = {}): Promise<number> => ok(who, 'im.chat.add', { USERS: users, TITLE: 'Team', ...extra });
  const recent = async (who: Person) => (await ok(who, 'im.recent.get')) as any[];

  before(async () => {
    [p, r] = await Promise.all([startPortal(), startReceiver()]);
    ann = await addPerson(p, 'Ann Lee');
    bob = await addPerson(p, 'Bob Stone');
    cat = await addPerson(p, 'Cat Moss');
    botId = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'surface', CLIENT_ID: 'surface', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'Surface' } }));
  });
  after(async () => {
    await p.stop();
    await r.close();
  });

  describe('im.chat.setOwner', () => {
    it('the owner hands the chat to a member; the new owner shows in im.chat.get', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assert.equal(await ok(ann, 'im.chat.setOwner', { CHAT_ID: chat, USER_ID: bob.id }), true);
      assert.equal((await ok(bob, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).owner, bob.id);
      assert.equal(await ok(bob, 'im.chat.setOwner', { DIALOG_ID: `chat${chat}`, USER_ID: ann.id }), true, 'DIALOG_ID instead of CHAT_ID');
      assert.equal((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).owner, ann.id);
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assertError(await callJson(ann.hook, 'im.chat.setOwner', { USER_ID: bob.id }), E.chatIdEmpty, 'no CHAT_ID');
      assertError(await callJson(ann.hook, 'im.chat.setOwner', { CHAT_ID: `chat${chat}`, USER_ID: bob.id }), E.chatIdEmpty, 'prefixed CHAT_ID');
      assertError(await callJson(ann.hook, 'im.chat.setOwner', { DIALOG_ID: String(bob.id), USER_ID: bob.id }), E.dialogEmpty, 'private dialog');
      assertError(await callJson(ann.hook, 'im.chat.setOwner', { CHAT_ID: chat }), E.userIdEmpty);
      assertError(await callJson(bob.hook, 'im.chat.setOwner', { CHAT_ID: chat, USER_ID: bob.id }), E.ownerNotChanged, 'not the owner');
      assertError(await callJson(ann.hook, 'im.chat.setOwner', { CHAT_ID: chat, USER_ID: cat.id }), E.ownerNotChanged, 'not a member');
      assert.equal((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).owner, ann.id, 'nothing changed');
    });
  });

  describe('im.chat.updateColor', () => {
    it('sets a documented colour; setting it again or an unknown one fails', async () => {
      const chat = await chatOf(ann, [bob.id], { COLOR: 'RED' });
      assert.equal(await ok(bob, 'im.chat.updateColor', { CHAT_ID: chat, COLOR: 'MINT' }), true);
      assert.equal((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).color, '#4ba984');
      assertError(await callJson(ann.hook, 'im.chat.updateColor', { CHAT_ID: chat, COLOR: 'MINT' }), E.colorNotSet, 'the colour it has');
      assertError(await callJson(ann.hook, 'im.chat.updateColor', { CHAT_ID: chat, COLOR: 'mint' }), E.wrongColor, 'case matters');
      assertError(await callJson(ann.hook, 'im.chat.updateColor', { CHAT_ID: 999999, COLOR: 'AQUA' }), E.colorNotSet, 'no such chat');
      assertError(await callJson(ann.hook, 'im.chat.updateColor', { COLOR: 'AQUA' }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.chat.updateColor', { DIALOG_ID: String(bob.id), COLOR: 'AQUA' }), E.dialogEmpty);
    });
  });

  describe('im.chat.updateAvatar', () => {
    it('sets a Base64 image; refuses non-images, oversize images, outsiders and entity chats', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assert.equal(await ok(bob, 'im.chat.updateAvatar', { CHAT_ID: chat, AVATAR: PNG_1X1 }), true);
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { CHAT_ID: chat, AVATAR: 'bm90IGFuIGltYWdl' }), E.avatarType);
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { CHAT_ID: chat, AVATAR: pngHeader(5001, 10) }), E.avatarSize);
      assertError(await callJson(cat.hook, 'im.chat.updateAvatar', { CHAT_ID: chat, AVATAR: PNG_1X1 }), E.avatarDenied, 'not a member');
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { CHAT_ID: 999999, AVATAR: PNG_1X1 }), E.avatarNoChat);
      const crm = await chatOf(ann, [bob.id], { ENTITY_TYPE: 'CRM', ENTITY_ID: 'DEAL|1' });
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { CHAT_ID: crm, AVATAR: PNG_1X1 }), E.cantAvatar);
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { AVATAR: PNG_1X1 }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.chat.updateAvatar', { DIALOG_ID: 'nonsense', AVATAR: PNG_1X1 }), E.dialogEmpty);
    });
  });

  describe('im.chat.mute', () => {
    it('mutes and unmutes for the caller only (mute_list, CHAT_MUTED counters)', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assert.equal(await ok(bob, 'im.chat.mute', { CHAT_ID: chat }), true, 'MUTE defaults to Y');
      assert.deepEqual((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).mute_list, [bob.id]);
      await say(ann, `chat${chat}`, 'while muted');
      const counters = await ok(bob, 'im.counters.get');
      assert.equal(counters.CHAT_MUTED[chat], 1);
      assert.equal(counters.CHAT[chat], undefined);
      assert.equal(await ok(bob, 'im.chat.mute', { DIALOG_ID: `chat${chat}`, MUTE: 'N' }), true);
      assert.deepEqual((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).mute_list, []);
      assert.equal(await ok(bob, 'im.chat.mute', { CHAT_ID: chat, ACTION: 'Y' }), true, 'ACTION is the alias the portal reads');
      assert.deepEqual((await ok(ann, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).mute_list, [bob.id]);
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assertError(await callJson(ann.hook, 'im.chat.mute', {}), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.chat.mute', { CHAT_ID: 'x' }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.chat.mute', { DIALOG_ID: 'chat' }), E.dialogEmpty);
      assertError(await callJson(cat.hook, 'im.chat.mute', { CHAT_ID: chat }), E.cannotMute, 'not a member');
      assertError(await callJson(ann.hook, 'im.chat.mute', { CHAT_ID: 999999 }), E.cannotMute, 'no such chat');
      const call = await chatOf(ann, [bob.id], { ENTITY_TYPE: 'CALL', ENTITY_ID: '7' });
      assertError(await callJson(ann.hook, 'im.chat.mute', { CHAT_ID: call }), E.cannotMute, 'a call chat cannot be muted');
    });
  });

  describe('im.dialog.users.list', () => {
    it('pages the members with total and next; LAST_ID lists after an id; SKIP_EXTERNAL drops bots', async () => {
      const chat = await chatOf(ann, [bob.id, cat.id, botId]);
      const all = await callJson(ann.hook, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}` });
      assert.equal(all.status, 200, all.text);
      assert.equal(all.body.total, 4);
      assert.equal(all.body.next, undefined);
      const ids = [ann.id, bob.id, cat.id, botId].sort((a, b) => a - b);
      assert.deepEqual(all.body.result.map((u: any) => u.id), ids);
      const annCard = all.body.result.find((u: any) => u.id === ann.id);
      assert.deepEqual(
        { name: annCard.name, first_name: annCard.first_name, bot: annCard.bot, type: annCard.type, status: annCard.status },
        { name: 'Ann Lee', first_name: 'Ann Lee', bot: false, type: 'user', status: 'online' },
      );
      const page = await callJson(ann.hook, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}`, LIMIT: 2, OFFSET: 1 });
      assert.deepEqual([page.body.result.map((u: any) => u.id), page.body.total, page.body.next], [ids.slice(1, 3), 4, 3]);
      const after = await ok(ann, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}`, LAST_ID: ids[1] });
      assert.deepEqual(after.map((u: any) => u.id), ids.slice(2));
      const people = await callJson(ann.hook, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}`, SKIP_EXTERNAL: 'Y' });
      assert.deepEqual([people.body.result.map((u: any) => u.id), people.body.total], [ids.filter((id) => id !== botId), 3]);
      const keepBots = await ok(ann, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}`, SKIP_EXTERNAL_EXCEPT_TYPES: 'bot, email' });
      assert.deepEqual(keepBots.map((u: any) => u.id), ids);
      await say(ann, bob.id, 'hi Bob');
      assert.deepEqual((await ok(bob, 'im.dialog.users.list', { DIALOG_ID: String(ann.id) })).map((u: any) => u.id), [ann.id, bob.id].sort((a, b) => a - b));
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assertError(await callJson(ann.hook, 'im.dialog.users.list', {}), E.dialogEmpty);
      assertError(await callJson(cat.hook, 'im.dialog.users.list', { DIALOG_ID: `chat${chat}` }), E.noDialogAccess);
      assertError(await callJson(cat.hook, 'im.dialog.users.list', { DIALOG_ID: String(bob.id) }), E.noChatAccess, 'a dialog never written in');
    });
  });

  describe('im.dialog.messages.search', () => {
    it('finds messages by text (over 2 characters, any case), order, limit, LAST_ID and date', async () => {
      const chat = await chatOf(ann, [bob.id]);
      const a = await say(ann, `chat${chat}`, 'Deploy the Release today');
      const b = await say(bob, `chat${chat}`, 'release notes are ready');
      const c = await say(ann, `chat${chat}`, 'lunch?');
      const found = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, SEARCH_MESSAGE: 'RELEASE' });
      assert.deepEqual(found.messages.map((m: any) => m.id), [b, a], 'newest first by default');
      assert.deepEqual(Object.keys(found).sort(), ['additionalMessages', 'copilot', 'files', 'messages', 'reactions', 'stickers', 'tariffRestrictions', 'users', 'usersShort']);
      const first = found.messages.find((m: any) => m.id === a);
      assert.deepEqual(
        { ...first, date: typeof first.date },
        {
          id: a, chatId: chat, chat_id: chat, authorId: ann.id, author_id: ann.id, date: 'string', text: 'Deploy the Release today', isSystem: false, uuid: null,
          forward: null, params: [], viewedByOthers: true, block: null, unread: false, viewed: true, viewedCount: 1,
        },
      );
      assert.deepEqual(found.users.map((u: any) => [u.id, u.name, u.firstName, u.type]).sort(), [[ann.id, 'Ann Lee', 'Ann Lee', 'user'], [bob.id, 'Bob Stone', 'Bob Stone', 'user']].sort());
      assert.deepEqual(found.tariffRestrictions, { isHistoryLimitExceeded: false });
      const asc = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, ORDER: { ID: 'ASC' }, LIMIT: 2 });
      assert.deepEqual(asc.messages.map((m: any) => m.id), [a, b]);
      const next = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, ORDER: { ID: 'ASC' }, LAST_ID: b });
      assert.deepEqual(next.messages.map((m: any) => m.id), [c]);
      const short = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, SEARCH_MESSAGE: 're' });
      assert.deepEqual(short.messages.map((m: any) => m.id), [c, b, a], 'two characters search nothing out');
      const today = new Date(Date.now() - 3_600_000).toISOString();
      const day = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, DATE: today });
      assert.equal(day.messages.length, 3);
      const future = await ok(bob, 'im.dialog.messages.search', { CHAT_ID: chat, DATE_FROM: new Date(Date.now() + 86_400_000 * 30).toISOString() });
      assert.deepEqual(future.messages, []);
      assertResult(await callJson(bob.hook, 'im.message.like', { MESSAGE_ID: a }));
      const reacted = await ok(ann, 'im.dialog.messages.search', { CHAT_ID: chat, SEARCH_MESSAGE: 'deploy' });
      assert.deepEqual(reacted.reactions, [{ messageId: a, reactionCounters: { like: 1 }, reactionUsers: { like: [bob.id] }, ownReactions: [] }]);
      assert.deepEqual(reacted.usersShort, [{ id: bob.id, name: 'Bob Stone', avatar: '' }]);
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id]);
      assertError(await callJson(ann.hook, 'im.dialog.messages.search', { SEARCH_MESSAGE: 'abc' }), E.searchChatEmpty);
      assertError(await callJson(cat.hook, 'im.dialog.messages.search', { CHAT_ID: chat }), E.searchNoAccess);
      assertError(await callJson(cat.hook, 'im.dialog.messages.search', { CHAT_ID: 999999 }), E.searchNoAccess, 'no such chat');
    });
  });

  describe('im.dialog.unread and im.dialog.read.all', () => {
    it('marks messages from one on unread, then reads every chat', async () => {
      const chat = await chatOf(ann, [bob.id]);
      const first = await say(ann, `chat${chat}`, 'one');
      await say(ann, `chat${chat}`, 'two');
      await say(ann, bob.id, 'private');
      assertResult(await callJson(bob.hook, 'im.dialog.read', { DIALOG_ID: `chat${chat}` }));
      assert.equal((await ok(bob, 'im.counters.get')).CHAT[chat], undefined);
      assert.equal(await ok(bob, 'im.dialog.unread', { DIALOG_ID: `chat${chat}`, MESSAGE_ID: first }), true);
      assert.equal((await ok(bob, 'im.counters.get')).CHAT[chat], 2);
      const history = await ok(bob, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}` });
      assert.deepEqual(history.messages.filter((m: any) => m.unread).length, 2);
      assert.equal(await ok(bob, 'im.dialog.unread', { DIALOG_ID: String(cat.id), MESSAGE_ID: 5 }), true, 'nothing to mark is still true');
      assert.equal(await ok(bob, 'im.dialog.read.all'), true);
      const after = await ok(bob, 'im.counters.get');
      assert.deepEqual([after.TYPE.CHAT, after.TYPE.DIALOG], [0, 0]);
    });

    it('im.dialog.unread answers every documented error', async () => {
      assertError(await callJson(bob.hook, 'im.dialog.unread', { DIALOG_ID: 'chat1' }), E.unreadIdError);
      assertError(await callJson(bob.hook, 'im.dialog.unread', { DIALOG_ID: 'chat1', MESSAGE_ID: 0 }), E.unreadIdError);
      assertError(await callJson(bob.hook, 'im.dialog.unread', { MESSAGE_ID: 3 }), E.dialogEmpty);
      assertError(await callJson(bob.hook, 'im.dialog.unread', { DIALOG_ID: 'chat', MESSAGE_ID: 3 }), E.dialogEmpty);
    });
  });

  describe('im.recent.pin, im.recent.hide, im.recent.unread', () => {
    it('pins an entry on top, hides one until its next message, marks one unread', async () => {
      const solo = await addPerson(p, 'Solo Recent');
      const older = await chatOf(solo, [ann.id], { TITLE: 'Older' });
      await say(solo, `chat${older}`, 'old');
      const newer = await chatOf(solo, [ann.id], { TITLE: 'Newer' });
      await say(solo, `chat${newer}`, 'new');
      assert.deepEqual((await recent(solo)).map((e) => e.chat_id), [newer, older]);
      assert.equal(await ok(solo, 'im.recent.pin', { DIALOG_ID: `chat${older}` }), true);
      let list = await recent(solo);
      assert.deepEqual(list.map((e) => [e.chat_id, e.pinned]), [[older, true], [newer, false]]);
      assert.equal(await ok(solo, 'im.recent.pin', { DIALOG_ID: `chat${older}`, PIN: 'N' }), true);
      assert.deepEqual((await recent(solo)).map((e) => [e.chat_id, e.pinned]), [[newer, false], [older, false]]);

      assert.equal(await ok(solo, 'im.recent.hide', { DIALOG_ID: `chat${newer}` }), true);
      assert.deepEqual((await recent(solo)).map((e) => e.chat_id), [older]);
      assert.equal((await ok(solo, 'im.recent.list')).items.length, 1);
      await say(ann, `chat${newer}`, 'back again');
      assert.deepEqual((await recent(solo)).map((e) => e.chat_id), [newer, older], 'a new message brings it back');

      assert.equal(await ok(solo, 'im.recent.unread', { DIALOG_ID: `chat${older}` }), true);
      list = await recent(solo);
      assert.equal(list.find((e) => e.chat_id === older).unread, true);
      assert.deepEqual((await ok(solo, 'im.counters.get')).CHAT_UNREAD, [older]);
      assert.deepEqual((await ok(solo, 'im.recent.list', { UNREAD_ONLY: 'Y' })).items.map((e: any) => e.chat_id).sort(), [newer, older].sort());
      assert.equal(await ok(solo, 'im.recent.unread', { DIALOG_ID: `chat${older}`, ACTION: 'N' }), true);
      list = await recent(solo);
      assert.equal(list.find((e) => e.chat_id === older).unread, false);
      assert.deepEqual((await ok(solo, 'im.counters.get')).CHAT_UNREAD, []);

      assert.equal(await ok(solo, 'im.recent.unread', { DIALOG_ID: 'chat999999' }), false, 'no such chat');
      assert.equal(await ok(solo, 'im.recent.hide', { DIALOG_ID: String(cat.id) }), false, 'no conversation to hide');
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id], { TYPE: 'OPEN' });
      for (const method of ['im.recent.pin', 'im.recent.hide', 'im.recent.unread']) {
        assertError(await callJson(cat.hook, method, {}), E.dialogEmpty, method);
        assertError(await callJson(cat.hook, method, { DIALOG_ID: 'chatx' }), E.dialogEmpty, method);
      }
      assertError(await callJson(cat.hook, 'im.recent.pin', { DIALOG_ID: `chat${chat}` }), E.cannotPin, 'an open chat one is not in');
      assertError(await callJson(cat.hook, 'im.recent.pin', { DIALOG_ID: String(bob.id) }), E.noChatAccess, 'a dialog never written in');
    });
  });

  describe('im.message.share', () => {
    it('TYPE=CHAT opens a chat about the message with its author; a bot author joins and hears it', async () => {
      const text = 'Numbers for Q3';
      await say(ann, botId, 'hello bot');
      const botMessage = assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'surface', BOT_ID: botId, DIALOG_ID: String(ann.id), MESSAGE: text }));
      const before = new Set((await recent(ann)).map((e) => e.chat_id));
      assert.equal(await ok(ann, 'im.message.share', { DIALOG_ID: String(botId), MESSAGE_ID: botMessage, TYPE: 'CHAT' }), true);
      const created = (await recent(ann)).find((e) => !before.has(e.chat_id));
      assert.ok(created, 'a new chat in the recent list');
      const members = await ok(ann, 'im.chat.user.list', { CHAT_ID: created.chat_id });
      assert.deepEqual([...members].sort((a: number, b: number) => a - b), [ann.id, botId].sort((a, b) => a - b));
      const inNew = await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: `chat${created.chat_id}` });
      assert.match(inNew.messages[0].text, /Numbers for Q3/);
      assert.match(inNew.messages[0].text, new RegExp(`\\[USER=${botId}\\]Surface\\[/USER\\]`));
      const inOld = await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
      assert.match(inOld.messages[0].text, new RegExp(`Numbers for Q3[\\s\\S]*\\[CHAT=${created.chat_id}\\]`));
      const joins = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTJOINCHAT' && (h.form.data as any)?.PARAMS?.CHAT_ID === String(created.chat_id));
      assert.equal((joins[0].form.data as any).PARAMS.USER_ID, String(ann.id));
      assert.equal(await ok(ann, 'im.message.share', { DIALOG_ID: String(botId), ID: botMessage, TYPE: 'SOMETHING' }), true, 'an unknown TYPE does nothing, as on a portal');
    });

    it('answers every documented error', async () => {
      const chat = await chatOf(ann, [bob.id]);
      const m = await say(ann, `chat${chat}`, 'share me');
      assertError(await callJson(ann.hook, 'im.message.share', { DIALOG_ID: `chat${chat}`, TYPE: 'CHAT' }), E.shareIdError);
      assertError(await callJson(ann.hook, 'im.message.share', { MESSAGE_ID: m, TYPE: 'CHAT' }), E.dialogEmpty);
      assertError(await callJson(cat.hook, 'im.message.share', { DIALOG_ID: `chat${chat}`, MESSAGE_ID: m, TYPE: 'CHAT' }), E.noDialogAccess);
      assertError(await callJson(cat.hook, 'im.message.share', { DIALOG_ID: String(bob.id), MESSAGE_ID: m, TYPE: 'CHAT' }), E.noChatAccess);
      for (const type of ['TASK', 'POST', 'CALEND']) {
        assertError(await callJson(ann.hook, 'im.message.share', { DIALOG_ID: `chat${chat}`, MESSAGE_ID: m, TYPE: type }), E.params, type);
      }
      await say(cat, bob.id, 'hi');
      assertError(await callJson(cat.hook, 'im.message.share', { DIALOG_ID: String(bob.id), MESSAGE_ID: m, TYPE: 'CHAT' }), E.params, 'a message of a chat one is not in');
    });
  });

  it('b24jssdk pins a dialog and lists a dialog\'s people', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const chat = await chatOf(ann, [bob.id]);
    const hook = B24Hook.fromWebhookUrl(ann.hook.replace(p.http, p.https));
    const pinned = await hook.actions.v2.call.make<boolean>({ method: 'im.recent.pin', params: { DIALOG_ID: `chat${chat}` } });
    assert.equal(pinned.getData()!.result, true);
    const people = await hook.actions.v2.call.make<any[]>({ method: 'im.dialog.users.list', params: { DIALOG_ID: `chat${chat}` } });
    assert.deepEqual(people.getData()!.result.map((u) => u.id).sort((a: number, b: number) => a - b), [ann.id, bob.id].sort((a, b) => a - b));
  });
});
