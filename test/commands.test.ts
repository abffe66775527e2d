import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, request, startPortal, type TestPortal, assertError, assertResult, type Expected, addPerson, sessionCall } from './helpers/server.js';

// imbot.command.register / unregister / update / answer and im.message.command
// (api-reference/chat-bots/outdated/commands/, api-reference/chats/messages/keyboards.md,
// api-reference/chats/messages/im-message-command.md).

type Params = Record<string, unknown>;

const H = 'http://127.0.0.1:9/cmd';
const APP = 'cmd-app';
const E = {
  session: [403, 'WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.'] as Expected,
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  botOfOtherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  handlerMissing: [400, 'EVENT_COMMAND_ADD_ERROR', 'Handler for "Command add" event isn\'t specified'] as Expected,
  wrongUrl: [400, 'EVENT_COMMAND_ADD_ERROR', 'Wrong handler URL'] as Expected,
  badProtocol: [400, 'EVENT_COMMAND_ADD_ERROR', 'Unsupported handler protocol'] as Expected,
  command: [400, 'COMMAND_ERROR', "Command isn't specified"] as Expected,
  lang: [400, 'LANG_ERROR', "Lang set can't be empty"] as Expected,
  cantCreate: [400, 'WRONG_REQUEST', "Command can't be created"] as Expected,
  notFound: [400, 'COMMAND_ID_ERROR', 'Command not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Command was installed by another rest application'] as Expected,
  cantDelete: [400, 'WRONG_REQUEST', "Command can't be deleted"] as Expected,
  updateEmpty: [400, 'WRONG_REQUEST', "Update fields can't be empty"] as Expected,
  cantUpdate: [400, 'WRONG_REQUEST', "Command can't be updated"] as Expected,
  messageIdEmpty: [400, 'MESSAGE_ID_EMPTY', "Message ID can't be empty"] as Expected,
  messageEmpty: [400, 'MESSAGE_EMPTY', "Message can't be empty"] as Expected,
  attach: [400, 'ATTACH_ERROR', 'Incorrect attach params'] as Expected,
  keyboard: [400, 'KEYBOARD_ERROR', 'Incorrect keyboard params'] as Expected,
  menu: [400, 'MENU_ERROR', 'Incorrect menu params'] as Expected,
  notAdded: [400, 'WRONG_REQUEST', "Message isn't added"] as Expected,
  pressMessage: [400, 'MESSAGE_ID_ERROR', "Message ID can't be empty"] as Expected,
  pressBot: [400, 'BOT_ID_ERROR', "Bot ID can't be empty"] as Expected,
  pressCommand: [400, 'COMMAND_ERROR', "Command can't be empty"] as Expected,
  pressParams: [400, 'PARAMS_ERROR', 'Incorrect params'] as Expected,
};
const LANG = [{ LANGUAGE_ID: 'en', TITLE: 'Echo', PARAMS: 'text' }];

/** Strips `undefined` overrides, so a test can drop a key from the JSON body. */
const body = (base: Params, over: Params): Params => ({ ...base, ...over });

