import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, request, startPortal, type TestPortal, assertError, assertResult, type Person, type Expected, addPerson } from './helpers/server.js';

// The bot's message methods of api-reference/chat-bots/outdated/messages/: imbot.message.add (rich content, FROM/TO mode),
// imbot.message.update/delete/like, imbot.chat.sendTyping and its imbot.sendTyping alias.

type Params = Record<string, unknown>;

const E = {
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  messageEmpty: [400, 'MESSAGE_EMPTY', "Message can't be empty"] as Expected,
  notAdded: [400, 'WRONG_REQUEST', "Message isn't added"] as Expected,
  attachOversize: [400, 'ATTACH_OVERSIZE', 'You have exceeded the maximum allowable size of attach'] as Expected,
  attachError: [400, 'ATTACH_ERROR', 'Incorrect attach params'] as Expected,
  keyboardError: [400, 'KEYBOARD_ERROR', 'Incorrect keyboard params'] as Expected,
  keyboardOversize: [400, 'KEYBOARD_OVERSIZE', 'You have exceeded the maximum allowable size of keyboard'] as Expected,
  menuError: [400, 'MENU_ERROR', 'Incorrect menu params'] as Expected,
  menuOversize: [400, 'MENU_OVERSIZE', 'You have exceeded the maximum allowable size of menu'] as Expected,
  messageIdEmpty: [400, 'MESSAGE_ID_ERROR', "Message ID can't be empty"] as Expected,
  cantEdit: [403, 'CANT_EDIT_MESSAGE', "Time has expired for modification or you don't have access"] as Expected,
  withoutChanges: [400, 'WITHOUT_CHANGES', 'Action completed without changes'] as Expected,
};

const THREE_DAYS_MS = 259_200_000;

// Rich inputs: valid ones, ones with no valid entry, and ones whose normalised JSON is ≥ 60 000 chars.
const GOOD_KEYBOARD = [{ TEXT: 'Yes', COMMAND: '/answer', COMMAND_PARAMS: 'yes' }];
const BAD_KEYBOARD = [{ TEXT: 'no action at all' }];
const BIG_KEYBOARD = Array.from({ length: 400 }, (_, i) => ({ TEXT: `button ${i} ${'x'.repeat(100)}`, COMMAND: 'c' }));
const GOOD_MENU = [{ TEXT: 'Help', COMMAND: 'help' }];
const BAD_MENU = { ITEMS: [{ TEXT: '' , LINK: 'https://example.com' }] };
const BIG_MENU = Array.from({ length: 400 }, (_, i) => ({ TEXT: `item ${i} ${'x'.repeat(150)}`, COMMAND: 'c' }));
const GOOD_ATTACH = [{ MESSAGE: 'attached' }];
const BAD_ATTACH = { BLOCKS: [{ UNKNOWN: 1 }] };
const BIG_ATTACH = [{ MESSAGE: 'y'.repeat(60_000) }];

