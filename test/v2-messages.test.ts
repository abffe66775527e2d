import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp, restWithAuth } from './helpers/oauth.js';
import { addPerson, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call, type V2Answer } from './helpers/v2.js';

// imbot.v2.Chat.Message.* (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/, api-reference/chat-bots/chat-bots-v2/entities.md#message): send (keyboards, attachments,
// limits, replies, templates, forwards), update, delete, read, get, getContext and reactions, on
// the same messages v1 reads and writes (im.dialog.messages.get, im.message.like).

type Obj = Record<string, any>;
type Row = [error: string, description: string];

const E = {
  noToken: ['BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'] as Row,
  noBotId: ['BOT_ID_REQUIRED', 'botId is required'] as Row,
  noBot: ['BOT_NOT_FOUND', 'Bot not found'] as Row,
  ownership: ['BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'] as Row,
  denied: ['ACCESS_DENIED', 'ACCESS_DENIED'] as Row,
  empty: ['EMPTY_MESSAGE', 'Message is empty'] as Row,
  tooMany: ['TOO_MANY_MESSAGES', 'Too many messages'] as Row,
  wrongUuid: ['WRONG_UUID', 'Wrong uuid'] as Row,
  attachError: ['ATTACH_ERROR', 'Incorrect attach params'] as Row,
  attachOversize: ['ATTACH_OVERSIZE', 'You have exceeded the maximum allowable size of attach'] as Row,
  keyboardError: ['KEYBOARD_ERROR', 'Incorrect keyboard params'] as Row,
  notFound: ['MESSAGE_NOT_FOUND', 'Message not found'] as Row,
  messageDenied: ['MESSAGE_ACCESS_DENIED', 'Message access denied'] as Row,
  typeNotAllowed: ['BOT_TYPE_NOT_ALLOWED', 'Method is available only for supervisor and personal bots'] as Row,
  reactionNotFound: ['REACTION_NOT_FOUND', 'Reaction not found'] as Row,
  reactionSet: ['REACTION_ALREADY_SET', 'Reaction already set'] as Row,
};

const REACTIONS = [
  'like', 'dislike', 'faceWithTearsOfJoy', 'redHeart', 'neutralFace', 'fire', 'cry', 'slightlySmilingFace',
  'winkingFace', 'laugh', 'kiss', 'wonder', 'slightlyFrowningFace', 'loudlyCryingFace', 'faceWithStuckOutTongue',
  'faceWithStuckOutTongueAndWinkingEye', 'smilingFaceWithSunglasses', 'confusedFace', 'flushedFace', 'thinkingFace',
  'angry', 'smilingFaceWithHorns', 'faceWithThermometer', 'facepalm', 'poo', 'flexedBiceps', 'clappingHands',
  'raisedHand', 'smilingFaceWithHeartEyes', 'smilingFaceWithHearts', 'pleadingFace', 'relievedFace', 'foldedHands',
  'okHand', 'signHorns', 'loveYouGesture', 'clownFace', 'partyingFace', 'questionMark', 'exclamationMark',
  'lightBulb', 'bomb', 'sleepingSymbol', 'crossMark', 'whiteHeavyCheckMark', 'eyes', 'handshake', 'hundredPoints',
];

const UUID_A = '6f1c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const BUTTON = { TEXT: 'Open', LINK: 'https://example.com', BG_COLOR_TOKEN: 'primary' };
const ATTACH_BLOCKS = [{ MESSAGE: 'attached' }];

function assertV2Error(a: V2Answer, [error, error_description]: Row, label = ''): void {
  assert.deepEqual({ status: a.status, error: a.body?.error, error_description: a.body?.error_description }, { status: 400, error, error_description }, label);
}