describe('imbot.command.*', () => {
  let p: TestPortal;
  let person: { id: number; hook: string };
  let stranger: { id: number; hook: string };
  let bot: number;
  let foreignBot: number;
  const db = () => p.server.core.store.db;

  const call = (method: string, params: Params, hook = p.adminHook) => callJson(hook, method, params);
  const control = async (path: string, params: Params) => {
    const a = await request(`${p.http}/__control/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify(params),
    });
    assert.equal(a.status, 200, a.text);
    return a.body;
  };
  const advance = (ms: number) => control('clock', { advance_ms: ms });
  const failNextWrite = (method: string) => control('faults', { method, kind: 'store_failure', times: 1 });
  const asSession = (method: string, params: Params) => sessionCall(p, method, params);
  const newPerson = (name: string) => addPerson(p, name);
  const registerBot = async (code: string, clientId: string) =>
    assertResult(
      await call('imbot.register', { CODE: code, CLIENT_ID: clientId, EVENT_HANDLER: H, PROPERTIES: { NAME: code } }),
      `register ${code}`,
    ) as number;
  const commandParams = (command: string, over: Params = {}) =>
    body({ BOT_ID: bot, COMMAND: command, EVENT_COMMAND_ADD: H, LANG, CLIENT_ID: APP }, over);
  const registerCommand = async (command: string, over: Params = {}) =>
    assertResult(await call('imbot.command.register', commandParams(command, over)), `command ${command}`) as number;
  const storedCommand = (id: number) => db().selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
  const storedLangs = (id: number) =>
    db().selectFrom('command_langs').select(['language_id', 'title', 'params']).where('command_id', '=', id).orderBy('language_id').execute();
  const commandBindings = (token: string) =>
    db()
      .selectFrom('event_bindings')
      .select(['handler_url'])
      .where('event_name', '=', 'ONIMCOMMANDADD')
      .where('application_token', '=', token)
      .execute();
  const history = async (hook: string, dialogId: string | number) =>
    assertResult(await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: String(dialogId), LIMIT: 50 }), 'history').messages as any[];

  before(async () => {
    p = await startPortal();
    person = await newPerson('Pat');
    stranger = await newPerson('Sam');
    bot = await registerBot('cmdbot', APP);
    foreignBot = await registerBot('foreign', 'foreign-app');
  });
  after(() => p.stop());

  describe('imbot.command.register', () => {
    const cases: [string, Params, Expected][] = [
      ['no CLIENT_ID', { CLIENT_ID: undefined }, E.noClient],
      ['ACCESS_DENIED before BOT_ID_ERROR', { CLIENT_ID: undefined, BOT_ID: undefined }, E.noClient],
      ['BOT_ID missing', { BOT_ID: undefined }, E.noBot],
      ['BOT_ID 0', { BOT_ID: 0 }, E.noBot],
      ['BOT_ID of nobody', { BOT_ID: 999_999 }, E.noBot],
      ['BOT_ID of a person', { BOT_ID: 1 }, E.noBot],
      ['bot of another app', { BOT_ID: -1 }, E.botOfOtherApp],
      ['APP_ID_ERROR before the handler check', { BOT_ID: -1, EVENT_COMMAND_ADD: 'not a url' }, E.botOfOtherApp],
      ['EVENT_COMMAND_ADD missing', { EVENT_COMMAND_ADD: undefined }, E.handlerMissing],
      ['EVENT_COMMAND_ADD "0"', { EVENT_COMMAND_ADD: '0' }, E.handlerMissing],
      ['EVENT_COMMAND_ADD not a URL', { EVENT_COMMAND_ADD: 'not a url' }, E.wrongUrl],
      ['EVENT_COMMAND_ADD ftp', { EVENT_COMMAND_ADD: 'ftp://example.com/h' }, E.badProtocol],
      ['handler before COMMAND', { EVENT_COMMAND_ADD: undefined, COMMAND: undefined }, E.handlerMissing],
      ['COMMAND missing', { COMMAND: undefined }, E.command],
      ['COMMAND empty', { COMMAND: '' }, E.command],
      ['COMMAND before LANG', { COMMAND: undefined, LANG: undefined }, E.command],
      ['LANG missing', { LANG: undefined }, E.lang],
      ['LANG empty', { LANG: [] }, E.lang],
      ['COMMAND over 255 chars', { COMMAND: 'c'.repeat(256) }, E.cantCreate],
    ];
    for (const [label, over, expected] of cases) {
      it(`rejects: ${label}`, async () => {
        const params = commandParams('err', over);
        if (params.BOT_ID === -1) params.BOT_ID = foreignBot;
        const before = (await db().selectFrom('commands').select('id').execute()).length;
        assertError(await call('imbot.command.register', params), expected, label);
        assert.equal((await db().selectFrom('commands').select('id').execute()).length, before, 'nothing registered');
      });
    }

    it('rejects browser sessions first', async () => {
      assertError(await asSession('imbot.command.register', commandParams('sess')), E.session);
      assertError(await asSession('imbot.command.register', {}), E.session);
    });

    it('registers: int id, "/" stripped, flags and LANG normalised, app binding with CLIENT_ID', async () => {
      const id = await registerCommand('/greet', {
        COMMON: 'Y',
        HIDDEN: 'Y',
        EXTRANET_SUPPORT: 'y',
        LANG: [
          { LANGUAGE_ID: 'EN', TITLE: 'Greet', PARAMS: 'name' },
          { TITLE: 'no language' },
          { LANGUAGE_ID: 'de' },
          { LANGUAGE_ID: 'ru', TITLE: 'Привет' },
          { LANGUAGE_ID: 'xyz', TITLE: 'too long an id' },
        ],
      });
      assert.ok(Number.isInteger(id) && id > 0);
      const row = await storedCommand(id);
      assert.deepEqual(
        { command: row?.command, bot: row?.bot_id, app: row?.app_id, common: row?.common, hidden: row?.hidden, extranet: row?.extranet_support },
        { command: 'greet', bot, app: `custom${APP}`, common: 'Y', hidden: 'Y', extranet: 'N' },
      );
      assert.deepEqual(await storedLangs(id), [
        { language_id: 'en', title: 'Greet', params: 'name' },
        { language_id: 'ru', title: 'Привет', params: '' },
      ]);
      assert.deepEqual(await commandBindings(APP), [{ handler_url: `${H}?CLIENT_ID=${APP}` }]);
    });

    it('is idempotent on (BOT_ID, COMMAND): same id, LANG kept, the binding moves to the last URL', async () => {
      const first = await registerCommand('same');
      const again = await registerCommand('/same', { LANG: [{ LANGUAGE_ID: 'de', TITLE: 'Neu' }], EVENT_COMMAND_ADD: `${H}/v2?x=1` });
      assert.equal(again, first);
      assert.deepEqual(await storedLangs(first), [{ language_id: 'en', title: 'Echo', params: 'text' }]);
      assert.deepEqual(await commandBindings(APP), [{ handler_url: `${H}/v2?x=1&CLIENT_ID=${APP}` }]);
      const other = await registerCommand('same', { BOT_ID: await registerBot('second', APP) });
      assert.notEqual(other, first, 'another bot of the same app gets its own command');
    });

    it('answers "Command can\'t be created" on a store failure and keeps nothing', async () => {
      await failNextWrite('imbot.command.register');
      assertError(await call('imbot.command.register', commandParams('faulty')), E.cantCreate);
      assert.equal((await db().selectFrom('commands').select('id').where('command', '=', 'faulty').execute()).length, 0);
    });
  });

  describe('imbot.command.unregister', () => {
    it('walks the error rows in order', async () => {
      const foreign = await registerCommand('theirs', { BOT_ID: foreignBot, CLIENT_ID: 'foreign-app' });
      assertError(await asSession('imbot.command.unregister', { COMMAND_ID: foreign }), E.session);
      assertError(await call('imbot.command.unregister', { COMMAND_ID: foreign }), E.noClient);
      assertError(await call('imbot.command.unregister', { CLIENT_ID: APP }), E.notFound);
      assertError(await call('imbot.command.unregister', { CLIENT_ID: APP, COMMAND_ID: 999_999 }), E.notFound);
      assertError(await call('imbot.command.unregister', { CLIENT_ID: APP, COMMAND_ID: foreign }), E.otherApp);
      assert.ok(await storedCommand(foreign), 'still there');
    });

    it('deletes the command and its languages, keeps the app binding', async () => {
      const id = await registerCommand('gone');
      assert.equal(assertResult(await call('imbot.command.unregister', { CLIENT_ID: APP, COMMAND_ID: String(id) })), true);
      assert.equal(await storedCommand(id), undefined);
      assert.deepEqual(await storedLangs(id), []);
      assert.equal((await commandBindings(APP)).length, 1);
      assertError(await call('imbot.command.unregister', { CLIENT_ID: APP, COMMAND_ID: id }), E.notFound);
    });

    it('answers "Command can\'t be deleted" on a store failure', async () => {
      const id = await registerCommand('sticky');
      await failNextWrite('imbot.command.unregister');
      assertError(await call('imbot.command.unregister', { CLIENT_ID: APP, COMMAND_ID: id }), E.cantDelete);
      assert.ok(await storedCommand(id));
    });
  });

  describe('imbot.command.update', () => {
    it('walks the error rows in order', async () => {
      const id = await registerCommand('upd-errors');
      const foreign = await registerCommand('upd-theirs', { BOT_ID: foreignBot, CLIENT_ID: 'foreign-app' });
      const upd = (params: Params) => call('imbot.command.update', params);
      assertError(await asSession('imbot.command.update', { COMMAND_ID: id, FIELDS: { HIDDEN: 'Y' } }), E.session);
      assertError(await upd({ COMMAND_ID: id, FIELDS: { HIDDEN: 'Y' } }), E.noClient);
      assertError(await upd({ CLIENT_ID: APP, FIELDS: { HIDDEN: 'Y' } }), E.notFound);
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: foreign, FIELDS: { HIDDEN: 'Y' } }), E.otherApp);
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: id, FIELDS: { EVENT_COMMAND_ADD: 'not a url', HIDDEN: 'Y' } }), E.wrongUrl);
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: id, FIELDS: { EVENT_COMMAND_ADD: 'ftp://example.com' } }), E.badProtocol);
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: id }), E.updateEmpty);
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: id, FIELDS: {} }), E.updateEmpty);
      // FIELDS.COMMAND and FIELDS.COMMON are ignored by the REST layer (the portal's behaviour; api-reference/chat-bots/outdated/commands/imbot-command-update.md lists them as updatable).
      assertError(await upd({ CLIENT_ID: APP, COMMAND_ID: id, FIELDS: { COMMAND: 'renamed', COMMON: 'Y' } }), E.updateEmpty);
      const row = await storedCommand(id);
      assert.deepEqual([row?.command, row?.common, row?.hidden], ['upd-errors', 'N', 'N']);
    });

    it('updates HIDDEN, EXTRANET_SUPPORT, replaces LANG and rebinds the handler', async () => {
      const id = await registerCommand('upd');
      const fields = { HIDDEN: 'Y', EXTRANET_SUPPORT: 'Y', LANG: [{ LANGUAGE_ID: 'DE', TITLE: 'Echo!' }], EVENT_COMMAND_ADD: `${H}/new` };
      assert.equal(assertResult(await call('imbot.command.update', { CLIENT_ID: APP, COMMAND_ID: id, FIELDS: fields })), true);
      const row = await storedCommand(id);
      assert.deepEqual([row?.hidden, row?.extranet_support, row?.command], ['Y', 'Y', 'upd']);
      assert.deepEqual(await storedLangs(id), [{ language_id: 'de', title: 'Echo!', params: '' }]);
      assert.deepEqual(await commandBindings(APP), [{ handler_url: `${H}/new?CLIENT_ID=${APP}` }]);
      assert.equal(assertResult(await call('imbot.command.update', { CLIENT_ID: APP, COMMAND_ID: id, FIELDS: { HIDDEN: 'N' } })), true);
      assert.equal((await storedCommand(id))?.hidden, 'N');
    });

    it('answers "Command can\'t be updated" on a store failure', async () => {
      const id = await registerCommand('upd-fault');
      await failNextWrite('imbot.command.update');
      assertError(await call('imbot.command.update', { CLIENT_ID: APP, COMMAND_ID: id, FIELDS: { HIDDEN: 'Y' } }), E.cantUpdate);
      assert.equal((await storedCommand(id))?.hidden, 'N');
    });
  });

  describe('imbot.command.answer and im.message.command', () => {
    let echo: number;
    let groupChat: number;
    let keyboardMessage: number;
    const answer = (params: Params) => call('imbot.command.answer', { CLIENT_ID: APP, ...params });
    const press = (params: Params, hook = person.hook) => callJson(hook, 'im.message.command', params);
    const pressEcho = (messageId: number) => press({ MESSAGE_ID: messageId, BOT_ID: bot, COMMAND: 'echo', COMMAND_PARAMS: 'x' });

    before(async () => {
      echo = await registerCommand('echo');
      groupChat = assertResult(await callJson(person.hook, 'im.chat.add', { USERS: [bot], TITLE: 'With bot' }));
      keyboardMessage = assertResult(
        await call('imbot.message.add', { CLIENT_ID: APP, BOT_ID: bot, DIALOG_ID: `chat${groupChat}`, MESSAGE: 'Pick one' }),
      );
    });

    it('answer: walks the error rows in order', async () => {
      const foreign = await registerCommand('answer-theirs', { BOT_ID: foreignBot, CLIENT_ID: 'foreign-app' });
      const ok = { COMMAND_ID: echo, MESSAGE_ID: keyboardMessage, MESSAGE: 'hi' };
      assertError(await asSession('imbot.command.answer', { ...ok, CLIENT_ID: APP }), E.session);
      assertError(await call('imbot.command.answer', ok), E.noClient);
      assertError(await answer({ ...ok, COMMAND_ID: 999_999 }), E.notFound);
      assertError(await answer({ ...ok, COMMAND_ID: foreign }), E.otherApp);
      assertError(await answer({ ...ok, COMMAND_ID: undefined, COMMAND: 'answer-theirs' }), E.notFound);
      assertError(await answer({ ...ok, COMMAND_ID: undefined, COMMAND: '/echo' }), E.notFound);
      assertError(await answer({ ...ok, COMMAND_ID: 999_999, MESSAGE_ID: undefined }), E.notFound);
      assertError(await answer({ ...ok, MESSAGE_ID: undefined }), E.messageIdEmpty);
      assertError(await answer({ ...ok, MESSAGE_ID: 0, MESSAGE: '' }), E.messageIdEmpty);
      assertError(await answer({ ...ok, MESSAGE: undefined }), E.messageEmpty);
      assertError(await answer({ ...ok, MESSAGE: '   ', ATTACH: 'broken' }), E.messageEmpty);
      assertError(await answer({ ...ok, ATTACH: 'broken', KEYBOARD: 'broken' }), E.attach);
      assertError(await answer({ ...ok, KEYBOARD: [{ TEXT: 'no action' }], MENU: 'broken' }), E.keyboard);
      assertError(await answer({ ...ok, MENU: [{ TEXT: 'no action' }] }), E.menu);
      assertError(await answer({ ...ok, COMMAND_ID: undefined }), E.notAdded);
      assertError(await answer({ ...ok, COMMAND_ID: undefined, MENU: 'broken' }), E.menu);
      assertError(await answer({ ...ok, MESSAGE_ID: 999_999 }), E.notAdded);
    });

    it('im.message.command: walks the error rows in order and posts nothing', async () => {
      const before = (await history(person.hook, `chat${groupChat}`)).length;
      assertError(await press({ BOT_ID: bot, COMMAND: 'echo' }), E.pressMessage);
      assertError(await press({ MESSAGE_ID: keyboardMessage, COMMAND: 'echo' }), E.pressBot);
      assertError(await press({ MESSAGE_ID: 'abc', BOT_ID: 'abc' }), E.pressMessage);
      assertError(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: bot }), E.pressCommand);
      assertError(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: bot, COMMAND: '' }), E.pressCommand);
      assertError(await press({ MESSAGE_ID: 999_999, BOT_ID: bot, COMMAND: 'echo' }), E.pressParams);
      assertError(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: bot, COMMAND: 'nope' }), E.pressParams);
      assertError(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: foreignBot, COMMAND: 'echo' }), E.pressParams);
      assertError(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: bot, COMMAND: 'echo' }, stranger.hook), E.pressParams, 'not in the chat');
      assert.equal(assertResult(await press({ MESSAGE_ID: keyboardMessage, BOT_ID: bot, COMMAND: '/echo', COMMAND_PARAMS: 'a b' })), true);
      assert.equal((await history(person.hook, `chat${groupChat}`)).length, before, 'a press posts nothing');
    });

    it('answers only inside the 10-minute window after a press, prolonged by every answer', async () => {
      const chat = assertResult(await callJson(person.hook, 'im.chat.add', { USERS: [bot], TITLE: 'Window' }));
      const msg = assertResult(await call('imbot.message.add', { CLIENT_ID: APP, BOT_ID: bot, DIALOG_ID: `chat${chat}`, MESSAGE: 'menu' }));
      const count = async () => (await history(person.hook, `chat${chat}`)).length;
      assert.equal(assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'too early' })), true, 'no command fired yet');
      assert.equal(await count(), 1);

      assert.equal(assertResult(await pressEcho(msg)), true);
      const id = assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'first' }));
      assert.ok(Number.isInteger(id) && id > msg);
      const [latest] = await history(person.hook, `chat${chat}`);
      assert.deepEqual({ id: latest.id, text: latest.text, author: latest.author_id }, { id, text: 'first', author: bot });

      await advance(9 * 60_000);
      assert.ok(Number.isInteger(assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'after 9 min' }))));
      await advance(9 * 60_000);
      assert.ok(Number.isInteger(assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'prolonged' }))), '18 min after the press, 9 after the last answer');
      await advance(10 * 60_000 + 1_000);
      assert.equal(assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'expired' })), true);
      assert.equal(await count(), 4, 'the expired answer posted nothing');
      assert.deepEqual((await history(person.hook, `chat${chat}`)).map((m) => m.text), ['prolonged', 'after 9 min', 'first', 'menu']);
    });

    it('answers in the private chat with the bot at any time (the dialog is the bot itself)', async () => {
      const msg = assertResult(await callJson(person.hook, 'im.message.add', { DIALOG_ID: bot, MESSAGE: '/echo hello' }));
      await advance(60 * 60_000);
      const id = assertResult(await answer({ COMMAND: 'echo', MESSAGE_ID: msg, MESSAGE: 'Echo: hello', KEYBOARD: [{ TEXT: 'Again', COMMAND: '/echo', COMMAND_PARAMS: 'hello' }], MENU: [{ TEXT: 'Site', LINK: 'https://example.com' }] }));
      const [latest] = await history(person.hook, bot);
      assert.deepEqual({ id: latest.id, text: latest.text, author: latest.author_id }, { id, text: 'Echo: hello', author: bot });
      assert.equal(latest.params.KEYBOARD[0].COMMAND, 'echo');
      assert.equal(latest.params.KEYBOARD[0].BOT_ID, bot);
      assert.equal(latest.params.MENU, undefined, 'MENU is not applied in private chats');
    });

    it('posts a prefixed system answer where the bot is not a member, or with SYSTEM=Y', async () => {
      const chat = assertResult(await callJson(person.hook, 'im.chat.add', { USERS: [stranger.id], TITLE: 'No bot' }));
      const msg = assertResult(await callJson(person.hook, 'im.message.add', { DIALOG_ID: `chat${chat}`, MESSAGE: 'press me' }));
      assert.equal(assertResult(await pressEcho(msg)), true);
      assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: msg, MESSAGE: 'from outside' }));
      const [outside] = await history(person.hook, `chat${chat}`);
      assert.deepEqual({ text: outside.text, author: outside.author_id }, { text: `[USER=${bot}][/USER] Chat Bot\n from outside`, author: bot });

      assert.equal(assertResult(await pressEcho(keyboardMessage)), true);
      assertResult(await answer({ COMMAND_ID: echo, MESSAGE_ID: keyboardMessage, MESSAGE: 'as system', SYSTEM: 'Y', MENU: [{ TEXT: 'Site', LINK: 'https://example.com' }] }));
      const [system] = await history(person.hook, `chat${groupChat}`);
      assert.equal(system.text, `[USER=${bot}][/USER] Chat Bot\n as system`);
      assert.equal(system.params.MENU[0].LINK, 'https://example.com', 'MENU is kept in group chats');
    });
  });
});
