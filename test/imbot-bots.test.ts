import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { callJson, request, startPortal, type Answer, type TestPortal, assertError, assertResult, type Expected, addPerson, httpsJson, sessionCall } from './helpers/server.js';

// imbot.register / unregister / update / bot.list (api-reference/chat-bots/outdated/bots/; the portal's behaviour
// where the pages are silent or disagree with it).

const H = 'http://127.0.0.1:9/h';
const WRONG_URL = 'Wrong handler URL';
const BAD_PROTOCOL = 'Unsupported handler protocol';
const missingHandler = (event: string) => `Handler for "${event}" event isn't specified`;
/** The handler fields in the order the server validates them. */
const HANDLER_FIELDS = [
  'EVENT_MESSAGE_ADD',
  'EVENT_MESSAGE_UPDATE',
  'EVENT_MESSAGE_DELETE',
  'EVENT_CONTEXT_GET',
  'EVENT_WELCOME_MESSAGE',
  'EVENT_BOT_DELETE',
] as const;

type Params = Record<string, unknown>;

const E = {
  session: [403, 'WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.'] as Expected,
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  code: [400, 'CODE_ERROR', "Bot code isn't specified"] as Expected,
  name: [400, 'NAME_ERROR', "Bot name isn't specified"] as Expected,
  cantCreate: [400, 'WRONG_REQUEST', "Bot can't be created"] as Expected,
  cantDelete: [400, 'WRONG_REQUEST', "Bot can't be deleted"] as Expected,
  cantUpdate: [400, 'WRONG_REQUEST', "Bot can't be updated"] as Expected,
  updateEmpty: [400, 'WRONG_REQUEST', "Update fields can't be empty"] as Expected,
  handler: (field: string, text: string): Expected => [400, `${field}_ERROR`, text],
};

/** Valid imbot.register parameters; an `undefined` override drops the key from the JSON body. */
function botParams(code: string, clientId: string | undefined, over: Params = {}): Params {
  return {
    CODE: code,
    CLIENT_ID: clientId,
    EVENT_MESSAGE_ADD: H,
    EVENT_WELCOME_MESSAGE: H,
    EVENT_BOT_DELETE: H,
    PROPERTIES: { NAME: `Bot ${code}` },
    ...over,
  };
}

async function register(base: string, code: string, clientId: string, over: Params = {}): Promise<number> {
  return assertResult(await callJson(base, 'imbot.register', botParams(code, clientId, over)), `register ${code}`);
}

async function botList(p: TestPortal): Promise<Record<string, { ID: number; NAME: string; CODE: string; OPENLINE: string }>> {
  const list = assertResult(await callJson(p.adminHook, 'imbot.bot.list'), 'bot.list');
  return Array.isArray(list) ? {} : list;
}

