import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { callJson, request, startPortal, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call, v2callHttps, type V2Answer } from './helpers/v2.js';

// imbot.v2.Bot.register / update / get / list / unregister and Revision.get (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/,
// api-reference/chat-bots/chat-bots-v2/imbot.v2/revision-get.md, api-reference/chat-bots/chat-bots-v2/entities.md#bot), v1 ↔ v2 visibility and the ONIMBOTV2* subscription rows.

type Params = Record<string, unknown>;
type Expected = [error: string, description: string];

const E = {
  noToken: ['BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'] as Expected,
  botIdRequired: ['BOT_ID_REQUIRED', 'botId is required'] as Expected,
  notFound: ['BOT_NOT_FOUND', 'Bot not found'] as Expected,
  ownership: ['BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'] as Expected,
  tokenLength: ['BOT_TOKEN_INVALID_LENGTH', 'Bot token must not be longer than 40 characters'] as Expected,
  codeRequired: ['BOT_CODE_REQUIRED', 'Bot code is required'] as Expected,
  propertiesRequired: ['BOT_PROPERTIES_REQUIRED', 'Bot properties are required'] as Expected,
  eventMode: ['BOT_INVALID_EVENT_MODE', 'Invalid event mode'] as Expected,
  urlRequired: ['BOT_WEBHOOK_URL_REQUIRED', 'Webhook URL is required for webhook event mode'] as Expected,
  callback: ['BOT_INVALID_CALLBACK', 'Invalid callback URL'] as Expected,
  codeTaken: ['BOT_CODE_ALREADY_TAKEN', 'Bot with this code already exists'] as Expected,
  limit: ['BOT_LIMIT_EXCEEDED', 'Bot registration limit exceeded'] as Expected,
  type: ['BOT_INVALID_TYPE', 'Invalid bot type'] as Expected,
  avatarType: ['BOT_AVATAR_INCORRECT_TYPE', 'Avatar must be an image file'] as Expected,
  avatarSize: ['BOT_AVATAR_INCORRECT_SIZE', 'Avatar image exceeds maximum dimensions (5000x5000)'] as Expected,
  registerFailed: ['BOT_REGISTER_FAILED', 'Bot registration failed'] as Expected,
  rotation: ['BOT_TOKEN_ROTATION_FAILED', 'Bot token rotation failed'] as Expected,
  updateFailed: ['BOT_UPDATE_FAILED', 'Bot update failed'] as Expected,
  unregisterFailed: ['BOT_UNREGISTER_FAILED', 'Bot unregister failed'] as Expected,
  paramsRequired: ['PARAMS_REQUIRED', 'botId or code is required'] as Expected,
};

const HOOK_URL = 'https://bot.example.com/events';
const V2_EVENTS = [
  'ONIMBOTV2COMMANDADD',
  'ONIMBOTV2CONTEXTGET',
  'ONIMBOTV2DELETE',
  'ONIMBOTV2JOINCHAT',
  'ONIMBOTV2MESSAGEADD',
  'ONIMBOTV2MESSAGEDELETE',
  'ONIMBOTV2MESSAGEUPDATE',
  'ONIMBOTV2REACTIONCHANGE',
];

/** A 1×1 PNG, and a PNG header claiming 6000×10 (too wide). */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
function pngHeader(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}

function assertV2Error(a: V2Answer, [error, description]: Expected, label = ''): void {
  assert.deepEqual({ status: a.status, error: a.body?.error, error_description: a.body?.error_description }, { status: 400, error, error_description: description }, label);
}

function ok(a: V2Answer, label = ''): any {
  assert.equal(a.status, 200, `${label}: ${JSON.stringify(a.body)}`);
  return a.body.result;
}

function regParams(code: string, token: string | undefined, fields: Params = {}): Params {
  return { botToken: token, fields: { code, properties: { name: `Bot ${code}` }, ...fields } };
}

const db = (p: TestPortal) => p.server.core.store.db;
const storedBot = (p: TestPortal, botId: number) => db(p).selectFrom('bots').selectAll().where('bot_id', '=', botId).executeTakeFirst();
const botCount = async (p: TestPortal) => (await db(p).selectFrom('bots').select('bot_id').execute()).length;

/** White-box: the ONIMBOTV2* rows with this (app_id, application_token), sorted by event name. */
function subscriptions(p: TestPortal, appId: number, token: string) {
  return db(p)
    .selectFrom('event_bindings')
    .select(['id', 'event_name', 'handler_url', 'app_id', 'application_token', 'user_id', 'event_type'])
    .where('app_id', '=', appId)
    .where('application_token', '=', token)
    .where('event_name', 'like', 'ONIMBOTV2%')
    .orderBy('event_name')
    .orderBy('handler_url')
    .execute();
}

/** The eight rows a webhook-mode bot should have for `url`. */
function expectedRows(url: string, appId: number, token: string) {
  return V2_EVENTS.map((event_name) => ({ event_name, handler_url: url, app_id: appId, application_token: token, user_id: 0, event_type: 'online' }));
}

const withoutIds = <T extends { id: number }>(rows: T[]) => rows.map(({ id: _id, ...rest }) => rest);

