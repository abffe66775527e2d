import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { installScriptApp, refreshParams, tokenGet } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

/*
 * Audit of Chatbots 2.0 messages/reactions/events/files against the docs (api-reference/chat-bots/chat-bots-v2/): the gaps the family
 * tests left — ONIMBOTV2COMMANDADD `context: "menu"` for context-menu presses (v1 keeps KEYBOARD),
 * the exact key sets and JSON types of the api-reference/chat-bots/chat-bots-v2/entities.md entities inside fetch-mode payloads, reactions from
 * every API reaching ONIMBOTV2REACTIONCHANGE (also pushed by webhook), and the OAuth tokens of
 * `data.bot.auth` actually acting as the bot.
 */

type Obj = Record<string, any>;
type Bot = { botId: number; botToken: string };

let p: TestPortal;
let rx: Receiver;
let alice: Person;
let bob: Person;

before(async () => {
  p = await startPortal();
  rx = await startReceiver();
  alice = await addPerson(p, 'Alice', { lastName: 'Smith' });
  bob = await addPerson(p, 'Bob');
});
after(async () => {
  await p.stop();
  await rx.close();
});

const botCall = (b: Bot, method: string, params: Obj = {}) => v2call(p, method, { botId: b.botId, botToken: b.botToken, ...params });

/** Everything in a fetch bot's queue from `offset` on (acknowledging below it). */
async function drain(b: Bot, offset = 0): Promise<{ events: Obj[]; nextOffset: number }> {
  return assertResult(await botCall(b, 'imbot.v2.Event.get', { offset, limit: 1000 }), 'imbot.v2.Event.get');
}

/** A v1 command of `b` (registered with the bot's owner key, as v1 and v2 share commands). */
async function v1Command(b: { botId: number; clientId: string }, command: string, handler: string): Promise<number> {
  return assertResult(
    await callJson(p.adminHook, 'imbot.command.register', {
      BOT_ID: b.botId, CLIENT_ID: b.clientId, COMMAND: command, EVENT_COMMAND_ADD: handler, LANG: [{ LANGUAGE_ID: 'en', TITLE: command }],
    }),
    'imbot.command.register',
  );
}

/** The bot's message to `userId` carrying a KEYBOARD and/or a MENU (v1 imbot.message.add, same messages as v2). */
async function richMessage(b: { botId: number; clientId: string }, userId: number, rich: Obj): Promise<number> {
  return assertResult(await callJson(p.adminHook, 'imbot.message.add', { BOT_ID: b.botId, CLIENT_ID: b.clientId, DIALOG_ID: String(userId), MESSAGE: 'choose', ...rich }), 'imbot.message.add');
}

const press = (who: Person, messageId: number, botId: number, COMMAND: string, COMMAND_PARAMS: string) =>
  callJson(who.hook, 'im.message.command', { MESSAGE_ID: messageId, BOT_ID: botId, COMMAND, COMMAND_PARAMS });