describe('imbot messages (v1)', () => {
  let p: TestPortal;
  let bot: number;
  let bot2: number;
  let foreign: number;
  let alice: Person;
  let bob: Person;
  let group: number; // alice's chat with the bot
  let strangers: number; // bob's chat without the bot

  const person = (name: string) => addPerson(p, name);

  async function register(code: string, clientId: string, name: string): Promise<number> {
    const params = { CODE: code, CLIENT_ID: clientId, EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: name } };
    return assertResult(await callJson(p.adminHook, 'imbot.register', params), `register ${code}`);
  }

  /** An imbot.* call as the "v1" app. */
  const asApp = (method: string, params: Params) => callJson(p.adminHook, method, { CLIENT_ID: 'v1', ...params });
  const botSays = async (DIALOG_ID: string | number, MESSAGE: string, more: Params = {}): Promise<number> =>
    assertResult(await asApp('imbot.message.add', { DIALOG_ID: String(DIALOG_ID), MESSAGE, ...more }), MESSAGE);
  const says = async (who: Person, DIALOG_ID: string | number, MESSAGE: string): Promise<number> =>
    assertResult(await callJson(who.hook, 'im.message.add', { DIALOG_ID: String(DIALOG_ID), MESSAGE }), MESSAGE);
  /** A message as `who` sees it in im.dialog.messages.get (undefined when it is gone). */
  async function seen(who: Person, dialogId: string | number, id: number): Promise<any> {
    const h = assertResult(await callJson(who.hook, 'im.dialog.messages.get', { DIALOG_ID: String(dialogId), LIMIT: 50 }), 'history');
    return h.messages.find((m: any) => m.id === id);
  }
  const advanceClock = (ms: number) =>
    request(`${p.http}/__control/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ advance_ms: ms }),
    });

  before(async () => {
    p = await startPortal();
    bot = await register('v1bot', 'v1', 'Vee');
    bot2 = await register('v1bot2', 'v1', 'Second');
    foreign = await register('v1foreign', 'other', 'Foreign');
    alice = await person('Alice');
    bob = await person('Bob');
    group = assertResult(await callJson(alice.hook, 'im.chat.add', { USERS: [bot, bob.id] }), 'group');
    strangers = assertResult(await callJson(bob.hook, 'im.chat.add', { USERS: [alice.id] }), 'strangers');
  });
  after(() => p.stop());

  describe('imbot.message.add: rich content', () => {
    it('stores KEYBOARD, MENU and ATTACH normalised and returns them in im.dialog.messages.get', async () => {
      const before = Math.floor(p.server.clock.now() / 1000);
      const keyboard = JSON.stringify({
        BOT_ID: 999, // always replaced by the sending bot
        BUTTONS: [
          { TEXT: ' Yes ', COMMAND: '/answer', COMMAND_PARAMS: 'yes', BLOCK: 'Y' },
          { TYPE: 'NEWLINE' },
          { TEXT: 'dropped: no action' },
          { TEXT: 'Site', LINK: 'https://example.com/?a=1&b=2', BG_COLOR: '#abc', WIDTH: '120' },
        ],
      });
      const id = await botSays(alice.id, 'rich', {
        KEYBOARD: keyboard,
        MENU: { ITEMS: [{ TEXT: 'Open <b>', LINK: '/x' }, ...GOOD_MENU] },
        ATTACH: JSON.stringify({ ID: 7, COLOR_TOKEN: 'alert', BLOCKS: [{ MESSAGE: 'line#BR#two' }, { UNKNOWN: 1 }] }),
        URL_PREVIEW: 'N',
        SKIP_CONNECTOR: 'y',
      });
      const m = await seen(alice, bot, id);
      const base = { BOT_ID: bot, TYPE: 'BUTTON', VOTE: 'N', WAIT: 'N', CONTEXT: 'ALL', DISABLED: 'N', DISPLAY: 'BLOCK', BG_COLOR_TOKEN: 'base' };
      assert.deepEqual(m.params.KEYBOARD, [
        { ...base, COMMAND: 'answer', COMMAND_PARAMS: 'yes', TEXT: 'Yes', BLOCK: 'Y' },
        { TYPE: 'NEWLINE' },
        { ...base, LINK: 'https://example.com/?a=1&amp;b=2', TEXT: 'Site', BLOCK: 'N', WIDTH: 120, BG_COLOR: '#abc' },
      ]);
      assert.deepEqual(m.params.MENU, [
        { BOT_ID: bot, LINK: '/x', TEXT: 'Open &lt;b&gt;', CONTEXT: 'ALL', DISABLED: 'N' },
        { BOT_ID: bot, COMMAND: 'help', COMMAND_PARAMS: '', TEXT: 'Help', CONTEXT: 'ALL', DISABLED: 'N' },
      ]);
      assert.equal(m.params.ATTACH.length, 1);
      const [attach] = m.params.ATTACH;
      assert.ok(attach.ID >= before && attach.ID <= Math.floor(p.server.clock.now() / 1000), 'ID is the portal time, not the client\'s');
      assert.deepEqual({ ...attach, ID: 0 }, { ID: 0, BLOCKS: [{ MESSAGE: 'line[BR]two' }], DESCRIPTION: '', COLOR_TOKEN: 'alert' });
      assert.equal(m.params.URL_PREVIEW, 'N');
      assert.equal(m.text, 'rich');
    });

    it('takes arrays as well as JSON strings, and ignores empty rich params', async () => {
      const id = await botSays(alice.id, 'arrays', { KEYBOARD: GOOD_KEYBOARD, MENU: '', ATTACH: '' });
      const m = await seen(alice, bot, id);
      assert.deepEqual(Object.keys(m.params), ['KEYBOARD']);
      assert.equal(m.params.KEYBOARD[0].COMMAND, 'answer');
      const plain = await botSays(alice.id, 'plain');
      assert.deepEqual((await seen(alice, bot, plain)).params, [], 'no params serialise as []');
    });

    it('rejects rich content in the order ATTACH_OVERSIZE, ATTACH_ERROR, KEYBOARD_*, MENU_*, before the target check', async () => {
      const cases: [Params, Expected][] = [
        [{ ATTACH: BIG_ATTACH, KEYBOARD: BAD_KEYBOARD, MENU: BAD_MENU }, E.attachOversize],
        [{ ATTACH: BAD_ATTACH, KEYBOARD: BAD_KEYBOARD, MENU: BAD_MENU }, E.attachError],
        [{ ATTACH: '{not json', KEYBOARD: BAD_KEYBOARD }, E.attachError],
        [{ ATTACH: GOOD_ATTACH, KEYBOARD: BAD_KEYBOARD, MENU: BAD_MENU }, E.keyboardError],
        [{ KEYBOARD: 'N' }, E.keyboardError],
        [{ KEYBOARD: BIG_KEYBOARD, MENU: BAD_MENU }, E.keyboardOversize],
        [{ KEYBOARD: GOOD_KEYBOARD, MENU: BAD_MENU }, E.menuError],
        [{ MENU: [{ TEXT: 'js', FUNCTION: 'alert(1)' }] }, E.menuError],
        [{ MENU: BIG_MENU }, E.menuOversize],
      ];
      for (const [rich, expected] of cases) {
        const label = JSON.stringify(rich).slice(0, 80);
        assertError(await asApp('imbot.message.add', { DIALOG_ID: String(alice.id), MESSAGE: 'x', ...rich }), expected, label);
        // the rich checks come before WRONG_REQUEST for an unreachable target
        assertError(await asApp('imbot.message.add', { DIALOG_ID: '999999', MESSAGE: 'x', ...rich }), expected, `unreachable ${label}`);
      }
      // ... but after DIALOG_ID_EMPTY and MESSAGE_EMPTY
      assertError(await asApp('imbot.message.add', { DIALOG_ID: 'bad', MESSAGE: 'x', ATTACH: BAD_ATTACH }), E.dialogEmpty);
      assertError(await asApp('imbot.message.add', { DIALOG_ID: String(alice.id), ATTACH: GOOD_ATTACH }), E.messageEmpty, 'ATTACH alone is no message in v1');
    });
  });

  describe('imbot.message.add: FROM_USER_ID/TO_USER_ID', () => {
    it('posts a system message from one person to another in their own private chat, DIALOG_ID ignored', async () => {
      const id = await botSays('not a dialog', 'note', { FROM_USER_ID: alice.id, TO_USER_ID: String(bob.id) });
      const m = await seen(bob, alice.id, id);
      assert.equal(m.author_id, alice.id);
      assert.equal(m.text, `[USER=${bot}][/USER]\n Chat Botnote`);
      assert.ok(await seen(alice, bob.id, id), 'the same private chat from both sides');
    });

    it('needs both ids > 0, else it is the DIALOG_ID mode', async () => {
      assertError(await asApp('imbot.message.add', { FROM_USER_ID: alice.id, TO_USER_ID: 0, MESSAGE: 'x' }), E.dialogEmpty);
      assertError(await asApp('imbot.message.add', { FROM_USER_ID: -1, TO_USER_ID: bob.id, MESSAGE: 'x' }), E.dialogEmpty);
      assertError(await asApp('imbot.message.add', { FROM_USER_ID: alice.id, TO_USER_ID: bob.id, MESSAGE: ' ' }), E.messageEmpty);
      assertError(await asApp('imbot.message.add', { FROM_USER_ID: alice.id, TO_USER_ID: 999999, MESSAGE: 'x' }), E.notAdded);
    });
  });

  describe('imbot.message.update', () => {
    const update = (params: Params) => asApp('imbot.message.update', params);

    it('rejects every error row in order', async () => {
      const own = await botSays(alice.id, 'own');
      const hers = await says(alice, bot, 'hers');
      const cases: [string, Params, Expected][] = [
        ['no CLIENT_ID', { CLIENT_ID: undefined, MESSAGE_ID: own }, E.noClient],
        ['unknown BOT_ID', { BOT_ID: 999999, MESSAGE_ID: own }, E.noBot],
        ['other app\'s bot', { BOT_ID: foreign }, E.otherApp],
        ['no MESSAGE_ID', { MESSAGE: 'x' }, E.messageIdEmpty],
        ['MESSAGE_ID 0', { MESSAGE_ID: 0, ATTACH: BAD_ATTACH }, E.messageIdEmpty],
        ['MESSAGE_ID abc', { MESSAGE_ID: 'abc' }, E.messageIdEmpty],
        ['a person\'s message', { MESSAGE_ID: hers, MESSAGE: 'x' }, E.cantEdit],
        ['another bot\'s message', { BOT_ID: bot2, MESSAGE_ID: own, KEYBOARD: GOOD_KEYBOARD }, E.cantEdit],
        ['unknown message', { MESSAGE_ID: 999999, MENU: GOOD_MENU }, E.cantEdit],
        ['CANT_EDIT before the ATTACH check', { MESSAGE_ID: hers, ATTACH: BAD_ATTACH }, E.cantEdit],
        ['ATTACH_OVERSIZE', { MESSAGE_ID: own, ATTACH: BIG_ATTACH, KEYBOARD: BAD_KEYBOARD }, E.attachOversize],
        ['ATTACH_ERROR before KEYBOARD', { MESSAGE_ID: own, ATTACH: BAD_ATTACH, KEYBOARD: BAD_KEYBOARD }, E.attachError],
        ['KEYBOARD_OVERSIZE', { MESSAGE_ID: own, KEYBOARD: BIG_KEYBOARD, MENU: BAD_MENU }, E.keyboardOversize],
        ['KEYBOARD_ERROR before MENU', { MESSAGE_ID: own, KEYBOARD: BAD_KEYBOARD, MENU: BAD_MENU }, E.keyboardError],
        ['MENU_OVERSIZE', { MESSAGE_ID: own, MENU: BIG_MENU }, E.menuOversize],
        ['MENU_ERROR (not menu_ERROR)', { MESSAGE_ID: own, MENU: BAD_MENU, MESSAGE: 'x' }, E.menuError],
      ];
      for (const [label, params, expected] of cases) assertError(await update(params), expected, label);
      assert.equal((await seen(alice, bot, own)).text, 'own', 'a failed call changes nothing');
    });

    it('answers true even with nothing to change, for any message id', async () => {
      const hers = await says(alice, bot, 'untouched');
      assert.equal(assertResult(await update({ MESSAGE_ID: hers })), true);
      assert.equal(assertResult(await update({ MESSAGE_ID: 999999 })), true);
      assert.equal((await seen(alice, bot, hers)).text, 'untouched');
    });

    it('changes text and rich params; "N" or empty removes a param; no "edited" mark', async () => {
      const id = await botSays(alice.id, 'v1', { KEYBOARD: GOOD_KEYBOARD, ATTACH: GOOD_ATTACH, MENU: GOOD_MENU });
      assert.equal(assertResult(await update({ MESSAGE_ID: id, MESSAGE: ' v2[BR]x ', URL_PREVIEW: 'N' })), true);
      let m = await seen(alice, bot, id);
      assert.equal(m.text, 'v2\nx');
      assert.deepEqual(Object.keys(m.params).sort(), ['ATTACH', 'KEYBOARD', 'MENU', 'URL_PREVIEW']);

      assert.equal(assertResult(await update({ MESSAGE_ID: id, KEYBOARD: 'N', ATTACH: '', MENU: JSON.stringify([{ TEXT: 'New', LINK: '/n' }]) })), true);
      m = await seen(alice, bot, id);
      assert.deepEqual(m.params, { MENU: [{ BOT_ID: bot, LINK: '/n', TEXT: 'New', CONTEXT: 'ALL', DISABLED: 'N' }], URL_PREVIEW: 'N' });

      assert.equal(assertResult(await update({ MESSAGE_ID: id, MESSAGE: 'v3', MENU: 'N' })), true);
      assert.deepEqual((await seen(alice, bot, id)).params, [], 'URL_PREVIEW back to default, menu gone');
    });

    it('MESSAGE="" soft-deletes the message', async () => {
      const id = await botSays(alice.id, 'to be emptied', { KEYBOARD: GOOD_KEYBOARD });
      assert.equal(assertResult(await update({ MESSAGE_ID: id, MESSAGE: '   ' })), true);
      const m = await seen(alice, bot, id);
      assert.deepEqual([m.text, m.params], ['', { IS_DELETED: 'Y' }]);
      assertError(await update({ MESSAGE_ID: id, MESSAGE: 'back?' }), E.cantEdit, 'a deleted message cannot be edited');
    });
  });

  describe('imbot.message.delete', () => {
    const del = (params: Params) => asApp('imbot.message.delete', params);

    it('rejects every error row in order', async () => {
      const own = await botSays(alice.id, 'own');
      const hers = await says(alice, bot, 'hers');
      const cases: [string, Params, Expected][] = [
        ['no CLIENT_ID', { CLIENT_ID: undefined, MESSAGE_ID: own }, E.noClient],
        ['BOT_ID 0', { BOT_ID: 0, MESSAGE_ID: own }, E.noBot],
        ['other app\'s bot', { BOT_ID: foreign, MESSAGE_ID: own }, E.otherApp],
        ['no MESSAGE_ID', {}, E.messageIdEmpty],
        ['negative MESSAGE_ID', { MESSAGE_ID: -5 }, E.messageIdEmpty],
        ['a person\'s message', { MESSAGE_ID: hers }, E.cantEdit],
        ['another bot\'s message', { BOT_ID: bot2, MESSAGE_ID: own, COMPLETE: 'Y' }, E.cantEdit],
        ['unknown message', { MESSAGE_ID: 999999 }, E.cantEdit],
      ];
      for (const [label, params, expected] of cases) assertError(await del(params), expected, label);
      assert.equal((await seen(alice, bot, own)).text, 'own');
    });

    it('soft delete leaves a stub; COMPLETE=Y removes the message, stub or not', async () => {
      const soft = await botSays(`chat${group}`, 'soft', { ATTACH: GOOD_ATTACH });
      const hard = await botSays(`chat${group}`, 'hard');
      assert.equal(assertResult(await del({ MESSAGE_ID: soft, COMPLETE: 'y' })), true, 'only exact "Y" is complete');
      assert.deepEqual((({ text, params }) => ({ text, params }))(await seen(bob, `chat${group}`, soft)), { text: '', params: { IS_DELETED: 'Y' } });
      assertError(await del({ MESSAGE_ID: soft }), E.cantEdit, 'already deleted');
      assert.equal(assertResult(await del({ MESSAGE_ID: soft, COMPLETE: 'Y' })), true);
      assert.equal(assertResult(await del({ MESSAGE_ID: hard, COMPLETE: 'Y' })), true);
      assert.equal(await seen(bob, `chat${group}`, soft), undefined);
      assert.equal(await seen(bob, `chat${group}`, hard), undefined);
      assertError(await del({ MESSAGE_ID: hard, COMPLETE: 'Y' }), E.cantEdit, 'gone for good');
    });
  });

  describe('imbot.message.like', () => {
    const like = (params: Params) => asApp('imbot.message.like', params);

    it('likes, unlikes and toggles, storing the likers in params.LIKE', async () => {
      const id = await says(alice, `chat${group}`, 'like me');
      const likes = async () => (await seen(alice, `chat${group}`, id)).params;
      assert.equal(assertResult(await like({ MESSAGE_ID: id })), true, 'auto: like');
      assert.deepEqual(await likes(), { LIKE: [bot] });
      assertError(await like({ MESSAGE_ID: id, ACTION: 'PLUS' }), E.withoutChanges, 'already liked (ACTION is lower-cased)');
      assert.equal(assertResult(await callJson(alice.hook, 'im.message.like', { MESSAGE_ID: id, ACTION: 'plus' })), true);
      assert.deepEqual(await likes(), { LIKE: [bot, alice.id] });
      assert.equal(assertResult(await like({ MESSAGE_ID: id, ACTION: 'whatever' })), true, 'anything else is auto: unlike');
      assert.deepEqual(await likes(), { LIKE: [alice.id] });
      assertError(await like({ MESSAGE_ID: id, ACTION: 'minus' }), E.withoutChanges, 'not liked');
      assert.equal(assertResult(await like({ MESSAGE_ID: String(id), ACTION: 'plus' })), true);
      assert.equal(assertResult(await like({ MESSAGE_ID: id, ACTION: 'minus' })), true);
      assert.deepEqual(await likes(), { LIKE: [alice.id] });
    });

    it('rejects every error row in order', async () => {
      const elsewhere = await says(bob, `chat${strangers}`, 'not for bots');
      const cases: [string, Params, Expected][] = [
        ['no CLIENT_ID', { CLIENT_ID: undefined, MESSAGE_ID: elsewhere }, E.noClient],
        ['unknown BOT_ID', { BOT_ID: 999999 }, E.noBot],
        ['other app\'s bot', { BOT_ID: foreign }, E.otherApp],
        ['no MESSAGE_ID', { ACTION: 'plus' }, E.messageIdEmpty],
        ['a chat the bot is not in', { MESSAGE_ID: elsewhere }, E.withoutChanges],
        ['unknown message', { MESSAGE_ID: 999999 }, E.withoutChanges],
      ];
      for (const [label, params, expected] of cases) assertError(await like(params), expected, label);
    });
  });

  describe('imbot.chat.sendTyping and imbot.sendTyping', () => {
    for (const method of ['imbot.chat.sendTyping', 'imbot.sendTyping']) {
      it(`${method} answers true and checks its parameters in order`, async () => {
        assert.equal(assertResult(await asApp(method, { DIALOG_ID: String(alice.id) })), true);
        assert.equal(assertResult(await asApp(method, { DIALOG_ID: `CHAT${group}`, BOT_ID: bot2 })), true);
        const cases: [Params, Expected][] = [
          [{ CLIENT_ID: undefined, DIALOG_ID: '1' }, E.noClient],
          [{ CLIENT_ID: 'nobots', DIALOG_ID: '1' }, E.noBot],
          [{ BOT_ID: foreign, DIALOG_ID: 'x' }, E.otherApp],
          [{}, E.dialogEmpty],
          [{ DIALOG_ID: 'chat' }, E.dialogEmpty],
        ];
        for (const [params, expected] of cases) assertError(await asApp(method, params), expected, JSON.stringify(params));
      });
    }
  });

  // Moves the portal clock forward, so it runs last.
  describe('the 3-day edit window', () => {
    it('allows edits until 259 200 s after sending; deleting has no age limit', async () => {
      const id = await botSays(alice.id, 'aging', { KEYBOARD: GOOD_KEYBOARD });
      await advanceClock(THREE_DAYS_MS - 1_000);
      assert.equal(assertResult(await asApp('imbot.message.update', { MESSAGE_ID: id, MESSAGE: 'still editable' })), true);
      await advanceClock(1_000);
      for (const part of [{ MESSAGE: 'too late' }, { KEYBOARD: 'N' }, { ATTACH: GOOD_ATTACH }, { MENU: GOOD_MENU }]) {
        assertError(await asApp('imbot.message.update', { MESSAGE_ID: id, ...part }), E.cantEdit, JSON.stringify(part));
      }
      assert.equal((await seen(alice, bot, id)).text, 'still editable');
      assert.equal(assertResult(await asApp('imbot.message.delete', { MESSAGE_ID: id })), true);
      assert.equal((await seen(alice, bot, id)).params.IS_DELETED, 'Y');
    });
  });
});