async function failNextWrite(p: TestPortal, method: string): Promise<void> {
  const a = await request(`${p.http}/__control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
    body: JSON.stringify({ method, kind: 'store_failure', times: 1 }),
  });
  assert.equal(a.status, 200, a.text);
}

describe('imbot.v2.Bot.register', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const reg = (params: Params) => v2call(p, 'imbot.v2.Bot.register', params);

  it('checks in the documented order and changes nothing on an error', async () => {
    await registerV2Bot(p, { code: 'taken', botToken: 'owner-a' });
    const before = await botCount(p);
    const badAvatar = { name: 'X', avatar: 'bm90IGFuIGltYWdl' };
    const cases: [Params, Expected][] = [
      [{ fields: { code: 'x', properties: { name: 'X' } } }, E.noToken],
      [regParams('x', 'a'.repeat(41)), E.tokenLength],
      [{ botToken: 't', fields: { properties: {}, eventMode: 'bad' } }, E.codeRequired],
      [{ botToken: 't', fields: { code: '  ', properties: { name: 'X' } } }, E.codeRequired],
      [{ botToken: 't', fields: { code: 'x', properties: { name: '', lastName: 'L' }, eventMode: 'bad' } }, E.propertiesRequired],
      [{ botToken: 't', fields: { code: 'x', eventMode: 'bad' } }, E.propertiesRequired],
      [regParams('x', 't', { eventMode: 'push', type: 'nope' }), E.eventMode],
      [regParams('x', 't', { eventMode: 'webhook', type: 'nope' }), E.urlRequired],
      [regParams('x', 't', { eventMode: 'webhook', webhookUrl: 'ftp://bot.example.com/h' }), E.callback],
      [regParams('x', 't', { eventMode: 'webhook', webhookUrl: 'not a url' }), E.callback],
      [regParams('taken', 'owner-b', { type: 'nope', properties: badAvatar }), E.codeTaken],
      [regParams('x', 't', { type: 'human', properties: badAvatar }), E.type],
      [regParams('x', 't', { properties: badAvatar }), E.avatarType],
      [regParams('x', 't', { properties: { name: 'X', avatar: pngHeader(6000, 10) } }), E.avatarSize],
      [regParams('x', 't', { properties: { name: 'X', avatar: pngHeader(10, 5001) } }), E.avatarSize],
    ];
    for (const [params, expected] of cases) assertV2Error(await reg(params), expected, JSON.stringify(params));
    assert.equal(await botCount(p), before);
  });

  it('answers {bot, users} with the defaults: bot type, fetch mode, reactions on', async () => {
    const a = await reg(regParams('support', 'support-token', { properties: { name: 'Support', lastName: 'Bot', workPosition: 'Helper' } }));
    const result = ok(a);
    assert.deepEqual(Object.keys(result), ['bot', 'users']);
    const id = result.bot.id;
    assert.deepEqual(result.bot, {
      id,
      code: 'support',
      type: 'bot',
      isHidden: false,
      isSupportOpenline: false,
      isReactionsEnabled: true,
      backgroundId: null,
      language: p.server.core.portal.languageId,
      moduleId: 'rest',
      eventMode: 'fetch',
      countMessage: 0,
      countCommand: 0,
      countChat: 0,
      countUser: 0,
    });
    assert.equal(result.users.length, 1);
    const u = result.users[0];
    assert.deepEqual(
      { id: u.id, name: u.name, firstName: u.firstName, lastName: u.lastName, workPosition: u.workPosition, bot: u.bot, type: u.type, externalAuthId: u.externalAuthId, active: u.active },
      { id, name: 'Support Bot', firstName: 'Support', lastName: 'Bot', workPosition: 'Helper', bot: true, type: 'bot', externalAuthId: 'bot', active: true },
    );
    assert.ok(!JSON.stringify(a.body).includes('support-token'), 'the token appears in no response');
    assert.ok(!('appId' in result.bot));
    const row = await storedBot(p, id);
    assert.deepEqual(
      { app_id: row!.app_id, api_version: row!.api_version, event_mode: row!.event_mode, reactions_enabled: row!.reactions_enabled, hidden: row!.hidden, webhook_url: row!.webhook_url, type: row!.type },
      { app_id: 'customsupport-token', api_version: 2, event_mode: 'FETCH', reactions_enabled: 'Y', hidden: 'N', webhook_url: '', type: 'B' },
    );
    assert.equal(row!.event_secret.length, 32);
    assert.deepEqual(await subscriptions(p, 0, row!.event_secret), [], 'a fetch bot has no subscriptions');
  });

  it('reads every field under its UPPER_CASE alias', async () => {
    const result = ok(
      await reg({
        BOT_TOKEN: 'alias-token',
        FIELDS: {
          CODE: 'alias',
          TYPE: 'SUPERVISOR',
          EVENT_MODE: 'WEBHOOK',
          WEBHOOK_URL: HOOK_URL,
          IS_HIDDEN: 'Y',
          IS_REACTIONS_ENABLED: 'N',
          IS_SUPPORT_OPENLINE: '1',
          BACKGROUND_ID: 'Mint',
          PROPERTIES: { NAME: 'Alias', LAST_NAME: 'Upper', COLOR: 'LIGHT_BLUE', WORK_POSITION: 'Checker', PERSONAL_GENDER: 'F', PERSONAL_PHOTO: PNG_1X1 },
        },
      }),
    );
    assert.deepEqual(
      { type: result.bot.type, isHidden: result.bot.isHidden, isReactionsEnabled: result.bot.isReactionsEnabled, isSupportOpenline: result.bot.isSupportOpenline, backgroundId: result.bot.backgroundId, eventMode: result.bot.eventMode },
      { type: 'supervisor', isHidden: true, isReactionsEnabled: false, isSupportOpenline: true, backgroundId: 'mint', eventMode: 'webhook' },
    );
    const u = result.users[0];
    assert.deepEqual({ name: u.name, color: u.color, workPosition: u.workPosition, gender: u.gender }, { name: 'Alias Upper', color: '#4ba5c3', workPosition: 'Checker', gender: 'F' });
    const row = await storedBot(p, result.bot.id);
    assert.equal(row!.app_id, 'customalias-token');
    const user = await db(p).selectFrom('users').select('personal_photo').where('id', '=', result.bot.id).executeTakeFirstOrThrow();
    assert.equal(user.personal_photo, `data:image/png;base64,${PNG_1X1}`);
  });

  it('takes the token from fields.botToken, the top level winning, and the deprecated clientId', async () => {
    const inFields = ok(await reg({ fields: { code: 'in-fields', botToken: 'field-token', properties: { name: 'F' } } }));
    assert.equal((await storedBot(p, inFields.bot.id))!.app_id, 'customfield-token');
    const upperInFields = ok(await reg({ fields: { code: 'in-fields-upper', BOT_TOKEN: 'field-upper', properties: { name: 'F' } } }));
    assert.equal((await storedBot(p, upperInFields.bot.id))!.app_id, 'customfield-upper');
    const both = ok(await reg({ botToken: 'top-token', fields: { code: 'both', botToken: 'field-token', properties: { name: 'B' } } }));
    assert.equal((await storedBot(p, both.bot.id))!.app_id, 'customtop-token');
    const legacy = ok(await reg({ CLIENT_ID: 'legacy-client', fields: { code: 'legacy', properties: { name: 'L' } } }));
    assert.equal((await storedBot(p, legacy.bot.id))!.app_id, 'customlegacy-client');
    assertV2Error(await reg({ fields: { code: 'in-fields-long', botToken: 'b'.repeat(41), properties: { name: 'F' } } }), E.tokenLength);
    ok(await reg({ fields: { code: 'forty', botToken: 'c'.repeat(40), properties: { name: 'F' } } }), '40 characters are allowed');
  });

  it('normalises booleans (true, "Y", "1", "TRUE") and treats anything else as false', async () => {
    const cases: [unknown, boolean][] = [[true, true], ['Y', true], ['y', true], ['1', true], [1, true], ['true', true], ['TRUE', true], [false, false], ['N', false], ['yes', false], ['0', false], ['', false]];
    let n = 0;
    for (const [value, expected] of cases) {
      const result = ok(await reg(regParams(`bool-${n++}`, 'bools', { isHidden: value, isReactionsEnabled: value })));
      assert.equal(result.bot.isHidden, expected, `isHidden ${JSON.stringify(value)}`);
      assert.equal(result.bot.isReactionsEnabled, expected, `isReactionsEnabled ${JSON.stringify(value)}`);
    }
  });

  it('drops an unknown colour and background, keeps camelCase colours and every type name', async () => {
    const red = ok(await reg(regParams('colour-red', 'colours', { properties: { name: 'R', color: 'darkBlue' }, backgroundId: 'frost' })));
    assert.equal(red.users[0].color, '#3e99ce');
    assert.equal(red.bot.backgroundId, 'frost');
    const odd = ok(await reg(regParams('colour-odd', 'colours', { properties: { name: 'O', color: 'octarine' }, backgroundId: 'disco' })));
    assert.equal(odd.bot.backgroundId, null);
    assert.equal((await db(p).selectFrom('users').select('color').where('id', '=', odd.bot.id).executeTakeFirstOrThrow()).color, '');
    for (const [type, letter] of [['personal', 'P'], ['openline', 'O'], ['Network', 'N'], ['bot', 'B'], ['supervisor', 'S']] as const) {
      const r = ok(await reg(regParams(`type-${type}`, 'types', { type })));
      assert.equal(r.bot.type, type.toLowerCase());
      assert.equal((await storedBot(p, r.bot.id))!.type, letter);
      if (type === 'openline') assert.equal(r.bot.isSupportOpenline, true);
    }
  });

  it('is idempotent: the same code from the same owner answers the existing bot unchanged', async () => {
    const first = ok(await reg(regParams('again', 'again-token')));
    const users = (await db(p).selectFrom('users').select('id').execute()).length;
    const second = ok(await reg(regParams('again', 'again-token', { properties: { name: 'Renamed' }, isHidden: true, type: 'supervisor' })));
    assert.deepEqual(second, first);
    assert.equal((await db(p).selectFrom('users').select('id').execute()).length, users);
  });

  it('creates the eight ONIMBOTV2* subscriptions of a webhook bot under its own delivery secret', async () => {
    const { botId } = await registerV2Bot(p, { code: 'hooked', botToken: 'hooked-token', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const row = await storedBot(p, botId);
    assert.deepEqual({ event_mode: row!.event_mode, webhook_url: row!.webhook_url, bot_token: row!.bot_token }, { event_mode: 'WEBHOOK', webhook_url: HOOK_URL, bot_token: 'hooked-token' });
    assert.notEqual(row!.event_secret, 'hooked-token');
    assert.deepEqual(withoutIds(await subscriptions(p, 0, row!.event_secret)), expectedRows(HOOK_URL, 0, row!.event_secret));
    // two bots on one token each get their own eight rows
    const { botId: twin } = await registerV2Bot(p, { code: 'hooked-twin', botToken: 'hooked-token', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const twinSecret = (await storedBot(p, twin))!.event_secret;
    assert.notEqual(twinSecret, row!.event_secret);
    assert.equal((await subscriptions(p, 0, twinSecret)).length, 8);
  });

  it('accepts a form-encoded body', async () => {
    const body = new URLSearchParams({ botToken: 'form-token', 'fields[code]': 'form', 'fields[properties][name]': 'Form', 'fields[isHidden]': 'Y' });
    const a = await request(`${p.adminHook}/imbot.v2.Bot.register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.result.bot.isHidden, true);
  });

  it('answers BOT_REGISTER_FAILED when the store fails, leaving nothing behind', async () => {
    const before = await botCount(p);
    await failNextWrite(p, 'imbot.v2.Bot.register');
    assertV2Error(await reg(regParams('faulty', 'faulty-token')), E.registerFailed);
    assert.equal(await botCount(p), before);
    ok(await reg(regParams('faulty', 'faulty-token')), 'the fault was used up');
  });
});