async function control(p: TestPortal, path: string, body: Params): Promise<any> {
  const a = await request(`${p.http}/__control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
    body: JSON.stringify(body),
  });
  assert.equal(a.status, 200, a.text);
  return a.body;
}

const failNextWrite = (p: TestPortal, method: string) => control(p, 'faults', { method, kind: 'store_failure', times: 1 });

/** White-box: the app's event binding rows (one per event per app). */
function bindingsOf(p: TestPortal, applicationToken: string) {
  return p.server.core.store.db
    .selectFrom('event_bindings')
    .select(['event_name', 'handler_url', 'app_id'])
    .where('application_token', '=', applicationToken)
    .orderBy('event_name')
    .execute();
}

async function storedBot(p: TestPortal, botId: number) {
  return p.server.core.store.db.selectFrom('bots').selectAll().where('bot_id', '=', botId).executeTakeFirst();
}

async function userCount(p: TestPortal): Promise<number> {
  return (await p.server.core.store.db.selectFrom('users').select('id').execute()).length;
}

async function history(base: string, dialogId: string | number): Promise<Answer> {
  return callJson(base, 'im.dialog.messages.get', { DIALOG_ID: String(dialogId) });
}

describe('imbot.register', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const rejected = (label: string, over: Params, expected: Expected) => ({ label, over, expected });
  const errorCases = [
    rejected('no CLIENT_ID on a webhook', { CLIENT_ID: undefined }, E.noClient),
    rejected('empty CLIENT_ID', { CLIENT_ID: '' }, E.noClient),
    rejected('ACCESS_DENIED before any handler check', { CLIENT_ID: undefined, EVENT_MESSAGE_ADD: undefined }, E.noClient),
    rejected('EVENT_MESSAGE_ADD missing', { EVENT_MESSAGE_ADD: undefined }, E.handler('EVENT_MESSAGE_ADD', missingHandler('Message add'))),
    rejected('EVENT_MESSAGE_ADD empty', { EVENT_MESSAGE_ADD: '' }, E.handler('EVENT_MESSAGE_ADD', missingHandler('Message add'))),
    rejected('EVENT_WELCOME_MESSAGE missing', { EVENT_WELCOME_MESSAGE: undefined }, E.handler('EVENT_WELCOME_MESSAGE', missingHandler('Welcome message'))),
    rejected('EVENT_BOT_DELETE missing', { EVENT_BOT_DELETE: undefined }, E.handler('EVENT_BOT_DELETE', missingHandler('Bot delete'))),
    ...HANDLER_FIELDS.flatMap((field) => [
      rejected(`${field} not a URL`, { [field]: 'not a url' }, E.handler(field, WRONG_URL)),
      rejected(`${field} with ftp scheme`, { [field]: 'ftp://example.com/h' }, E.handler(field, BAD_PROTOCOL)),
    ]),
    // Each handler is checked before the next one: break two neighbours, the earlier one is reported.
    ...HANDLER_FIELDS.slice(0, -1).map((field, i) =>
      rejected(`${field} before ${HANDLER_FIELDS[i + 1]}`, { [field]: 'ftp://example.com/h', [HANDLER_FIELDS[i + 1]]: 'not a url' }, E.handler(field, BAD_PROTOCOL)),
    ),
    rejected('missing EVENT_MESSAGE_ADD before a bad EVENT_MESSAGE_UPDATE', { EVENT_MESSAGE_ADD: undefined, EVENT_MESSAGE_UPDATE: 'not a url' }, E.handler('EVENT_MESSAGE_ADD', missingHandler('Message add'))),
    rejected('bad EVENT_CONTEXT_GET before a missing EVENT_WELCOME_MESSAGE', { EVENT_CONTEXT_GET: 'not a url', EVENT_WELCOME_MESSAGE: undefined }, E.handler('EVENT_CONTEXT_GET', WRONG_URL)),
    rejected('missing EVENT_WELCOME_MESSAGE before a missing EVENT_BOT_DELETE', { EVENT_WELCOME_MESSAGE: undefined, EVENT_BOT_DELETE: undefined }, E.handler('EVENT_WELCOME_MESSAGE', missingHandler('Welcome message'))),
    rejected('a bad EVENT_HANDLER is reported as the first field', { EVENT_HANDLER: 'ftp://example.com/h' }, E.handler('EVENT_MESSAGE_ADD', BAD_PROTOCOL)),
    rejected('handler errors before CODE_ERROR', { CODE: undefined, EVENT_BOT_DELETE: 'not a url' }, E.handler('EVENT_BOT_DELETE', WRONG_URL)),
    rejected('handler errors before CODE_ERROR (missing handler)', { CODE: undefined, EVENT_BOT_DELETE: undefined }, E.handler('EVENT_BOT_DELETE', missingHandler('Bot delete'))),
    rejected('CODE missing', { CODE: undefined }, E.code),
    rejected('CODE empty', { CODE: '' }, E.code),
    rejected('CODE_ERROR before NAME_ERROR', { CODE: undefined, PROPERTIES: undefined }, E.code),
    rejected('no PROPERTIES', { PROPERTIES: undefined }, E.name),
    rejected('PROPERTIES without NAME or LAST_NAME', { PROPERTIES: { COLOR: 'RED', WORK_POSITION: 'Helper' } }, E.name),
    rejected('PROPERTIES.NAME null', { PROPERTIES: { NAME: null } }, E.name),
    rejected('nested keys must be upper-case', { PROPERTIES: { name: 'lower' } }, E.name),
    rejected('NAME_ERROR before the CODE length check', { CODE: 'c'.repeat(51), PROPERTIES: {} }, E.name),
    rejected('CODE longer than 50 chars', { CODE: 'c'.repeat(51) }, E.cantCreate),
    rejected('CLIENT_ID longer than 122 chars (APP_ID over 128)', { CLIENT_ID: 'k'.repeat(123) }, E.cantCreate),
  ];
  for (const c of errorCases) {
    it(`rejects: ${c.label}`, async () => {
      const before = await botList(p);
      assertError(await callJson(p.adminHook, 'imbot.register', botParams('err-case', 'errors', c.over)), c.expected, c.label);
      assert.deepEqual(await botList(p), before, 'nothing was registered');
    });
  }

  it('rejects browser sessions first (WRONG_AUTH_TYPE before ACCESS_DENIED)', async () => {
    assertError(await sessionCall(p, 'imbot.register', botParams('sess', 'sess')), E.session);
    assertError(await sessionCall(p, 'imbot.register', { CODE: 'sess' }), E.session);
  });

  it('refuses a CODE another CLIENT_ID already owns', async () => {
    const id = await register(p.adminHook, 'taken', 'owner-a');
    assertError(await callJson(p.adminHook, 'imbot.register', botParams('taken', 'owner-b')), E.cantCreate);
    const list = await botList(p);
    assert.deepEqual(Object.values(list).filter((b) => b.CODE === 'taken').map((b) => b.ID), [id]);
    assert.deepEqual(await bindingsOf(p, 'owner-b'), [], 'the refused app got no bindings');
  });

  it('answers "Bot can\'t be created" on a store failure and leaves nothing behind', async () => {
    const bots = await botList(p);
    const users = await userCount(p);
    await failNextWrite(p, 'imbot.register');
    assertError(await callJson(p.adminHook, 'imbot.register', botParams('faulty', 'faulty-app')), E.cantCreate);
    assert.deepEqual(await botList(p), bots);
    assert.equal(await userCount(p), users, 'no bot user was left over');
    assert.deepEqual(await bindingsOf(p, 'faulty-app'), []);
    // the fault was used up: the same call now succeeds
    const id = await register(p.adminHook, 'faulty', 'faulty-app');
    assert.equal((await botList(p))[id].CODE, 'faulty');
  });

  it('accepts the minimal NAME forms: NAME "" or LAST_NAME alone', async () => {
    const a = await register(p.adminHook, 'empty-name', 'names', { PROPERTIES: { NAME: '' } });
    const b = await register(p.adminHook, 'last-only', 'names', { PROPERTIES: { LAST_NAME: 'Lastonly' } });
    const list = await botList(p);
    assert.deepEqual([list[a].NAME, list[b].NAME], ['', 'Lastonly']);
  });

  it('EVENT_HANDLER alone fans out to every event, overriding the individual fields', async () => {
    const id = await register(p.adminHook, 'fanout', 'fanout-app', {
      EVENT_MESSAGE_ADD: undefined,
      EVENT_WELCOME_MESSAGE: undefined,
      EVENT_BOT_DELETE: undefined,
      EVENT_MESSAGE_UPDATE: 'not a url',
      EVENT_HANDLER: `${H}/all`,
    });
    assert.ok(Number.isInteger(id));
    const rows = await bindingsOf(p, 'fanout-app');
    assert.deepEqual(
      rows.map((r) => [r.event_name, r.handler_url]),
      ['ONIMBOTCONTEXTGET', 'ONIMBOTDELETE', 'ONIMBOTJOINCHAT', 'ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEDELETE', 'ONIMBOTMESSAGEUPDATE'].map((e) => [
        e,
        `${H}/all?CLIENT_ID=fanout-app`,
      ]),
    );
  });

  it('returns an int id that is the bot user id', async () => {
    const reg = await callJson(p.adminHook, 'imbot.register', botParams('ident', 'ident-app', { PROPERTIES: { NAME: 'Ident', LAST_NAME: 'Bot' } }));
    const botId = assertResult(reg);
    assert.ok(Number.isInteger(botId) && botId > 1, `an int user id, got ${reg.text}`);
    assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'ident-app', DIALOG_ID: '1', MESSAGE: 'hi' }));
    // The admin addresses the bot's private dialog by the bot id and sees it as the author user.
    const result = assertResult(await history(p.adminHook, botId));
    assert.deepEqual(result.messages.map((m: any) => m.author_id), [botId]);
    const user = result.users.find((u: any) => u.id === botId);
    assert.deepEqual({ name: user?.name, bot: user?.bot, type: user?.type }, { name: 'Ident Bot', bot: true, type: 'bot' });
  });

  it('top-level parameter names are case-insensitive', async () => {
    const id = assertResult(
      await callJson(p.adminHook, 'imbot.register', {
        code: 'lower-keys',
        client_id: 'lower-app',
        event_handler: H,
        properties: { NAME: 'Lower' },
      }),
    );
    assert.equal((await botList(p))[id].CODE, 'lower-keys');
  });

  it('normalises TYPE: unknown and lower-case values become B, O forces OPENLINE Y', async () => {
    const x = await register(p.adminHook, 'type-x', 'types', { TYPE: 'X' });
    const lower = await register(p.adminHook, 'type-lower', 'types', { TYPE: 'o' });
    const o = await register(p.adminHook, 'type-o', 'types', { TYPE: 'O', OPENLINE: 'N' });
    const s = await register(p.adminHook, 'type-s', 'types', { TYPE: 'S' });
    const ol = await register(p.adminHook, 'openline-y', 'types', { OPENLINE: 'Y' });
    const olLower = await register(p.adminHook, 'openline-lower', 'types', { OPENLINE: 'y' });
    const types = await Promise.all([x, lower, o, s, ol, olLower].map(async (id) => (await storedBot(p, id))?.type));
    assert.deepEqual(types, ['B', 'B', 'O', 'S', 'B', 'B']);
    const list = await botList(p);
    assert.deepEqual([x, lower, o, s, ol, olLower].map((id) => list[id].OPENLINE), ['N', 'N', 'Y', 'N', 'Y', 'N']);
  });

  it('re-registering a CODE from the same CLIENT_ID returns the same bot and rebinds its handlers', async () => {
    const users = await userCount(p);
    const first = await register(p.adminHook, 'again', 'again-app', { PROPERTIES: { NAME: 'Original' } });
    const second = await register(p.adminHook, 'again', 'again-app', { PROPERTIES: { NAME: 'Changed' }, EVENT_MESSAGE_ADD: `${H}/v2` });
    assert.equal(second, first);
    assert.equal(await userCount(p), users + 1, 'one bot user only');
    const list = await botList(p);
    assert.deepEqual(Object.values(list).filter((b) => b.CODE === 'again'), [{ ID: first, NAME: 'Original', CODE: 'again', OPENLINE: 'N' }]);
    const add = (await bindingsOf(p, 'again-app')).find((r) => r.event_name === 'ONIMBOTMESSAGEADD');
    assert.equal(add?.handler_url, `${H}/v2?CLIENT_ID=again-app`);
  });

  it('stores handler URLs with the raw CLIENT_ID appended, only for the events given', async () => {
    await register(p.adminHook, 'urls', 'raw id+1', {
      EVENT_MESSAGE_ADD: `${H}/add?x=1`,
      EVENT_MESSAGE_DELETE: `${H}/del`,
    });
    const rows = await bindingsOf(p, 'raw id+1');
    assert.deepEqual(
      rows.map((r) => [r.event_name, r.handler_url, r.app_id]),
      [
        ['ONIMBOTDELETE', `${H}?CLIENT_ID=raw id+1`, 0],
        ['ONIMBOTJOINCHAT', `${H}?CLIENT_ID=raw id+1`, 0],
        ['ONIMBOTMESSAGEADD', `${H}/add?x=1&CLIENT_ID=raw id+1`, 0],
        ['ONIMBOTMESSAGEDELETE', `${H}/del?CLIENT_ID=raw id+1`, 0],
      ],
    );
  });

  it('binds per app: a second bot of the app replaces the app\'s handlers, other apps keep theirs', async () => {
    await register(p.adminHook, 'app-one', 'shared-app', { EVENT_HANDLER: `${H}/one` });
    await register(p.adminHook, 'other-app-bot', 'unrelated-app', { EVENT_HANDLER: `${H}/unrelated` });
    await register(p.adminHook, 'app-two', 'shared-app', { EVENT_HANDLER: `${H}/two` });
    const rows = await bindingsOf(p, 'shared-app');
    assert.equal(rows.length, 6, 'one row per event per app');
    assert.ok(rows.every((r) => r.handler_url === `${H}/two?CLIENT_ID=shared-app`), JSON.stringify(rows));
    assert.ok((await bindingsOf(p, 'unrelated-app')).every((r) => r.handler_url === `${H}/unrelated?CLIENT_ID=unrelated-app`));
  });

  it('accepts a localhost handler in the dev profile', async () => {
    const id = await register(p.adminHook, 'dev-localhost', 'dev-app', { EVENT_HANDLER: 'http://localhost:3000/bot' });
    assert.ok(Number.isInteger(id));
  });
});

describe('imbot.register in the cloud profile', () => {
  let p: TestPortal;
  let ca: Buffer;
  let hook: string;
  before(async () => {
    p = await startPortal({ profile: 'cloud' });
    ca = readFileSync(p.server.caPath);
    hook = `${p.https}/rest/1/${p.adminCode}/imbot.register`;
  });
  after(() => p.stop());

  it('rejects a localhost handler as a wrong URL', async () => {
    assertError(await httpsJson(hook, botParams('cloud-local', 'cloud', { EVENT_MESSAGE_ADD: 'http://localhost/h' }), ca), E.handler('EVENT_MESSAGE_ADD', WRONG_URL));
    const pub = 'http://93.184.215.14/h'; // the handlers before it must pass: 127.0.0.1 is not public under cloud
    assertError(await httpsJson(hook, botParams('cloud-local', 'cloud', { EVENT_MESSAGE_ADD: pub, EVENT_WELCOME_MESSAGE: pub, EVENT_BOT_DELETE: 'https://localhost:8443/h' }), ca), E.handler('EVENT_BOT_DELETE', WRONG_URL));
  });

  it('accepts a dotted host with a public address; refuses 127.0.0.1 (not public, see test/security-handler-urls.test.ts)', async () => {
    const reg = await httpsJson(hook, botParams('cloud-ip', 'cloud', { EVENT_HANDLER: 'http://93.184.215.14/h' }), ca);
    assert.ok(Number.isInteger(assertResult(reg)), reg.text);
    assertError(await httpsJson(hook, botParams('cloud-lo', 'cloud', { EVENT_HANDLER: 'http://127.0.0.1/h' }), ca), E.handler('EVENT_MESSAGE_ADD', WRONG_URL));
  });
});

describe('imbot.unregister', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const unregister = (base: string, params: Params) => callJson(base, 'imbot.unregister', params);

  it('rejects every error row of the reference in order', async () => {
    const botId = await register(p.adminHook, 'unreg-errors', 'unreg-app');
    assertError(await sessionCall(p, 'imbot.unregister', { CLIENT_ID: 'unreg-app', BOT_ID: botId }), E.session);
    assertError(await sessionCall(p, 'imbot.unregister', {}), E.session, 'session before ACCESS_DENIED');
    assertError(await unregister(p.adminHook, { BOT_ID: botId }), E.noClient);
    assertError(await unregister(p.adminHook, {}), E.noClient, 'ACCESS_DENIED before BOT_ID_ERROR');
    for (const BOT_ID of [undefined, 0, '0', 999999, 1, 'abc']) {
      assertError(await unregister(p.adminHook, { CLIENT_ID: 'unreg-app', BOT_ID }), E.noBot, `BOT_ID ${BOT_ID}`);
    }
    assertError(await unregister(p.adminHook, { CLIENT_ID: 'another-app', BOT_ID: botId }), E.otherApp);
    assert.ok(Object.hasOwn(await botList(p), String(botId)), 'the bot survived all of that');
  });

  it('answers "Bot can\'t be deleted" on a store failure and rolls everything back', async () => {
    const botId = await register(p.adminHook, 'unreg-fault', 'fault-app');
    assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'fault-app', DIALOG_ID: '1', MESSAGE: 'before' }));
    await failNextWrite(p, 'imbot.unregister');
    assertError(await unregister(p.adminHook, { CLIENT_ID: 'fault-app', BOT_ID: botId }), E.cantDelete);
    assert.equal((await botList(p))[botId]?.CODE, 'unreg-fault');
    assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'fault-app', DIALOG_ID: '1', MESSAGE: 'after' }), 'the bot still works');
    const texts = assertResult(await history(p.adminHook, botId)).messages.map((m: any) => m.text);
    assert.deepEqual(texts, ['after', 'before']);
  });

  it('deletes private chats, leaves group chats keeping the messages, and spares other bots', async () => {
    const person = await addPerson(p, 'Pat');
    const gone = await register(p.adminHook, 'doomed', 'doomed-app', { PROPERTIES: { NAME: 'Doomed' } });
    const kept = await register(p.adminHook, 'survivor', 'survivor-app');
    const send = (clientId: string, DIALOG_ID: string, MESSAGE: string) =>
      callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: clientId, DIALOG_ID, MESSAGE }).then((a) => assertResult(a, MESSAGE));
    await send('doomed-app', '1', 'to admin');
    await send('doomed-app', String(person.id), 'to pat');
    await send('survivor-app', '1', 'survivor to admin');
    const chatId = assertResult(await callJson(p.adminHook, 'im.chat.add', { TITLE: 'Team', USERS: [gone, kept, person.id] }));
    await send('doomed-app', `chat${chatId}`, 'doomed in group');
    await send('survivor-app', `chat${chatId}`, 'survivor in group');

    // CLIENT_ID is the shared secret: another person's webhook may unregister the bot.
    assert.equal(assertResult(await unregister(person.hook, { CLIENT_ID: 'doomed-app', BOT_ID: gone })), true);

    const noDialog: Expected = [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'];
    assertError(await history(p.adminHook, gone), noDialog, 'admin\'s dialog with the bot is gone');
    assertError(await history(person.hook, gone), noDialog, 'pat\'s dialog with the bot is gone');
    const members = assertResult(await callJson(p.adminHook, 'im.chat.user.list', { CHAT_ID: chatId }));
    assert.deepEqual([...members].sort((a: number, b: number) => a - b), [1, kept, person.id].sort((a, b) => a - b));
    const group = assertResult(await history(p.adminHook, `chat${chatId}`)).messages;
    assert.deepEqual(group.map((m: any) => [m.author_id, m.text]), [
      [kept, 'survivor in group'],
      [gone, 'doomed in group'],
    ]);
    const list = await botList(p);
    assert.equal(list[gone], undefined);
    assert.equal(list[kept]?.CODE, 'survivor');
    assert.deepEqual(assertResult(await history(p.adminHook, kept)).messages.map((m: any) => m.text), ['survivor to admin']);
    assertError(await unregister(p.adminHook, { CLIENT_ID: 'doomed-app', BOT_ID: gone }), E.noBot, 'a second unregister');
    // v1 bindings are sticky (the portal's behaviour; the pages are silent)
    assert.equal((await bindingsOf(p, 'doomed-app')).length, 3);
  });
});

describe('imbot.update', () => {
  let p: TestPortal;
  let botId: number;
  let foreignId: number;
  before(async () => {
    p = await startPortal();
    botId = await register(p.adminHook, 'upd', 'upd-app', { PROPERTIES: { NAME: 'Upd' } });
    foreignId = await register(p.adminHook, 'upd-foreign', 'foreign-app');
  });
  after(() => p.stop());

  const update = (params: Params) => callJson(p.adminHook, 'imbot.update', { CLIENT_ID: 'upd-app', BOT_ID: botId, ...params });
  const fields = (FIELDS: unknown) => update({ FIELDS });

  it('rejects sessions, missing CLIENT_ID, unknown and foreign bots in that order', async () => {
    assertError(await sessionCall(p, 'imbot.update', { CLIENT_ID: 'upd-app', BOT_ID: botId, FIELDS: { CODE: 'x' } }), E.session);
    assertError(await sessionCall(p, 'imbot.update', {}), E.session);
    assertError(await update({ CLIENT_ID: undefined, FIELDS: { CODE: 'x' } }), E.noClient);
    assertError(await update({ CLIENT_ID: undefined, BOT_ID: undefined }), E.noClient, 'ACCESS_DENIED before BOT_ID_ERROR');
    for (const BOT_ID of [undefined, 0, 999999, 1]) {
      assertError(await update({ BOT_ID, FIELDS: { CODE: 'x' } }), E.noBot, `BOT_ID ${BOT_ID}`);
    }
    assertError(await update({ BOT_ID: foreignId, FIELDS: { EVENT_MESSAGE_ADD: 'not a url' } }), E.otherApp, 'APP_ID_ERROR before handler checks');
  });

  const handlerCases: { label: string; FIELDS: Params | undefined; expected: Expected }[] = [
    ...HANDLER_FIELDS.flatMap((field) => [
      { label: `${field} not a URL`, FIELDS: { [field]: 'not a url' }, expected: E.handler(field, WRONG_URL) },
      { label: `${field} ftp`, FIELDS: { [field]: 'ftp://example.com/h' }, expected: E.handler(field, BAD_PROTOCOL) },
    ]),
    ...HANDLER_FIELDS.slice(0, -1).map((field, i) => ({
      label: `${field} before ${HANDLER_FIELDS[i + 1]}`,
      FIELDS: { [field]: 'not a url', [HANDLER_FIELDS[i + 1]]: 'ftp://example.com/h' },
      expected: E.handler(field, WRONG_URL),
    })),
    { label: 'EVENT_HANDLER fans out', FIELDS: { EVENT_HANDLER: 'not a url' }, expected: E.handler('EVENT_MESSAGE_ADD', WRONG_URL) },
    { label: 'handlers before NAME_ERROR', FIELDS: { EVENT_BOT_DELETE: 'not a url', PROPERTIES: { NAME: '', LAST_NAME: '' } }, expected: E.handler('EVENT_BOT_DELETE', WRONG_URL) },
    { label: 'NAME and LAST_NAME both empty', FIELDS: { PROPERTIES: { NAME: '', LAST_NAME: '' } }, expected: E.name },
    { label: 'no FIELDS', FIELDS: undefined, expected: E.updateEmpty },
    { label: 'empty FIELDS', FIELDS: {}, expected: E.updateEmpty },
    { label: 'FIELDS with empty values only', FIELDS: { CODE: '', EVENT_HANDLER: '', EVENT_MESSAGE_ADD: '' }, expected: E.updateEmpty },
    { label: 'CODE longer than 50 chars', FIELDS: { CODE: 'c'.repeat(51) }, expected: E.cantUpdate },
  ];
  for (const c of handlerCases) {
    it(`rejects: ${c.label}`, async () => {
      const before = await botList(p);
      const bindings = await bindingsOf(p, 'upd-app');
      assertError(await fields(c.FIELDS), c.expected, c.label);
      assert.deepEqual(await botList(p), before, 'the bot is unchanged');
      assert.deepEqual(await bindingsOf(p, 'upd-app'), bindings, 'the bindings are unchanged');
    });
  }

  it('does not handle missing handlers as errors (none are required on update)', async () => {
    assert.equal(assertResult(await fields({ PROPERTIES: { WORK_POSITION: 'Helper' } })), true);
  });

  it('a lone empty NAME is no NAME_ERROR, and is ignored', async () => {
    const name = (await botList(p))[botId].NAME;
    assert.equal(assertResult(await fields({ PROPERTIES: { NAME: '' } })), true);
    assert.equal((await botList(p))[botId].NAME, name);
  });

  it('answers "Bot can\'t be updated" on a store failure and changes nothing', async () => {
    const before = await botList(p);
    await failNextWrite(p, 'imbot.update');
    assertError(await fields({ CODE: 'never', PROPERTIES: { NAME: 'Never' } }), E.cantUpdate);
    assert.deepEqual(await botList(p), before);
  });

  it('applies NAME, CODE and OPENLINE; ignores TYPE', async () => {
    assert.equal(assertResult(await fields({ PROPERTIES: { NAME: 'Renamed', LAST_NAME: 'Bot' } })), true);
    assert.equal(assertResult(await fields({ CODE: 'upd-renamed' })), true);
    assert.equal(assertResult(await fields({ OPENLINE: 'Y' })), true);
    assert.deepEqual((await botList(p))[botId], { ID: botId, NAME: 'Renamed Bot', CODE: 'upd-renamed', OPENLINE: 'Y' });
    assert.equal(assertResult(await fields({ OPENLINE: 'yes' })), true);
    assert.equal((await botList(p))[botId].OPENLINE, 'N');
    // even with the top-level TYPE the real server mistakenly reads
    assert.equal(assertResult(await update({ TYPE: 'S', FIELDS: { TYPE: 'S', PROPERTIES: { NAME: 'Still' } } })), true);
    assert.equal((await storedBot(p, botId))?.type, 'B');
    assert.equal((await botList(p))[botId].NAME, 'Still Bot');
  });

  it('rebinds the app\'s handlers with CLIENT_ID appended', async () => {
    assert.equal(assertResult(await fields({ EVENT_MESSAGE_ADD: `${H}/new?v=2`, EVENT_CONTEXT_GET: `${H}/ctx` })), true);
    const rows = Object.fromEntries((await bindingsOf(p, 'upd-app')).map((r) => [r.event_name, r.handler_url]));
    assert.deepEqual(rows, {
      ONIMBOTCONTEXTGET: `${H}/ctx?CLIENT_ID=upd-app`,
      ONIMBOTDELETE: `${H}?CLIENT_ID=upd-app`,
      ONIMBOTJOINCHAT: `${H}?CLIENT_ID=upd-app`,
      ONIMBOTMESSAGEADD: `${H}/new?v=2&CLIENT_ID=upd-app`,
    });
  });
});

describe('imbot.bot.list', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('is [] on a portal without bots', async () => {
    const a = await callJson(p.adminHook, 'imbot.bot.list');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.result, []);
  });

  it('lists the bots of every app, to any webhook, without CLIENT_ID', async () => {
    const one = await register(p.adminHook, 'alpha', 'app-1', { PROPERTIES: { NAME: 'Alpha', LAST_NAME: 'One' } });
    const two = await register(p.adminHook, 'beta', 'app-2', { TYPE: 'O', PROPERTIES: { LAST_NAME: 'Beta' } });
    const person = await addPerson(p, 'Reader');
    const a = await callJson(person.hook, 'imbot.bot.list');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.result, {
      [one]: { ID: one, NAME: 'Alpha One', CODE: 'alpha', OPENLINE: 'N' },
      [two]: { ID: two, NAME: 'Beta', CODE: 'beta', OPENLINE: 'Y' },
    });
  });

  it('rejects browser sessions', async () => {
    assertError(await sessionCall(p, 'imbot.bot.list', {}), E.session);
  });

  // The list is cached with its encoding (src/rest/encoded.ts); every way of reading it must see
  // each change at once, and the envelope around it is new on every call.
  it('answers an unchanged list alike and a changed one at once, in JSON, XML, batch and the request log', async () => {
    const q = await startPortal();
    try {
      const id = await register(q.adminHook, 'gamma', 'app-3', { PROPERTIES: { NAME: 'Gamma' } });
      const first = await callJson(q.adminHook, 'imbot.bot.list');
      await new Promise((r) => setTimeout(r, 5));
      const again = await callJson(q.adminHook, 'imbot.bot.list');
      assert.deepEqual(again.body.result, first.body.result);
      assert.deepEqual(again.body.result, { [id]: { ID: id, NAME: 'Gamma', CODE: 'gamma', OPENLINE: 'N' } });
      assert.ok(again.body.time.start > first.body.time.start, 'the time block is the call\'s own');
      assert.deepEqual(Object.keys(again.body), ['result', 'time']);
      assert.equal(again.text.slice(0, '{"result":{'.length), '{"result":{');

      assertResult(await callJson(q.adminHook, 'imbot.update', { CLIENT_ID: 'app-3', BOT_ID: id, FIELDS: { PROPERTIES: { NAME: 'Gamma </b> Ünï' } } }), 'update');
      const renamed = await callJson(q.adminHook, 'imbot.bot.list');
      assert.equal(renamed.body.result[id].NAME, 'Gamma </b> Ünï');
      assert.match(renamed.text, /"NAME":"Gamma \\u003C\\\/b\\u003E \\u00dcn\\u00ef"/, 'PHP escapes, as every answer');

      const xml = await request(`${q.adminHook}/imbot.bot.list.xml`);
      assert.match(xml.text, new RegExp(`<item><ID>${id}</ID><NAME>Gamma &lt;/b&gt; Ünï</NAME><CODE>gamma</CODE><OPENLINE>N</OPENLINE></item>`));

      const two = await register(q.adminHook, 'delta', 'app-3', { PROPERTIES: { NAME: 'Delta' } });
      const batch = assertResult(await callJson(q.adminHook, 'batch', { halt: 0, cmd: { list: 'imbot.bot.list' } }), 'batch');
      assert.deepEqual(Object.keys(batch.result.list).map(Number), [id, two]);

      await callJson(q.adminHook, 'imbot.bot.list'); // the last entry is this call's, not the batch command's
      const log = await request(`${q.http}/__control/requests?limit=1&method=imbot.bot.list`, { headers: { 'x-imbot-control-token': q.server.controlToken } });
      const [entry] = log.body.requests;
      assert.deepEqual(entry.result, batch.result.list);
      assert.equal(entry.result_bytes, Buffer.byteLength(JSON.stringify(batch.result.list)));

      assertResult(await callJson(q.adminHook, 'imbot.unregister', { CLIENT_ID: 'app-3', BOT_ID: id }), 'unregister');
      assert.deepEqual(Object.keys((await callJson(q.adminHook, 'imbot.bot.list')).body.result).map(Number), [two]);
    } finally {
      await q.stop();
    }
  });
});
