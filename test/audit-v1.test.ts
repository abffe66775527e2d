import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PALETTE } from '../src/im/users.js';
import { startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { PNG_1X1, pngHeader } from './helpers/chats.js';
import {
  addPerson,
  assertError,
  assertResult,
  callJson,
  request,
  sessionCall,
  startPortal,
  type Answer,
  type Expected,
  type Person,
  type TestPortal,
} from './helpers/server.js';

// Fidelity audit of the classic bot API (api-reference/chat-bots/outdated/, api-reference/chats/messages/keyboards.md …;
// the seed page imbot.unregister):
// the claims the other v1 test files left unchecked.

type Params = Record<string, unknown>;

const H = 'http://127.0.0.1:9/h';
const E = {
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  name: [400, 'NAME_ERROR', "Bot name isn't specified"] as Expected,
  updateEmpty: [400, 'WRONG_REQUEST', "Update fields can't be empty"] as Expected,
  menuOversize: [400, 'MENU_OVERSIZE', 'You have exceeded the maximum allowable size of menu'] as Expected,
  keyboardOversize: [400, 'KEYBOARD_OVERSIZE', 'You have exceeded the maximum allowable size of keyboard'] as Expected,
  noDialog: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
};
/** The `time` block of every answer (api-reference/data-types.md#time), key for key. */
const TIME_KEYS = ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating'];

/** A context menu of LINK items whose normalised JSON is well over 60 000 characters. */
const BIG_MENU = Array.from({ length: 400 }, (_, i) => ({ TEXT: `item ${i} ${'x'.repeat(150)}`, LINK: 'https://example.com/' }));
const BIG_KEYBOARD = Array.from({ length: 400 }, (_, i) => ({ TEXT: `button ${i} ${'x'.repeat(100)}`, COMMAND: 'echo' }));

describe('v1 audit', () => {
  let p: TestPortal;
  let alice: Person;
  const db = () => p.server.core.store.db;

  const asApp = (clientId: string, method: string, params: Params = {}) => callJson(p.adminHook, method, { CLIENT_ID: clientId, ...params });
  async function register(code: string, clientId: string, properties: Params = { NAME: code }): Promise<number> {
    return assertResult(await asApp(clientId, 'imbot.register', { CODE: code, EVENT_HANDLER: H, PROPERTIES: properties }), `register ${code}`);
  }
  const botList = async (): Promise<Record<string, { NAME: string }>> => {
    const list = assertResult(await callJson(p.adminHook, 'imbot.bot.list'));
    return Array.isArray(list) ? {} : list;
  };
  const photoOf = async (id: number) => (await db().selectFrom('users').select('personal_photo').where('id', '=', id).executeTakeFirstOrThrow()).personal_photo;

  before(async () => {
    p = await startPortal();
    alice = await addPerson(p, 'Alice');
  });
  after(() => p.stop());

  describe('the seed page: imbot.unregister by an OAuth application', () => {
    let r: Receiver;
    let token: string;
    let clientId: string;
    /** The seed's second curl example: a JSON body carrying `auth`, POSTed to /rest/<method>. */
    const withToken = (method: string, params: Params): Promise<Answer> =>
      request(`${p.http}/rest/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: token }) });

    before(async () => {
      r = await startReceiver();
      const { app, auth } = await installScriptApp(p, r, '/install');
      token = auth.access_token;
      clientId = app.client_id;
    });
    after(() => r.close());

    it('an app\'s bot answers only to that app: a webhook naming its client_id, or the app touching a webhook bot, is APP_ID_ERROR', async () => {
      const appBot = assertResult(await withToken('imbot.register', { CODE: 'seed-oauth', EVENT_HANDLER: H, PROPERTIES: { NAME: 'Seed' } }));
      const hookBot = await register('seed-hook', 'seed-hook-app');
      // A webhook's CLIENT_ID X owns "customX", never the OAuth app X (api-reference/chat-bots/outdated/bots/imbot-register.md; the portal's behaviour).
      assertError(await asApp(clientId, 'imbot.unregister', { BOT_ID: appBot }), E.otherApp);
      // An OAuth caller's CLIENT_ID is ignored, so it cannot reach the webhook bot either.
      assertError(await withToken('imbot.unregister', { BOT_ID: hookBot, CLIENT_ID: 'seed-hook-app' }), E.otherApp);
      const list = await botList();
      assert.ok(Object.hasOwn(list, String(appBot)) && Object.hasOwn(list, String(hookBot)), 'both bots survive');
    });

    it('{"BOT_ID":…, "auth":…} answers 200 {result: true, time}; the bot and its personal chats are gone', async () => {
      const botId = assertResult(await withToken('imbot.register', { CODE: 'seed-doomed', EVENT_HANDLER: H, PROPERTIES: { NAME: 'Doomed' } }));
      assertResult(await withToken('imbot.message.add', { BOT_ID: botId, DIALOG_ID: String(alice.id), MESSAGE: 'hello' }));
      const gone = await withToken('imbot.unregister', { BOT_ID: botId });
      assert.equal(gone.status, 200, gone.text);
      assert.deepEqual(Object.keys(gone.body), ['result', 'time']);
      assert.equal(gone.body.result, true);
      assert.deepEqual(Object.keys(gone.body.time), TIME_KEYS);
      assert.equal(Object.hasOwn(await botList(), String(botId)), false);
      assertError(await callJson(alice.hook, 'im.dialog.messages.get', { DIALOG_ID: String(botId) }), E.noDialog, 'the personal chat was deleted');
      assertError(await withToken('imbot.unregister', { BOT_ID: botId }), E.noBot, 'a second call');
    });
  });

  describe('BOT_ID as the portal reads it (`$bots[$arParams[\'BOT_ID\']]`, `isset`)', () => {
    let bot: number;
    let bot2: number;
    before(async () => {
      bot = await register('key-first', 'keys');
      bot2 = await register('key-second', 'keys');
    });

    it('imbot.unregister / imbot.update: a BOT_ID that is not a canonical integer names no bot (intval would pick one)', async () => {
      for (const BOT_ID of [`${bot2}abc`, ` ${bot2}`, `0${bot2}`, `${bot2}.0`, [bot2]]) {
        assertError(await asApp('keys', 'imbot.unregister', { BOT_ID }), E.noBot, `unregister ${JSON.stringify(BOT_ID)}`);
        assertError(await asApp('keys', 'imbot.update', { BOT_ID, FIELDS: { CODE: 'renamed' } }), E.noBot, `update ${JSON.stringify(BOT_ID)}`);
      }
      assert.ok(Object.hasOwn(await botList(), String(bot2)), 'nothing was unregistered');
      assert.equal(assertResult(await asApp('keys', 'imbot.update', { BOT_ID: String(bot2), FIELDS: { PROPERTIES: { NAME: 'Keyed' } } })), true, 'a numeric string is the key');
      assert.equal((await botList())[bot2].NAME, 'Keyed');
    });

    it('message methods: BOT_ID null is absent (the app\'s first bot acts), "<id>abc" is no bot', async () => {
      const id = assertResult(await asApp('keys', 'imbot.message.add', { BOT_ID: null, DIALOG_ID: String(alice.id), MESSAGE: 'from the first bot' }));
      const h = assertResult(await callJson(alice.hook, 'im.dialog.messages.get', { DIALOG_ID: String(bot) }));
      assert.deepEqual(h.messages.map((m: any) => [m.id, m.author_id]), [[id, bot]]);
      assertError(await asApp('keys', 'imbot.message.add', { BOT_ID: `${bot2}abc`, DIALOG_ID: String(alice.id), MESSAGE: 'x' }), E.noBot);
      assertError(await asApp('keys', 'imbot.chat.sendTyping', { BOT_ID: `${bot2} `, DIALOG_ID: String(alice.id) }), E.noBot);
      const chat = assertResult(await asApp('keys', 'imbot.chat.add', { BOT_ID: null, USERS: [alice.id] }));
      assert.equal(assertResult(await callJson(alice.hook, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).owner, bot, 'chat methods auto-fill too');
    });

    it('imbot.command.register keeps intval(BOT_ID) (its "≤ 0" check), unlike the lookups above', async () => {
      const id = assertResult(await asApp('keys', 'imbot.command.register', { BOT_ID: `${bot2}abc`, COMMAND: 'keyed', EVENT_COMMAND_ADD: H, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Keyed' }] }));
      const row = await db().selectFrom('commands').select('bot_id').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.bot_id, bot2);
    });
  });

  describe('session auth: message and chat methods act like a webhook', () => {
    it('needs CLIENT_ID, then posts as the app\'s bot', async () => {
      const bot = await register('session-bot', 'session-app');
      assertError(await sessionCall(p, 'imbot.message.add', { DIALOG_ID: String(alice.id), MESSAGE: 'x' }), E.noClient);
      const id = assertResult(await sessionCall(p, 'imbot.message.add', { CLIENT_ID: 'session-app', DIALOG_ID: String(alice.id), MESSAGE: 'via session' }));
      assert.ok(Number.isInteger(id));
      assert.equal(assertResult(await sessionCall(p, 'imbot.chat.sendTyping', { CLIENT_ID: 'session-app', DIALOG_ID: String(alice.id) })), true);
      const chat = assertResult(await sessionCall(p, 'imbot.chat.add', { CLIENT_ID: 'session-app', USERS: [alice.id] }));
      assert.equal(assertResult(await callJson(alice.hook, 'im.dialog.get', { DIALOG_ID: `chat${chat}` })).owner, bot);
    });
  });

  describe('imbot.update: PROPERTIES as the portal checks them', () => {
    let bot: number;
    before(async () => {
      bot = await register('props', 'props-app', { NAME: 'Props' });
    });
    const fields = (FIELDS: Params) => asApp('props-app', 'imbot.update', { BOT_ID: bot, FIELDS });

    it('NAME_ERROR needs NAME and LAST_NAME both PHP-empty ("" or "0"), not merely blank', async () => {
      assertError(await fields({ PROPERTIES: { NAME: '0', LAST_NAME: '0' } }), E.name);
      assertError(await fields({ PROPERTIES: { NAME: '', LAST_NAME: '0' } }), E.name);
      assert.equal(assertResult(await fields({ PROPERTIES: { NAME: '  ', LAST_NAME: ' ' } })), true, 'blank is not empty');
      const name = await db().selectFrom('users').select('name').where('id', '=', bot).executeTakeFirstOrThrow();
      assert.equal(name.name, 'Props', 'a NAME that trims to nothing is dropped');
    });

    it('PERSONAL_PHOTO alone is an update; an invalid one is ignored, so alone it is "Update fields can\'t be empty"', async () => {
      assertError(await fields({ PROPERTIES: { PERSONAL_PHOTO: 'not an image' } }), E.updateEmpty);
      assertError(await fields({ PROPERTIES: { PERSONAL_PHOTO: pngHeader(5001, 10) } }), E.updateEmpty, 'over 5000 px');
      assert.equal(await photoOf(bot), '');
      assert.equal(assertResult(await fields({ PROPERTIES: { PERSONAL_PHOTO: ['bot.png', PNG_1X1] } })), true);
      assert.equal(await photoOf(bot), `data:image/png;base64,${PNG_1X1}`);
    });

    it('imbot.register keeps a valid PERSONAL_PHOTO and registers without an invalid one', async () => {
      const withPhoto = await register('photo-ok', 'props-app', { NAME: 'Photo', PERSONAL_PHOTO: PNG_1X1 });
      const without = await register('photo-bad', 'props-app', { NAME: 'No photo', PERSONAL_PHOTO: 'bm90IGFuIGltYWdl' });
      assert.deepEqual([await photoOf(withPhoto), await photoOf(without)], [`data:image/png;base64,${PNG_1X1}`, '']);
    });
  });

  describe('PROPERTIES.COLOR is the bot user\'s colour (stored like CIMStatus::SetColor)', () => {
    it('im.user.get and the history\'s users show it; none or an unknown name keeps the palette pick', async () => {
      const red = await register('colour-red', 'colour-app', { NAME: 'Red', COLOR: 'RED' });
      const plain = await register('colour-none', 'colour-app', { NAME: 'Plain' });
      const odd = await register('colour-odd', 'colour-app', { NAME: 'Odd', COLOR: 'toString' });
      const colour = async (id: number) => assertResult(await callJson(alice.hook, 'im.user.get', { ID: id })).color;
      assert.equal(await colour(red), '#df532d');
      assert.equal(await colour(plain), PALETTE[plain % PALETTE.length]);
      assert.equal(await colour(odd), PALETTE[odd % PALETTE.length]);
      assert.equal(assertResult(await asApp('colour-app', 'imbot.update', { BOT_ID: plain, FIELDS: { PROPERTIES: { COLOR: 'AZURE' } } })), true);
      assert.equal(await colour(plain), '#29619b');
      assertResult(await asApp('colour-app', 'imbot.message.add', { BOT_ID: red, DIALOG_ID: String(alice.id), MESSAGE: 'hi' }));
      const h = assertResult(await callJson(alice.hook, 'im.dialog.messages.get', { DIALOG_ID: String(red) }));
      assert.equal(h.users.find((u: any) => u.id === red).color, '#df532d');
    });
  });

  describe('imbot.command.answer checks the KEYBOARD size but not the MENU size', () => {
    it('a 60 000+ character menu is posted by answer, refused by message.update; a keyboard that size is KEYBOARD_OVERSIZE', async () => {
      const bot = await register('answer-size', 'answer-app');
      const command = assertResult(await asApp('answer-app', 'imbot.command.register', { BOT_ID: bot, COMMAND: 'echo', EVENT_COMMAND_ADD: H, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Echo' }] }));
      const chat = assertResult(await callJson(alice.hook, 'im.chat.add', { USERS: [bot] }));
      const typed = assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: `chat${chat}`, MESSAGE: '/echo hi' }));
      const answer = (more: Params) => asApp('answer-app', 'imbot.command.answer', { COMMAND_ID: command, MESSAGE_ID: typed, MESSAGE: 'answer', ...more });

      assertError(await answer({ KEYBOARD: BIG_KEYBOARD }), E.keyboardOversize);
      const id = assertResult(await answer({ MENU: BIG_MENU }));
      assert.ok(Number.isInteger(id));
      const h = assertResult(await callJson(alice.hook, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}`, LIMIT: 1 }));
      assert.deepEqual([h.messages[0].id, h.messages[0].params.MENU.length], [id, BIG_MENU.length]);
      assertError(await asApp('answer-app', 'imbot.message.update', { BOT_ID: bot, MESSAGE_ID: id, MENU: BIG_MENU }), E.menuOversize);
    });
  });
});