describe('imbot.v2.Bot.register in the cloud profile', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal({ profile: 'cloud' });
  });
  after(() => p.stop());

  it('refuses a localhost webhook URL and limits an owner to 100 bots', async () => {
    assertV2Error(await v2callHttps(p, 'imbot.v2.Bot.register', regParams('local', 'cloud', { eventMode: 'webhook', webhookUrl: 'http://localhost:3000/h' })), E.callback);
    const first = ok(await v2callHttps(p, 'imbot.v2.Bot.register', regParams('bot-0', 'cloud')));
    const now = Date.now();
    await db(p)
      .insertInto('bots')
      .values(Array.from({ length: 99 }, (_, i) => ({ bot_id: 900000 + i, code: `seeded-${i}`, app_id: 'customcloud', created_at: now })))
      .execute();
    assertV2Error(await v2callHttps(p, 'imbot.v2.Bot.register', regParams('bot-101', 'cloud')), E.limit);
    assert.equal(ok(await v2callHttps(p, 'imbot.v2.Bot.register', regParams('bot-0', 'cloud'))).bot.id, first.bot.id, 'an existing code still answers');
    ok(await v2callHttps(p, 'imbot.v2.Bot.register', regParams('other-owner', 'cloud-2')), 'other owners are not affected');
  });
});

