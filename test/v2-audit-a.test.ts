import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, type Answer, type Expected, type Person, type TestPortal, startPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

// Audit of Chatbots 2.0 bots, chats, chat UI and commands against the docs (api-reference/chat-bots/chat-bots-v2/): the entity
// shapes of entities.md (every field name and JSON type), the gate and owner resolution of index.md on every
// method not covered elsewhere, Revision.get, the bot counters, the Chat.User.list default
// limit, and the state v1 and v2 share (§ issue 7 item 2).

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
};

/** The JSON type of a value as the tables of api-reference/chat-bots/chat-bots-v2/entities.md name them. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Asserts `obj` has exactly the keys of `shape`, each of one of the allowed JSON types. */
function assertShape(obj: Record<string, unknown>, shape: Record<string, string>, label: string): void {
  assert.deepEqual(Object.keys(obj).sort(), Object.keys(shape).sort(), `${label}: field names`);
  for (const [key, allowed] of Object.entries(shape)) {
    // `string|false` fields take the literal false, not any boolean
    const t = obj[key] === false && allowed.split('|').includes('false') ? 'false' : jsonType(obj[key]);
    assert.ok(allowed.split('|').includes(t), `${label}.${key}: ${t} (${JSON.stringify(obj[key])}) is not ${allowed}`);
  }
}

/** api-reference/chat-bots/chat-bots-v2/entities.md#user User. */
const USER_SHAPE: Record<string, string> = {
  id: 'integer', active: 'boolean', name: 'string', firstName: 'string', lastName: 'string', workPosition: 'string', color: 'string',
  avatar: 'string', gender: 'string', birthday: 'string', extranet: 'boolean', bot: 'boolean', connector: 'boolean',
  externalAuthId: 'string', status: 'string', idle: 'string|false', lastActivityDate: 'string|false', mobileLastDate: 'string|false',
  desktopLastDate: 'string|false', absent: 'string|false', departments: 'array', phones: 'object|false', type: 'string',
  website: 'string', email: 'string',
};

/** api-reference/chat-bots/chat-bots-v2/entities.md#bot Bot, brief and owner formats. */
const BOT_BRIEF: Record<string, string> = {
  id: 'integer', code: 'string', type: 'string', isHidden: 'boolean', isSupportOpenline: 'boolean', isReactionsEnabled: 'boolean',
  backgroundId: 'string|null', language: 'string',
};
const BOT_OWNER: Record<string, string> = {
  ...BOT_BRIEF, moduleId: 'string', eventMode: 'string', countMessage: 'integer', countCommand: 'integer', countChat: 'integer', countUser: 'integer',
};

/** api-reference/chat-bots/chat-bots-v2/entities.md#chat Chat in method responses (the newer docs' shapes). */
const CHAT_SHAPE: Record<string, string> = {
  id: 'integer', dialogId: 'string', name: 'string', type: 'string', messageType: 'string', owner: 'integer', color: 'string|null',
  avatar: 'string', description: 'string', extranet: 'boolean', containsCollaber: 'boolean', role: 'string', muteList: 'array',
  entityType: 'string', entityId: 'string', entityData1: 'string', entityData2: 'string', entityData3: 'string', entityLink: 'object',
  diskFolderId: 'integer|null', permissions: 'object', canHaveThreads: 'boolean', hasManageCapability: 'boolean',
  parentChatId: 'integer|null', parentMessageId: 'integer|null', isNew: 'boolean', textFieldEnabled: 'boolean',
  backgroundId: 'string|null', dateCreate: 'string|null', lastMessageId: 'integer|null', lastId: 'integer|null', managerList: 'array',
  messageCount: 'integer', userCounter: 'integer', unreadId: 'integer|null', lastMessageViews: 'object', markedId: 'integer|null',
  public: 'object|string', guestCount: 'integer',
};
const PERMISSION_KEYS = ['manageUsersAdd', 'manageUsersDelete', 'manageUi', 'manageSettings', 'manageMessages', 'manageMessagesAutoDelete', 'manageGuestInvites', 'manageDelete', 'canPost'];
const ROLE_VALUES = ['member', 'manager', 'owner', 'none'];