describe('imbot.v2.Chat.Message.*', () => {
  let p: TestPortal;
  let r: Receiver;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  interface Bot {
    botId: number;
    botToken: string;
  }
  let bot: Bot; // type bot
  let sup: Bot; // supervisor
  let pers: Bot; // personal
  let group: number; // alice, bob, bot, sup, pers
  let strangers: number; // bob and carol only

  const call = (b: Bot, method: string, params: Obj = {}) => v2call(p, method, { botToken: b.botToken, botId: b.botId, ...params });
  async function ok(b: Bot, method: string, params: Obj = {}): Promise<any> {
    const a = await call(b, method, params);
    assert.equal(a.status, 200, `${method}: ${JSON.stringify(a.body)}`);
    return a.body.result;
  }
  const send = async (b: Bot, dialogId: string, fields: Obj): Promise<number> => (await ok(b, 'imbot.v2.Chat.Message.send', { dialogId, fields })).id;
  const get = async (messageId: number, b: Bot = sup): Promise<Obj> => (await ok(b, 'imbot.v2.Chat.Message.get', { messageId })).message;

  async function as(who: Person, method: string, params: Obj): Promise<any> {
    const a = await callJson(who.hook, method, params);
    assert.equal(a.status, 200, `${method}: ${a.text}`);
    return a.body.result;
  }
  /** The message as a person reads it through v1 (undefined when gone). */
  async function v1Message(who: Person, dialogId: string | number, id: number): Promise<Obj | undefined> {
    const page = await as(who, 'im.dialog.messages.get', { DIALOG_ID: dialogId, LIMIT: 50 });
    return page.messages.find((m: Obj) => m.id === id);
  }
  const historySize = async (who: Person, dialogId: string | number) => (await as(who, 'im.dialog.messages.get', { DIALOG_ID: dialogId, LIMIT: 50 })).messages.length;
  const say = (who: Person, chatId: number, MESSAGE: string): Promise<number> => as(who, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE });

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    alice = await addPerson(p, 'Alice');
    bob = await addPerson(p, 'Bob');
    carol = await addPerson(p, 'Carol');
    bot = await registerV2Bot(p, { code: 'msg_bot' });
    sup = await registerV2Bot(p, { code: 'msg_sup', type: 'supervisor' });
    pers = await registerV2Bot(p, { code: 'msg_pers', type: 'personal' });
    group = await as(alice, 'im.chat.add', { TITLE: 'Team', USERS: [bob.id, bot.botId, sup.botId, pers.botId] });
    strangers = await as(bob, 'im.chat.add', { TITLE: 'Private talk', USERS: [carol.id] });
  });

  after(async () => {
    await p.stop();
    await r.close();
  });

  it('runs the bot gate in order on every method', async () => {
    const methods = ['send', 'update', 'delete', 'read', 'get', 'getContext', 'Reaction.add', 'Reaction.delete'].map((m) => `imbot.v2.Chat.Message.${m}`);
    for (const method of methods) {
      assertV2Error(await v2call(p, method, { botId: bot.botId }), E.noToken, method);
      assertV2Error(await v2call(p, method, { botToken: bot.botToken }), E.noBotId, method);
      assertV2Error(await v2call(p, method, { botToken: bot.botToken, botId: 999_999 }), E.noBot, method);
      assertV2Error(await v2call(p, method, { botToken: 'someone-else', botId: bot.botId }), E.ownership, method);
    }
  });

  it('sends text to a group chat and v1 reads it', async () => {
    const a = await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'Hello from bot!' } });
    assert.equal(a.status, 200);
    const id = a.body.result.id;
    assert.deepEqual(a.body.result, { id, uuidMap: {} });
    assert.ok(Number.isInteger(id) && id > 0);
    const v1 = await v1Message(alice, `chat${group}`, id);
    assert.equal(v1?.text, 'Hello from bot!');
    assert.equal(v1?.author_id, bot.botId);
    const m = await get(id);
    assert.deepEqual(Object.keys(m), ['id', 'chatId', 'authorId', 'date', 'text', 'isSystem', 'uuid', 'forward', 'params', 'viewedByOthers', 'unread', 'viewed']);
    assert.deepEqual(
      { id: m.id, chatId: m.chatId, authorId: m.authorId, text: m.text, isSystem: m.isSystem, uuid: m.uuid, forward: m.forward, params: m.params },
      { id, chatId: group, authorId: bot.botId, text: 'Hello from bot!', isSystem: false, uuid: '', forward: null, params: {} },
    );
    assert.match(m.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  });

  it('accepts the UPPER_CASE aliases', async () => {
    const a = await v2call(p, 'imbot.v2.Chat.Message.send', { BOT_TOKEN: bot.botToken, BOT_ID: bot.botId, DIALOG_ID: `chat${group}`, FIELDS: { MESSAGE: 'upper', URL_PREVIEW: 'N' } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const m = await get(a.body.result.id);
    assert.equal(m.text, 'upper');
    assert.deepEqual(m.params, { URL_PREVIEW: 'N' });
  });

  it('opens the private chat with a user the bot never talked to', async () => {
    const id = await send(bot, String(carol.id), { message: 'Nice to meet you' });
    const v1 = await v1Message(carol, bot.botId, id);
    assert.equal(v1?.text, 'Nice to meet you');
    assert.equal(v1?.author_id, bot.botId);
    // the same dialog again: the same chat
    const again = await send(bot, String(carol.id), { message: 'again' });
    assert.equal((await v1Message(carol, bot.botId, again))?.chat_id, v1?.chat_id);
    // the same private chat named by its id
    const byId = await send(bot, `chat${v1?.chat_id}`, { message: 'by chat id' });
    assert.equal((await v1Message(carol, bot.botId, byId))?.chat_id, v1?.chat_id);
  });

  it('refuses dialogs the bot may not post into', async () => {
    const before = await historySize(bob, `chat${strangers}`);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${strangers}`, fields: { message: 'x' } }), E.denied, 'not a member');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: 'chat999999', fields: { message: 'x' } }), E.denied, 'no chat');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { fields: { message: 'x' } }), E.denied, 'no dialogId');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(bot.botId), fields: { message: 'x' } }), E.denied, 'itself');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: '999999', fields: { message: 'x' } }), E.denied, 'no user');
    assert.equal(await historySize(bob, `chat${strangers}`), before);
    // a private chat of two others, named by its id
    const pairMessage = await as(alice, 'im.message.add', { DIALOG_ID: String(bob.id), MESSAGE: 'just us' });
    const pair = (await v1Message(alice, bob.id, pairMessage))?.chat_id;
    assert.ok(pair > 0);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${pair}`, fields: { message: 'x' } }), E.denied, 'a private chat of others');
    assert.equal(await historySize(alice, bob.id), 1);
    // a deactivated user the bot never talked to: no chat is opened
    const dave = await addPerson(p, 'Dave');
    await p.server.core.store.db.updateTable('users').set({ active: 0 }).where('id', '=', dave.id).execute();
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(dave.id), fields: { message: 'x' } }), E.denied, 'inactive user');
    // canPost: only the owner may post now
    const db = p.server.core.store.db;
    await db.updateTable('chats').set({ can_post: 'OWNER' }).where('id', '=', group).execute();
    try {
      assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'x' } }), E.denied, 'canPost');
    } finally {
      await db.updateTable('chats').set({ can_post: 'MEMBER' }).where('id', '=', group).execute();
    }
  });

  it('needs text, an attachment or forwards (EMPTY_MESSAGE)', async () => {
    const before = await historySize(alice, `chat${group}`);
    for (const fields of [undefined, {}, { message: '   ' }, { message: '' }, { keyboard: [BUTTON] }, { attach: [] }, { forwardIds: {} }]) {
      assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields }), E.empty, JSON.stringify(fields));
    }
    assert.equal(await historySize(alice, `chat${group}`), before);
  });

  it('stores keyboards given in the short, full and JSON-string forms', async () => {
    const expected = [{ BOT_ID: bot.botId, TYPE: 'BUTTON', LINK: 'https://example.com', TEXT: 'Open', VOTE: 'N', BLOCK: 'N', WAIT: 'N', CONTEXT: 'ALL', DISABLED: 'N', DISPLAY: 'BLOCK', BG_COLOR_TOKEN: 'primary' }];
    const forms = [[BUTTON], { BOT_ID: 12345, BUTTONS: [BUTTON] }, JSON.stringify([BUTTON]), JSON.stringify({ BUTTONS: [BUTTON] })];
    for (const keyboard of forms) {
      const id = await send(bot, `chat${group}`, { message: 'Choose', keyboard });
      const v2 = await get(id);
      assert.deepEqual(v2.params.KEYBOARD, (await v1Message(alice, `chat${group}`, id))?.params.KEYBOARD, 'v1 and v2 agree');
      // key order aside, the stored keyboard is the normalised one (BOT_ID is always the sender)
      assert.equal(v2.params.KEYBOARD.length, 1);
      assert.deepEqual(Object.fromEntries(Object.entries(v2.params.KEYBOARD[0]).sort()), Object.fromEntries(Object.entries(expected[0]).sort()), JSON.stringify(keyboard));
    }
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'x', keyboard: [{ TEXT: 'no action' }] } }), E.keyboardError);
  });

  it('stores attachments given in the full and short forms, also without text', async () => {
    for (const attach of [ATTACH_BLOCKS, { COLOR_TOKEN: 'alert', BLOCKS: ATTACH_BLOCKS }, JSON.stringify(ATTACH_BLOCKS)]) {
      const id = await send(bot, `chat${group}`, { attach });
      const m = await get(id);
      assert.equal(m.text, '');
      assert.equal(m.params.ATTACH.length, 1);
      const [stored] = m.params.ATTACH;
      assert.deepEqual(stored.BLOCKS, ATTACH_BLOCKS);
      assert.equal(stored.COLOR_TOKEN, typeof attach === 'object' && !Array.isArray(attach) ? 'alert' : 'base');
      assert.deepEqual((await v1Message(bob, `chat${group}`, id))?.params.ATTACH, m.params.ATTACH);
    }
  });

  it('rejects malformed and oversized attachments, posting nothing', async () => {
    const before = await historySize(alice, `chat${group}`);
    const attachCall = (attach: unknown) => call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'with attach', attach } });
    assertV2Error(await attachCall({ BLOCKS: [{ UNKNOWN: 1 }] }), E.attachError, 'unknown block');
    assertV2Error(await attachCall('{not json'), E.attachError, 'bad JSON');
    assertV2Error(await attachCall([{ MESSAGE: 'y'.repeat(60_000) }]), E.attachOversize, '60 000 characters');
    assert.equal(await historySize(alice, `chat${group}`), before);
  });

  it('cuts text over 20 000 characters and appends " (...)"', async () => {
    const id = await send(bot, `chat${group}`, { message: 'a'.repeat(25_000) });
    const m = await get(id);
    assert.equal(m.text, `${'a'.repeat(20_000)} (...)`);
    assert.equal((await v1Message(alice, `chat${group}`, id))?.text, m.text);
    const emoji = await get(await send(bot, `chat${group}`, { message: '😀'.repeat(20_001) }));
    assert.equal(emoji.text, `${'😀'.repeat(20_000)} (...)`, 'characters, not UTF-16 units, and no emoji cut in half');
  });

  it('reads urlPreview, system and the connector flags as booleans', async () => {
    for (const [value, preview] of [[false, 'N'], ['N', 'N'], ['0', 'N'], [true, undefined], ['Y', undefined], [1, undefined], ['true', undefined]] as const) {
      const id = await send(bot, `chat${group}`, { message: 'https://example.com', urlPreview: value, skipConnector: 'Y', silentConnector: true });
      assert.equal((await get(id)).params.URL_PREVIEW, preview, `urlPreview ${String(value)}`);
    }
    for (const system of [true, 'Y', 1, 'true']) {
      const id = await send(bot, `chat${group}`, { message: 'Bot joined', system });
      const m = await get(id);
      assert.deepEqual([m.authorId, m.isSystem], [0, true], `system ${String(system)}`);
      assert.equal((await v1Message(alice, `chat${group}`, id))?.author_id, 0);
    }
    const plain = await send(bot, `chat${group}`, { message: 'not system', system: 'N' });
    assert.deepEqual([(await get(plain)).authorId, (await get(plain)).isSystem], [bot.botId, false]);
  });

  it('replies to a message of the same chat', async () => {
    const question = await say(alice, group, 'What time is it?');
    const id = await send(bot, `chat${group}`, { message: 'Noon', replyId: question });
    assert.equal((await get(id)).params.REPLY_ID, question);
    assert.equal((await v1Message(alice, `chat${group}`, id))?.params.REPLY_ID, question);
    const elsewhere = await say(bob, strangers, 'elsewhere');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'x', replyId: elsewhere } }), E.notFound, 'other chat');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'x', replyId: 999_999 } }), E.notFound, 'missing');
  });

  it('deduplicates by templateId', async () => {
    const before = await historySize(alice, `chat${group}`);
    const first = await send(bot, `chat${group}`, { message: 'once', templateId: UUID_A });
    const second = await send(bot, `chat${group}`, { message: 'once', templateId: UUID_A });
    assert.equal(second, first);
    assert.equal((await get(first)).uuid, UUID_A);
    assert.equal((await v1Message(alice, `chat${group}`, first))?.uuid, UUID_A);
    assert.equal(await historySize(alice, `chat${group}`), before + 1);
    // not a UUID: no deduplication key
    const x = await send(bot, `chat${group}`, { message: 'twice', templateId: 'not-a-uuid' });
    const y = await send(bot, `chat${group}`, { message: 'twice', templateId: 'not-a-uuid' });
    assert.notEqual(x, y);
    assert.equal((await get(x)).uuid, '');
  });

  it('forwards messages and maps their uuids', async () => {
    const original = await say(alice, group, 'Forward me');
    const second = await say(bob, group, 'Me too');
    const [UA, UB] = [uuid(11), uuid(12)];
    const res = await ok(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'Look at these', forwardIds: { [UA]: original, [UB]: second } } });
    assert.deepEqual(Object.keys(res.uuidMap), [UA, UB]);
    assert.ok(res.id > 0 && res.uuidMap[UA] > res.id && res.uuidMap[UB] > res.uuidMap[UA]);
    const copy = await get(res.uuidMap[UA]);
    const source = await get(original);
    assert.deepEqual(
      { text: copy.text, authorId: copy.authorId, uuid: copy.uuid, forward: copy.forward },
      { text: 'Forward me', authorId: bot.botId, uuid: UA, forward: { id: original, userId: alice.id, chatId: group, date: source.date } },
    );
    assert.equal((await v1Message(alice, `chat${group}`, res.uuidMap[UB]))?.text, 'Me too');
    // only forwards: id is null; a forward of a forward points at the first original
    const again = await ok(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { forwardIds: { [uuid(1)]: res.uuidMap[UA] } } });
    assert.equal(again.id, null);
    const chain = await get(again.uuidMap[uuid(1)]);
    assert.deepEqual([chain.text, chain.authorId, chain.forward], ['Forward me', bot.botId, copy.forward]);
    // a retried call maps the same uuids to the same messages
    const retried = await ok(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { forwardIds: { [uuid(1)]: res.uuidMap[UA] } } });
    assert.deepEqual(retried, again);
    // into a private chat, read through v1
    const dm = await ok(bot, 'imbot.v2.Chat.Message.send', { dialogId: String(carol.id), fields: { forwardIds: { [uuid(2)]: original } } });
    assert.equal((await v1Message(carol, bot.botId, dm.uuidMap[uuid(2)]))?.text, 'Forward me');
  });

  it('limits forwards: 100 at most, UUID keys, chats the bot is in', async () => {
    const original = await say(alice, group, 'source');
    const before = await historySize(alice, `chat${group}`);
    const forwardCall = (forwardIds: Obj) => call(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { message: 'fw', forwardIds } });
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [uuid(i + 100), original]));
    assertV2Error(await forwardCall(many), E.tooMany, '101');
    assertV2Error(await forwardCall({ 'not-a-uuid': original }), E.wrongUuid, 'key');
    const hidden = await say(bob, strangers, 'secret');
    assertV2Error(await forwardCall({ [uuid(7)]: hidden }), E.denied, 'foreign chat');
    assertV2Error(await forwardCall({ [uuid(8)]: 999_999 }), E.denied, 'missing');
    assert.equal(await historySize(alice, `chat${group}`), before);
    const hundred = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [uuid(i + 300), original]));
    const res = await ok(bot, 'imbot.v2.Chat.Message.send', { dialogId: `chat${group}`, fields: { forwardIds: hundred } });
    assert.equal(Object.keys(res.uuidMap).length, 100);
  });

  it('updates its own messages (text, attach, keyboard, urlPreview) and v1 sees it', async () => {
    const id = await send(bot, `chat${group}`, { message: 'draft', keyboard: [BUTTON] });
    const upd = (fields: Obj, b: Bot = bot, messageId = id) => call(b, 'imbot.v2.Chat.Message.update', { messageId, fields });
    const a = await upd({ message: 'final', attach: { BLOCKS: ATTACH_BLOCKS }, urlPreview: 'N' });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.result, { result: true });
    let m = await get(id);
    assert.equal(m.text, 'final');
    assert.deepEqual(m.params.ATTACH[0].BLOCKS, ATTACH_BLOCKS);
    assert.equal(m.params.URL_PREVIEW, 'N');
    assert.equal(m.params.KEYBOARD.length, 1);
    assert.equal((await v1Message(alice, `chat${group}`, id))?.text, 'final');
    // "N" removes the keyboard, an empty attach removes the attachment; UPPER_CASE aliases
    assert.equal((await v2call(p, 'imbot.v2.Chat.Message.update', { BOT_TOKEN: bot.botToken, BOT_ID: bot.botId, MESSAGE_ID: id, FIELDS: { KEYBOARD: 'N', ATTACH: '' } })).status, 200);
    m = await get(id);
    assert.deepEqual([m.params.KEYBOARD, m.params.ATTACH], [undefined, undefined]);
    assert.equal((await upd({ keyboard: JSON.stringify({ BUTTONS: [BUTTON] }) })).status, 200);
    assert.equal((await get(id)).params.KEYBOARD[0].TEXT, 'Open');
    // text again: urlPreview defaults back to Y; long text is cut as on send
    assert.equal((await upd({ message: 'b'.repeat(20_010) })).status, 200);
    m = await get(id);
    assert.equal(m.text, `${'b'.repeat(20_000)} (...)`);
    assert.equal(m.params.URL_PREVIEW, undefined);
    // refusals
    assertV2Error(await upd({ attach: { BLOCKS: [{ NOPE: 1 }] } }), E.attachError);
    assertV2Error(await upd({ attach: [{ MESSAGE: 'z'.repeat(60_000) }] }), E.attachOversize);
    const alices = await say(alice, group, 'mine');
    assertV2Error(await upd({ message: 'hijack' }, bot, alices), E.denied, "someone else's");
    assertV2Error(await upd({ message: 'x' }, bot, 999_999), E.denied, 'missing');
    assertV2Error(await upd({ message: 'x' }, sup), E.denied, "another bot's");
    const system = await send(bot, `chat${group}`, { message: 'sys', system: true });
    assertV2Error(await upd({ message: 'x' }, bot, system), E.denied, 'system');
    assert.equal((await v1Message(alice, `chat${group}`, alices))?.text, 'mine');
  });

  it('an update that empties the text deletes the message, as in v1', async () => {
    const id = await send(bot, `chat${group}`, { message: 'to be emptied' });
    assert.equal((await call(bot, 'imbot.v2.Chat.Message.update', { messageId: id, fields: { message: '' } })).status, 200);
    const v1 = await v1Message(alice, `chat${group}`, id);
    assert.deepEqual([v1?.text, v1?.params], ['', { IS_DELETED: 'Y' }]);
  });

  it('deletes: own messages softly or completely, any message as chat owner', async () => {
    const del = (b: Bot, messageId: number, complete?: unknown) => call(b, 'imbot.v2.Chat.Message.delete', { messageId, ...(complete === undefined ? {} : { complete }) });
    const soft = await send(bot, `chat${group}`, { message: 'soft' });
    const a = await del(bot, soft);
    assert.deepEqual([a.status, a.body.result], [200, { result: true }]);
    assert.deepEqual((await v1Message(alice, `chat${group}`, soft))?.params, { IS_DELETED: 'Y' });
    assertV2Error(await del(bot, soft), E.denied, 'a stub cannot be deleted twice');
    assert.equal((await del(bot, soft, 'Y')).status, 200, 'but removed completely');
    assert.equal(await v1Message(alice, `chat${group}`, soft), undefined);
    for (const complete of [true, 1, 'true']) {
      const id = await send(bot, `chat${group}`, { message: 'gone' });
      assert.equal((await del(bot, id, complete)).status, 200);
      assert.equal(await v1Message(alice, `chat${group}`, id), undefined, String(complete));
    }
    const alices = await say(alice, group, 'not yours');
    assertV2Error(await del(bot, alices), E.denied, 'member, not admin');
    assertV2Error(await del(bot, 999_999), E.denied, 'missing');
    const system = await send(bot, `chat${group}`, { message: 'sys', system: true });
    assertV2Error(await del(bot, system), E.denied, 'system message, not admin');
    // The bot's own chat (created through v1 with the same owner key): it is the owner there.
    const created = await callJson(p.adminHook, 'imbot.chat.add', { BOT_ID: bot.botId, CLIENT_ID: bot.botToken, TITLE: 'Bot room', USERS: [alice.id] });
    assert.equal(created.status, 200, created.text);
    const owned: number = created.body.result;
    const hers = await say(alice, owned, 'delete me, admin');
    const sys = await send(bot, `chat${owned}`, { message: 'system', system: true });
    assert.equal((await v2call(p, 'imbot.v2.Chat.Message.delete', { BOT_TOKEN: bot.botToken, BOT_ID: bot.botId, MESSAGE_ID: hers })).status, 200);
    assert.deepEqual((await v1Message(alice, `chat${owned}`, hers))?.params, { IS_DELETED: 'Y' });
    assert.equal((await del(bot, sys, true)).status, 200);
    assert.equal(await v1Message(alice, `chat${owned}`, sys), undefined);
  });

  it('reads the chat: cursor, counter and the messages viewed', async () => {
    const room: number = await as(alice, 'im.chat.add', { TITLE: 'Reading room', USERS: [bot.botId, sup.botId] });
    const m1 = await say(alice, room, 'one');
    const m2 = await say(alice, room, 'two');
    const m3 = await say(alice, room, 'three');
    const read = (params: Obj) => ok(bot, 'imbot.v2.Chat.Message.read', { dialogId: `chat${room}`, ...params });
    assert.deepEqual(await read({ messageId: m2 }), { chatId: room, lastId: m2, counter: 1, viewedMessages: [m1, m2] });
    assert.deepEqual(await read({ messageId: m1 }), { chatId: room, lastId: m2, counter: 1, viewedMessages: [] }, 'never moves back');
    assert.deepEqual(await read({}), { chatId: room, lastId: m3, counter: 0, viewedMessages: [m3] });
    assert.deepEqual(await read({}), { chatId: room, lastId: m3, counter: 0, viewedMessages: [] });
    // viewedByOthers / unread / viewed as the supervisor sees them
    let m = await get(m3);
    assert.deepEqual([m.viewedByOthers, m.unread, m.viewed], [true, true, false], 'read by the bot, not yet by sup');
    await ok(sup, 'imbot.v2.Chat.Message.read', { DIALOG_ID: `chat${room}`, MESSAGE_ID: m3 });
    m = await get(m3);
    assert.deepEqual([m.unread, m.viewed], [false, true]);
    const mine = await send(bot, `chat${room}`, { message: 'reply' });
    assert.equal((await get(mine)).viewedByOthers, false);
    await as(alice, 'im.dialog.read', { DIALOG_ID: `chat${room}` });
    assert.equal((await get(mine)).viewedByOthers, true, 'alice read it through v1');
    // errors
    const elsewhere = await say(bob, strangers, 'x');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.read', { dialogId: `chat${room}`, messageId: elsewhere }), E.notFound, 'other chat');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.read', { dialogId: `chat${room}`, messageId: 999_999 }), E.notFound, 'missing');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.read', { dialogId: `chat${strangers}` }), E.denied, 'not a member');
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.read', { dialogId: 'chat999999' }), E.denied, 'no chat');
  });

  it('gets a message with its author (supervisor and personal bots only)', async () => {
    const id = await say(alice, group, 'Hello! How are you?');
    for (const reader of [sup, pers]) {
      const res = await ok(reader, 'imbot.v2.Chat.Message.get', { messageId: id });
      assert.deepEqual(Object.keys(res), ['message', 'user']);
      assert.equal(res.message.text, 'Hello! How are you?');
      assert.deepEqual([res.user.id, res.user.name, res.user.bot, res.user.type, res.user.active], [alice.id, 'Alice', false, 'employee', true]);
    }
    const system = await send(bot, `chat${group}`, { message: 'sys', system: true });
    assert.equal((await ok(sup, 'imbot.v2.Chat.Message.get', { MESSAGE_ID: system })).user, null);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.get', { messageId: id }), E.typeNotAllowed, 'type bot');
    assertV2Error(await call(sup, 'imbot.v2.Chat.Message.get', { messageId: 999_999 }), E.notFound);
    assertV2Error(await call(sup, 'imbot.v2.Chat.Message.get', {}), E.notFound, 'no messageId');
    const hidden = await say(bob, strangers, 'hidden');
    assertV2Error(await call(sup, 'imbot.v2.Chat.Message.get', { messageId: hidden }), E.messageDenied);
  });

  it('gets the context of a message, paged and clamped', async () => {
    const room: number = await as(alice, 'im.chat.add', { TITLE: 'History', USERS: [bob.id, sup.botId] });
    const ids: number[] = [];
    for (let i = 1; i <= 7; i++) ids.push(await say(i % 2 ? alice : bob, room, `m${i}`));
    const ctx = (params: Obj, b: Bot = sup) => ok(b, 'imbot.v2.Chat.Message.getContext', params);
    const texts = (res: Obj) => res.messages.map((m: Obj) => m.text);
    let res = await ctx({ messageId: ids[3], range: 2 });
    assert.deepEqual(Object.keys(res), ['messages', 'users', 'hasPrevPage', 'hasNextPage']);
    assert.deepEqual(texts(res), ['m2', 'm3', 'm4', 'm5', 'm6']);
    assert.deepEqual([res.hasPrevPage, res.hasNextPage], [true, true]);
    assert.deepEqual(res.users.map((u: Obj) => u.id), [bob.id, alice.id]);
    // next page from the last id, previous page from the first
    res = await ctx({ messageId: ids[5], range: 2 });
    assert.deepEqual([texts(res), res.hasPrevPage, res.hasNextPage], [['m4', 'm5', 'm6', 'm7'], true, false]);
    res = await ctx({ messageId: ids[1], RANGE: '2' });
    assert.deepEqual([texts(res), res.hasPrevPage, res.hasNextPage], [['m1', 'm2', 'm3', 'm4'], false, true]);
    // clamps: below 1 → 1, above 50 → 50, default 50
    res = await ctx({ messageId: ids[3], range: 0 });
    assert.deepEqual(texts(res), ['m3', 'm4', 'm5']);
    res = await ctx({ messageId: ids[3], range: -5 });
    assert.deepEqual(texts(res), ['m3', 'm4', 'm5']);
    for (const range of [100, undefined]) {
      res = await ctx({ messageId: ids[3], range });
      assert.deepEqual([texts(res).length, res.hasPrevPage, res.hasNextPage], [7, false, false], String(range));
    }
    res = await ctx({ messageId: ids[3], range: 1 }, sup);
    assert.deepEqual(res.messages.map((m: Obj) => m.id), ids.slice(2, 5));
    // errors
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.getContext', { messageId: ids[3] }), E.typeNotAllowed);
    assertV2Error(await call(sup, 'imbot.v2.Chat.Message.getContext', { messageId: 999_999 }), E.notFound);
    assertV2Error(await call(pers, 'imbot.v2.Chat.Message.getContext', { messageId: ids[3] }), E.messageDenied, 'personal bot not in the chat');
  });

  it('adds and removes reactions with the 48 codes', async () => {
    const id = await say(alice, group, 'React to me');
    const react = (action: 'add' | 'delete', reaction: unknown, b: Bot = bot, messageId = id) => call(b, `imbot.v2.Chat.Message.Reaction.${action}`, { messageId, reaction });
    assert.equal(REACTIONS.length, 48);
    for (const code of REACTIONS) {
      const a = await react('add', code);
      assert.deepEqual([a.status, a.body.result], [200, { result: true }], code);
    }
    assertV2Error(await react('add', 'fire'), E.reactionSet);
    for (const code of REACTIONS) assert.equal((await react('delete', code)).status, 200, code);
    assertV2Error(await react('delete', 'fire'), E.reactionNotFound, 'not set');
    for (const bad of ['Fire', 'FIRE', 'face_with_tears_of_joy', 'thumbsUp', '', undefined]) assertV2Error(await react('add', bad), E.reactionNotFound, String(bad));
    assertV2Error(await react('delete', 'nope'), E.reactionNotFound);
    // aliases
    assert.equal((await v2call(p, 'imbot.v2.Chat.Message.Reaction.add', { BOT_TOKEN: bot.botToken, BOT_ID: bot.botId, MESSAGE_ID: id, REACTION: 'eyes' })).status, 200);
    // access: the message's chat must be the bot's; the message must exist
    const hidden = await say(bob, strangers, 'no bots here');
    assertV2Error(await react('add', 'fire', bot, hidden), E.denied, 'not a member');
    assertV2Error(await react('delete', 'fire', bot, hidden), E.denied, 'not a member (delete)');
    assertV2Error(await react('add', 'fire', bot, 999_999), E.denied, 'missing');
    assertV2Error(await react('add', 'nope', bot, 999_999), E.denied, 'access is checked before the code');
  });

  it('the like reaction is the v1 like', async () => {
    const id = await say(alice, group, 'Like me');
    assert.equal((await call(bot, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'like' })).status, 200);
    assert.deepEqual((await v1Message(alice, `chat${group}`, id))?.params.LIKE, [bot.botId]);
    // v1 sees it as set: plus changes nothing
    const v1 = await callJson(p.adminHook, 'imbot.message.like', { BOT_ID: bot.botId, CLIENT_ID: bot.botToken, MESSAGE_ID: id, ACTION: 'plus' });
    assert.deepEqual([v1.status, v1.body.error], [400, 'WITHOUT_CHANGES']);
    // a v1 unlike removes the reaction: v2 then has nothing to delete
    assert.equal((await callJson(p.adminHook, 'imbot.message.like', { BOT_ID: bot.botId, CLIENT_ID: bot.botToken, MESSAGE_ID: id, ACTION: 'minus' })).status, 200);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.Reaction.delete', { messageId: id, reaction: 'like' }), E.reactionNotFound);
    // a person's like stays theirs
    await as(alice, 'im.message.like', { MESSAGE_ID: id, ACTION: 'plus' });
    assert.equal((await call(bot, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'like' })).status, 200);
    assert.deepEqual((await v1Message(alice, `chat${group}`, id))?.params.LIKE, [alice.id, bot.botId]);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'like' }), E.reactionSet);
    // deleting the message drops every reaction
    await call(bot, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'fire' });
    await as(alice, 'im.message.delete', { MESSAGE_ID: id });
    const rows = await p.server.core.store.db.selectFrom('message_reactions').selectAll().where('message_id', '=', id).execute();
    assert.deepEqual(rows, []);
    assertV2Error(await call(bot, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'fire' }), E.denied, 'deleted message');
  });

  it("reactions on a v2 bot's message reach it as ONIMBOTV2REACTIONCHANGE, v1 likes included", async () => {
    const listener = await registerV2Bot(p, { code: 'msg_listener' });
    await as(alice, 'im.chat.user.add', { CHAT_ID: group, USERS: [listener.botId] });
    const id = await send(listener, `chat${group}`, { message: 'React to the bot' });
    await as(alice, 'im.message.like', { MESSAGE_ID: id, ACTION: 'plus' });
    await ok(sup, 'imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'fire' });
    await ok(sup, 'imbot.v2.Chat.Message.Reaction.delete', { messageId: id, reaction: 'fire' });
    const page = await ok(listener, 'imbot.v2.Event.get', {});
    const changes = page.events
      .filter((e: Obj) => e.type === 'ONIMBOTV2REACTIONCHANGE')
      .map((e: Obj) => [e.data.reaction, e.data.action, e.data.user.id, e.data.message.id]);
    assert.deepEqual(changes, [
      ['like', 'add', alice.id, id],
      ['fire', 'add', sup.botId, id],
      ['fire', 'delete', sup.botId, id],
    ]);
  });

  it('works for a bot owned by an OAuth application', async () => {
    const { auth } = await installScriptApp(p, r, '/install');
    const reg = await restWithAuth(p, 'imbot.v2.Bot.register', auth.access_token, { 'fields[code]': 'oauth_msg_bot', 'fields[properties][name]': 'OAuth bot' });
    assert.equal(reg.status, 200, reg.text);
    const botId = reg.body.result.bot.id;
    const sent = await restWithAuth(p, 'imbot.v2.Chat.Message.send', auth.access_token, {
      botId: String(botId),
      dialogId: String(alice.id),
      'fields[message]': 'Hi from an app',
      'fields[urlPreview]': 'N',
      'fields[keyboard][0][TEXT]': 'Open',
      'fields[keyboard][0][LINK]': 'https://example.com',
    });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(Object.keys(sent.body.result), ['id', 'uuidMap']);
    const v1 = await v1Message(alice, botId, sent.body.result.id);
    assert.equal(v1?.text, 'Hi from an app');
    assert.deepEqual([v1?.params.URL_PREVIEW, v1?.params.KEYBOARD?.[0]?.TEXT], ['N', 'Open']);
    const reacted = await restWithAuth(p, 'imbot.v2.Chat.Message.Reaction.add', auth.access_token, { botId: String(botId), messageId: String(sent.body.result.id), reaction: 'fire' });
    assert.deepEqual([reacted.status, reacted.body.result], [200, { result: true }]);
    // a webhook caller with some botToken does not own it
    assertV2Error(await v2call(p, 'imbot.v2.Chat.Message.send', { botToken: 'x', botId, dialogId: String(alice.id), fields: { message: 'x' } }), E.ownership);
  });
});