describe('imbot.v2.Bot.register in the dev profile', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('has no per-owner limit and accepts a localhost webhook URL', async () => {
    const now = Date.now();
    await db(p)
      .insertInto('bots')
      .values(Array.from({ length: 100 }, (_, i) => ({ bot_id: 900000 + i, code: `seeded-${i}`, app_id: 'customdev', created_at: now })))
      .execute();
    const r = ok(await v2call(p, 'imbot.v2.Bot.register', regParams('bot-101', 'dev', { eventMode: 'webhook', webhookUrl: 'http://localhost:3000/h' })));
    assert.equal(r.bot.eventMode, 'webhook');
  });
});

describe('imbot.v2.Bot.update', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const upd = (params: Params) => v2call(p, 'imbot.v2.Bot.update', params);
  const secretOf = async (botId: number) => (await storedBot(p, botId))!.event_secret;

  it('runs the bot gate in order', async () => {
    const { botId } = await registerV2Bot(p, { code: 'gated', botToken: 'gate-token' });
    assertV2Error(await upd({ botId, fields: { properties: { name: 'X' } } }), E.noToken);
    assertV2Error(await upd({ botToken: 'gate-token', fields: {} }), E.botIdRequired);
    assertV2Error(await upd({ botToken: 'gate-token', botId: 'abc' }), E.botIdRequired);
    assertV2Error(await upd({ botToken: 'gate-token', botId: 999999 }), E.notFound);
    assertV2Error(await upd({ botToken: 'someone-else', botId }), E.ownership);
    assertV2Error(await upd({ BOT_TOKEN: 'someone-else', BOT_ID: botId }), E.ownership);
    ok(await upd({ BOT_TOKEN: 'gate-token', BOT_ID: String(botId), FIELDS: { IS_HIDDEN: 'Y' } }), 'UPPER_CASE aliases');
    assert.equal((await storedBot(p, botId))!.hidden, 'Y');
  });

  it('changes only the keys sent and answers the extended bot with its user', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'editable', botToken: 'edit-token', name: 'Edit' });
    const result = ok(
      await upd({
        botId,
        botToken,
        fields: {
          properties: { name: 'Edited', lastName: 'Bot', workPosition: 'Tester', color: 'purple', gender: 'F', avatar: PNG_1X1 },
          isHidden: true,
          isReactionsEnabled: 'N',
          isSupportOpenline: 'Y',
          backgroundId: 'teal',
        },
      }),
    );
    assert.deepEqual(result.bot, { ...result.bot, id: botId, isHidden: true, isReactionsEnabled: false, isSupportOpenline: true, backgroundId: 'teal', eventMode: 'fetch', moduleId: 'rest' });
    assert.deepEqual(
      { name: result.users[0].name, workPosition: result.users[0].workPosition, color: result.users[0].color, gender: result.users[0].gender },
      { name: 'Edited Bot', workPosition: 'Tester', color: '#8474c8', gender: 'F' },
    );
    // an unknown colour, an empty name and an empty properties object change nothing
    const same = ok(await upd({ botId, botToken, fields: { properties: { color: 'octarine', name: ' ' } } }));
    assert.deepEqual(same, result);
    assert.deepEqual(ok(await upd({ botId, botToken, fields: { properties: {} } })), result);
    assert.deepEqual(ok(await upd({ botId, botToken })), result, 'no fields at all');
    // backgroundId: null resets, an unknown value becomes null
    assert.equal(ok(await upd({ botId, botToken, fields: { backgroundId: null } })).bot.backgroundId, null);
    ok(await upd({ botId, botToken, fields: { backgroundId: 'sky' } }));
    assert.equal(ok(await upd({ botId, botToken, fields: { backgroundId: 'disco' } })).bot.backgroundId, null);
  });

  it('refuses a bad event mode, callback URL, avatar or token length, changing nothing', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'strict', botToken: 'strict-token' });
    const before = await storedBot(p, botId);
    const cases: [Params, Expected][] = [
      [{ eventMode: 'push', webhookUrl: 'ftp://x.y/h', isHidden: true }, E.eventMode],
      [{ webhookUrl: 'ftp://bot.example.com/h', properties: { avatar: 'bm90IGFuIGltYWdl' } }, E.callback],
      [{ eventMode: 'webhook' }, E.urlRequired],
      [{ properties: { name: 'New', avatar: 'bm90IGFuIGltYWdl' }, botToken: 'd'.repeat(41) }, E.avatarType],
      [{ properties: { avatar: pngHeader(5001, 1) } }, E.avatarSize],
      [{ botToken: 'd'.repeat(41), isHidden: true }, E.tokenLength],
    ];
    for (const [fields, expected] of cases) assertV2Error(await upd({ botId, botToken, fields }), expected, JSON.stringify(fields));
    assert.deepEqual(await storedBot(p, botId), before);
  });

  it('rebuilds the subscriptions only when the mode or the URL changes', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'modes', botToken: 'modes-token' });
    const secret = await secretOf(botId);
    // a stray row on another URL (e.g. a hand-made binding) goes when the bot switches to webhook
    await db(p).insertInto('event_bindings').values({ event_name: 'ONIMBOTV2MESSAGEADD', handler_url: 'https://stray.example.com/', app_id: 0, application_token: secret, user_id: 0, created_at: 0 }).execute();
    assert.equal(ok(await upd({ botId, botToken, fields: { eventMode: 'WEBHOOK', webhookUrl: HOOK_URL } })).bot.eventMode, 'webhook');
    const rows = await subscriptions(p, 0, secret);
    assert.deepEqual(withoutIds(rows), expectedRows(HOOK_URL, 0, secret));
    ok(await upd({ botId, botToken, fields: { isHidden: true, properties: { name: 'Still' } } }));
    assert.deepEqual(await subscriptions(p, 0, secret), rows, 'other fields leave the rows (ids included) alone');
    ok(await upd({ botId, botToken, fields: { eventMode: 'webhook', webhookUrl: HOOK_URL } }));
    assert.deepEqual(await subscriptions(p, 0, secret), rows, 'the same mode and URL again leave them alone');
    ok(await upd({ botId, botToken, fields: { webhookUrl: `${HOOK_URL}/v2` } }));
    assert.deepEqual(withoutIds(await subscriptions(p, 0, secret)), expectedRows(`${HOOK_URL}/v2`, 0, secret), 'a new URL replaces all eight');
    ok(await upd({ botId, botToken, fields: { eventMode: 'webhook' } }));
    assert.equal((await storedBot(p, botId))!.webhook_url, `${HOOK_URL}/v2`, 'webhook mode without a URL keeps the stored one');
    const fetch = ok(await upd({ botId, botToken, fields: { eventMode: 'fetch' } }));
    assert.equal(fetch.bot.eventMode, 'fetch');
    assert.deepEqual(await subscriptions(p, 0, secret), []);
    assert.deepEqual({ mode: (await storedBot(p, botId))!.event_mode, url: (await storedBot(p, botId))!.webhook_url }, { mode: 'FETCH', url: '' });
    ok(await upd({ botId, botToken, fields: { webhookUrl: HOOK_URL } }));
    assert.deepEqual(await subscriptions(p, 0, secret), [], 'a URL alone does not switch a fetch bot');
    assertV2Error(await upd({ botId, botToken, fields: { eventMode: 'webhook' } }), E.urlRequired);
  });

  it('rotates the token: the old one loses the bot, the rows move to a new secret', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'rotating', botToken: 'old-token', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const oldSecret = await secretOf(botId);
    const rows = await subscriptions(p, 0, oldSecret);
    const answer = await upd({ botId, botToken, fields: { botToken: 'new-token' } });
    ok(answer);
    assert.ok(!JSON.stringify(answer.body).includes('new-token'));
    const row = await storedBot(p, botId);
    assert.deepEqual({ app_id: row!.app_id, bot_token: row!.bot_token }, { app_id: 'customnew-token', bot_token: 'new-token' });
    assert.notEqual(row!.event_secret, oldSecret);
    assert.deepEqual(await subscriptions(p, 0, oldSecret), []);
    assert.deepEqual(await subscriptions(p, 0, row!.event_secret), rows.map((r) => ({ ...r, application_token: row!.event_secret })), 'the same rows, re-keyed');
    assertV2Error(await upd({ botId, botToken: 'old-token', fields: { isHidden: true } }), E.ownership);
    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.get', { botToken: 'old-token', botId })).bot.moduleId, undefined, 'the old token sees the brief format');
    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.get', { botToken: 'new-token', botId })).bot.moduleId, 'rest');
    ok(await upd({ botId, botToken: 'new-token', fields: { botToken: '   ' } }), 'a blank new token is ignored');
    assert.equal((await storedBot(p, botId))!.app_id, 'customnew-token');
    ok(await upd({ botId, botToken: 'new-token', fields: { botToken: 'new-token' } }), 'the same token is no rotation');
    assert.equal((await storedBot(p, botId))!.event_secret, row!.event_secret);
  });

  it('refuses to rotate onto a token another bot answers to', async () => {
    const { botId } = await registerV2Bot(p, { code: 'rot-a', botToken: 'rot-a' });
    await registerV2Bot(p, { code: 'rot-b', botToken: 'rot-b' });
    assertV2Error(await upd({ botId, botToken: 'rot-a', fields: { botToken: 'rot-b', isHidden: true } }), E.rotation);
    const row = await storedBot(p, botId);
    assert.deepEqual({ app_id: row!.app_id, hidden: row!.hidden }, { app_id: 'customrot-a', hidden: 'N' });
  });

  it('answers BOT_UPDATE_FAILED when the store fails, changing nothing', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'upd-fault', botToken: 'upd-fault' });
    await failNextWrite(p, 'imbot.v2.Bot.update');
    assertV2Error(await upd({ botId, botToken, fields: { properties: { name: 'Changed' }, isHidden: true } }), E.updateFailed);
    const after = ok(await v2call(p, 'imbot.v2.Bot.get', { botId, botToken }));
    assert.deepEqual({ name: after.users[0].name, isHidden: after.bot.isHidden }, { name: 'upd-fault', isHidden: false });
  });
});