/** api-reference/chat-bots/chat-bots-v2/entities.md#command Command: register/update, and the extra fields of Command.list. */
const COMMAND_SHAPE: Record<string, string> = { id: 'integer', botId: 'integer', command: 'string', common: 'boolean', hidden: 'boolean', extranetSupport: 'boolean' };
const LISTED_COMMAND_SHAPE: Record<string, string> = { ...COMMAND_SHAPE, title: 'string', params: 'string', category: 'string', context: 'string' };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

describe('imbot.v2 audit: bots, chats, UI and commands', () => {
  let p: TestPortal;
  let r: Receiver;
  let owner: Bot;
  let stranger: Bot;
  let alice: Person;
  let bob: Person;
  let legacyBot: number;
  const LEGACY = 'legacy-client';

  const call = (method: string, params: Params = {}, bot: Bot = owner): Promise<Answer> =>
    v2call(p, `imbot.v2.${method}`, { botId: bot.botId, botToken: bot.botToken, ...params });
  const ok = async (method: string, params: Params = {}, bot: Bot = owner): Promise<any> => assertResult(await call(method, params, bot), method);
  const as = async (who: Person, method: string, params: Params = {}): Promise<any> => assertResult(await callJson(who.hook, method, params), method);
  const v1 = (method: string, params: Params) => callJson(p.adminHook, method, params);
  const say = (who: Person, dialogId: string, text: string): Promise<number> => as(who, 'im.message.add', { DIALOG_ID: dialogId, MESSAGE: text });

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    owner = await registerV2Bot(p, { code: 'audit-owner', name: 'Audit' });
    stranger = await registerV2Bot(p, { code: 'audit-stranger' });
    alice = await addPerson(p, 'Alice', { lastName: 'Smith', birthday: '1990-04-17', departments: [1] });
    bob = await addPerson(p, 'Bob');
    legacyBot = assertResult(
      await v1('imbot.register', { CODE: 'audit-legacy', CLIENT_ID: LEGACY, EVENT_HANDLER: `${r.base}/legacy`, PROPERTIES: { NAME: 'Legacy' } }),
      'imbot.register',
    );
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  describe('entity shapes', () => {
    it('User: every documented field with its JSON type, for a bot and for a person', async () => {
      const reg = assertResult(await v2call(p, 'imbot.v2.Bot.register', { botToken: 'shapes', fields: { code: 'shapes', properties: { name: 'Shape', lastName: 'Bot' } } }));
      assertShape(reg.users[0], USER_SHAPE, 'Bot.register users[0]');
      assert.deepEqual([reg.users[0].bot, reg.users[0].type, reg.users[0].externalAuthId], [true, 'bot', 'bot']);
      assert.match(reg.users[0].color, /^#[0-9a-f]{6}$/);
      const { chat } = await ok('Chat.add', { fields: { title: 'Shapes', userIds: [alice.id] } });
      const members = await ok('Chat.User.list', { dialogId: `chat${chat.id}`, order: { userId: 'ASC' } });
      const person = members.find((u: any) => u.id === alice.id);
      assertShape(person, USER_SHAPE, 'Chat.User.list person');
      assert.deepEqual(
        [person.bot, person.type, person.externalAuthId, person.active, person.name, person.firstName, person.lastName, person.birthday, person.departments],
        [false, 'employee', 'default', true, 'Alice Smith', 'Alice', 'Smith', '17-04', [1]],
      );
      for (const u of members) assert.ok(u.departments.every((d: unknown) => Number.isInteger(d)), 'departments are integers');
      for (const field of ['botData', 'avatarHr', 'network']) assert.ok(!(field in person), `${field} is filtered out`);
    });

    it('Bot: the brief and owner formats, never appId or botToken', async () => {
      const own = await ok('Bot.get');
      assertShape(own.bot, BOT_OWNER, 'Bot.get (owner)');
      const brief = assertResult(await v2call(p, 'imbot.v2.Bot.get', { botToken: stranger.botToken, botId: owner.botId }));
      assertShape(brief.bot, BOT_BRIEF, 'Bot.get (brief)');
      assertShape(brief.users[0], USER_SHAPE, 'Bot.get users[0]');
      const listed = assertResult(await v2call(p, 'imbot.v2.Bot.list', { botToken: owner.botToken }));
      for (const b of listed.bots) assertShape(b, BOT_OWNER, 'Bot.list');
      assert.ok(!JSON.stringify([own, brief, listed]).includes(owner.botToken));
    });

    it('Chat: every documented field with its JSON type, group and personal, as member and as guest', async () => {
      const created = await ok('Chat.add', { fields: { title: 'Typed', userIds: [alice.id], message: 'hello' } });
      assertShape(created.chat, CHAT_SHAPE, 'Chat.add chat');
      const c = created.chat;
      assert.deepEqual(Object.keys(c.permissions).sort(), [...PERMISSION_KEYS].sort());
      for (const k of PERMISSION_KEYS) assert.ok(ROLE_VALUES.includes(c.permissions[k]), `permissions.${k} = ${c.permissions[k]}`);
      assert.match(c.dateCreate, ISO);
      assert.ok(c.managerList.every((id: unknown) => Number.isInteger(id)));
      assert.equal(c.lastMessageId, c.lastMessageViews.messageId);
      assert.ok(c.lastMessageId > 0);
      assert.deepEqual(Object.keys(c.entityLink).sort(), ['id', 'type', 'url']);
      assert.deepEqual(Object.keys(c.lastMessageViews).sort(), ['countOfViewers', 'firstViewers', 'messageId']);
      assert.equal(c.hasManageCapability, true, 'the owner bot manages the chat');
      assertShape((await ok('Chat.get', { dialogId: `chat${c.id}` })).chat, CHAT_SHAPE, 'Chat.get chat');

      const open = (await ok('Chat.add', { fields: { type: 'open', title: 'Open' } })).chat;
      const guest = (await ok('Chat.get', { dialogId: `chat${open.id}` }, stranger)).chat;
      assertShape(guest, CHAT_SHAPE, 'Chat.get as guest');
      assert.deepEqual([guest.role, guest.hasManageCapability, guest.lastId], ['guest', false, 0]);

      await say(bob, String(owner.botId), 'hi bot');
      const personal = (await ok('Chat.get', { dialogId: String(bob.id) })).chat;
      assertShape(personal, CHAT_SHAPE, 'Chat.get personal');
      assert.deepEqual([personal.type, personal.messageType, personal.dialogId], ['private', 'P', String(bob.id)]);
      assert.ok(personal.unreadId > 0, 'the bot has not read Bob\'s message');
    });

    it('Command: the documented fields of register/update, and of list with title/params/category/context', async () => {
      const reg = (await ok('Command.register', { fields: { command: 'shape', title: { en: 'Shape' }, params: { en: 'p' } } })).command;
      assertShape(reg, COMMAND_SHAPE, 'Command.register');
      assert.equal(reg.command, '/shape', 'with the leading /');
      assertShape((await ok('Command.update', { commandId: reg.id, fields: { hidden: 'Y' } })).command, COMMAND_SHAPE, 'Command.update');
      const listed = (await ok('Command.list')).commands.find((c: any) => c.id === reg.id);
      assertShape(listed, LISTED_COMMAND_SHAPE, 'Command.list');
      assert.deepEqual([listed.title, listed.params, listed.category, listed.context], ['Shape', 'p', 'Audit', '']);
    });
  });

  describe('result envelopes', () => {
    it('object payloads carry exactly their documented keys; action methods nest {result:true}', async () => {
      const created = await call('Chat.add', { fields: { title: 'Envelope', userIds: [bob.id] } });
      assert.equal(created.status, 200, created.text);
      assert.deepEqual(Object.keys(created.body), ['result', 'time']);
      assert.deepEqual(Object.keys(created.body.result), ['chat', 'users']);
      const chatId = created.body.result.chat.id;
      assert.deepEqual(Object.keys(await ok('Chat.get', { dialogId: `chat${chatId}` })), ['chat', 'users']);
      assert.deepEqual(Object.keys(await ok('Bot.get')), ['bot', 'users']);
      assert.deepEqual(Object.keys(await ok('Command.list')), ['commands']);
      const reg = await ok('Command.register', { fields: { command: 'envelope', title: { en: 'E' } } });
      assert.deepEqual(Object.keys(reg), ['command']);
      assert.deepEqual(Object.keys(await ok('Command.update', { commandId: reg.command.id, fields: {} })), ['command']);
      const actions: [string, Params][] = [
        ['Chat.update', { dialogId: `chat${chatId}`, fields: { description: 'd' } }],
        ['Chat.User.add', { dialogId: `chat${chatId}`, userIds: [alice.id] }],
        ['Chat.Manager.add', { dialogId: `chat${chatId}`, userIds: [alice.id] }],
        ['Chat.Manager.delete', { dialogId: `chat${chatId}`, userIds: [alice.id] }],
        ['Chat.User.delete', { dialogId: `chat${chatId}`, userId: alice.id }],
        ['Chat.InputAction.notify', { dialogId: `chat${chatId}` }],
        ['Chat.TextField.enabled', { dialogId: `chat${chatId}`, enabled: true }],
        ['Chat.setOwner', { dialogId: `chat${chatId}`, userId: bob.id }],
        ['Chat.leave', { dialogId: `chat${chatId}` }],
        ['Command.unregister', { commandId: reg.command.id }],
      ];
      for (const [method, params] of actions) assert.deepEqual(await ok(method, params), { result: true }, method);
      assertError(await call('Chat.User.list', { dialogId: `chat${chatId}` }), E.denied, 'the bot has left the chat');
    });

    it('a numeric dialogId names the 1:1 chat like its string form', async () => {
      await say(bob, String(owner.botId), 'numeric');
      const asString = (await ok('Chat.get', { dialogId: String(bob.id) })).chat;
      assert.equal((await ok('Chat.get', { dialogId: bob.id })).chat.id, asString.id);
      assert.deepEqual((await ok('Chat.User.list', { dialogId: bob.id, order: { userId: 'ASC' } })).map((u: any) => u.id), [bob.id, owner.botId].sort((a, b) => a - b));
    });
  });

  describe('owner resolution and the gate', () => {
    it('runs the gate in order on every Command method', async () => {
      const cmd = (await ok('Command.register', { fields: { command: 'gated', title: { en: 'Gated' } } })).command;
      const methods: [string, Params][] = [
        ['Command.register', { fields: { command: 'x', title: { en: 'X' } } }],
        ['Command.update', { commandId: cmd.id, fields: { hidden: true } }],
        ['Command.list', {}],
        ['Command.unregister', { commandId: cmd.id }],
        ['Command.answer', { commandId: cmd.id, messageId: 1, dialogId: '1', fields: { message: 'x' } }],
      ];
      for (const [method, params] of methods) {
        const raw = (extra: Params) => v2call(p, `imbot.v2.${method}`, { ...params, ...extra });
        assertError(await raw({ botId: owner.botId }), E.noToken, `${method} without a token`);
        assertError(await raw({ botToken: '', botId: owner.botId }), E.noToken, `${method} empty token`);
        assertError(await raw({ botToken: owner.botToken }), E.noBotId, `${method} without botId`);
        assertError(await raw({ botToken: owner.botToken, botId: -3 }), E.noBotId, `${method} negative botId`);
        assertError(await raw({ botToken: stranger.botToken, botId: 999999 }), E.noBot, `${method} unknown bot before ownership`);
        assertError(await raw({ botToken: stranger.botToken, botId: owner.botId }), E.ownership, `${method} another owner's bot`);
      }
      assert.deepEqual((await ok('Command.list')).commands.filter((c: any) => c.command === '/gated').length, 1, 'nothing changed');
    });

    it('accepts the deprecated clientId / CLIENT_ID as the owner key, after botToken', async () => {
      const { chat } = await ok('Chat.add', { fields: { title: 'Legacy key' } });
      const via = (params: Params) => v2call(p, 'imbot.v2.Chat.get', { botId: owner.botId, dialogId: `chat${chat.id}`, ...params });
      assert.equal(assertResult(await via({ clientId: owner.botToken })).chat.id, chat.id);
      assert.equal(assertResult(await via({ CLIENT_ID: owner.botToken })).chat.id, chat.id);
      assertError(await via({ botToken: stranger.botToken, clientId: owner.botToken }), E.ownership, 'botToken wins over clientId');
      // a v1 bot answers to its CLIENT_ID given as botToken or as clientId
      assert.equal(assertResult(await v2call(p, 'imbot.v2.Bot.get', { clientId: LEGACY, botId: legacyBot })).bot.moduleId, 'rest', 'owner format');
      assert.deepEqual(assertResult(await v2call(p, 'imbot.v2.Command.list', { CLIENT_ID: LEGACY, BOT_ID: legacyBot })), { commands: [] });
    });

    it('an OAuth caller is its client_id: a botToken sent along changes nothing', async () => {
      const installed = await installScriptApp(p, r, '/install');
      const rest = (method: string, params: Params) => callJson(`${p.http}/rest`, method, { auth: installed.auth.access_token, ...params });
      const botId = assertResult(await rest('imbot.v2.Bot.register', { botToken: 'ignored', fields: { code: 'audit-oauth', properties: { name: 'OAuth' } } })).bot.id;
      const row = await p.server.core.store.db.selectFrom('bots').select(['app_id', 'bot_token']).where('bot_id', '=', botId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { app_id: installed.app.client_id, bot_token: null });
      const { chat } = assertResult(await rest('imbot.v2.Chat.add', { botId, botToken: owner.botToken, fields: { title: 'App chat' } }));
      assert.equal(chat.owner, botId);
      assertError(await rest('imbot.v2.Chat.get', { botId: owner.botId, botToken: owner.botToken, dialogId: `chat${chat.id}` }), E.ownership, "a webhook bot's token does not make the app its owner");
      assertResult(await rest('imbot.v2.Chat.TextField.enabled', { botId, dialogId: `chat${chat.id}`, enabled: 'N' }));
      assertError(await call('Chat.get', { dialogId: `chat${chat.id}` }, { botId, botToken: installed.app.client_id }), E.ownership, 'a webhook caller cannot act for the app bot');
      assert.deepEqual(assertResult(await rest('imbot.v2.Revision.get', {})), { rest: 36, web: 130, mobile: 23, desktop: 6 });
    });

    it('names are case-preserving: only camelCase and UPPER_CASE are read', async () => {
      assertError(await v2call(p, 'imbot.v2.Chat.get', { bottoken: owner.botToken, botId: owner.botId, dialogId: 'chat1' }), E.noToken, 'bottoken');
      assertError(await v2call(p, 'imbot.v2.Chat.get', { BotToken: owner.botToken, botId: owner.botId, dialogId: 'chat1' }), E.noToken, 'BotToken');
      assertError(await v2call(p, 'imbot.v2.Chat.get', { botToken: owner.botToken, botid: owner.botId, dialogId: 'chat1' }), E.noBotId, 'botid');
      assertError(await v2call(p, 'imbot.v2.Chat.get', { botToken: owner.botToken, Bot_Id: owner.botId, dialogId: 'chat1' }), E.noBotId, 'Bot_Id');
      // the camelCase name wins over its alias
      assertError(await v2call(p, 'imbot.v2.Chat.get', { botToken: stranger.botToken, BOT_TOKEN: owner.botToken, botId: owner.botId, dialogId: 'chat1' }), E.ownership);
      // Bot.list reads LIMIT / OFFSET too
      const mine = assertResult(await v2call(p, 'imbot.v2.Bot.list', { botToken: owner.botToken }));
      const paged = assertResult(await v2call(p, 'imbot.v2.Bot.list', { BOT_TOKEN: owner.botToken, LIMIT: 1, OFFSET: mine.bots.length - 1 }));
      assert.deepEqual([paged.bots.map((b: any) => b.id), paged.hasNextPage], [[mine.bots.at(-1).id], true]);
    });

    it('Revision.get takes no bot parameters: bogus ones are ignored, the result is bare', async () => {
      const a = await v2call(p, 'imbot.v2.Revision.get', { botId: 999999, botToken: 'nobody' });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(Object.keys(a.body), ['result', 'time']);
      assert.deepEqual(a.body.result, { rest: 36, web: 130, mobile: 23, desktop: 6 });
    });
  });

  describe('one platform: v1 and v2 share chats, members, owners and commands', () => {
    it('a chat made with imbot.v2.Chat.add is what im.chat.get, im.dialog.get, imbot.dialog.get and imbot.chat.get show', async () => {
      const { chat } = await ok('Chat.add', {
        fields: { title: 'Shared', description: 'both APIs', color: 'mint', userIds: [alice.id, legacyBot], entityType: 'AUDIT', entityId: '7' },
      });
      for (const method of ['im.chat.get', 'im.dialog.get', 'imbot.dialog.get']) {
        const view = await as(alice, method, { DIALOG_ID: `chat${chat.id}` });
        assert.deepEqual(
          [view.id, view.name, view.description, view.owner, view.color, view.entity_type, view.entity_id, view.dialog_id],
          [chat.id, 'Shared', 'both APIs', owner.botId, '#4ba984', 'AUDIT', '7', `chat${chat.id}`],
          method,
        );
      }
      assert.deepEqual(assertResult(await v1('imbot.chat.get', { CLIENT_ID: LEGACY, ENTITY_TYPE: 'AUDIT', ENTITY_ID: '7' })), { ID: chat.id });
      const v1Users = assertResult(await v1('imbot.chat.user.list', { CLIENT_ID: LEGACY, BOT_ID: legacyBot, CHAT_ID: chat.id }));
      assert.deepEqual([...v1Users].sort((a: number, b: number) => a - b), [owner.botId, alice.id, legacyBot].sort((a, b) => a - b));
      // and v2 changes show in v1 at once
      await ok('Chat.update', { dialogId: `chat${chat.id}`, fields: { title: 'Shared v2', color: 'red' } });
      const after = await as(alice, 'imbot.dialog.get', { DIALOG_ID: `chat${chat.id}` });
      assert.deepEqual([after.name, after.color], ['Shared v2', '#df532d']);
    });

    it('v1 member, owner and leave changes are what imbot.v2.Chat.* reads', async () => {
      const chatId = assertResult(await v1('imbot.chat.add', { CLIENT_ID: LEGACY, BOT_ID: legacyBot, TITLE: 'From v1', USERS: [owner.botId] })) as number;
      const members = async () => (await ok('Chat.User.list', { dialogId: `chat${chatId}`, order: { userId: 'ASC' } })).map((u: any) => u.id);
      assert.deepEqual(await members(), [legacyBot, owner.botId].sort((a, b) => a - b));
      assertResult(await v1('imbot.chat.user.add', { CLIENT_ID: LEGACY, BOT_ID: legacyBot, CHAT_ID: chatId, USERS: [bob.id] }));
      assert.deepEqual(await members(), [legacyBot, owner.botId, bob.id].sort((a, b) => a - b));
      assertResult(await v1('imbot.chat.setOwner', { CLIENT_ID: LEGACY, BOT_ID: legacyBot, CHAT_ID: chatId, USER_ID: owner.botId }));
      const got = (await ok('Chat.get', { dialogId: `chat${chatId}` })).chat;
      assert.deepEqual([got.owner, got.role, got.managerList], [owner.botId, 'owner', [owner.botId]]);
      // the v2 bot leaves through v1 (CLIENT_ID = its botToken) after handing the chat back
      assert.equal(assertResult(await v1('imbot.chat.setOwner', { CLIENT_ID: owner.botToken, BOT_ID: owner.botId, CHAT_ID: chatId, USER_ID: legacyBot })), true);
      assert.equal(assertResult(await v1('imbot.chat.leave', { CLIENT_ID: owner.botToken, BOT_ID: owner.botId, CHAT_ID: chatId })), true);
      assertError(await call('Chat.get', { dialogId: `chat${chatId}` }), E.denied, 'no member any more');
    });

    it('a v2 bot added by imbot.v2.Chat.add gets ONIMBOTV2JOINCHAT in its own (fetch) queue', async () => {
      const fetcher = await registerV2Bot(p, { code: 'audit-fetcher' });
      const { chat } = await ok('Chat.add', { fields: { title: 'Join me', userIds: [fetcher.botId] } });
      const page = assertResult(await v2call(p, 'imbot.v2.Event.get', { ...fetcher }));
      assert.deepEqual(page.events.map((e: any) => e.type), ['ONIMBOTV2JOINCHAT']);
      assert.deepEqual([page.events[0].data.chat.id, page.events[0].data.dialogId, page.events[0].data.user.id], [chat.id, `chat${chat.id}`, owner.botId]);
    });

    it('the owner-format counters follow work done through either API', async () => {
      const counted = await registerV2Bot(p, { code: 'audit-counted' });
      const counters = async () => {
        const b = (await ok('Bot.get', {}, counted)).bot;
        return [b.countMessage, b.countCommand, b.countChat, b.countUser];
      };
      assert.deepEqual(await counters(), [0, 0, 0, 0]);
      await ok('Chat.add', { fields: { title: 'One', message: 'first' } }, counted);
      await ok('Command.register', { fields: { command: 'one', title: { en: 'One' } } }, counted);
      assertResult(await v1('imbot.command.register', { CLIENT_ID: counted.botToken, BOT_ID: counted.botId, COMMAND: 'two', EVENT_COMMAND_ADD: `${r.base}/cmd`, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Two' }] }));
      await say(alice, String(counted.botId), 'hello');
      assertResult(await v1('imbot.message.add', { CLIENT_ID: counted.botToken, BOT_ID: counted.botId, DIALOG_ID: String(alice.id), MESSAGE: 'v1 reply' }));
      assert.deepEqual(await counters(), [2, 2, 1, 1]);
    });
  });

  describe('Chat.add inputs', () => {
    it('needs no fields at all: the bot alone in a closed chat it owns', async () => {
      const { chat } = await ok('Chat.add');
      assert.deepEqual([chat.type, chat.owner, chat.role, chat.userCounter, chat.messageCount], ['chat', owner.botId, 'owner', 1, 0]);
    });

    it('cuts a first message over 20 000 characters to 20 000 plus " (...)"', async () => {
      const { chat } = await ok('Chat.add', { fields: { title: 'Long', message: 'x'.repeat(20_003) } });
      const stored = await p.server.core.store.db.selectFrom('messages').select('text').where('id', '=', chat.lastMessageId).executeTakeFirstOrThrow();
      assert.equal(stored.text, `${'x'.repeat(20_000)} (...)`);
    });

    it('reads a form-encoded body with PHP bracket keys (userIds[] and flags)', async () => {
      const body = new URLSearchParams();
      body.append('botId', String(owner.botId));
      body.append('botToken', owner.botToken);
      body.append('fields[title]', 'Form chat');
      body.append('fields[type]', 'open');
      body.append('fields[userIds][]', String(alice.id));
      body.append('fields[userIds][]', String(bob.id));
      const a = await request(`${p.adminHook}/imbot.v2.Chat.add`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      const { chat } = assertResult(a, 'form Chat.add');
      assert.deepEqual([chat.name, chat.type, chat.userCounter], ['Form chat', 'open', 3]);
      const tf = await request(`${p.adminHook}/imbot.v2.Chat.TextField.enabled`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ botId: String(owner.botId), botToken: owner.botToken, dialogId: `chat${chat.id}`, enabled: 'N' }).toString(),
      });
      assert.deepEqual(assertResult(tf, 'form TextField.enabled'), { result: true });
      assert.equal((await as(alice, 'im.dialog.get', { DIALOG_ID: `chat${chat.id}` })).text_field_enabled, false);
    });
  });

  describe('Bot.unregister', () => {
    it('takes the bot\'s commands and chat memberships with it, whichever API made them', async () => {
      const leaving = await registerV2Bot(p, { code: 'audit-leaving' });
      const v2Command = (await ok('Command.register', { fields: { command: 'bye', title: { en: 'Bye' } } }, leaving)).command.id;
      const v1Command = assertResult(
        await v1('imbot.command.register', { CLIENT_ID: leaving.botToken, BOT_ID: leaving.botId, COMMAND: 'bye1', EVENT_COMMAND_ADD: `${r.base}/cmd`, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Bye' }] }),
      );
      const { chat } = await ok('Chat.add', { fields: { title: 'Farewell', userIds: [leaving.botId, alice.id] } });
      assert.deepEqual(await ok('Bot.unregister', {}, leaving), { result: true });
      const db = p.server.core.store.db;
      assert.deepEqual(await db.selectFrom('commands').select('id').where('id', 'in', [v2Command, v1Command]).execute(), []);
      const members = (await ok('Chat.User.list', { dialogId: `chat${chat.id}`, order: { userId: 'ASC' } })).map((u: any) => u.id);
      assert.ok(!members.includes(leaving.botId), 'no longer a member');
      assertError(await call('Command.list', {}, leaving), E.noBot);
    });
  });

  describe('Chat.User.list limit', () => {
    it('answers 50 members when no limit is given', async () => {
      const people: number[] = [];
      for (let i = 0; i < 52; i++) people.push((await addPerson(p, `Member ${i}`)).id);
      const { chat } = await ok('Chat.add', { fields: { title: 'Crowd', userIds: people } });
      assert.equal(chat.userCounter, 53);
      assert.equal((await ok('Chat.User.list', { dialogId: `chat${chat.id}` })).length, 50);
      assert.equal((await ok('Chat.User.list', { dialogId: `chat${chat.id}`, limit: 'abc' })).length, 1, 'a non-number clamps to 1');
      assert.equal((await ok('Chat.User.list', { dialogId: `chat${chat.id}`, limit: 60 })).length, 53);
    });
  });
});
