import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, startPortal, type TestPortal, assertError, assertResult, type Person, type Expected, addPerson } from './helpers/server.js';

// The small messenger: imbot.message.add (api-reference/chat-bots/outdated/messages/imbot-message-add.md), im.message.add,
// im.dialog.messages.get, im.chat.add and im.chat.user.list (chats API reference).

type Params = Record<string, unknown>;

const E = {
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  messageEmpty: [400, 'MESSAGE_EMPTY', "Message can't be empty"] as Expected,
  notAdded: [400, 'WRONG_REQUEST', "Message isn't added"] as Expected,
  userIdEmpty: [400, 'USER_ID_EMPTY', "User ID can't be empty"] as Expected,
  userNotFound: [400, 'USER_NOT_FOUND', 'User not found'] as Expected,
  actionUnavailable: [403, 'ACCESS_ERROR', 'Action unavailable'] as Expected,
  noDialogAccess: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
  firstIdString: [400, 'FIRST_ID_STRING', "First ID can't be string"] as Expected,
  lastIdString: [400, 'LAST_ID_STRING', "Last ID can't be string"] as Expected,
  chatIdEmpty: [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"] as Expected,
};

describe('messenger', () => {
  let p: TestPortal;
  let bot: number;
  let bot2: number;
  let foreign: number;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let strangerChat: number;

  /** A person with their own webhook, made the way the CLI makes them. */
  const person = (name: string) => addPerson(p, name);

  async function register(code: string, clientId: string, properties: Params): Promise<number> {
    const params = { CODE: code, CLIENT_ID: clientId, EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: properties };
    return assertResult(await callJson(p.adminHook, 'imbot.register', params), `register ${code}`);
  }

  /** imbot.message.add as the "msg" app (auto-filled bot unless BOT_ID is given). */
  const botSay = (params: Params) => callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'msg', ...params });
  const botSays = async (DIALOG_ID: string | number, MESSAGE: string, more: Params = {}): Promise<number> =>
    assertResult(await botSay({ DIALOG_ID: String(DIALOG_ID), MESSAGE, ...more }), MESSAGE);
  const say = (who: Person, params: Params) => callJson(who.hook, 'im.message.add', params);
  const says = async (who: Person, DIALOG_ID: string | number, MESSAGE: string): Promise<number> =>
    assertResult(await say(who, { DIALOG_ID: String(DIALOG_ID), MESSAGE }), MESSAGE);
  const historyRaw = (who: Person | string, params: Params) =>
    callJson(typeof who === 'string' ? who : who.hook, 'im.dialog.messages.get', params);
  const history = async (who: Person | string, DIALOG_ID: string | number, more: Params = {}): Promise<any> =>
    assertResult(await historyRaw(who, { DIALOG_ID: String(DIALOG_ID), ...more }), `history ${DIALOG_ID}`);
  const texts = async (who: Person | string, dialogId: string | number, more: Params = {}): Promise<string[]> =>
    (await history(who, dialogId, more)).messages.map((m: any) => m.text);
  const newChat = async (who: Person, USERS: unknown, more: Params = {}): Promise<number> =>
    assertResult(await callJson(who.hook, 'im.chat.add', { USERS, ...more }), 'im.chat.add');

  before(async () => {
    p = await startPortal();
    bot = await register('msgbot', 'msg', { NAME: 'Msg', LAST_NAME: 'Bot' });
    bot2 = await register('msgbot2', 'msg', { NAME: 'Second' });
    foreign = await register('foreignbot', 'other', { NAME: 'Foreign' });
    alice = await person('Alice');
    bob = await person('Bob');
    carol = await person('Carol');
    strangerChat = await newChat(bob, [carol.id]);
  });
  after(() => p.stop());

  describe('imbot.message.add', () => {
    const rejected = (label: string, params: Params, expected: Expected) => ({ label, params, expected });
    const cases = () => [
      rejected('no CLIENT_ID', { CLIENT_ID: undefined, DIALOG_ID: '1', MESSAGE: 'x' }, E.noClient),
      rejected('ACCESS_DENIED before everything else', { CLIENT_ID: undefined, BOT_ID: 999999 }, E.noClient),
      rejected('an app without bots (BOT_ID auto-fill)', { CLIENT_ID: 'nobots', DIALOG_ID: '1', MESSAGE: 'x' }, E.noBot),
      rejected('BOT_ID 0 is present, so it must exist', { BOT_ID: 0, DIALOG_ID: '1', MESSAGE: 'x' }, E.noBot),
      rejected('unknown BOT_ID', { BOT_ID: 999999, DIALOG_ID: '1', MESSAGE: 'x' }, E.noBot),
      rejected('a person\'s id as BOT_ID', { BOT_ID: 1, DIALOG_ID: '1', MESSAGE: 'x' }, E.noBot),
      rejected('another app\'s bot', { BOT_ID: foreign, DIALOG_ID: '1', MESSAGE: 'x' }, E.otherApp),
      rejected('APP_ID_ERROR before DIALOG_ID_EMPTY', { BOT_ID: foreign }, E.otherApp),
      ...[undefined, '', 'abc', 'chat', 'user5', '-1', 'chat1x'].map((DIALOG_ID) =>
        rejected(`DIALOG_ID ${JSON.stringify(DIALOG_ID)}`, { DIALOG_ID, MESSAGE: 'x' }, E.dialogEmpty),
      ),
      rejected('DIALOG_ID_EMPTY before MESSAGE_EMPTY', {}, E.dialogEmpty),
      ...[undefined, '', '   \n\t ', 42, ['x']].map((MESSAGE) =>
        rejected(`MESSAGE ${JSON.stringify(MESSAGE)}`, { DIALOG_ID: '1', MESSAGE }, E.messageEmpty),
      ),
      rejected('MESSAGE_EMPTY before the target check', { DIALOG_ID: '999999', MESSAGE: ' ' }, E.messageEmpty),
      rejected('a user that does not exist', { DIALOG_ID: '999999', MESSAGE: 'x' }, E.notAdded),
      rejected('the bot itself', { DIALOG_ID: String(bot), MESSAGE: 'x' }, E.notAdded),
      rejected('a group chat the bot is not in', { DIALOG_ID: `chat${strangerChat}`, MESSAGE: 'x' }, E.notAdded),
      rejected('a chat that does not exist', { DIALOG_ID: 'chat999999', MESSAGE: 'x' }, E.notAdded),
      rejected('a workgroup chat (none exist)', { DIALOG_ID: 'sg1', MESSAGE: 'x' }, E.notAdded),
    ];
    it('rejects every error row in order', async () => {
      for (const c of cases()) assertError(await botSay(c.params), c.expected, c.label);
      assert.deepEqual(await texts(bob, `chat${strangerChat}`), [], 'nothing reached the foreign chat');
    });

    it('creates the private chat on first contact and reuses it', async () => {
      assert.deepEqual((await history(alice, bot)).messages, [], 'no dialog yet');
      const first = await botSays(alice.id, 'hello Alice');
      const second = await botSays(alice.id, 'again');
      assert.ok(Number.isInteger(first) && second > first);
      const h = await history(alice, bot);
      assert.deepEqual(h.messages.map((m: any) => [m.id, m.chat_id, m.author_id, m.text]), [
        [second, h.chat_id, bot, 'again'],
        [first, h.chat_id, bot, 'hello Alice'],
      ]);
      assert.ok(h.chat_id > 0);
    });

    it('auto-fills BOT_ID with the app\'s first bot', async () => {
      await botSays(bob.id, 'from the first bot');
      await botSays(bob.id, 'from the second bot', { BOT_ID: bot2 });
      assert.deepEqual((await history(bob, bot)).messages.map((m: any) => [m.author_id, m.text]), [[bot, 'from the first bot']]);
      assert.deepEqual((await history(bob, bot2)).messages.map((m: any) => [m.author_id, m.text]), [[bot2, 'from the second bot']]);
    });

    it('turns [BR], [br] and #BR# into newlines and trims', async () => {
      await botSays(carol.id, '  one[BR]two[br]three#BR#four  ');
      assert.deepEqual(await texts(carol, bot, { LIMIT: 1 }), ['one\ntwo\nthree\nfour']);
    });

    it('cuts texts over 20 006 characters to 20 000 + " (...)"', async () => {
      const atLimit = 'a'.repeat(20_006);
      await botSays(carol.id, atLimit);
      assert.deepEqual(await texts(carol, bot, { LIMIT: 1 }), [atLimit]);
      await botSays(carol.id, 'b'.repeat(20_007));
      assert.deepEqual(await texts(carol, bot, { LIMIT: 1 }), ['b'.repeat(20_000) + ' (...)']);
    });

    it('counts characters as PHP does: an emoji is one, and a cut never splits one', async () => {
      const emoji = '😀'.repeat(20_006); // 40 012 UTF-16 units, 20 006 characters: kept whole
      await botSays(carol.id, emoji);
      assert.deepEqual(await texts(carol, bot, { LIMIT: 1 }), [emoji]);
      await botSays(carol.id, 'x' + '😀'.repeat(20_006));
      assert.deepEqual(await texts(carol, bot, { LIMIT: 1 }), ['x' + '😀'.repeat(19_999) + ' (...)']);
    });

    it('SYSTEM=Y prefixes "<bot name>:" in group chats only', async () => {
      const chat = await newChat(alice, [bot]);
      await botSays(`chat${chat}`, 'system note', { SYSTEM: 'Y' });
      await botSays(`chat${chat}`, 'lower-case y is not Y', { SYSTEM: 'y' });
      await botSays(alice.id, 'private system', { SYSTEM: 'Y' });
      assert.deepEqual(await texts(alice, `chat${chat}`), ['lower-case y is not Y', 'Msg Bot:\nsystem note']);
      assert.deepEqual(await texts(alice, bot, { LIMIT: 1 }), ['private system']);
    });
  });

  describe('im.message.add', () => {
    it('lets a person write to a bot and to another person', async () => {
      const toBot = await says(alice, bot, 'hi bot');
      assert.ok(Number.isInteger(toBot));
      const h = await history(alice, bot, { LIMIT: 1 });
      assert.deepEqual(h.messages.map((m: any) => [m.id, m.author_id, m.text]), [[toBot, alice.id, 'hi bot']]);

      const toBob = await says(alice, bob.id, 'hi[BR]Bob');
      const bobView = (await history(bob, alice.id)).messages;
      const aliceView = (await history(alice, bob.id)).messages;
      assert.deepEqual(bobView.map((m: any) => [m.id, m.author_id, m.text, m.unread]), [[toBob, alice.id, 'hi\nBob', true]]);
      assert.deepEqual(aliceView.map((m: any) => [m.id, m.unread]), [[toBob, false]]);
    });

    it('posts into a group chat the author belongs to', async () => {
      const id = await says(bob, `chat${strangerChat}`, 'group hello');
      assert.deepEqual((await history(carol, `chat${strangerChat}`)).messages.map((m: any) => [m.id, m.author_id]), [[id, bob.id]]);
    });

    it('rejects bad targets and empty texts', async () => {
      const cases: [Params, Expected][] = [
        [{ MESSAGE: 'x' }, [400, 'PARAMS_ERROR', 'Incorrect params']], // no DIALOG_ID/USER_ID/CHAT_ID at all
        [{ DIALOG_ID: '', MESSAGE: 'x' }, E.userIdEmpty],
        [{ DIALOG_ID: '0', MESSAGE: 'x' }, E.userIdEmpty],
        [{ DIALOG_ID: 'abc', MESSAGE: 'x' }, E.userIdEmpty],
        [{ DIALOG_ID: '999999', MESSAGE: 'x' }, E.userNotFound],
        [{ DIALOG_ID: String(bob.id) }, E.messageEmpty],
        [{ DIALOG_ID: String(bob.id), MESSAGE: '' }, E.messageEmpty],
        [{ DIALOG_ID: String(bob.id), MESSAGE: '  \n ' }, E.messageEmpty],
        [{ DIALOG_ID: `chat${strangerChat}`, MESSAGE: 'x' }, E.actionUnavailable],
        [{ DIALOG_ID: 'chat999999', MESSAGE: 'x' }, E.actionUnavailable],
      ];
      for (const [params, expected] of cases) assertError(await say(alice, params), expected, JSON.stringify(params));
      assert.equal((await history(bob, `chat${strangerChat}`)).messages.length, 1, 'only the group hello');
    });
  });

  describe('im.dialog.messages.get', () => {
    let dave: Person;
    let ids: number[]; // oldest first

    before(async () => {
      dave = await person('Dave');
      ids = [];
      for (let i = 1; i <= 60; i++) ids.push(await says(dave, carol.id, `m${i}`));
    });

    const page = async (more: Params) => (await history(carol, dave.id, more)).messages.map((m: any) => m.id);
    const newestFirst = (from: number, to: number) => ids.slice(from, to).reverse();

    it('returns the newest 20 by default, newest first, LIMIT capped at 50', async () => {
      assert.deepEqual(await page({}), newestFirst(40, 60));
      assert.deepEqual(await page({ LIMIT: 5 }), newestFirst(55, 60));
      assert.deepEqual(await page({ LIMIT: '7' }), newestFirst(53, 60));
      assert.deepEqual(await page({ LIMIT: 100 }), newestFirst(10, 60));
      assert.deepEqual(await page({ LIMIT: 0 }), newestFirst(40, 60));
    });

    it('LAST_ID pages to older messages, FIRST_ID to newer ones', async () => {
      assert.deepEqual(await page({ LAST_ID: ids[30], LIMIT: 5 }), newestFirst(25, 30));
      assert.deepEqual(await page({ LAST_ID: ids[2] }), newestFirst(0, 2));
      assert.deepEqual(await page({ FIRST_ID: ids[30], LIMIT: 5 }), newestFirst(31, 36));
      assert.deepEqual(await page({ FIRST_ID: String(ids[57]) }), newestFirst(58, 60));
      assert.deepEqual(await page({ FIRST_ID: ids[59] }), []);
    });

    it('has the documented shape', async () => {
      const result = await history(carol, dave.id, { LIMIT: 2 });
      assert.deepEqual(Object.keys(result).sort(), ['chat_id', 'files', 'messages', 'users']);
      assert.ok(Number.isInteger(result.chat_id) && result.chat_id > 0);
      assert.deepEqual(result.files, []);
      const [m] = result.messages;
      assert.deepEqual(Object.keys(m).sort(), ['author_id', 'chat_id', 'date', 'disappearing_date', 'id', 'params', 'replaces', 'text', 'unread', 'uuid']);
      assert.deepEqual(
        { ...m, date: typeof m.date },
        { id: ids[59], chat_id: result.chat_id, author_id: dave.id, date: 'string', text: 'm60', unread: true, uuid: null, replaces: [], params: [], disappearing_date: null },
      );
      assert.ok(!Number.isNaN(Date.parse(m.date)), m.date);
      assert.ok(result.users.some((u: any) => u.id === dave.id && u.name === 'Dave' && u.bot === false));
      assert.equal((await history(dave, carol.id, { LIMIT: 1 })).messages[0].unread, false, 'own messages are never unread');
    });

    it('rejects bad ids and dialogs the caller cannot see', async () => {
      const cases: [Params, Expected][] = [
        [{}, E.dialogEmpty],
        [{ DIALOG_ID: '' }, E.dialogEmpty],
        [{ DIALOG_ID: 'nope' }, E.dialogEmpty],
        [{ DIALOG_ID: String(dave.id), FIRST_ID: 'abc' }, E.firstIdString],
        [{ DIALOG_ID: String(dave.id), LAST_ID: '12x' }, E.lastIdString],
        [{ DIALOG_ID: `chat${strangerChat}` }, E.noDialogAccess],
        [{ DIALOG_ID: 'chat999999' }, E.noDialogAccess],
        [{ DIALOG_ID: '999999' }, E.noDialogAccess],
      ];
      for (const [params, expected] of cases) assertError(await historyRaw(alice, params), expected, JSON.stringify(params));
    });
  });

  describe('im.chat.add and im.chat.user.list', () => {
    const members = async (who: Person | string, CHAT_ID: unknown): Promise<number[]> =>
      [...assertResult(await callJson(typeof who === 'string' ? who : who.hook, 'im.chat.user.list', { CHAT_ID }))].sort((a, b) => a - b);
    const sorted = (...xs: number[]) => xs.sort((a, b) => a - b);

    it('creates a chat with its author and the given users, bots included', async () => {
      const chat = await newChat(alice, [bob.id, bot, 0, '']);
      assert.deepEqual(await members(alice, chat), sorted(alice.id, bob.id, bot));
      assert.deepEqual(await members(bob, String(chat)), sorted(alice.id, bob.id, bot));
      const fromJson = await newChat(carol, JSON.stringify([alice.id]));
      assert.deepEqual(await members(carol, fromJson), sorted(alice.id, carol.id));
      // the bot is a member, so it may post there
      await botSays(`chat${chat}`, 'bot in new chat');
      assert.deepEqual(await texts(bob, `chat${chat}`), ['bot in new chat']);
    });

    it('rejects missing chat ids; chats the caller is not in list no one', async () => {
      for (const CHAT_ID of [undefined, 0, 'abc', -3]) {
        assertError(await callJson(alice.hook, 'im.chat.user.list', { CHAT_ID }), E.chatIdEmpty, `CHAT_ID ${CHAT_ID}`);
      }
      // chats/chat-users/im-chat-user-list.md: an empty array when the caller may not see the members
      assert.deepEqual(await members(alice, strangerChat), []);
      assert.deepEqual(await members(alice, 999999), []);
    });
  });
});