describe('imbot.v2.Bot.get, Bot.list and Revision.get', () => {
  let p: TestPortal;
  let mine: number;
  let theirs: number;
  before(async () => {
    p = await startPortal();
    mine = (await registerV2Bot(p, { code: 'mine', botToken: 'me', type: 'supervisor' })).botId;
    theirs = (await registerV2Bot(p, { code: 'theirs', botToken: 'them' })).botId;
  });
  after(() => p.stop());

  const get = (params: Params) => v2call(p, 'imbot.v2.Bot.get', params);
  const list = (params: Params) => v2call(p, 'imbot.v2.Bot.list', params);
  const BRIEF = ['id', 'code', 'type', 'isHidden', 'isSupportOpenline', 'isReactionsEnabled', 'backgroundId', 'language'];
  const OWNER = [...BRIEF, 'moduleId', 'eventMode', 'countMessage', 'countCommand', 'countChat', 'countUser'];

  it('get: token, then botId or code, then the bot', async () => {
    assertV2Error(await get({ botId: mine }), E.noToken);
    assertV2Error(await get({ botToken: 'me' }), E.paramsRequired);
    assertV2Error(await get({ botToken: 'me', botId: 0, code: '' }), E.paramsRequired);
    assertV2Error(await get({ botToken: 'me', botId: 999999 }), E.notFound);
    assertV2Error(await get({ botToken: 'me', code: 'nobody' }), E.notFound);
    assertV2Error(await get({ botToken: 'me', botId: 999999, code: 'mine' }), E.notFound, 'botId > 0 wins over code');
  });

  it('get: the owner sees the extended format, anyone else the brief one', async () => {
    const own = ok(await get({ botToken: 'me', botId: mine }));
    assert.deepEqual(Object.keys(own.bot), OWNER);
    assert.equal(own.bot.type, 'supervisor');
    assert.deepEqual(own.users.map((u: any) => [u.id, u.bot, u.type]), [[mine, true, 'bot']]);
    const other = ok(await get({ botToken: 'me', botId: theirs }));
    assert.deepEqual(Object.keys(other.bot), BRIEF);
    assert.equal(other.bot.id, theirs);
    const byCode = ok(await get({ BOT_TOKEN: 'them', CODE: 'mine' }));
    assert.deepEqual(Object.keys(byCode.bot), BRIEF);
    assert.equal(byCode.bot.id, mine);
    assert.deepEqual(ok(await get({ botToken: 'me', BOT_ID: mine })), own);
  });

  it('list: only the caller\'s bots, with filter.type, limit, offset and the hasNextPage heuristic', async () => {
    assertV2Error(await list({}), E.noToken);
    const extra = [];
    for (const code of ['me-2', 'me-3']) extra.push((await registerV2Bot(p, { code, botToken: 'me' })).botId);
    const all = ok(await list({ botToken: 'me' }));
    assert.deepEqual(Object.keys(all), ['bots', 'users', 'hasNextPage']);
    assert.deepEqual(all.bots.map((b: any) => b.id), [mine, ...extra]);
    assert.deepEqual(Object.keys(all.bots[0]), OWNER);
    assert.deepEqual(all.users.map((u: any) => u.id), [mine, ...extra]);
    assert.equal(all.hasNextPage, false);
    const page1 = ok(await list({ botToken: 'me', limit: 2 }));
    assert.deepEqual([page1.bots.map((b: any) => b.id), page1.hasNextPage], [[mine, extra[0]], true]);
    const page2 = ok(await list({ botToken: 'me', limit: 2, offset: 2 }));
    assert.deepEqual([page2.bots.map((b: any) => b.id), page2.hasNextPage], [[extra[1]], false]);
    const exact = ok(await list({ BOT_TOKEN: 'me', LIMIT: 3 }));
    assert.equal(exact.hasNextPage, true, 'count == limit says "maybe more"');
    assert.deepEqual(ok(await list({ botToken: 'me', limit: 3, offset: 3 })), { bots: [], users: [], hasNextPage: false });
    const sup = ok(await list({ botToken: 'me', filter: { type: 'supervisor' } }));
    assert.deepEqual(sup.bots.map((b: any) => b.id), [mine]);
    const bots = ok(await list({ botToken: 'me', FILTER: { TYPE: 'BOT' } }));
    assert.deepEqual(bots.bots.map((b: any) => b.id), extra);
    assert.deepEqual(ok(await list({ botToken: 'me', filter: { type: 'robot' } })), { bots: [], users: [], hasNextPage: false }, 'an unknown type lists nothing');
    assert.deepEqual(ok(await list({ botToken: 'nobody' })), { bots: [], users: [], hasNextPage: false });
  });

  it('Revision.get answers the bare revision object without any token', async () => {
    const a = await callJson(p.adminHook, 'imbot.v2.Revision.get');
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.body.result, { rest: 36, web: 130, mobile: 23, desktop: 6 });
  });
});