describe('ONIMBOTV2COMMANDADD context: textarea, keyboard, menu', () => {
  it('a menu item says "menu" to a v2 bot; a keyboard button "keyboard"; the message decides which', async () => {
    const bot = await registerV2Bot(p, { code: 'menu_v2' });
    const owner = { botId: bot.botId, clientId: bot.botToken };
    const commandId = await v1Command(owner, 'pick', 'http://127.0.0.1:9/unused');
    const both = await richMessage(owner, alice.id, {
      KEYBOARD: [{ TEXT: 'From keyboard', COMMAND: 'pick', COMMAND_PARAMS: 'kb' }],
      MENU: [{ TEXT: 'From menu', COMMAND: 'pick', COMMAND_PARAMS: 'mn' }],
    });
    const menuOnly = await richMessage(owner, alice.id, { MENU: [{ TEXT: 'Only menu', COMMAND: '/pick', COMMAND_PARAMS: 'x' }] });
    const start = (await drain(bot)).nextOffset;

    assertResult(await press(alice, both, bot.botId, 'pick', 'mn'), 'menu item');
    assertResult(await press(alice, both, bot.botId, 'pick', 'kb'), 'keyboard button');
    assertResult(await press(alice, menuOnly, bot.botId, '/pick', 'other'), 'menu item, params the client changed');
    const page = await drain(bot, start);
    const commands = page.events.filter((e) => e.type === 'ONIMBOTV2COMMANDADD');
    assert.deepEqual(
      commands.map((e) => [e.data.command, e.data.message.id]),
      [
        [{ id: commandId, command: '/pick', params: 'mn', context: 'menu' }, both],
        [{ id: commandId, command: '/pick', params: 'kb', context: 'keyboard' }, both],
        [{ id: commandId, command: '/pick', params: 'other', context: 'menu' }, menuOnly],
      ],
    );
    await drain(bot, page.nextOffset);
  });

  it('a v1 bot keeps COMMAND_CONTEXT=KEYBOARD for a menu item, and nothing else leaks into its body', async () => {
    const owner = { botId: 0, clientId: 'auditb_v1' };
    owner.botId = assertResult(
      await callJson(p.adminHook, 'imbot.register', { CODE: 'menu_v1', CLIENT_ID: owner.clientId, EVENT_HANDLER: `${rx.base}/v1menu`, PROPERTIES: { NAME: 'Menu v1' } }),
      'imbot.register',
    );
    const commandId = await v1Command(owner, 'pick', `${rx.base}/v1menu`);
    const msg = await richMessage(owner, alice.id, { MENU: [{ TEXT: 'From menu', COMMAND: 'pick', COMMAND_PARAMS: 'mn' }] });
    assertResult(await press(alice, msg, owner.botId, 'pick', 'mn'), 'menu item');
    const [hit] = await rx.waitFor(1, (h: Hit) => h.url.startsWith('/v1menu') && h.form.event === 'ONIMCOMMANDADD');
    const entry = (hit!.form.data as Obj).COMMAND[String(commandId)];
    assert.equal(entry.COMMAND_CONTEXT, 'KEYBOARD');
    assert.equal(entry.COMMAND_PARAMS, 'mn');
    assert.equal(entry.menu, undefined);
    assert.ok(!hit!.raw.includes('menu%5D') && !hit!.raw.includes('%5Bmenu'), 'no v2-only key in the v1 form');
  });
});

// ---- api-reference/chat-bots/chat-bots-v2/entities.md entity shapes inside fetch-mode payloads (exact JSON types) ----

type Check = (v: unknown) => boolean;
const int: Check = (v) => Number.isInteger(v);
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const isFalse: Check = (v) => v === false;
const obj: Check = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const iso: Check = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/.test(v);
const or = (...cs: Check[]): Check => (v) => cs.some((c) => c(v));
const nul: Check = (v) => v === null;
const ints: Check = (v) => Array.isArray(v) && v.every(int);
const oneOf = (...xs: unknown[]): Check => (v) => xs.includes(v);

/** Asserts `value` has exactly the keys of `shape` (in any order), each passing its check. */
function assertShape(value: Obj, shape: Record<string, Check>, label: string): void {
  assert.deepEqual(Object.keys(value).sort(), Object.keys(shape).sort(), `${label}: key set`);
  for (const [key, check] of Object.entries(shape)) assert.ok(check(value[key]), `${label}.${key} = ${JSON.stringify(value[key])}`);
}

