import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, request, startPortal, type TestPortal, assertError, assertResult, type Person, type Expected, addPerson } from './helpers/server.js';

// The people's side (chats API reference): im.message.add/update/delete/like, im.dialog.read,
// im.dialog.writing, im.recent.get/list, im.counters.get, im.user.get, im.user.list.get, user.get.

type Params = Record<string, unknown>;

const E = {
  messageEmpty: [400, 'MESSAGE_EMPTY', "Message can't be empty"] as Expected,
  wrongType: [400, 'MESSAGE_EMPTY', 'Wrong message type'] as Expected,
  params: [400, 'PARAMS_ERROR', 'Incorrect params'] as Expected,
  userIdEmpty: [400, 'USER_ID_EMPTY', "User ID can't be empty"] as Expected,
  userNotFound: [400, 'USER_NOT_FOUND', 'User not found'] as Expected,
  chatIdEmpty: [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"] as Expected,
  actionUnavailable: [403, 'ACCESS_ERROR', 'Action unavailable'] as Expected,
  attachError: [400, 'ATTACH_ERROR', 'Incorrect attach params'] as Expected,
  keyboardError: [400, 'KEYBOARD_ERROR', 'Incorrect keyboard params'] as Expected,
  menuError: [400, 'MENU_ERROR', 'Incorrect menu params'] as Expected,
  replyAccess: [403, 'REPLY_ACCESS_ERROR', 'Action unavailable'] as Expected,
  replyOtherChat: [403, 'REPLY_FROM_OTHER_CHAT_ERROR', 'You can only reply to a message within the same chat'] as Expected,
  messageIdEmpty: [400, 'MESSAGE_ID_ERROR', "Message ID can't be empty"] as Expected,
  cantEdit: [403, 'CANT_EDIT_MESSAGE', "Time has expired for modification or you don't have access"] as Expected,
  withoutChanges: [400, 'WITHOUT_CHANGES', 'Action completed without changes'] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  noWritingAccess: [403, 'ACCESS_ERROR', "You don't have access to this dialog"] as Expected,
  idEmpty: [400, 'ID_EMPTY', "User ID can't be empty"] as Expected,
  userNotExists: [400, 'USER_NOT_EXISTS', 'User is not exists'] as Expected,
  invalidFormat: [400, 'INVALID_FORMAT', 'A wrong format for the ID field is passed'] as Expected,
};

describe('the people\'s side', () => {
  let p: TestPortal;
  let bot: number;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let group: number; // alice (owner), bob, the bot
  let strangers: number; // carol and bob

  const person = (name: string, more: Params = {}) => addPerson(p, name, more);

  const call = (who: Person, method: string, params: Params = {}) => callJson(who.hook, method, params);
  const ok = async (who: Person, method: string, params: Params = {}) => assertResult(await call(who, method, params), method);
  const says = (who: Person, DIALOG_ID: string | number, MESSAGE: string, more: Params = {}): Promise<number> =>
    ok(who, 'im.message.add', { DIALOG_ID: String(DIALOG_ID), MESSAGE, ...more });
  async function seen(who: Person, dialogId: string | number, id: number): Promise<any> {
    const h = await ok(who, 'im.dialog.messages.get', { DIALOG_ID: String(dialogId), LIMIT: 50 });
    return h.messages.find((m: any) => m.id === id);
  }
  const botSays = async (DIALOG_ID: string | number, MESSAGE: string): Promise<number> =>
    assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'ppl', DIALOG_ID: String(DIALOG_ID), MESSAGE }), MESSAGE);
  const advanceClock = (ms: number) =>
    request(`${p.http}/__control/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ advance_ms: ms }),
    });

  before(async () => {
    p = await startPortal();
    const reg = { CODE: 'pplbot', CLIENT_ID: 'ppl', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'Helper' } };
    bot = assertResult(await callJson(p.adminHook, 'imbot.register', reg), 'register');
    alice = await person('Alice', { lastName: 'Anders', email: 'alice@example.com', workPosition: 'Boss' });
    bob = await person('Bob', { lastName: 'Brown' });
    carol = await person('Carol', { lastName: 'Clark' });
    group = await ok(alice, 'im.chat.add', { USERS: [bob.id, bot], TITLE: 'Team' });
    strangers = await ok(carol, 'im.chat.add', { USERS: [bob.id] });
  });
  after(() => p.stop());

  describe('im.message.add', () => {
    it('accepts an attachment without text, keyboards, menus, SYSTEM and URL_PREVIEW', async () => {
      const attachOnly = await ok(alice, 'im.message.add', { DIALOG_ID: String(bob.id), ATTACH: [{ MESSAGE: 'card' }] });
      const m = await seen(bob, alice.id, attachOnly);
      assert.equal(m.text, '');
      assert.deepEqual(m.params.ATTACH[0].BLOCKS, [{ MESSAGE: 'card' }]);
      const emptyText = await says(alice, bob.id, '  ', { ATTACH: JSON.stringify([{ MESSAGE: 'also' }]) });
      assert.equal((await seen(bob, alice.id, emptyText)).params.ATTACH[0].BLOCKS[0].MESSAGE, 'also');

      const rich = await says(alice, `chat${group}`, 'pick', {
        BOT_ID: bot,
        KEYBOARD: [{ TEXT: 'Go', COMMAND: 'go' }, { TEXT: 'Copy', ACTION: 'COPY', ACTION_VALUE: 'x' }],
        MENU: { ITEMS: [{ TEXT: 'Put', ACTION: 'PUT', ACTION_VALUE: '/go' }] },
        URL_PREVIEW: 'N',
        SYSTEM: 'Y',
      });
      const r = await seen(bob, `chat${group}`, rich);
      assert.deepEqual(r.params.KEYBOARD.map((b: any) => [b.BOT_ID, b.COMMAND ?? b.ACTION, b.TEXT]), [[bot, 'go', 'Go'], [bot, 'COPY', 'Copy']]);
      assert.deepEqual(r.params.MENU, [{ BOT_ID: bot, ACTION: 'PUT', ACTION_VALUE: '/go', TEXT: 'Put', CONTEXT: 'ALL', DISABLED: 'N' }]);
      assert.equal(r.params.URL_PREVIEW, 'N');
    });

    it('drops COMMAND buttons without a BOT_ID (KEYBOARD_ERROR when nothing is left)', async () => {
      assertError(await call(alice, 'im.message.add', { DIALOG_ID: String(bob.id), MESSAGE: 'x', KEYBOARD: [{ TEXT: 'Go', COMMAND: 'go' }] }), E.keyboardError);
    });

    it('takes USER_ID or CHAT_ID instead of DIALOG_ID', async () => {
      const toBob = await ok(alice, 'im.message.add', { USER_ID: bob.id, MESSAGE: 'by USER_ID' });
      assert.equal((await seen(bob, alice.id, toBob)).text, 'by USER_ID');
      const toGroup = await ok(alice, 'im.message.add', { CHAT_ID: group, MESSAGE: 'by CHAT_ID' });
      assert.equal((await seen(bob, `chat${group}`, toGroup)).text, 'by CHAT_ID');
    });

    it('replies with REPLY_ID within the same chat only', async () => {
      const original = await says(bob, `chat${group}`, 'question');
      const reply = await says(alice, `chat${group}`, 'answer', { REPLY_ID: original });
      assert.equal((await seen(bob, `chat${group}`, reply)).params.REPLY_ID, original);
      const inDialog = await says(bob, alice.id, 'private');
      const hidden = await says(carol, `chat${strangers}`, 'hidden from alice');
      const cases: [Params, Expected][] = [
        [{ REPLY_ID: inDialog }, E.replyOtherChat],
        [{ REPLY_ID: hidden }, E.replyAccess],
        [{ REPLY_ID: 999999 }, E.replyAccess],
        [{ REPLY_ID: hidden, MENU: [{ TEXT: '' }] }, E.menuError],
      ];
      for (const [more, expected] of cases) {
        assertError(await call(alice, 'im.message.add', { DIALOG_ID: `chat${group}`, MESSAGE: 'r', ...more }), expected, JSON.stringify(more));
      }
    });

    it('rejects every error row in order', async () => {
      const cases: [Params, Expected][] = [
        [{ DIALOG_ID: 'bad' }, E.messageEmpty],
        [{ DIALOG_ID: 'bad', MESSAGE: ' ', ATTACH: '' }, E.messageEmpty],
        [{ DIALOG_ID: 'bad', MESSAGE: 5 }, E.wrongType],
        [{ DIALOG_ID: 'bad', MESSAGE: ['x'] }, E.wrongType],
        [{ MESSAGE: 'x' }, E.params],
        [{ ATTACH: [{ MESSAGE: 'a' }] }, E.params],
        [{ DIALOG_ID: 'bad', MESSAGE: 'x' }, E.userIdEmpty],
        [{ USER_ID: 0, MESSAGE: 'x' }, E.userIdEmpty],
        [{ DIALOG_ID: '999999', MESSAGE: 'x', ATTACH: { BLOCKS: [] } }, E.userNotFound],
        [{ DIALOG_ID: 'sg1', MESSAGE: 'x' }, E.chatIdEmpty],
        [{ CHAT_ID: 'abc', MESSAGE: 'x' }, E.chatIdEmpty],
        [{ DIALOG_ID: `chat${strangers}`, MESSAGE: 'x', ATTACH: { BLOCKS: [] } }, E.actionUnavailable],
        [{ DIALOG_ID: String(bob.id), MESSAGE: 'x', ATTACH: { BLOCKS: [{ X: 1 }] } }, E.attachError],
        [{ DIALOG_ID: String(bob.id), ATTACH: 'nonsense' }, E.attachError],
        [{ DIALOG_ID: String(bob.id), MESSAGE: 'x', KEYBOARD: [{ TEXT: 'x' }], MENU: [{ TEXT: '' }] }, E.keyboardError],
        [{ DIALOG_ID: String(bob.id), MESSAGE: 'x', MENU: [{ TEXT: 'x' }] }, E.menuError],
      ];
      for (const [params, expected] of cases) assertError(await call(alice, 'im.message.add', params), expected, JSON.stringify(params));
    });
  });

  describe('im.message.update, im.message.delete, im.message.like', () => {
    it('edits the author\'s own message, marking it edited; MESSAGE="" deletes it', async () => {
      const id = await says(alice, bob.id, 'draft');
      assert.equal(await ok(alice, 'im.message.update', { MESSAGE_ID: id, MESSAGE: 'final', KEYBOARD: [{ TEXT: 'Ok', LINK: '/ok' }] }), true);
      const m = await seen(bob, alice.id, id);
      assert.equal(m.text, 'final');
      assert.equal(m.params.IS_EDITED, 'Y');
      assert.equal(m.params.KEYBOARD[0].LINK, '/ok');
      assert.equal(await ok(alice, 'im.message.update', { ID: id, KEYBOARD: 'N' }), true, 'ID works as MESSAGE_ID');
      assert.equal((await seen(bob, alice.id, id)).params.KEYBOARD, undefined);
      assert.equal(await ok(alice, 'im.message.update', { MESSAGE_ID: id, MESSAGE: '' }), true);
      assert.deepEqual((await seen(bob, alice.id, id)).params, { IS_DELETED: 'Y' });
    });

    it('rejects update errors in order', async () => {
      const bobs = await says(bob, alice.id, 'bob wrote this');
      const mine = await says(alice, bob.id, 'mine');
      const cases: [Params, Expected][] = [
        [{ MESSAGE: 'x' }, E.messageIdEmpty],
        [{ MESSAGE_ID: 'x', MESSAGE: 'x' }, E.messageIdEmpty],
        [{ MESSAGE_ID: bobs, ATTACH: 'bad' }, E.cantEdit],
        [{ MESSAGE_ID: 999999, MESSAGE: 'x' }, E.cantEdit],
        [{ MESSAGE_ID: mine, ATTACH: 'bad' }, E.attachError],
        [{ MESSAGE_ID: mine, MENU: [{ TEXT: 'x' }] }, E.menuError],
      ];
      for (const [params, expected] of cases) assertError(await call(alice, 'im.message.update', params), expected, JSON.stringify(params));
      assert.equal(await ok(alice, 'im.message.update', { MESSAGE_ID: bobs }), true, 'nothing to change is true');
    });

    it('deletes own messages; a group owner may delete anyone\'s; members may not', async () => {
      const bobs = await says(bob, `chat${group}`, 'by bob');
      const alices = await says(alice, `chat${group}`, 'by alice');
      const cases: [Params, Expected][] = [
        [{}, E.messageIdEmpty],
        [{ MESSAGE_ID: 0 }, E.messageIdEmpty],
        [{ MESSAGE_ID: alices }, E.cantEdit],
        [{ MESSAGE_ID: 999999 }, E.cantEdit],
      ];
      for (const [params, expected] of cases) assertError(await call(bob, 'im.message.delete', params), expected, JSON.stringify(params));
      assert.equal(await ok(bob, 'im.message.delete', { MESSAGE_ID: bobs }), true);
      assertError(await call(bob, 'im.message.delete', { MESSAGE_ID: bobs }), E.cantEdit, 'already deleted');
      const again = await says(bob, `chat${group}`, 'by bob again');
      assert.equal(await ok(alice, 'im.message.delete', { ID: again }), true, 'the owner deletes a member\'s message');
      assert.deepEqual((await seen(alice, `chat${group}`, again)).text, '');
    });

    it('likes as the caller and rejects what changes nothing', async () => {
      const id = await says(bob, `chat${group}`, 'likeable');
      assert.equal(await ok(alice, 'im.message.like', { MESSAGE_ID: id }), true);
      assert.equal(await ok(bob, 'im.message.like', { ID: id, ACTION: 'plus' }), true);
      assert.deepEqual((await seen(alice, `chat${group}`, id)).params.LIKE, [alice.id, bob.id]);
      assert.equal(await ok(alice, 'im.message.like', { MESSAGE_ID: id }), true, 'auto toggles off');
      assert.deepEqual((await seen(alice, `chat${group}`, id)).params.LIKE, [bob.id]);
      const hidden = await says(carol, `chat${strangers}`, 'carol only');
      const cases: [Params, Expected][] = [
        [{ ACTION: 'plus' }, E.messageIdEmpty],
        [{ MESSAGE_ID: id, ACTION: 'minus' }, E.withoutChanges],
        [{ MESSAGE_ID: hidden }, E.withoutChanges],
        [{ MESSAGE_ID: 999999 }, E.withoutChanges],
      ];
      for (const [params, expected] of cases) assertError(await call(alice, 'im.message.like', params), expected, JSON.stringify(params));
    });
  });

  describe('read state, counters and the recent list', () => {
    let dave: Person;
    let erin: Person;
    let chat: number;

    before(async () => {
      dave = await person('Dave');
      erin = await person('Erin');
      chat = await ok(erin, 'im.chat.add', { USERS: [dave.id], TITLE: 'Erin & Dave', COLOR: 'MINT' });
    });

    const counters = (who: Person) => ok(who, 'im.counters.get');

    it('counts unread messages per dialog and chat; im.dialog.read moves the read mark', async () => {
      assert.deepEqual(await counters(dave), {
        TYPE: { ALL: 0, NOTIFY: 0, CHAT: 0, LINES: 0, DIALOG: 0, MESSENGER: 0 },
        CHAT: [], CHAT_MUTED: [], CHAT_UNREAD: [], LINES: [], DIALOG: [], DIALOG_UNREAD: [],
      });
      const ids = [await says(erin, dave.id, 'one'), await says(erin, dave.id, 'two'), await says(erin, dave.id, 'three')];
      await says(erin, `chat${chat}`, 'in the chat');
      await botSays(dave.id, 'from the bot');
      const c = await counters(dave);
      assert.deepEqual(c.TYPE, { ALL: 5, NOTIFY: 0, CHAT: 1, LINES: 0, DIALOG: 4, MESSENGER: 5 });
      assert.deepEqual(c.CHAT, { [chat]: 1 });
      assert.deepEqual(c.DIALOG, { [erin.id]: 3, [bot]: 1 });

      const read = await ok(dave, 'im.dialog.read', { DIALOG_ID: String(erin.id), MESSAGE_ID: ids[1] });
      const h = await ok(dave, 'im.dialog.messages.get', { DIALOG_ID: String(erin.id) });
      assert.deepEqual(read, { dialogId: String(erin.id), chatId: h.chat_id, lastId: ids[1], counter: 1 });
      assert.deepEqual(h.messages.map((m: any) => [m.text, m.unread]), [['three', true], ['two', false], ['one', false]]);
      assert.deepEqual((await ok(dave, 'im.dialog.read', { DIALOG_ID: String(erin.id), MESSAGE_ID: ids[0] })).lastId, ids[1], 'never moves back');
      assert.deepEqual(await ok(dave, 'im.dialog.read', { DIALOG_ID: `chat${chat}` }), { dialogId: `chat${chat}`, chatId: chat, lastId: (await ok(dave, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}`, LIMIT: 1 })).messages[0].id, counter: 0 });
      assert.deepEqual((await counters(dave)).TYPE, { ALL: 2, NOTIFY: 0, CHAT: 0, LINES: 0, DIALOG: 2, MESSENGER: 2 });

      await says(dave, erin.id, 'writing reads the dialog');
      assert.deepEqual((await counters(dave)).DIALOG, { [bot]: 1 });
    });

    it('keeps muted chats apart', async () => {
      await p.server.core.store.db.updateTable('chat_members').set({ muted: 1 }).where('chat_id', '=', chat).where('user_id', '=', dave.id).execute();
      await says(erin, `chat${chat}`, 'muted news');
      const c = await counters(dave);
      assert.deepEqual([c.CHAT, c.CHAT_MUTED, c.TYPE.CHAT], [[], { [chat]: 1 }, 0]);
      await p.server.core.store.db.updateTable('chat_members').set({ muted: 0 }).where('chat_id', '=', chat).where('user_id', '=', dave.id).execute();
    });

    it('im.dialog.read: DIALOG_ID_EMPTY, and false for dialogs without access', async () => {
      assertError(await call(dave, 'im.dialog.read', {}), E.dialogEmpty);
      assertError(await call(dave, 'im.dialog.read', { DIALOG_ID: 'x1' }), E.dialogEmpty);
      assert.equal(await ok(dave, 'im.dialog.read', { DIALOG_ID: `chat${strangers}` }), false);
      assert.equal(await ok(dave, 'im.dialog.read', { DIALOG_ID: String(carol.id) }), false, 'no conversation yet');
    });

    it('im.recent.get lists dialogs and chats, newest activity first, with counters', async () => {
      await advanceClock(2_000);
      const last = await says(erin, dave.id, 'latest [b]bold[/b][BR]line');
      const items = await ok(dave, 'im.recent.get');
      assert.deepEqual(items.map((i: any) => i.id), [erin.id, `chat${chat}`, bot]);
      const [dialog, group] = items;
      assert.deepEqual(
        { ...dialog, date_update: 0, date_last_activity: 0, message: { ...dialog.message, date: 0 }, user: dialog.user.id },
        {
          id: erin.id, chat_id: dialog.chat_id, type: 'user', avatar: { url: '', color: dialog.user.color ?? dialog.avatar.color }, title: 'Erin',
          message: { id: last, text: 'latest bold line', file: false, author_id: erin.id, attach: false, sticker: null, date: 0, status: 'received', uuid: null },
          counter: 1, last_id: dialog.last_id, pinned: false, unread: false, has_reminder: false, date_update: 0, date_last_activity: 0,
          user: erin.id, options: [],
        },
      );
      assert.equal(dialog.avatar.color, dialog.user.color);
      assert.equal(group.type, 'chat');
      assert.equal(group.title, 'Erin & Dave');
      assert.deepEqual([group.counter, group.user, group.chat.id, group.chat.name, group.chat.color, group.chat.owner, group.chat.role, group.chat.user_counter, group.chat.manager_list],
        [1, { id: 0 }, chat, 'Erin & Dave', '#4ba984', erin.id, 'MEMBER', 2, [erin.id]]);
      assert.deepEqual((await ok(dave, 'im.recent.get', { SKIP_DIALOG: 'Y' })).map((i: any) => i.id), [`chat${chat}`]);
      assert.deepEqual((await ok(dave, 'im.recent.get', { SKIP_CHAT: 'Y' })).map((i: any) => i.id), [erin.id, bot]);
    });

    it('im.recent.list pages with OFFSET/LIMIT, total -1 and next', async () => {
      const page = async (params: Params) => {
        const a = await call(dave, 'im.recent.list', params);
        assert.equal(a.status, 200, a.text);
        return { ids: a.body.result.items.map((i: any) => i.id), hasMore: a.body.result.hasMore, next: a.body.next, total: a.body.total };
      };
      assert.deepEqual(await page({}), { ids: [erin.id, `chat${chat}`, bot], hasMore: false, next: undefined, total: -1 });
      assert.deepEqual(await page({ LIMIT: 2 }), { ids: [erin.id, `chat${chat}`], hasMore: true, next: 2, total: -1 });
      assert.deepEqual(await page({ LIMIT: 2, OFFSET: 2 }), { ids: [bot], hasMore: false, next: undefined, total: -1 });
      assert.deepEqual((await page({ UNREAD_ONLY: 'Y' })).ids, [erin.id, `chat${chat}`, bot]);
      await ok(dave, 'im.dialog.read', { DIALOG_ID: String(bot) });
      assert.deepEqual((await page({ UNREAD_ONLY: 'Y' })).ids, [erin.id, `chat${chat}`]);
      const full = (await call(dave, 'im.recent.list', {})).body.result;
      assert.deepEqual(Object.keys(full).sort(), ['copilot', 'hasMore', 'hasMorePages', 'items', 'messagesAutoDeleteConfigs']);
      assert.deepEqual(full.items[0].chat, { text_field_enabled: true, background_id: null, mute_list: [] });
    });

    it('im.dialog.writing answers true for dialogs the caller may write to', async () => {
      assert.equal(await ok(dave, 'im.dialog.writing', { DIALOG_ID: String(carol.id) }), true);
      assert.equal(await ok(dave, 'im.dialog.writing', { CHAT_ID: chat }), true);
      const cases: [Params, Expected][] = [
        [{ DIALOG_ID: 'nope' }, E.dialogEmpty],
        [{ CHAT_ID: 0 }, E.chatIdEmpty],
        [{}, E.noWritingAccess],
        [{ DIALOG_ID: `chat${strangers}` }, E.noWritingAccess],
        [{ DIALOG_ID: '999999' }, E.noWritingAccess],
      ];
      for (const [params, expected] of cases) assertError(await call(dave, 'im.dialog.writing', params), expected, JSON.stringify(params));
    });
  });

  describe('im.user.get and im.user.list.get', () => {
    it('returns the caller or the given user as a messenger card', async () => {
      const me = await ok(alice, 'im.user.get');
      assert.deepEqual([me.id, me.name, me.first_name, me.last_name, me.work_position, me.bot, me.type], [alice.id, 'Alice Anders', 'Alice', 'Anders', 'Boss', false, 'user']);
      const b = await ok(alice, 'im.user.get', { ID: String(bot) });
      assert.deepEqual([b.id, b.bot, b.type], [bot, true, 'bot']);
      for (const [ID, expected] of [[0, E.idEmpty], ['abc', E.idEmpty], [999999, E.userNotExists]] as const) {
        assertError(await call(alice, 'im.user.get', { ID }), expected, String(ID));
      }
    });

    it('lists users keyed by id, or as an array with RESULT_TYPE=array', async () => {
      const keyed = await ok(alice, 'im.user.list.get', { ID: [bob.id, 999999, carol.id, bob.id] });
      assert.deepEqual(Object.keys(keyed).map(Number).sort((a, b) => a - b), [bob.id, carol.id, 999999].sort((a, b) => a - b));
      assert.deepEqual([keyed[bob.id].name, keyed[carol.id].name, keyed[999999]], ['Bob Brown', 'Carol Clark', null]);
      const list = await ok(alice, 'im.user.list.get', { ID: JSON.stringify([carol.id, bob.id]), RESULT_TYPE: 'ARRAY' });
      assert.deepEqual(list.map((u: any) => u.id), [carol.id, bob.id]);
      for (const ID of [undefined, [], [0, -1], 'nope', '[]']) {
        assertError(await call(alice, 'im.user.list.get', { ID }), E.invalidFormat, JSON.stringify(ID));
      }
    });
  });

  describe('user.get', () => {
    let everyone: number[]; // people's ids, ascending

    before(async () => {
      for (let i = 0; i < 52; i++) await person(`Zed${String(i).padStart(2, '0')}`, { lastName: i % 2 ? 'Odd' : 'Even', email: `z${i}@corp.test` });
      const db = p.server.core.store.db;
      const rows = await db.selectFrom('users').select('id').where('external_auth_id', '!=', 'bot').orderBy('id').execute();
      everyone = rows.map((r) => r.id);
      assert.ok(everyone.length > 50 && !everyone.includes(bot));
    });

    const get = async (params: Params = {}) => {
      const a = await call(alice, 'user.get', params);
      assert.equal(a.status, 200, a.text);
      return { ids: a.body.result.map((u: any) => Number(u.ID)), next: a.body.next, total: a.body.total, result: a.body.result };
    };

    it('pages 50 at a time with next/total; start=-1 skips the count; bots are never listed', async () => {
      const first = await get();
      assert.deepEqual([first.ids, first.next, first.total], [everyone.slice(0, 50), 50, everyone.length]);
      const second = await get({ start: 50 });
      assert.deepEqual([second.ids, second.next, second.total], [everyone.slice(50), undefined, everyone.length]);
      const rounded = await get({ start: 73 });
      assert.deepEqual([rounded.ids, rounded.next, rounded.total], [second.ids, undefined, everyone.length], 'start inside a page reads that page');
      const inFirst = await get({ start: 49 });
      assert.deepEqual([inFirst.ids, inFirst.next], [first.ids, 50]);
      const fast = await get({ start: -1 });
      assert.deepEqual([fast.ids, fast.next, fast.total], [everyone.slice(0, 50), undefined, 0]);
      const u = first.result.find((x: any) => Number(x.ID) === alice.id);
      assert.deepEqual([u.ID, u.NAME, u.LAST_NAME, u.EMAIL, u.ACTIVE, u.USER_TYPE, u.UF_DEPARTMENT], [String(alice.id), 'Alice', 'Anders', 'alice@example.com', true, 'employee', [1]]);
    });

    it('filters by top-level fields with operators, sorts, and lets FILTER replace everything', async () => {
      assert.deepEqual((await get({ NAME: 'bob' })).ids, [bob.id], 'case-insensitive equality');
      assert.deepEqual((await get({ '%NAME': 'zed0', LAST_NAME: 'Odd' })).ids.length, 5);
      assert.deepEqual((await get({ '>=ID': bob.id, '<=ID': carol.id })).ids, everyone.filter((id) => id >= bob.id && id <= carol.id));
      assert.deepEqual((await get({ '@ID': [carol.id, alice.id, bot] })).ids, [alice.id, carol.id]);
      assert.deepEqual((await get({ '=%EMAIL': 'ali%@example.com' })).ids, [alice.id]);
      const zeds = everyone.slice(-52);
      assert.deepEqual((await get({ '!%NAME': 'zed', '!ID': 1 })).ids, everyone.filter((id) => id !== 1 && !zeds.includes(id)));
      assert.deepEqual((await get({ NAME_SEARCH: 'carol clark' })).ids, [carol.id]);
      assert.deepEqual((await get({ UF_DEPARTMENT: 1, '%NAME': 'ali' })).ids, [alice.id]);
      const filtered = await get({ NAME: 'Alice', FILTER: { LAST_NAME: 'Brown' } });
      assert.deepEqual(filtered.ids, [bob.id], 'top-level NAME ignored when FILTER is present');
      const sorted = await get({ '%NAME': 'zed', sort: 'NAME', order: 'DESC' });
      assert.deepEqual(sorted.result.slice(0, 3).map((u: any) => u.NAME), ['Zed51', 'Zed50', 'Zed49']);
      assert.deepEqual([sorted.total, sorted.next], [52, 50]);
    });

    it('answers a bare [] without total when nothing matches', async () => {
      const a = await call(alice, 'user.get', { NAME: 'nobody' });
      assert.equal(a.status, 200);
      assert.deepEqual(a.body.result, []);
      assert.equal('total' in a.body, false);
      assert.deepEqual((await get({ ID: bot })).ids, [], 'bots are not users here');
    });
  });

  // Moves the portal clock forward, so it runs last.
  describe('the 3-day edit window for people', () => {
    it('refuses edits after 259 200 s but still allows deleting', async () => {
      const id = await says(alice, bob.id, 'old news');
      await advanceClock(259_200_000);
      assertError(await call(alice, 'im.message.update', { MESSAGE_ID: id, MESSAGE: 'new news' }), E.cantEdit);
      assert.equal(await ok(alice, 'im.message.delete', { MESSAGE_ID: id }), true);
    });
  });
});