describe('imbot.v2.Bot.unregister', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const unreg = (params: Params) => v2call(p, 'imbot.v2.Bot.unregister', params);

  it('runs the gate, then removes the bot and its subscriptions', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'leaving', botToken: 'leave-token', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const secret = (await storedBot(p, botId))!.event_secret;
    assertV2Error(await unreg({ botId }), E.noToken);
    assertV2Error(await unreg({ botToken }), E.botIdRequired);
    assertV2Error(await unreg({ botToken, botId: 999999 }), E.notFound);
    assertV2Error(await unreg({ botToken: 'other', botId }), E.ownership);
    const a = await unreg({ BOT_TOKEN: botToken, BOT_ID: botId });
    assert.deepEqual(ok(a), { result: true });
    assert.equal(await storedBot(p, botId), undefined);
    assert.deepEqual(await subscriptions(p, 0, secret), []);
    assertV2Error(await unreg({ botToken, botId }), E.notFound);
    const v1 = ok(await v2call(p, 'imbot.bot.list'));
    assert.ok(!Object.values(v1).some((b: any) => b.ID === botId));
  });

  it('answers BOT_UNREGISTER_FAILED when the store fails, keeping the bot', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'staying', botToken: 'stay-token', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const secret = (await storedBot(p, botId))!.event_secret;
    await failNextWrite(p, 'imbot.v2.Bot.unregister');
    assertV2Error(await unreg({ botToken, botId }), E.unregisterFailed);
    assert.equal((await storedBot(p, botId))!.code, 'staying');
    assert.equal((await subscriptions(p, 0, secret)).length, 8);
  });

  it('v1 imbot.unregister of a v2 bot removes its subscriptions too', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'v1-removed', botToken: 'v1rm', eventMode: 'webhook', webhookUrl: HOOK_URL });
    const secret = (await storedBot(p, botId))!.event_secret;
    assert.equal(ok(await v2call(p, 'imbot.unregister', { CLIENT_ID: botToken, BOT_ID: botId })), true);
    assert.deepEqual(await subscriptions(p, 0, secret), []);
  });
});