/** api-reference/chat-bots/chat-bots-v2/entities.md#message in events (no `unread` / `viewed`). */
const MESSAGE_EVENT: Record<string, Check> = {
  id: int, chatId: int, authorId: int, date: or(iso, nul), text: str, isSystem: bool, uuid: str, forward: or(obj, nul), params: obj, viewedByOthers: bool,
};
/** api-reference/chat-bots/chat-bots-v2/entities.md#user; in events the online fields are always false. */
const USER_EVENT: Record<string, Check> = {
  id: int, active: bool, name: str, firstName: str, lastName: str, workPosition: str, color: (v) => typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v),
  avatar: str, gender: oneOf('M', 'F'), birthday: str, extranet: bool, bot: bool, connector: bool, externalAuthId: str, status: str,
  idle: isFalse, lastActivityDate: isFalse, mobileLastDate: isFalse, desktopLastDate: isFalse, absent: or(iso, isFalse), departments: ints,
  phones: or(obj, isFalse), type: oneOf('employee', 'extranet', 'email', 'collaber', 'bot'), website: str, email: str,
};
const PERMISSION_KEYS = ['manageUsersAdd', 'manageUsersDelete', 'manageUi', 'manageSettings', 'manageMessages', 'manageMessagesAutoDelete', 'manageGuestInvites', 'manageDelete', 'canPost'];
/** api-reference/chat-bots/chat-bots-v2/entities.md#chat, the fields marked "in events" (no role, muteList or response-only counters). */
const CHAT_EVENT: Record<string, Check> = {
  id: int, dialogId: str, name: str, type: str, messageType: str, owner: int, color: or(str, nul), avatar: str, description: str, extranet: bool,
  containsCollaber: bool, entityType: str, entityId: str, entityData1: str, entityData2: str, entityData3: str,
  entityLink: (v) => obj(v) && Object.keys(v as Obj).sort().join() === 'id,type,url', diskFolderId: or(int, nul),
  permissions: (v) => obj(v) && Object.keys(v as Obj).sort().join() === [...PERMISSION_KEYS].sort().join() && Object.values(v as Obj).every(oneOf('member', 'manager', 'owner', 'none')),
  parentChatId: or(int, nul), parentMessageId: or(int, nul), isNew: bool, textFieldEnabled: bool, backgroundId: or(str, nul),
};

describe('entity shapes in fetch-mode payloads', () => {
  it('ONIMBOTV2MESSAGEADD / JOINCHAT carry Message, Chat (event format) and User with exact keys and JSON types', async () => {
    const bot = await registerV2Bot(p, { code: 'shape_v2', type: 'supervisor' });
    const chatId = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Shapes', USERS: [bob.id, bot.botId] }), 'im.chat.add');
    const messageId = assertResult(await callJson(bob.hook, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'shape me' }), 'im.message.add');
    const page = await drain(bot);
    const join = page.events.find((e) => e.type === 'ONIMBOTV2JOINCHAT')!;
    const add = page.events.find((e) => e.type === 'ONIMBOTV2MESSAGEADD')!;
    assert.ok(join && add, JSON.stringify(page.events.map((e) => e.type)));
    assertShape(add.data.message, MESSAGE_EVENT, 'message');
    assert.equal(add.data.message.id, messageId);
    assertShape(add.data.chat, CHAT_EVENT, 'chat');
    assert.deepEqual([add.data.chat.id, add.data.chat.dialogId, add.data.chat.messageType, add.data.chat.owner], [chatId, `chat${chatId}`, 'C', alice.id]);
    assertShape(add.data.user, USER_EVENT, 'user');
    assert.deepEqual([add.data.user.id, add.data.user.type, add.data.user.bot], [bob.id, 'employee', false]);
    assertShape(join.data.chat, CHAT_EVENT, 'join chat');
    assertShape(join.data.user, USER_EVENT, 'join user');
    assert.equal(typeof add.data.language, 'string');
    await drain(bot, page.nextOffset);
  });

  it('Message.get answers a Message with unread/viewed and a User author whose online fields may be dates', async () => {
    const bot = await registerV2Bot(p, { code: 'shape_get', type: 'supervisor' });
    const chatId = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Shapes 2', USERS: [bot.botId] }), 'im.chat.add');
    const messageId = assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'get me' }), 'im.message.add');
    const res = assertResult(await botCall(bot, 'imbot.v2.Chat.Message.get', { messageId }), 'Message.get');
    assertShape(res.message, { ...MESSAGE_EVENT, unread: bool, viewed: bool }, 'message');
    assertShape(res.user, { ...USER_EVENT, idle: or(iso, isFalse), lastActivityDate: or(iso, isFalse), mobileLastDate: or(iso, isFalse), desktopLastDate: or(iso, isFalse) }, 'user');
  });
});

