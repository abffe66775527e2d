import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activeInputActions } from '../src/im/input-actions.js';
import { control, startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Answer, type Expected, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot } from './helpers/v2.js';

// imbot.v2.Chat.* and the chat UI methods (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/, api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/,
// api-reference/chat-bots/chat-bots-v2/entities.md#chat; the portal's behaviour where the pages are silent).

type Params = Record<string, unknown>;
interface Bot {
  botId: number;
  botToken: string;
}

const E = {
  noToken: [400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'] as Expected,
  noBotId: [400, 'BOT_ID_REQUIRED', 'botId is required'] as Expected,
  noBot: [400, 'BOT_NOT_FOUND', 'Bot not found'] as Expected,
  ownership: [400, 'BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'] as Expected,
  denied: [400, 'ACCESS_DENIED', 'ACCESS_DENIED'] as Expected,
  noChat: [400, 'CHAT_NOT_FOUND', 'CHAT_NOT_FOUND'] as Expected,
  wrongType: [400, 'WRONG_MESSAGE_TYPE', 'WRONG_MESSAGE_TYPE'] as Expected,
  emptyUserIds: [400, 'EMPTY_USER_IDS', 'userIds is required'] as Expected,
  noUserId: [400, 'USER_ID_REQUIRED', 'userId is required'] as Expected,
  creation: [400, 'CREATION_ERROR', 'Error creating chat'] as Expected,
};

/** api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-add.md#available-colors codes and their HEX. */
const HEX: Record<string, string> = {
  red: '#df532d', green: '#64a513', mint: '#4ba984', lightBlue: '#4ba5c3', darkBlue: '#3e99ce', purple: '#8474c8',
  aqua: '#1eb4aa', pink: '#f76187', lime: '#58cc47', brown: '#ab7761', azure: '#29619b', khaki: '#728f7a',
  sand: '#ba9c7b', marengo: '#556574', gray: '#909090', graphite: '#5e5f5e',
};
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const ids = (users: { id: number }[]) => users.map((u) => u.id);

describe('imbot.v2 chats and chat UI', () => {
  let p: TestPortal;
  let r: Receiver;
  let owner: Bot; // creates most chats
  let helper: Bot; // a second bot of the same app (another token), usually a plain member
  let stranger: Bot; // another app's bot
  let legacyBot: number; // a v1 bot (CLIENT_ID "legacy") with an event handler
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let ghost: number; // a deactivated person

  const v2 = (method: string, params: Params = {}, bot: Bot = owner): Promise<Answer> =>
    callJson(p.adminHook, `imbot.v2.${method}`, { botId: bot.botId, botToken: bot.botToken, ...params });
  const ok = async (method: string, params: Params = {}, bot: Bot = owner): Promise<any> => assertResult(await v2(method, params, bot), method);
  const done = async (method: string, params: Params = {}, bot: Bot = owner): Promise<void> => assert.deepEqual(await ok(method, params, bot), { result: true });
  const fails = async (method: string, params: Params, expected: Expected, bot: Bot = owner, label = ''): Promise<void> =>
    assertError(await v2(method, params, bot), expected, `${method} ${label}`);
  const as = async (who: Person, method: string, params: Params): Promise<any> => assertResult(await callJson(who.hook, method, params), method);
  /** A closed chat made by the owner bot with Alice, Bob and the helper bot. */
  const newChat = async (fields: Params = {}): Promise<number> =>
    (await ok('Chat.add', { fields: { title: 'Team', userIds: [alice.id, bob.id, helper.botId], ...fields } })).chat.id;
  const v1Dialog = (who: Person, chatId: number): Promise<any> => as(who, 'im.dialog.get', { DIALOG_ID: `chat${chatId}` });
  const v1Members = async (who: Person, chatId: number): Promise<number[]> => [...(await as(who, 'im.chat.user.list', { CHAT_ID: chatId }))].sort((a, b) => a - b);
  const sorted = (...xs: number[]) => [...xs].sort((a, b) => a - b);
  /** An imbot.* (v1) call as the legacy bot. */
  const v1Bot = (method: string, params: Params): Promise<Answer> => callJson(p.adminHook, method, { CLIENT_ID: 'legacy', BOT_ID: legacyBot, ...params });
  const now = () => p.server.clock.now();
  const db = () => p.server.core.store.db;

  before(async () => {
    p = await startPortal();
    await control(p.http, p.server.controlToken, 'clock', { freeze: true });
    r = await startReceiver();
    owner = await registerV2Bot(p, { code: 'v2owner' });
    helper = await registerV2Bot(p, { code: 'v2helper' });
    stranger = await registerV2Bot(p, { code: 'v2stranger' });
    legacyBot = assertResult(
      await callJson(p.adminHook, 'imbot.register', { CODE: 'legacy', CLIENT_ID: 'legacy', EVENT_HANDLER: `${r.base}/legacy`, PROPERTIES: { NAME: 'Legacy' } }),
      'imbot.register',
    );
    alice = await addPerson(p, 'Alice');
    bob = await addPerson(p, 'Bob');
    carol = await addPerson(p, 'Carol');
    ghost = (await addPerson(p, 'Ghost')).id;
    await db().updateTable('users').set({ active: 0 }).where('id', '=', ghost).execute();
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('runs the bot gate first, in order, on every method', async () => {
    const chatId = await newChat();
    const methods: [string, Params][] = [
      ['Chat.add', { fields: { title: 'x' } }],
      ['Chat.get', { dialogId: `chat${chatId}` }],
      ['Chat.update', { dialogId: `chat${chatId}`, fields: { title: 'x' } }],
      ['Chat.User.add', { dialogId: `chat${chatId}`, userIds: [carol.id] }],
      ['Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id }],
      ['Chat.User.list', { dialogId: `chat${chatId}` }],
      ['Chat.leave', { dialogId: `chat${chatId}` }],
      ['Chat.Manager.add', { dialogId: `chat${chatId}`, userIds: [] }],
      ['Chat.Manager.delete', { dialogId: `chat${chatId}`, userIds: [] }],
      ['Chat.setOwner', { dialogId: `chat${chatId}`, userId: 0 }],
      ['Chat.InputAction.notify', { dialogId: 'chat999999' }],
      ['Chat.TextField.enabled', { dialogId: 'chat999999' }],
    ];
    for (const [method, params] of methods) {
      const call = (extra: Params) => callJson(p.adminHook, `imbot.v2.${method}`, { ...params, ...extra });
      assertError(await call({ botId: 999999 }), E.noToken, `${method} without a token`);
      assertError(await call({ botToken: owner.botToken }), E.noBotId, `${method} without botId`);
      assertError(await call({ botToken: owner.botToken, botId: 'abc' }), E.noBotId, `${method} botId abc`);
      assertError(await call({ botToken: owner.botToken, botId: 999999 }), E.noBot, `${method} unknown bot`);
      assertError(await call({ botToken: owner.botToken, botId: stranger.botId }), E.ownership, `${method} another app's bot`);
    }
    // nothing above changed the chat
    assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, helper.botId, alice.id, bob.id));
  });

  describe('Chat.add', () => {
    it('creates a closed chat owned by the bot: {chat, users:[bot]}, colour code → stored v1 value', async () => {
      const res = await ok('Chat.add', {
        fields: { title: 'Support', description: 'Help desk', color: 'lightBlue', userIds: [alice.id, bob.id, legacyBot, 999999, ghost], message: 'Welcome!' },
      });
      const { chat } = res;
      assert.equal(typeof chat.id, 'number');
      assert.equal(chat.dialogId, `chat${chat.id}`);
      assert.equal(chat.name, 'Support');
      assert.equal(chat.description, 'Help desk');
      assert.equal(chat.type, 'chat');
      assert.equal(chat.messageType, 'C');
      assert.equal(chat.owner, owner.botId);
      assert.equal(chat.color, HEX.lightBlue);
      assert.equal(chat.role, 'owner');
      assert.deepEqual(chat.managerList, [owner.botId]);
      assert.equal(chat.userCounter, 4, 'unknown and inactive users are skipped');
      assert.equal(chat.messageCount, 1);
      assert.equal(chat.textFieldEnabled, true);
      assert.equal(chat.permissions.manageUsersAdd, 'member');
      assert.equal(chat.permissions.manageUsersDelete, 'manager');
      assert.equal(chat.permissions.manageSettings, 'owner');
      assert.equal(res.users.length, 1, 'users holds the calling bot only');
      assert.equal(res.users[0].id, owner.botId);
      assert.equal(res.users[0].bot, true);
      assert.equal(res.users[0].type, 'bot');
      assert.equal(res.users[0].name, 'v2owner');
      // v1 sees the same chat: members, the bot's first message, and LIGHT_BLUE stored (v1 refuses
      // setting the colour a chat already has).
      assert.deepEqual(await v1Members(alice, chat.id), sorted(owner.botId, alice.id, bob.id, legacyBot));
      const history = await as(alice, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat.id}` });
      assert.deepEqual(history.messages.map((m: any) => [m.author_id, m.text]), [[owner.botId, 'Welcome!']]);
      const v1 = await v1Dialog(alice, chat.id);
      assert.equal(v1.color, HEX.lightBlue);
      assert.equal(v1.owner, owner.botId);
      assertError(await v1Bot('imbot.chat.updateColor', { CHAT_ID: chat.id, COLOR: 'LIGHT_BLUE' }), [400, 'WRONG_REQUEST', "This color currently set or chat isn't exists"]);
    });

    it('takes every field under its UPPER_CASE alias too: open type, owner, entity, message', async () => {
      const res = await assertResult(
        await callJson(p.adminHook, 'imbot.v2.Chat.add', {
          BOT_ID: owner.botId,
          BOT_TOKEN: owner.botToken,
          FIELDS: {
            TYPE: 'open', TITLE: 'Lobby', DESCRIPTION: 'All welcome', COLOR: 'darkBlue', USER_IDS: [bob.id], OWNER_ID: alice.id,
            ENTITY_TYPE: 'CRM_DEAL', ENTITY_ID: '42', MESSAGE: 'Hi all', AVATAR: PNG_1X1,
          },
        }),
        'aliases',
      );
      const { chat } = res;
      assert.equal(chat.type, 'open');
      assert.equal(chat.messageType, 'O');
      assert.equal(chat.name, 'Lobby');
      assert.equal(chat.description, 'All welcome');
      assert.equal(chat.color, HEX.darkBlue);
      assert.equal(chat.owner, alice.id, 'ownerId owns the chat instead of the bot');
      assert.equal(chat.role, 'member', 'the creating bot stays a plain member');
      assert.deepEqual(chat.managerList, [alice.id]);
      assert.equal(chat.entityType, 'CRM_DEAL');
      assert.equal(chat.entityId, '42');
      assert.equal(chat.messageCount, 1);
      assert.match(chat.avatar, /^data:image\/png;base64,/);
      const v1 = await v1Dialog(alice, chat.id);
      assert.equal(v1.role, 'owner');
      assert.equal(v1.entity_type, 'CRM_DEAL');
      assert.deepEqual(await v1Members(alice, chat.id), sorted(owner.botId, alice.id, bob.id));
    });

    it('any other type gives a closed chat; an invalid colour is assigned, an invalid avatar ignored', async () => {
      const { chat } = await ok('Chat.add', { fields: { type: 'channel', color: 'blue', avatar: 'not an image' } });
      assert.equal(chat.type, 'chat');
      assert.ok(Object.values(HEX).includes(chat.color), chat.color);
      assert.equal(chat.avatar, '');
      assert.equal(chat.userCounter, 1, 'the bot alone');
      assert.equal(chat.name, `Chat #${chat.id}`);
    });

    it('an unknown ownerId is not checked: the chat has an owner nobody is', async () => {
      const { chat } = await ok('Chat.add', { fields: { title: 'Orphan', ownerId: 999999, userIds: [alice.id] } });
      assert.equal(chat.owner, 999999);
      assert.deepEqual(chat.managerList, []);
      assert.equal(chat.role, 'member');
      assert.equal(chat.userCounter, 2);
    });

    it('a v1 bot among userIds gets ONIMBOTJOINCHAT, as with imbot.chat.add', async () => {
      const { chat } = await ok('Chat.add', { fields: { title: 'With legacy', userIds: [legacyBot] } });
      const [hit] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTJOINCHAT' && (h.form.data as any)?.PARAMS?.CHAT_ID === String(chat.id));
      const params = (hit!.form.data as any).PARAMS;
      assert.equal(params.BOT_ID, String(legacyBot));
      assert.equal(params.USER_ID, String(owner.botId), 'added by the creating bot');
      assert.equal(params.DIALOG_ID, `chat${chat.id}`);
    });

    it('a store failure answers CREATION_ERROR and leaves nothing behind', async () => {
      const before = await db().selectFrom('chats').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const fault = await request(`${p.http}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
        body: JSON.stringify({ method: 'imbot.v2.Chat.add', kind: 'store_failure', times: 1 }),
      });
      assert.equal(fault.status, 200, fault.text);
      await fails('Chat.add', { fields: { title: 'Doomed' } }, E.creation);
      const afterward = await db().selectFrom('chats').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(afterward.n), Number(before.n));
    });

    it('a v1 bot is controllable through v2 with botToken = its CLIENT_ID', async () => {
      const { chat } = await ok('Chat.add', { fields: { title: 'Legacy made', userIds: [alice.id] } }, { botId: legacyBot, botToken: 'legacy' });
      assert.equal(chat.owner, legacyBot);
      assert.deepEqual(assertResult(await v1Bot('imbot.chat.user.list', { CHAT_ID: chat.id }), 'imbot.chat.user.list'), sorted(legacyBot, alice.id));
      assert.equal((await v1Dialog(alice, chat.id)).name, 'Legacy made');
    });
  });

  describe('Chat.get', () => {
    let chatId: number;
    before(async () => {
      chatId = await newChat();
    });

    it('answers {chat, users:[bot]} with the role of the calling bot', async () => {
      const own = await ok('Chat.get', { dialogId: `chat${chatId}` });
      assert.equal(own.chat.id, chatId);
      assert.equal(own.chat.role, 'owner');
      assert.deepEqual(ids(own.users), [owner.botId]);
      const asHelper = await ok('Chat.get', { DIALOG_ID: `chat${chatId}` }, helper);
      assert.equal(asHelper.chat.role, 'member');
      assert.deepEqual(ids(asHelper.users), [helper.botId]);
    });

    it('a closed chat the bot is not in is ACCESS_DENIED; an open one is readable as guest', async () => {
      await fails('Chat.get', { dialogId: `chat${chatId}` }, E.denied, stranger);
      const open = await newChat({ type: 'open' });
      const guest = await ok('Chat.get', { dialogId: `chat${open}` }, stranger);
      assert.equal(guest.chat.role, 'guest');
      assert.equal(guest.chat.type, 'open');
    });

    it('dialog ids that name nothing are CHAT_NOT_FOUND', async () => {
      for (const dialogId of [undefined, '', 'abc', 'chat999999', '999999', 'sg1', String(carol.id)]) {
        await fails('Chat.get', { dialogId }, E.noChat, owner, String(dialogId));
      }
    });

    it('a personal dialog is the 1:1 chat with that user, from the bot\'s side', async () => {
      await as(carol, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hello bot' });
      const { chat } = await ok('Chat.get', { dialogId: String(carol.id) });
      assert.equal(chat.type, 'private');
      assert.equal(chat.messageType, 'P');
      assert.equal(chat.dialogId, String(carol.id));
      assert.equal(chat.role, 'member');
      await fails('Chat.get', { dialogId: `chat${chat.id}` }, E.denied, helper, "someone else's private chat");
    });
  });

  describe('Chat.update', () => {
    it('changes title, description, colour and avatar at once; v1 sees them', async () => {
      const chatId = await newChat();
      await done('Chat.update', { dialogId: `chat${chatId}`, fields: { title: 'Renamed', description: 'New topic', color: 'azure', avatar: PNG_1X1 } });
      const v1 = await v1Dialog(alice, chatId);
      assert.equal(v1.name, 'Renamed');
      assert.equal(v1.description, 'New topic');
      assert.equal(v1.color, HEX.azure);
      assert.match(v1.avatar, /^data:image\/png;base64,/);
      // a member may (manageUi = member), through the UPPER_CASE aliases; the current colour is no error
      await done('Chat.update', { DIALOG_ID: `chat${chatId}`, FIELDS: { TITLE: 'By helper', COLOR: 'azure' } }, helper);
      assert.equal((await v1Dialog(alice, chatId)).name, 'By helper');
      // values that change nothing are left out
      await done('Chat.update', { dialogId: `chat${chatId}`, fields: { title: '  ', color: 'nope', avatar: 'x' } });
      const still = await v1Dialog(alice, chatId);
      assert.deepEqual([still.name, still.color, still.description], ['By helper', HEX.azure, 'New topic']);
    });

    it('refuses non-members, personal chats, unknown chats and restricted renames', async () => {
      const chatId = await newChat();
      await fails('Chat.update', { dialogId: `chat${chatId}`, fields: { title: 'x' } }, E.denied, stranger);
      await fails('Chat.update', { dialogId: 'chat999999', fields: { title: 'x' } }, E.noChat);
      await as(alice, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      await fails('Chat.update', { dialogId: String(alice.id), fields: { title: 'x' } }, E.wrongType);
      const group = (await ok('Chat.add', { fields: { title: 'Workgroup', entityType: 'SONET_GROUP', entityId: '7' } })).chat.id;
      await fails('Chat.update', { dialogId: `chat${group}`, fields: { title: 'x' } }, E.denied, owner, 'workgroup chats cannot be renamed');
      await done('Chat.update', { dialogId: `chat${group}`, fields: { description: 'but described' } });
      assert.equal((await ok('Chat.get', { dialogId: `chat${group}` })).chat.name, 'Workgroup');
      assert.equal((await v1Dialog(alice, chatId)).name, 'Team', 'the refused calls changed nothing');
    });
  });

  describe('Chat.User.add / delete / list', () => {
    it('User.add: a member bot may add (manageUsersAdd = member); unknown, inactive and present users are skipped', async () => {
      const chatId = await newChat();
      await done('Chat.User.add', { dialogId: `chat${chatId}`, userIds: [carol.id, alice.id, 999999, ghost] }, helper);
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, helper.botId, alice.id, bob.id, carol.id));
      await done('Chat.User.add', { DIALOG_ID: `chat${chatId}`, USER_IDS: [legacyBot] });
      const [hit] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTJOINCHAT' && (h.form.data as any)?.PARAMS?.CHAT_ID === String(chatId));
      assert.equal((hit!.form.data as any).PARAMS.USER_ID, String(owner.botId));
      await done('Chat.User.add', { dialogId: `chat${chatId}`, userIds: [] });
    });

    it('User.add refusals: not a member, a personal chat, an unknown chat', async () => {
      const chatId = await newChat();
      await fails('Chat.User.add', { dialogId: `chat${chatId}`, userIds: [carol.id] }, E.denied, stranger);
      await fails('Chat.User.add', { dialogId: String(alice.id), userIds: [carol.id] }, E.denied);
      await fails('Chat.User.add', { dialogId: 'chat999999', userIds: [carol.id] }, E.noChat);
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, helper.botId, alice.id, bob.id));
    });

    it('User.delete: needs manageUsersDelete (manager); idempotent for non-members', async () => {
      const chatId = await newChat({ userIds: [alice.id, bob.id, carol.id, helper.botId] });
      await fails('Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id }, E.denied, helper, 'a plain member');
      await fails('Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id }, E.denied, stranger, 'not a member');
      await done('Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id });
      await done('Chat.User.delete', { DIALOG_ID: `chat${chatId}`, USER_ID: bob.id });
      await done('Chat.User.delete', { dialogId: `chat${chatId}`, userId: 999999 });
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, helper.botId, alice.id, carol.id));
      // a manager may remove members, but not the owner
      await done('Chat.Manager.add', { dialogId: `chat${chatId}`, userIds: [helper.botId] });
      await done('Chat.User.delete', { dialogId: `chat${chatId}`, userId: carol.id }, helper);
      await fails('Chat.User.delete', { dialogId: `chat${chatId}`, userId: owner.botId }, E.denied, helper, 'the owner');
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, helper.botId, alice.id));
    });

    it('User.delete refusals: no userId, a personal chat, an unknown chat', async () => {
      await fails('Chat.User.delete', { dialogId: 'chat999999' }, E.noUserId);
      await fails('Chat.User.delete', { dialogId: 'chat999999', userId: 0 }, E.noUserId);
      await fails('Chat.User.delete', { dialogId: 'chat999999', userId: bob.id }, E.noChat);
      await as(alice, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      await fails('Chat.User.delete', { dialogId: String(alice.id), userId: alice.id }, E.denied);
    });

    it('User.list: a bare array of active members, ordered and limited', async () => {
      const chatId = await newChat();
      await control(p.http, p.server.controlToken, 'clock', { advance_ms: 1000 });
      await done('Chat.User.add', { dialogId: `chat${chatId}`, userIds: [carol.id] });
      const list = async (params: Params, bot: Bot = owner) => ids(await ok('Chat.User.list', { dialogId: `chat${chatId}`, ...params }, bot));
      const raw = await v2('Chat.User.list', { dialogId: `chat${chatId}` });
      assert.ok(Array.isArray(raw.body.result), 'bare array');
      assert.equal(raw.body.result[0].id, owner.botId);
      assert.equal(raw.body.result[0].bot, true);
      const everyone = sorted(owner.botId, helper.botId, alice.id, bob.id, carol.id);
      assert.deepEqual(await list({}), [...everyone.filter((id) => id !== carol.id), carol.id], 'default: joining order');
      assert.deepEqual(await list({ order: { id: 'DESC' } }), [carol.id, ...everyone.filter((id) => id !== carol.id).reverse()]);
      assert.deepEqual(await list({ order: { userId: 'DESC' } }), [...everyone].reverse());
      assert.deepEqual(await list({ ORDER: { USER_ID: 'desc' }, LIMIT: 2 }), [...everyone].reverse().slice(0, 2));
      assert.deepEqual(await list({ order: { unknown: 'DESC', userId: 'ASC' } }), everyone, 'the first recognised key');
      assert.deepEqual(await list({ limit: 0, order: { userId: 'ASC' } }), everyone.slice(0, 1), 'limit clamps to 1');
      assert.deepEqual(await list({ limit: 500, order: { userId: 'ASC' } }), everyone, 'limit clamps to 200');
      await as(bob, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'first' });
      await as(alice, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'second' });
      assert.deepEqual((await list({ order: { lastSendMessageId: 'DESC' } })).slice(0, 2), [alice.id, bob.id]);
      // inactive members are left out
      await db().updateTable('users').set({ active: 0 }).where('id', '=', carol.id).execute();
      try {
        assert.deepEqual(await list({ order: { userId: 'ASC' } }), everyone.filter((id) => id !== carol.id));
      } finally {
        await db().updateTable('users').set({ active: 1 }).where('id', '=', carol.id).execute();
      }
      assert.deepEqual(await list({ order: { userId: 'ASC' } }, helper), everyone, 'any member may list');
    });

    it('User.list: ACCESS_DENIED outside a closed chat, guests may list an open one', async () => {
      const closed = await newChat();
      await fails('Chat.User.list', { dialogId: `chat${closed}` }, E.denied, stranger);
      await fails('Chat.User.list', { dialogId: 'chat999999' }, E.noChat);
      const open = await newChat({ type: 'open' });
      assert.equal((await ok('Chat.User.list', { dialogId: `chat${open}` }, stranger)).length, 4);
      await as(bob, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      assert.deepEqual(ids(await ok('Chat.User.list', { dialogId: String(bob.id), order: { userId: 'ASC' } })), sorted(owner.botId, bob.id));
    });
  });

  describe('Chat.leave', () => {
    it('a member bot leaves; then it is no member any more', async () => {
      const chatId = await newChat();
      await done('Chat.leave', { dialogId: `chat${chatId}` }, helper);
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, alice.id, bob.id));
      await fails('Chat.leave', { dialogId: `chat${chatId}` }, E.denied, helper, 'again');
    });

    it('the owner may not leave before handing over; personal and unknown chats are refused', async () => {
      const chatId = await newChat();
      await fails('Chat.leave', { dialogId: `chat${chatId}` }, E.denied, owner, 'owner');
      await fails('Chat.leave', { DIALOG_ID: 'chat999999' }, E.noChat);
      await as(alice, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      await fails('Chat.leave', { dialogId: String(alice.id) }, E.denied, owner, 'private');
      await done('Chat.setOwner', { dialogId: `chat${chatId}`, userId: alice.id });
      await done('Chat.leave', { dialogId: `chat${chatId}` });
      assert.deepEqual(await v1Members(alice, chatId), sorted(helper.botId, alice.id, bob.id));
    });
  });

  describe('Chat.Manager.add / delete and Chat.setOwner', () => {
    it('Manager.add/delete: the owner grants and revokes; non-members and the owner are skipped', async () => {
      const chatId = await newChat();
      await done('Chat.Manager.add', { dialogId: `chat${chatId}`, userIds: [alice.id, carol.id, 999999] });
      assert.deepEqual((await v1Dialog(alice, chatId)).manager_list, [owner.botId, alice.id].sort((a, b) => a - b));
      assert.equal((await v1Dialog(alice, chatId)).role, 'manager');
      await done('Chat.Manager.delete', { DIALOG_ID: `chat${chatId}`, USER_IDS: [alice.id, owner.botId, bob.id] });
      const { chat } = await ok('Chat.get', { dialogId: `chat${chatId}` });
      assert.deepEqual(chat.managerList, [owner.botId], 'the owner keeps its rights');
      assert.equal(chat.role, 'owner');
    });

    it('Manager.*: EMPTY_USER_IDS, then CHAT_NOT_FOUND, WRONG_MESSAGE_TYPE, ACCESS_DENIED', async () => {
      const chatId = await newChat();
      await as(alice, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      for (const method of ['Chat.Manager.add', 'Chat.Manager.delete']) {
        await fails(method, { dialogId: 'chat999999' }, E.emptyUserIds, owner, 'no userIds');
        await fails(method, { dialogId: 'chat999999', userIds: [] }, E.emptyUserIds, owner, '[]');
        await fails(method, { dialogId: 'chat999999', userIds: [0, 'x'] }, E.emptyUserIds, owner, 'no valid id');
        await fails(method, { dialogId: 'chat999999', userIds: [alice.id] }, E.noChat);
        await fails(method, { dialogId: String(alice.id), userIds: [alice.id] }, E.wrongType);
        await fails(method, { dialogId: `chat${chatId}`, userIds: [alice.id] }, E.denied, helper, 'a member');
        await fails(method, { dialogId: `chat${chatId}`, userIds: [alice.id] }, E.denied, stranger, 'not a member');
      }
      assert.deepEqual((await v1Dialog(alice, chatId)).manager_list, [owner.botId]);
    });

    it('setOwner: the previous owner stays a manager; v1 sees the new owner', async () => {
      const chatId = await newChat({ userIds: [alice.id, legacyBot] });
      await done('Chat.setOwner', { dialogId: `chat${chatId}`, userId: legacyBot });
      const v1 = await v1Dialog(alice, chatId);
      assert.equal(v1.owner, legacyBot);
      assert.deepEqual(v1.manager_list, sorted(owner.botId, legacyBot));
      const { chat } = await ok('Chat.get', { dialogId: `chat${chatId}` });
      assert.equal(chat.role, 'manager');
      await fails('Chat.setOwner', { dialogId: `chat${chatId}`, userId: owner.botId }, E.denied, owner, 'a manager (manageSettings = owner)');
      // and back through v1, whose rules make the previous owner a plain member
      assert.equal(assertResult(await v1Bot('imbot.chat.setOwner', { CHAT_ID: chatId, USER_ID: owner.botId }), 'v1 setOwner'), true);
      const back = await ok('Chat.get', { dialogId: `chat${chatId}` });
      assert.deepEqual([back.chat.owner, back.chat.role, back.chat.managerList], [owner.botId, 'owner', [owner.botId]]);
    });

    it('setOwner does not check userId: a non-member becomes the owner on joining', async () => {
      const chatId = await newChat();
      await done('Chat.setOwner', { DIALOG_ID: `chat${chatId}`, USER_ID: carol.id });
      assert.equal((await ok('Chat.get', { dialogId: `chat${chatId}` })).chat.owner, carol.id);
      await done('Chat.User.add', { dialogId: `chat${chatId}`, userIds: [carol.id] });
      assert.equal((await v1Dialog(carol, chatId)).role, 'owner');
    });

    it('setOwner refusals', async () => {
      const chatId = await newChat();
      await fails('Chat.setOwner', { dialogId: `chat${chatId}` }, E.noUserId);
      await fails('Chat.setOwner', { dialogId: `chat${chatId}`, userId: alice.id }, E.denied, helper, 'a member');
      await fails('Chat.setOwner', { dialogId: `chat${chatId}`, userId: alice.id }, E.denied, stranger, 'not a member');
      await fails('Chat.setOwner', { dialogId: 'chat999999', userId: alice.id }, E.noChat);
      await as(alice, 'im.message.add', { DIALOG_ID: String(owner.botId), MESSAGE: 'hi' });
      await fails('Chat.setOwner', { dialogId: String(alice.id), userId: alice.id }, E.denied, owner, 'private');
      assert.equal((await v1Dialog(alice, chatId)).owner, owner.botId);
    });
  });

  describe('Chat.InputAction.notify', () => {
    const action = async (chatId: number) => activeInputActions(db(), chatId, now());

    it('records the indicator for duration seconds (default 30, clamped to 1–600); unknown codes show plain typing', async () => {
      const chatId = await newChat();
      const cases: [Params, string, number][] = [
        [{}, '', 30],
        [{ statusMessageCode: 'IMBOT_AGENT_ACTION_THINKING', duration: 45 }, 'IMBOT_AGENT_ACTION_THINKING', 45],
        [{ STATUS_MESSAGE_CODE: 'IMBOT_AGENT_ACTION_READING_DOCS', DURATION: 0 }, 'IMBOT_AGENT_ACTION_READING_DOCS', 1],
        [{ statusMessageCode: 'IMBOT_AGENT_ACTION_DANCING', duration: 9999 }, '', 600],
      ];
      for (const [params, code, seconds] of cases) {
        await done('Chat.InputAction.notify', { dialogId: `chat${chatId}`, ...params }, helper);
        assert.deepEqual(await action(chatId), [{ userId: helper.botId, code, expiresAt: now() + seconds * 1000 }], JSON.stringify(params));
      }
      await control(p.http, p.server.controlToken, 'clock', { advance_ms: 600_000 });
      assert.deepEqual(await action(chatId), [], 'lapsed');
    });

    it('works in the bot\'s 1:1 chat; ACCESS_DENIED for non-members and dialogs that name nothing', async () => {
      await as(bob, 'im.message.add', { DIALOG_ID: String(helper.botId), MESSAGE: 'hi' });
      await done('Chat.InputAction.notify', { DIALOG_ID: String(bob.id) }, helper);
      const { chat } = await ok('Chat.get', { dialogId: String(bob.id) }, helper);
      assert.deepEqual(await action(chat.id), [{ userId: helper.botId, code: '', expiresAt: now() + 30_000 }]);
      await done('Chat.InputAction.notify', { dialogId: String(carol.id) }, stranger); // no chat yet: nothing to show
      await fails('Chat.get', { dialogId: String(carol.id) }, E.noChat, stranger, 'and no chat was created');
      const chatId = await newChat();
      await fails('Chat.InputAction.notify', { dialogId: `chat${chatId}` }, E.denied, stranger);
      await fails('Chat.InputAction.notify', { dialogId: 'chat999999' }, E.denied);
      await fails('Chat.InputAction.notify', {}, E.denied);
      assert.deepEqual(await action(chatId), []);
    });
  });

  describe('Chat.TextField.enabled', () => {
    it('hides and shows the input of a group chat (default true, Y/N/1/true); v1 and v2 see it', async () => {
      const chatId = await newChat();
      const state = async () => [(await v1Dialog(alice, chatId)).text_field_enabled, (await ok('Chat.get', { dialogId: `chat${chatId}` })).chat.textFieldEnabled];
      const steps: [unknown, boolean][] = [[false, false], [undefined, true], ['N', false], ['Y', true], [0, false], ['1', true], ['no', false], ['true', true]];
      for (const [enabled, expected] of steps) {
        await done('Chat.TextField.enabled', { dialogId: `chat${chatId}`, enabled }, helper);
        assert.deepEqual(await state(), [expected, expected], `enabled=${String(enabled)}`);
      }
      await done('Chat.TextField.enabled', { DIALOG_ID: `chat${chatId}`, ENABLED: 'N' });
      assert.deepEqual(await state(), [false, false], 'ENABLED alias');
    });

    it('works in 1:1 chats, creating one not written in yet', async () => {
      await as(alice, 'im.message.add', { DIALOG_ID: String(helper.botId), MESSAGE: 'hi' });
      await done('Chat.TextField.enabled', { dialogId: String(alice.id), enabled: false }, helper);
      assert.equal((await as(alice, 'im.dialog.get', { DIALOG_ID: String(helper.botId) })).text_field_enabled, false);
      await done('Chat.TextField.enabled', { dialogId: String(carol.id), enabled: 'N' }, helper);
      assert.equal((await as(carol, 'im.dialog.get', { DIALOG_ID: String(helper.botId) })).text_field_enabled, false);
      assert.equal((await ok('Chat.get', { dialogId: String(carol.id) }, helper)).chat.textFieldEnabled, false);
    });

    it('ACCESS_DENIED for non-members and dialogs that name nothing', async () => {
      const chatId = await newChat();
      await fails('Chat.TextField.enabled', { dialogId: `chat${chatId}`, enabled: false }, E.denied, stranger);
      await fails('Chat.TextField.enabled', { dialogId: 'chat999999', enabled: false }, E.denied);
      await fails('Chat.TextField.enabled', { dialogId: 'nonsense' }, E.denied);
      assert.equal((await v1Dialog(alice, chatId)).text_field_enabled, true);
    });
  });

  describe('one platform', () => {
    it('a chat made and changed through v1 is what v2 reads', async () => {
      const chatId = assertResult(await v1Bot('imbot.chat.add', { TITLE: 'From v1', COLOR: 'MINT', USERS: [owner.botId, alice.id, bob.id] }), 'imbot.chat.add');
      let { chat } = await ok('Chat.get', { dialogId: `chat${chatId}` });
      assert.deepEqual([chat.name, chat.color, chat.owner, chat.role], ['From v1', HEX.mint, legacyBot, 'member']);
      await fails('Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id }, E.denied, owner, 'a plain member');
      assert.equal(assertResult(await v1Bot('imbot.chat.setManager', { CHAT_ID: chatId, USER_ID: owner.botId }), 'setManager'), true);
      assert.equal(assertResult(await callJson(alice.hook, 'im.chat.updateTitle', { CHAT_ID: chatId, TITLE: 'Renamed in v1' }), 'updateTitle'), true);
      ({ chat } = await ok('Chat.get', { dialogId: `chat${chatId}` }));
      assert.deepEqual([chat.name, chat.role, chat.managerList], ['Renamed in v1', 'manager', sorted(owner.botId, legacyBot)]);
      // as a manager the v2 bot may now remove Bob (manageUsersDelete = manager)
      await done('Chat.User.delete', { dialogId: `chat${chatId}`, userId: bob.id });
      assert.deepEqual(await v1Members(alice, chatId), sorted(owner.botId, alice.id, legacyBot));
    });

    it('an OAuth application drives its own bot without a botToken; a webhook token is another owner', async () => {
      const installed = await installScriptApp(p, r, '/install');
      const token = installed.auth.access_token;
      const oauth = (method: string, params: Params) => callJson(`${p.http}/rest`, method, { ...params, auth: token });
      const reg = assertResult(await oauth('imbot.v2.Bot.register', { fields: { code: 'oauthbot', properties: { name: 'OAuth bot' } } }), 'register');
      const botId: number = reg.bot.id;
      const created = assertResult(await oauth('imbot.v2.Chat.add', { botId, fields: { title: 'OAuth chat', userIds: [alice.id] } }), 'Chat.add');
      assert.equal(created.chat.owner, botId);
      assert.deepEqual(ids(assertResult(await oauth('imbot.v2.Chat.User.list', { botId, dialogId: `chat${created.chat.id}`, order: { userId: 'ASC' } }), 'list')), sorted(botId, alice.id));
      await fails('Chat.get', { dialogId: `chat${created.chat.id}` }, E.ownership, { botId, botToken: 'someone-else' });
      assertError(await callJson(`${p.http}/rest`, 'imbot.v2.Chat.get', { botId: owner.botId, dialogId: `chat${created.chat.id}`, auth: token }), E.ownership);
    });
  });
});