describe('one platform: v1 and v2 bots', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const registerV1 = async (code: string, clientId: string, type = 'H') =>
    ok(await v2call(p, 'imbot.register', { CODE: code, TYPE: type, CLIENT_ID: clientId, EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: `V1 ${code}` } })) as number;

  it('a v1 bot shows through v2 for its CLIENT_ID: H reads as bot, events as webhook', async () => {
    const id = await registerV1('legacy-h', 'v1client');
    const got = ok(await v2call(p, 'imbot.v2.Bot.get', { botToken: 'v1client', botId: id }));
    assert.deepEqual({ id: got.bot.id, type: got.bot.type, eventMode: got.bot.eventMode, isReactionsEnabled: got.bot.isReactionsEnabled }, { id, type: 'bot', eventMode: 'webhook', isReactionsEnabled: false });
    assert.equal(got.users[0].name, 'V1 legacy-h');
    const listed = ok(await v2call(p, 'imbot.v2.Bot.list', { botToken: 'v1client' }));
    assert.deepEqual(listed.bots.map((b: any) => b.id), [id]);
    assert.deepEqual(ok(await v2call(p, 'imbot.v2.Bot.list', { botToken: 'v1client', filter: { type: 'bot' } })).bots.map((b: any) => b.id), [id]);
    // a v2 register of the same code by the same owner answers that bot
    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.register', regParams('legacy-h', 'v1client'))).bot.id, id);
  });

  it('a v2 bot shows through v1 and answers v1 methods with CLIENT_ID = its botToken', async () => {
    const { botId, botToken } = await registerV2Bot(p, { code: 'modern', botToken: 'modern-token', name: 'Modern' });
    const v1 = ok(await v2call(p, 'imbot.bot.list'));
    assert.deepEqual(v1[botId], { ID: botId, NAME: 'Modern', CODE: 'modern', OPENLINE: 'N' });
    ok(await v2call(p, 'imbot.update', { CLIENT_ID: botToken, BOT_ID: botId, FIELDS: { PROPERTIES: { NAME: 'Renamed in v1' } } }));
    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.get', { botToken, botId })).users[0].name, 'Renamed in v1');
    const messageId = ok(await v2call(p, 'imbot.message.add', { CLIENT_ID: botToken, BOT_ID: botId, DIALOG_ID: '1', MESSAGE: 'hello from v1' }));
    assert.ok(messageId > 0);
    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.get', { botToken, botId })).bot.countMessage, 1);
    assert.equal((await storedBot(p, botId))!.api_version, 2, 'v1 calls do not change the event format');
  });

  it('a v2 update that sets eventMode or webhookUrl moves a v1 bot to v2 events', async () => {
    const toFetch = await registerV1('move-fetch', 'mover');
    const toHook = await registerV1('move-hook', 'mover');
    const untouched = await registerV1('stay-v1', 'mover');
    ok(await v2call(p, 'imbot.v2.Bot.update', { botToken: 'mover', botId: untouched, fields: { isHidden: true } }));
    assert.equal((await storedBot(p, untouched))!.api_version, 1, 'other fields keep v1 events');
    assertV2Error(await v2call(p, 'imbot.v2.Bot.update', { botToken: 'mover', botId: untouched, fields: { botToken: 'moved' } }), E.rotation, 'a bot on v1 events cannot rotate');

    assert.equal(ok(await v2call(p, 'imbot.v2.Bot.update', { botToken: 'mover', botId: toFetch, fields: { eventMode: 'fetch' } })).bot.eventMode, 'fetch');
    const fetchRow = await storedBot(p, toFetch);
    assert.deepEqual({ v: fetchRow!.api_version, mode: fetchRow!.event_mode }, { v: 2, mode: 'FETCH' });

    ok(await v2call(p, 'imbot.v2.Bot.update', { botToken: 'mover', botId: toHook, fields: { webhookUrl: HOOK_URL } }));
    const hookRow = await storedBot(p, toHook);
    assert.deepEqual({ v: hookRow!.api_version, mode: hookRow!.event_mode, url: hookRow!.webhook_url, token: hookRow!.bot_token }, { v: 2, mode: 'WEBHOOK', url: HOOK_URL, token: 'mover' });
    assert.equal(hookRow!.event_secret.length, 32);
    assert.deepEqual(withoutIds(await subscriptions(p, 0, hookRow!.event_secret)), expectedRows(HOOK_URL, 0, hookRow!.event_secret));
    // the app's v1 bindings stay for the bot still on v1
    const v1Rows = await db(p).selectFrom('event_bindings').select('event_name').where('app_id', '=', 0).where('application_token', '=', 'mover').execute();
    assert.equal(v1Rows.length, 6);
  });
});