describe('reactions from every API reach the author bot (ONIMBOTV2REACTIONCHANGE)', () => {
  it('im.message.like (auto toggles), a v1 bot’s imbot.message.like and a v2 Reaction.add, pushed to a webhook bot as strings', async () => {
    const hooked = await registerV2Bot(p, { code: 'react_hook', eventMode: 'webhook', webhookUrl: `${rx.base}/react` });
    const v1 = assertResult(
      await callJson(p.adminHook, 'imbot.register', { CODE: 'react_v1', CLIENT_ID: 'auditb_react', EVENT_HANDLER: `${rx.base}/react-v1`, PROPERTIES: { NAME: 'Liker' } }),
      'imbot.register',
    );
    const other = await registerV2Bot(p, { code: 'react_other' });
    const chatId = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Reactions', USERS: [hooked.botId, v1, other.botId] }), 'im.chat.add');
    const sent = assertResult(await botCall(hooked, 'imbot.v2.Chat.Message.send', { dialogId: `chat${chatId}`, fields: { message: 'react to me' } }), 'send');
    const id = sent.id;

    assertResult(await callJson(alice.hook, 'im.message.like', { MESSAGE_ID: id }), 'like (auto)');
    assertResult(await callJson(alice.hook, 'im.message.like', { MESSAGE_ID: id }), 'unlike (auto)');
    assertResult(await callJson(p.adminHook, 'imbot.message.like', { BOT_ID: v1, CLIENT_ID: 'auditb_react', MESSAGE_ID: id, ACTION: 'plus' }), 'v1 bot like');
    assertResult(await botCall(other, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'faceWithTearsOfJoy' }), 'v2 reaction');
    // a reaction on someone else's message tells this bot nothing
    const hers = assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'not the bot’s' }), 'im.message.add');
    assertResult(await botCall(other, 'imbot.v2.Chat.Message.Reaction.add', { messageId: hers, reaction: 'fire' }), 'reaction elsewhere');

    const hits = await rx.waitFor(4, (h) => h.url.startsWith('/react') && !h.url.startsWith('/react-v1') && h.form.event === 'ONIMBOTV2REACTIONCHANGE');
    assert.equal(hits.length, 4);
    const d = hits.map((h) => h.form.data as Obj);
    assert.deepEqual(
      d.map((x) => [x.reaction, x.action, x.user.id, x.message.id]),
      [
        ['like', 'add', String(alice.id), String(id)],
        ['like', 'delete', String(alice.id), String(id)],
        ['like', 'add', String(v1), String(id)],
        ['faceWithTearsOfJoy', 'add', String(other.botId), String(id)],
      ],
    );
    for (const x of d) {
      assert.deepEqual(Object.keys(x), ['bot', 'reaction', 'action', 'message', 'chat', 'user', 'language']);
      assert.deepEqual(Object.keys(x.bot), ['id', 'code', 'auth']);
      assert.equal(x.chat.dialogId, `chat${chatId}`);
      assert.equal(x.message.isSystem, '0');
    }
    // no scalar is sent as a JS literal: booleans "1"/"0", null ""
    for (const h of hits) assert.doesNotMatch(h.raw, /=(true|false|null|undefined)(&|$)/, h.raw.slice(0, 120));
    // api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md: only fetch-mode bots are logged, so a webhook bot's own queue stays empty
    assert.deepEqual(assertResult(await botCall(hooked, 'imbot.v2.Event.get', {})), { events: [], nextOffset: 0, hasMore: false });
  });

  it('ONIMV2REACTIONCHANGE carries exactly reaction, action, message, chat, user, language', async () => {
    const bot = await registerV2Bot(p, { code: 'react_user' });
    assert.equal(assertResult(await callJson(bob.hook, 'im.v2.Event.subscribe', {})), true);
    const start = assertResult(await callJson(bob.hook, 'im.v2.Event.get', {})).nextOffset;
    const sent = assertResult(await botCall(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(bob.id), fields: { message: 'hi bob' } }), 'send');
    assertResult(await callJson(bob.hook, 'im.message.like', { MESSAGE_ID: sent.id, ACTION: 'plus' }), 'like');
    const page = assertResult(await callJson(bob.hook, 'im.v2.Event.get', { offset: start }));
    const [ev] = page.events.filter((e: Obj) => e.type === 'ONIMV2REACTIONCHANGE');
    assert.ok(ev, JSON.stringify(page.events.map((e: Obj) => e.type)));
    assert.deepEqual(Object.keys(ev.data), ['reaction', 'action', 'message', 'chat', 'user', 'language']);
    assertShape(ev.data.message, MESSAGE_EVENT, 'message');
    assertShape(ev.data.chat, CHAT_EVENT, 'chat');
    assertShape(ev.data.user, USER_EVENT, 'user');
    assert.deepEqual([ev.data.reaction, ev.data.action, ev.data.user.id, ev.data.chat.dialogId], ['like', 'add', bob.id, String(bot.botId)]);
    assertResult(await callJson(bob.hook, 'im.v2.Event.unsubscribe', {}));
  });
});

