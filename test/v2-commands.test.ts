import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from './helpers/events.js';
import { advance, installScriptApp } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Answer, type Expected, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

// imbot.v2.Command.register / update / list / unregister / answer (api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/,
// api-reference/chat-bots/chat-bots-v2/migration.md) and the commands both APIs share (imbot.command.*).

type Params = Record<string, unknown>;

const E = {
  noToken: [400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'] as Expected,
  noBotId: [400, 'BOT_ID_REQUIRED', 'botId is required'] as Expected,
  noBot: [400, 'BOT_NOT_FOUND', 'Bot not found'] as Expected,
  ownership: [400, 'BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'] as Expected,
  nameInvalid: [400, 'COMMAND_NAME_INVALID', 'Command name must be a string'] as Expected,
  required: [400, 'COMMAND_REQUIRED', 'Command is required'] as Expected,
  titleRequired: [400, 'COMMAND_TITLE_REQUIRED', 'Title is required for visible commands'] as Expected,
  registerFailed: [400, 'COMMAND_REGISTER_FAILED', 'Command registration failed'] as Expected,
  nameEmpty: [400, 'COMMAND_NAME_EMPTY', 'Command name cannot be empty'] as Expected,
  exists: [400, 'COMMAND_ALREADY_EXISTS', 'Command with this name already exists'] as Expected,
  titleInvalid: [400, 'COMMAND_TITLE_INVALID', 'Title must be an object with language keys'] as Expected,
  notFound: [400, 'COMMAND_NOT_FOUND', 'Command not found'] as Expected,
  otherBot: [400, 'COMMAND_NOT_FOUND', 'Command belongs to a different bot'] as Expected,
  notFoundOrDenied: [400, 'COMMAND_NOT_FOUND', 'Command not found or access denied'] as Expected,
  answerFailed: [400, 'COMMAND_ANSWER_FAILED', 'Failed to send command answer'] as Expected,
  attach: [400, 'ATTACH_ERROR', 'Incorrect attach params'] as Expected,
  keyboard: [400, 'KEYBOARD_ERROR', 'Incorrect keyboard params'] as Expected,
  menu: [400, 'MENU_ERROR', 'Incorrect menu params'] as Expected,
};

const TITLE = { en: 'Show help', de: 'Hilfe anzeigen' };
const ANSWER_WINDOW_MS = 10 * 60_000;

describe('imbot.v2.Command.*', () => {
  let p: TestPortal;
  let alice: Person;
  let bob: Person;
  let helper: { botId: number; botToken: string };
  let other: { botId: number; botToken: string };
  const db = () => p.server.core.store.db;

  /** A call as the helper bot's owner (its botToken) unless `params` say otherwise. */
  const asHelper = (method: string, params: Params = {}) => v2call(p, `imbot.v2.Command.${method}`, { botId: helper.botId, botToken: helper.botToken, ...params });
  const ok = async (a: Promise<{ status: number; body: any }>, label = ''): Promise<any> => {
    const r = await a;
    assert.equal(r.status, 200, `${label}: ${JSON.stringify(r.body)}`);
    return r.body.result;
  };
  const fail = async (a: Promise<{ status: number; body: any }>, expected: Expected, label = '') => assertError((await a) as Answer, expected, label);
  const register = async (fields: Params, bot = helper) =>
    (await ok(v2call(p, 'imbot.v2.Command.register', { botId: bot.botId, botToken: bot.botToken, fields }), `register ${JSON.stringify(fields)}`)).command;
  const commandCount = async () => Number((await db().selectFrom('commands').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const langsOf = (commandId: number) =>
    db().selectFrom('command_langs').select(['language_id', 'title', 'params']).where('command_id', '=', commandId).orderBy('language_id').execute();
  const listed = async (bot = helper) => (await ok(v2call(p, 'imbot.v2.Command.list', { botId: bot.botId, botToken: bot.botToken }), 'list')).commands;
  const say = (who: Person, dialogId: string | number, text: string): Promise<number> =>
    callJson(who.hook, 'im.message.add', { DIALOG_ID: String(dialogId), MESSAGE: text }).then((a) => assertResult(a, `say ${text}`));
  const lastMessage = (chatId: number) => db().selectFrom('messages').selectAll().where('chat_id', '=', chatId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const chatOf = async (messageId: number) => (await db().selectFrom('messages').select('chat_id').where('id', '=', messageId).executeTakeFirstOrThrow()).chat_id;
  const commandBindings = () => db().selectFrom('event_bindings').select(['handler_url', 'application_token']).where('event_name', '=', 'ONIMCOMMANDADD').execute();

  before(async () => {
    p = await startPortal();
    alice = await addPerson(p, 'Alice');
    bob = await addPerson(p, 'Bob');
    helper = await registerV2Bot(p, { code: 'helper', name: 'Helper Bot' });
    other = await registerV2Bot(p, { code: 'other' });
  });
  after(async () => {
    await p?.stop();
  });

  describe('register', () => {
    it('registers under fields: /-less name, lower-cased two-letter title keys, params only where titled, defaults false', async () => {
      const before = await commandBindings();
      const command = await register({ command: '/help', title: { EN: 'Show help', de: 'Hilfe anzeigen', eng: 'dropped' }, params: { en: 'query', fr: 'sans titre' } });
      assert.deepEqual(command, { id: command.id, botId: helper.botId, command: '/help', common: false, hidden: false, extranetSupport: false });
      assert.ok(command.id > 0);
      assert.deepEqual(await langsOf(command.id), [
        { language_id: 'de', title: 'Hilfe anzeigen', params: '' },
        { language_id: 'en', title: 'Show help', params: 'query' },
      ]);
      // EVENT_COMMAND_ADD has no v2 counterpart: no ONIMCOMMANDADD binding is made.
      assert.deepEqual(await commandBindings(), before);
    });

    it('is idempotent on (bot, command): the existing command comes back unchanged', async () => {
      const first = await register({ command: 'idem', title: { en: 'First' } });
      const again = await register({ command: '/idem', title: { en: 'Second' }, common: true, hidden: true });
      assert.deepEqual(again, first);
      assert.deepEqual(await langsOf(first.id), [{ language_id: 'en', title: 'First', params: '' }]);
    });

    it('reads Y/N/true/1 booleans; a hidden command needs no title', async () => {
      const a = await register({ command: 'flags', common: 'Y', hidden: 1, extranetSupport: 'true' });
      assert.deepEqual([a.common, a.hidden, a.extranetSupport], [true, true, true]);
      assert.deepEqual(await langsOf(a.id), []);
      const b = await register({ command: 'noflags', title: TITLE, common: 'N', hidden: 'yes', extranetSupport: false });
      assert.deepEqual([b.common, b.hidden, b.extranetSupport], [false, false, false]);
    });

    it('takes the UPPER_CASE aliases (BOT_ID, BOT_TOKEN, FIELDS and its keys)', async () => {
      const r = await ok(v2call(p, 'imbot.v2.Command.register', { BOT_ID: helper.botId, BOT_TOKEN: helper.botToken, FIELDS: { COMMAND: 'upper', TITLE: { en: 'Upper' }, PARAMS: { en: 'p' }, EXTRANET_SUPPORT: 'Y' } }));
      assert.equal(r.command.command, '/upper');
      assert.equal(r.command.extranetSupport, true);
      assert.deepEqual(await langsOf(r.command.id), [{ language_id: 'en', title: 'Upper', params: 'p' }]);
    });

    it('reads a form-encoded body (PHP bracket keys) as well as JSON', async () => {
      const body = new URLSearchParams({ botId: String(helper.botId), botToken: helper.botToken, 'fields[command]': 'form', 'fields[title][en]': 'Form', 'fields[common]': 'Y' });
      const a = await request(`${p.adminHook}/imbot.v2.Command.register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      const c = assertResult(a, 'form register').command;
      assert.deepEqual([c.command, c.common, c.hidden], ['/form', true, false]);
    });

    it('accepts the legacy flat format; a non-empty fields object wins over it', async () => {
      const flat = await ok(asHelper('register', { command: 'flat', title: { en: 'Flat' }, hidden: false }));
      assert.equal(flat.command.command, '/flat');
      const emptyFields = await ok(asHelper('register', { fields: {}, command: 'flat2', title: { en: 'Flat 2' } }));
      assert.equal(emptyFields.command.command, '/flat2');
      const both = await ok(asHelper('register', { command: 'ignored', fields: { command: 'nested', title: { en: 'Nested' } } }));
      assert.equal(both.command.command, '/nested');
      assert.equal((await listed()).some((c: any) => c.command === '/ignored'), false);
    });

    it('answers every error with its code and text, changing nothing', async () => {
      const n = await commandCount();
      const cases: [string, Params, Expected][] = [
        ['no token', { botToken: undefined, fields: { command: 'x', title: TITLE } }, E.noToken],
        ['no botId', { botId: undefined, fields: { command: 'x', title: TITLE } }, E.noBotId],
        ['unknown bot', { botId: 999999, fields: { command: 'x', title: TITLE } }, E.noBot],
        ["another owner's bot", { botId: other.botId, fields: { command: 'x', title: TITLE } }, E.ownership],
        ['no command', { fields: { title: TITLE } }, E.required],
        ['null command', { fields: { command: null, title: TITLE } }, E.required],
        ['empty command', { fields: { command: '', title: TITLE } }, E.required],
        ['just a slash', { fields: { command: '/', title: TITLE } }, E.required],
        ['number', { fields: { command: 5, title: TITLE } }, E.nameInvalid],
        ['array', { fields: { command: ['x'], title: TITLE } }, E.nameInvalid],
        ['no title', { fields: { command: 'x' } }, E.titleRequired],
        ['string title', { fields: { command: 'x', title: 'Help' } }, E.titleRequired],
        ['no two-letter key', { fields: { command: 'x', title: { english: 'Help' } } }, E.titleRequired],
        ['empty title', { fields: { command: 'x', title: { en: '' } } }, E.titleRequired],
        ['visible by N', { fields: { command: 'x', hidden: 'N' } }, E.titleRequired],
        ['too long for the store', { fields: { command: 'x'.repeat(256), title: TITLE } }, E.registerFailed],
      ];
      for (const [label, params, expected] of cases) await fail(asHelper('register', params), expected, label);
      assert.equal(await commandCount(), n);
    });
  });

  describe('update', () => {
    it('merges titles (string sets, null deletes, missing keeps) and keeps params unless given', async () => {
      const c = await register({ command: 'merge', title: { en: 'Help', de: 'Hilfe', fr: 'Aide' }, params: { en: 'q', de: 'a', fr: 'f' } });
      const r = await ok(asHelper('update', { commandId: c.id, fields: { title: { de: 'Neu', en: null, it: 'Aiuto' } } }));
      assert.deepEqual(r, { command: c });
      assert.deepEqual(await langsOf(c.id), [
        { language_id: 'de', title: 'Neu', params: 'a' },
        { language_id: 'fr', title: 'Aide', params: 'f' },
        { language_id: 'it', title: 'Aiuto', params: '' },
      ]);
      // params: only for languages with a title; null clears; missing keys keep.
      await ok(asHelper('update', { commandId: c.id, fields: { params: { it: 'p', de: null, en: 'untitled' } } }));
      assert.deepEqual(await langsOf(c.id), [
        { language_id: 'de', title: 'Neu', params: '' },
        { language_id: 'fr', title: 'Aide', params: 'f' },
        { language_id: 'it', title: 'Aiuto', params: 'p' },
      ]);
    });

    it('renames (dropping the /) and changes common, hidden and extranetSupport; UPPER_CASE aliases work', async () => {
      const c = await register({ command: 'oldname', title: TITLE });
      const r = await ok(asHelper('update', { COMMAND_ID: c.id, FIELDS: { COMMAND: '/newname', COMMON: 'Y', HIDDEN: true, EXTRANET_SUPPORT: 1 } }));
      assert.deepEqual(r.command, { id: c.id, botId: helper.botId, command: '/newname', common: true, hidden: true, extranetSupport: true });
      const back = await ok(asHelper('update', { commandId: c.id, fields: { common: 'N', hidden: false } }));
      assert.deepEqual([back.command.common, back.command.hidden, back.command.extranetSupport], [false, false, true]);
      // Its own name again is no clash; an empty fields object changes nothing.
      assert.deepEqual((await ok(asHelper('update', { commandId: c.id, fields: { command: 'newname' } }))).command, back.command);
      assert.deepEqual((await ok(asHelper('update', { commandId: c.id }))).command, back.command);
    });

    it('answers every error with its code and text, changing nothing', async () => {
      const c = await register({ command: 'stable', title: { en: 'Stable' } });
      await register({ command: 'taken', title: { en: 'Taken' } });
      const foreign = await register({ command: 'foreign', title: { en: 'Foreign' } }, other);
      const cases: [string, Params, Expected][] = [
        ['no token', { botToken: undefined, commandId: c.id }, E.noToken],
        ["another owner's bot", { botId: other.botId, commandId: foreign.id }, E.ownership],
        ['no commandId', { fields: { hidden: true } }, E.notFound],
        ['unknown command', { commandId: 999999, fields: { hidden: true } }, E.notFound],
        ["another bot's command", { commandId: foreign.id, fields: { hidden: true } }, E.otherBot],
        ['empty name', { commandId: c.id, fields: { command: '', hidden: true } }, E.nameEmpty],
        ['slash only', { commandId: c.id, fields: { command: '/' } }, E.nameEmpty],
        ['number name', { commandId: c.id, fields: { command: 7 } }, E.nameInvalid],
        ['string title', { commandId: c.id, fields: { title: 'Neu', hidden: true } }, E.titleInvalid],
        ['name taken', { commandId: c.id, fields: { command: '/taken', hidden: true, title: { en: 'X' } } }, E.exists],
      ];
      for (const [label, params, expected] of cases) await fail(asHelper('update', params), expected, label);
      assert.deepEqual((await listed()).find((x: any) => x.id === c.id), {
        id: c.id, botId: helper.botId, command: '/stable', title: 'Stable', params: '', common: false, hidden: false, extranetSupport: false, category: 'Helper Bot', context: '',
      });
    });
  });

  describe('list', () => {
    it('lists every command of the bot with title/params in the portal language, falling back to the default', async () => {
      const lister = await registerV2Bot(p, { code: 'lister', name: 'Lister' });
      assert.deepEqual(await listed(lister), []);
      const both = await register({ command: 'both', title: { en: 'Help', de: 'Hilfe' }, params: { en: 'query', de: 'Anfrage' } }, lister);
      const enOnly = await register({ command: 'enonly', title: { en: 'English' }, params: { en: 'text' } }, lister);
      const frOnly = await register({ command: 'fronly', title: { fr: 'Français' }, common: true }, lister);
      const hidden = await register({ command: 'secret', hidden: true }, lister);
      const entry = (c: any, title: string, params: string) => ({ ...c, title, params, category: 'Lister', context: '' });
      const expectedIn = (de: boolean) => [
        entry(both, de ? 'Hilfe' : 'Help', de ? 'Anfrage' : 'query'),
        entry(enOnly, 'English', 'text'),
        entry(frOnly, '', ''),
        entry(hidden, '', ''),
      ];
      const keyOrder = ['id', 'botId', 'command', 'title', 'params', 'common', 'hidden', 'extranetSupport', 'category', 'context'];
      const en = await listed(lister);
      assert.deepEqual(en, expectedIn(false));
      assert.deepEqual(Object.keys(en[0]), keyOrder);
      // The portal speaks German (the portal language has no setting yet; the test sets it in-process).
      const portal = p.server.core.portal;
      portal.languageId = 'de';
      try {
        assert.deepEqual(await listed(lister), expectedIn(true));
      } finally {
        portal.languageId = 'en';
      }
      await fail(v2call(p, 'imbot.v2.Command.list', { botId: lister.botId }), E.noToken);
      await fail(v2call(p, 'imbot.v2.Command.list', { BOT_TOKEN: lister.botToken }), E.noBotId);
      await fail(v2call(p, 'imbot.v2.Command.list', { botId: lister.botId, botToken: helper.botToken }), E.ownership);
      assert.equal((await ok(v2call(p, 'imbot.v2.Command.list', { BOT_ID: lister.botId, BOT_TOKEN: lister.botToken }))).commands.length, 4);
    });
  });

  describe('unregister', () => {
    it('removes the command and its language rows: {result:{result:true}}', async () => {
      const c = await register({ command: 'gone', title: TITLE });
      const a = await asHelper('unregister', { COMMAND_ID: c.id });
      assert.equal(a.status, 200);
      assert.deepEqual(a.body.result, { result: true });
      assert.deepEqual(await langsOf(c.id), []);
      assert.equal((await listed()).some((x: any) => x.id === c.id), false);
    });

    it('answers "Command not found or access denied" for a missing, unknown or foreign command', async () => {
      const foreign = await register({ command: 'keepme', title: TITLE }, other);
      const n = await commandCount();
      await fail(asHelper('unregister', {}), E.notFoundOrDenied, 'no commandId');
      await fail(asHelper('unregister', { commandId: 999999 }), E.notFoundOrDenied, 'unknown');
      await fail(asHelper('unregister', { commandId: foreign.id }), E.notFoundOrDenied, "another bot's");
      await fail(asHelper('unregister', { botId: other.botId, commandId: foreign.id }), E.ownership, "another owner's bot");
      assert.equal(await commandCount(), n);
    });
  });

  describe('answer', () => {
    let ask: any;
    let everywhere: any;
    before(async () => {
      ask = await register({ command: 'ask', title: { en: 'Ask' } });
      everywhere = await register({ command: 'everywhere', title: { en: 'Anywhere' }, common: true });
    });
    const answer = (commandId: number, messageId: number, dialogId: unknown, fields: Params) => asHelper('answer', { commandId, messageId, dialogId, fields });

    it("answers a command typed in the bot's 1:1 chat as the bot, with keyboard and attach", async () => {
      const m = await say(alice, helper.botId, '/ask something');
      const a = await answer(ask.id, m, String(alice.id), {
        message: 'Hi [b]there[/b]',
        keyboard: [{ TEXT: 'Again', COMMAND: 'ask' }],
        attach: [{ MESSAGE: 'attached' }],
        urlPreview: 'N',
      });
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.deepEqual(a.body.result, { result: true });
      const posted = await lastMessage(await chatOf(m));
      assert.equal(posted.author_id, helper.botId);
      assert.equal(posted.text, 'Hi [b]there[/b]');
      assert.equal(posted.system, 'N');
      const params = JSON.parse(posted.params);
      assert.equal(params.KEYBOARD[0].COMMAND, 'ask');
      assert.equal(params.KEYBOARD[0].BOT_ID, helper.botId);
      assert.deepEqual(params.ATTACH[0].BLOCKS, [{ MESSAGE: 'attached' }]);
      assert.equal(params.URL_PREVIEW, 'N');
    });

    it('answers inside a group chat the bot is in, and as a system message naming the bot where it is not', async () => {
      const withBot = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'With bot', USERS: [bob.id, helper.botId] })) as number;
      const m1 = await say(alice, `chat${withBot}`, '/ask in the group');
      await ok(answer(ask.id, m1, `chat${withBot}`, { message: 'member answer', menu: [{ TEXT: 'Site', LINK: 'https://example.com' }] }));
      const inside = await lastMessage(withBot);
      assert.deepEqual([inside.author_id, inside.text, inside.system], [helper.botId, 'member answer', 'N']);
      assert.deepEqual(JSON.parse(inside.params).MENU.map((i: any) => [i.TEXT, i.LINK, i.BOT_ID]), [['Site', 'https://example.com', helper.botId]]);

      const without = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'No bot', USERS: [bob.id] })) as number;
      const m2 = await say(alice, `chat${without}`, '/everywhere please');
      await ok(answer(everywhere.id, m2, `CHAT${without}`, { message: 'outside answer' }));
      const outside = await lastMessage(without);
      assert.deepEqual([outside.author_id, outside.text, outside.system], [helper.botId, `[USER=${helper.botId}][/USER] Chat Bot\n outside answer`, 'Y']);

      // A local command typed where the bot is not fires nothing: no answer window (it is per bot and
      // dialog, so a fresh chat).
      const quiet = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Quiet', USERS: [bob.id] })) as number;
      const m3 = await say(alice, `chat${quiet}`, '/ask nobody hears');
      await fail(answer(ask.id, m3, `chat${quiet}`, { message: 'x' }), E.answerFailed);
      assert.equal((await lastMessage(quiet)).id, m3);
    });

    it('answers a common command typed between two people, addressed by either participant', async () => {
      const m = await say(alice, bob.id, '/everywhere between us');
      await ok(answer(everywhere.id, m, String(bob.id), { message: 'to you both', system: true }));
      const posted = await lastMessage(await chatOf(m));
      assert.deepEqual([posted.text, posted.system], [`[USER=${helper.botId}][/USER] Chat Bot\n to you both`, 'Y']);
    });

    it('answers a keyboard COMMAND button press (the keyboard sent through v1 with CLIENT_ID = botToken)', async () => {
      const group = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Buttons', USERS: [helper.botId] })) as number;
      const kb = assertResult(
        await callJson(p.adminHook, 'imbot.message.add', {
          CLIENT_ID: helper.botToken, BOT_ID: helper.botId, DIALOG_ID: `chat${group}`, MESSAGE: 'choose', KEYBOARD: [{ TEXT: 'Ask', COMMAND: 'ask', COMMAND_PARAMS: 'x' }],
        }),
      ) as number;
      // Nothing fired in this chat yet: no answer window.
      await fail(answer(ask.id, kb, `chat${group}`, { message: 'unasked' }), E.answerFailed);
      assertResult(await callJson(alice.hook, 'im.message.command', { MESSAGE_ID: kb, BOT_ID: helper.botId, COMMAND: 'ask', COMMAND_PARAMS: 'x' }));
      await ok(answer(ask.id, kb, `chat${group}`, { message: 'pressed' }));
      assert.equal((await lastMessage(group)).text, 'pressed');
    });

    it('cuts text over 20 000 characters to 20 000 plus " (...)"', async () => {
      const m = await say(alice, helper.botId, '/ask long');
      await ok(answer(ask.id, m, String(alice.id), { message: 'a'.repeat(20_003) }));
      assert.equal((await lastMessage(await chatOf(m))).text, `${'a'.repeat(20_000)} (...)`);
      await ok(answer(ask.id, m, String(alice.id), { message: 'b'.repeat(20_000) }));
      assert.equal((await lastMessage(await chatOf(m))).text, 'b'.repeat(20_000));
    });

    it('answers every error with its code and text, posting nothing', async () => {
      const m = await say(alice, helper.botId, '/ask errors');
      const chat = await chatOf(m);
      const foreign = await register({ command: 'ask', title: { en: 'Ask' } }, other);
      const cases: [string, Params, Expected][] = [
        ['no token', { botToken: undefined, commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x' } }, E.noToken],
        ['no botId', { botId: 0, commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x' } }, E.noBotId],
        ['unknown command', { commandId: 999999, messageId: m, dialogId: String(alice.id), fields: { message: 'x' } }, E.notFound],
        ["another bot's command", { commandId: foreign.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x' } }, E.otherBot],
        ['no dialogId', { commandId: ask.id, messageId: m, fields: { message: 'x' } }, E.answerFailed],
        ['another dialog', { commandId: ask.id, messageId: m, dialogId: String(bob.id), fields: { message: 'x' } }, E.answerFailed],
        ['no messageId', { commandId: ask.id, dialogId: String(alice.id), fields: { message: 'x' } }, E.answerFailed],
        ['unknown message', { commandId: ask.id, messageId: 999999, dialogId: String(alice.id), fields: { message: 'x' } }, E.answerFailed],
        ['empty message', { commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: '  ' } }, E.answerFailed],
        ['keyboard alone', { commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { keyboard: [{ TEXT: 'k', COMMAND: 'ask' }] } }, E.answerFailed],
        ['bad attach', { commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x', attach: 'not json' } }, E.attach],
        ['bad keyboard', { commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x', keyboard: [{ TEXT: 'no action' }] } }, E.keyboard],
        ['bad menu', { commandId: ask.id, messageId: m, dialogId: String(alice.id), fields: { message: 'x', menu: [{ TEXT: 'no action' }] } }, E.menu],
      ];
      for (const [label, params, expected] of cases) await fail(asHelper('answer', params), expected, label);
      assert.equal((await lastMessage(chat)).id, m);
      // UPPER_CASE aliases reach the same answer.
      await ok(asHelper('answer', { COMMAND_ID: ask.id, MESSAGE_ID: m, DIALOG_ID: String(alice.id), FIELDS: { MESSAGE: 'upper', SYSTEM: 'N' } }));
      assert.equal((await lastMessage(chat)).text, 'upper');
    });

    it('refuses once the ten-minute answer window has closed', async () => {
      const withBot = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Window', USERS: [helper.botId] })) as number;
      const m = await say(alice, `chat${withBot}`, '/ask late');
      await advance(p, ANSWER_WINDOW_MS + 1);
      await fail(answer(ask.id, m, `chat${withBot}`, { message: 'too late' }), E.answerFailed);
      assert.equal((await lastMessage(withBot)).id, m);
    });
  });

  describe('one platform with imbot.command.*', () => {
    let r: Receiver;
    let v1Bot: number;
    const CLIENT = 'legacyapp';
    const v1 = (method: string, params: Params) => callJson(p.adminHook, method, { CLIENT_ID: CLIENT, ...params });
    const asLegacy = (method: string, params: Params) => v2call(p, `imbot.v2.Command.${method}`, { botId: v1Bot, botToken: CLIENT, ...params });

    before(async () => {
      r = await startReceiver();
      v1Bot = assertResult(await v1('imbot.register', { CODE: 'legacy', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'Legacy', LAST_NAME: 'Bot' } }));
    });
    after(async () => {
      await r?.close();
    });

    it('a v1 command shows in Command.list and is updated and answered through v2', async () => {
      const id = assertResult(
        await v1('imbot.command.register', { BOT_ID: v1Bot, COMMAND: 'old', EVENT_COMMAND_ADD: `${r.base}/cmd`, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Old one', PARAMS: 'p' }] }),
      ) as number;
      const list = (await ok(asLegacy('list', {}))).commands;
      assert.deepEqual(list, [{ id, botId: v1Bot, command: '/old', title: 'Old one', params: 'p', common: false, hidden: false, extranetSupport: false, category: 'Legacy Bot', context: '' }]);
      await ok(asLegacy('update', { commandId: id, fields: { title: { de: 'Alt' } } }));
      assert.deepEqual(await langsOf(id), [
        { language_id: 'de', title: 'Alt', params: '' },
        { language_id: 'en', title: 'Old one', params: 'p' },
      ]);
      const m = await say(alice, v1Bot, '/old v1 command');
      await ok(asLegacy('answer', { commandId: id, messageId: m, dialogId: String(alice.id), fields: { message: 'v2 answer to a v1 command' } }));
      assert.equal((await lastMessage(await chatOf(m))).text, 'v2 answer to a v1 command');
    });

    it("a command registered through v2 fires the v1 bot's existing ONIMCOMMANDADD binding, and v2 adds none", async () => {
      const bindings = await commandBindings();
      const c = (await ok(asLegacy('register', { fields: { command: 'fresh', title: { en: 'Fresh' } } }))).command;
      assert.deepEqual(await commandBindings(), bindings);
      await say(alice, v1Bot, '/fresh from v2');
      const [hit] = await r.waitFor(1, (h) => h.form.event === 'ONIMCOMMANDADD' && JSON.stringify(h.form).includes('"COMMAND":"fresh"'));
      assert.equal(hit!.url, `/cmd?CLIENT_ID=${CLIENT}`);
      assert.equal((hit!.form.data as any).COMMAND[c.id].COMMAND_ID, String(c.id));
    });

    it('v1 updates (webhook-mode bots only), answers and unregisters a command registered through v2', async () => {
      const hooked = await registerV2Bot(p, { code: 'hooked', eventMode: 'webhook', webhookUrl: `${r.base}/v2` });
      const h = await register({ command: 'shared', title: { en: 'Shared' } }, hooked);
      const v1Update = (bot: { botToken: string }, commandId: number) =>
        callJson(p.adminHook, 'imbot.command.update', { CLIENT_ID: bot.botToken, COMMAND_ID: commandId, FIELDS: { HIDDEN: 'Y', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Shared (v1)' }] } });
      assertResult(await v1Update(hooked, h.id));
      const seen = (await listed(hooked)).find((x: any) => x.id === h.id);
      assert.deepEqual([seen.title, seen.hidden], ['Shared (v1)', true]);

      const c = await register({ command: 'shared', title: { en: 'Shared' } });
      assertError(await v1Update(helper, c.id), [400, 'FETCH_NOT_SUPPORTED', 'This bot uses FETCH mode. Use imbot.v2.Command.update instead.']);
      const m = await say(alice, helper.botId, '/shared typed');
      assertResult(await callJson(p.adminHook, 'imbot.command.answer', { CLIENT_ID: helper.botToken, COMMAND_ID: c.id, MESSAGE_ID: m, MESSAGE: 'v1 answer' }));
      assert.equal((await lastMessage(await chatOf(m))).text, 'v1 answer');
      assertResult(await callJson(p.adminHook, 'imbot.command.unregister', { CLIENT_ID: helper.botToken, COMMAND_ID: c.id }));
      assert.equal((await listed()).some((x: any) => x.id === c.id), false);
    });

    it('a command renamed through v2 fires under its new name only', async () => {
      const c = await register({ command: 'before', title: { en: 'Before' } });
      await ok(asHelper('update', { commandId: c.id, fields: { command: 'after' } }));
      // Group chats, where only a fired command opens the answer window (a bot's own 1:1 dialog is always open).
      const chat = async () => assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Rename', USERS: [helper.botId] })) as number;
      const answer = (messageId: number, chatId: number) => asHelper('answer', { commandId: c.id, messageId, dialogId: `chat${chatId}`, fields: { message: 'answer' } });
      const first = await chat();
      await fail(answer(await say(alice, `chat${first}`, '/before'), first), E.answerFailed);
      const second = await chat();
      await ok(answer(await say(alice, `chat${second}`, '/after'), second));
    });
  });

  describe('OAuth application', () => {
    it('registers, lists and unregisters commands of its bot by client_id, without botToken', async () => {
      const r = await startReceiver();
      try {
        const { auth } = await installScriptApp(p, r, '/install');
        const rest = (method: string, params: Params) => callJson(`${p.http}/rest`, method, { auth: auth.access_token, ...params });
        const bot = (await ok(rest('imbot.v2.Bot.register', { fields: { code: 'oauthbot', properties: { name: 'OAuth Bot' } } }), 'bot')).bot.id;
        const c = (await ok(rest('imbot.v2.Command.register', { botId: bot, fields: { command: 'app', title: { en: 'App' } } }))).command;
        assert.equal(c.command, '/app');
        assert.deepEqual((await ok(rest('imbot.v2.Command.list', { botId: bot }))).commands.map((x: any) => x.category), ['OAuth Bot']);
        await fail(rest('imbot.v2.Command.register', { botId: helper.botId, fields: { command: 'x', title: TITLE } }), E.ownership);
        assert.deepEqual(await ok(rest('imbot.v2.Command.unregister', { botId: bot, commandId: c.id })), { result: true });
      } finally {
        await r.close();
      }
    });
  });
});