describe('imbot.v2.Bot.* for an OAuth application', () => {
  let p: TestPortal;
  let r: Receiver;
  let token: string;
  let appId: number;
  let clientId: string;
  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    const installed = await installScriptApp(p, r, '/install');
    token = installed.auth.access_token;
    appId = installed.app.id;
    clientId = installed.app.client_id;
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  const oauth = (method: string, params: Params = {}) => v2call(p, method, { ...params, auth: token }, `${p.http}/rest`);

  it('owns bots by client_id; siblings share the app\'s subscriptions until the last bot goes', async () => {
    const a = ok(await oauth('imbot.v2.Bot.register', { fields: { code: 'app-a', properties: { name: 'A' }, eventMode: 'webhook', webhookUrl: HOOK_URL } }));
    const botA = a.bot.id;
    const rowA = await storedBot(p, botA);
    assert.deepEqual({ app_id: rowA!.app_id, bot_token: rowA!.bot_token, event_secret: rowA!.event_secret }, { app_id: clientId, bot_token: null, event_secret: '' });
    assert.deepEqual(withoutIds(await subscriptions(p, appId, clientId)), expectedRows(HOOK_URL, appId, clientId));
    assert.deepEqual(Object.keys(ok(await oauth('imbot.v2.Bot.get', { botId: botA })).bot).length, 14, 'the app sees its bot in the owner format');
    assert.deepEqual(Object.keys(ok(await v2call(p, 'imbot.v2.Bot.get', { botToken: 'stranger', botId: botA })).bot).length, 8);
    assertV2Error(await v2call(p, 'imbot.v2.Bot.update', { botToken: clientId, botId: botA, fields: {} }), E.ownership, 'a botToken equal to the client id is not the app');
    assertV2Error(await oauth('imbot.v2.Bot.update', { botId: botA, fields: { botToken: 'my-own' } }), E.rotation);

    const b = ok(await oauth('imbot.v2.Bot.register', { fields: { code: 'app-b', properties: { name: 'B' }, eventMode: 'webhook', webhookUrl: `${HOOK_URL}/b` } }));
    const botB = b.bot.id;
    assert.equal((await subscriptions(p, appId, clientId)).length, 16);
    assert.deepEqual(ok(await oauth('imbot.v2.Bot.list')).bots.map((x: any) => x.id), [botA, botB]);
    // with a sibling, switching A to fetch or unregistering it keeps every row
    ok(await oauth('imbot.v2.Bot.update', { botId: botA, fields: { eventMode: 'fetch' } }));
    assert.equal((await subscriptions(p, appId, clientId)).length, 16);
    assert.deepEqual(ok(await oauth('imbot.v2.Bot.unregister', { botId: botA })), { result: true });
    assert.equal((await subscriptions(p, appId, clientId)).length, 16);
    // alone now, B's URL change cleans up the rows of other URLs
    ok(await oauth('imbot.v2.Bot.update', { botId: botB, fields: { webhookUrl: `${HOOK_URL}/b2` } }));
    assert.deepEqual(withoutIds(await subscriptions(p, appId, clientId)), expectedRows(`${HOOK_URL}/b2`, appId, clientId));
    ok(await oauth('imbot.v2.Bot.unregister', { botId: botB }));
    assert.deepEqual(await subscriptions(p, appId, clientId), [], 'the last bot takes them');
  });
});