describe('an OAuth webhook bot’s data.bot.auth', () => {
  it('carries the documented keys, and its access and refresh tokens act as the bot', async () => {
    const { app, auth } = await installScriptApp(p, rx, '/auditb-install');
    const reg = await callJson(`${p.http}/rest`, 'imbot.v2.Bot.register', {
      auth: auth.access_token,
      fields: { code: 'auditb_app_bot', properties: { name: 'App bot' }, eventMode: 'webhook', webhookUrl: `${rx.base}/auditb-app` },
    });
    const botId: number = assertResult(reg, 'register').bot.id;
    assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'hello app bot' }));
    const [hit] = await rx.waitFor(1, (h) => h.url.startsWith('/auditb-app') && h.form.event === 'ONIMBOTV2MESSAGEADD');
    const botAuth = (hit!.form.data as Obj).bot.auth as Obj;
    for (const key of ['access_token', 'expires_in', 'refresh_token', 'scope', 'domain', 'server_endpoint', 'client_endpoint', 'member_id', 'application_token', 'status', 'expires', 'user_id']) {
      assert.equal(typeof botAuth[key], 'string', `data.bot.auth.${key}`);
      assert.notEqual(botAuth[key], '', `data.bot.auth.${key} is empty`);
    }
    assert.match(botAuth.status, /^[LFDTP]$/);
    assert.equal(botAuth.user_id, String(botId));
    const top = hit!.form.auth as Obj;
    for (const key of ['scope', 'domain', 'server_endpoint', 'client_endpoint', 'member_id', 'application_token', 'status']) assert.equal(typeof top[key], 'string', `auth.${key}`);
    assert.equal(top.user_id, String(alice.id), 'the top-level block is the user who wrote');

    // the access token answers as the bot: a reply through imbot.v2 is the bot's message
    const reply = await callJson(`${p.http}/rest`, 'imbot.v2.Chat.Message.send', { auth: botAuth.access_token, botId, dialogId: String(alice.id), fields: { message: 'answered with data.bot.auth' } });
    const replyId: number = assertResult(reply, 'reply').id;
    const history = assertResult(await callJson(alice.hook, 'im.dialog.messages.get', { DIALOG_ID: botId }), 'history');
    const row = history.messages.find((m: Obj) => m.id === replyId);
    assert.deepEqual([row?.author_id, row?.text], [botId, 'answered with data.bot.auth']);
    const me = assertResult(await callJson(`${p.http}/rest`, 'user.current', { auth: botAuth.access_token }), 'user.current');
    assert.equal(Number(me.ID), botId);

    // the refresh token renews the pair for the bot user
    const renewed = await tokenGet(p, refreshParams(app, botAuth.refresh_token));
    assert.equal(renewed.status, 200, renewed.text);
    assert.equal(Number(renewed.body.user_id), botId);
    assertResult(await callJson(`${p.http}/rest`, 'imbot.v2.Chat.Message.send', { auth: renewed.body.access_token, botId, dialogId: String(alice.id), fields: { message: 'renewed' } }), 'renewed reply');
    // another app's or a webhook caller's botToken does not own this bot
    assertError(await v2call(p, 'imbot.v2.Chat.Message.send', { botToken: botAuth.access_token, botId, dialogId: String(alice.id), fields: { message: 'x' } }), [400, 'BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application']);
  });
});

describe('rows the family tests left open', () => {
  it('Message.send answers SENDING_FAILED (400) when the store refuses the write, and posts nothing', async () => {
    const bot = await registerV2Bot(p, { code: 'auditb_failing' });
    const fault = await fetch(`${p.http}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ method: 'imbot.v2.Chat.Message.send', kind: 'store_failure' }),
    });
    assert.equal(fault.status, 200);
    const count = async () => (await p.server.core.store.db.selectFrom('messages').select('id').execute()).length;
    const before = await count();
    assertError(await botCall(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(alice.id), fields: { message: 'lost' } }), [400, 'SENDING_FAILED', 'Sending failed']);
    assert.equal(await count(), before);
    assertResult(await botCall(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(alice.id), fields: { message: 'kept' } }), 'the next call works');
  });

  it('canPost "none" lets nobody post, not even the chat owner bot', async () => {
    const bot = await registerV2Bot(p, { code: 'auditb_owner' });
    const chatId: number = assertResult(await callJson(p.adminHook, 'imbot.chat.add', { BOT_ID: bot.botId, CLIENT_ID: bot.botToken, TITLE: 'Owned', USERS: [alice.id] }), 'imbot.chat.add');
    const db = p.server.core.store.db;
    const send = () => botCall(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${chatId}`, fields: { message: 'x' } });
    await db.updateTable('chats').set({ can_post: 'NONE' }).where('id', '=', chatId).execute();
    assertError(await send(), [400, 'ACCESS_DENIED', 'ACCESS_DENIED']);
    await db.updateTable('chats').set({ can_post: 'OWNER' }).where('id', '=', chatId).execute();
    assertResult(await send(), 'the owner may post under "owner"');
  });

  it('Message.read works on a 1:1 dialog named by the user id', async () => {
    const bot = await registerV2Bot(p, { code: 'auditb_reader' });
    const first = assertResult(await callJson(bob.hook, 'im.message.add', { DIALOG_ID: String(bot.botId), MESSAGE: 'one' }));
    const second = assertResult(await callJson(bob.hook, 'im.message.add', { DIALOG_ID: String(bot.botId), MESSAGE: 'two' }));
    const res = assertResult(await botCall(bot, 'imbot.v2.Chat.Message.read', { dialogId: String(bob.id) }), 'read');
    assert.deepEqual(Object.keys(res), ['chatId', 'lastId', 'counter', 'viewedMessages']);
    assert.deepEqual([res.lastId, res.counter, res.viewedMessages], [second, 0, [first, second]]);
    assert.ok(Number.isInteger(res.chatId) && res.chatId > 0);
    // a user the bot never talked to: no chat to read
    const stranger = await addPerson(p, 'Stranger');
    assertError(await botCall(bot, 'imbot.v2.Chat.Message.read', { dialogId: String(stranger.id) }), [400, 'ACCESS_DENIED', 'ACCESS_DENIED']);
  });

  it('Event.get: a negative offset acknowledges nothing and the cursor echoes 0', async () => {
    const bot = await registerV2Bot(p, { code: 'auditb_cursor' });
    assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: String(bot.botId), MESSAGE: 'queued' }));
    const first = assertResult(await botCall(bot, 'imbot.v2.Event.get', { offset: -5 }));
    assert.deepEqual(first.events.map((e: Obj) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD']);
    assert.equal(first.nextOffset, first.events[1].eventId + 1);
    const empty = assertResult(await botCall(bot, 'imbot.v2.Event.get', { offset: -5, limit: 1 }));
    assert.deepEqual([empty.events.length, empty.hasMore], [1, true], 'still there: nothing was acknowledged');
  });
});
