import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, until, type Hit, type Receiver } from './helpers/events.js';
import { installScriptApp, type InstallAuth } from './helpers/oauth.js';
import { addPerson, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

/*
 * Chatbots 2.0 webhook mode (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md#webhook-payload; the
 * portal's behaviour where the page is silent): one
 * form-encoded POST per bot through the outbox, every scalar a string, two auth blocks; and a v1
 * bot next to a v2 bot in one chat, each hearing its own API's format.
 */

let p: TestPortal;
let rx: Receiver;
let alice: Person;
let hooked: { botId: number; botToken: string };
let oldBotId = 0;
let secret = '';
let groupId = 0;

/** The bare block a webhook-token bot's deliveries carry (no user context, the bot's secret). */
function bareAuth(): Record<string, string> {
  const portal = p.server.core.portal;
  const rest = `${portal.baseUrl}/rest/`;
  return { domain: portal.domain, client_endpoint: rest, server_endpoint: rest, member_id: portal.memberId, application_token: secret };
}

const at = (path: string, event: string) => (h: Hit) => h.url.startsWith(path) && h.form.event === event;

before(async () => {
  p = await startPortal();
  rx = await startReceiver();
  alice = await addPerson(p, 'Alice', { lastName: 'Smith' });
  hooked = await registerV2Bot(p, { code: 'hooked', eventMode: 'webhook', webhookUrl: `${rx.base}/v2` });
  const row = await p.server.core.store.db.selectFrom('bots').select('event_secret').where('bot_id', '=', hooked.botId).executeTakeFirstOrThrow();
  secret = row.event_secret;
  const reg = await callJson(p.adminHook, 'imbot.register', {
    CODE: 'oldbot', TYPE: 'B', CLIENT_ID: 'v1app', EVENT_HANDLER: `${rx.base}/v1`, PROPERTIES: { NAME: 'Old' },
  });
  oldBotId = assertResult(reg, 'imbot.register');
});
after(async () => {
  await p.stop();
  await rx.close();
});

describe('a v1 bot and a v2 bot in one group chat', () => {
  it('each hears the join in its own format', async () => {
    groupId = assertResult(await callJson(alice.hook, 'im.chat.add', { TITLE: 'Mixed', USERS: [oldBotId, hooked.botId] }));
    const [v1] = await rx.waitFor(1, at('/v1', 'ONIMBOTJOINCHAT'));
    const [v2] = await rx.waitFor(1, at('/v2', 'ONIMBOTV2JOINCHAT'));
    assert.deepEqual(Object.keys((v1!.form.data as any).BOT), [String(oldBotId)]);
    const d = v2!.form.data as any;
    assert.deepEqual(Object.keys(d), ['bot', 'dialogId', 'chat', 'user', 'language']);
    assert.equal(d.dialogId, `chat${groupId}`);
    assert.equal(d.user.id, String(alice.id));
  });

  it('a message mentioning both: ONIMBOTMESSAGEADD to the v1 bot, ONIMBOTV2MESSAGEADD (exact form) to the v2 bot', async () => {
    const text = `[USER=${oldBotId}]Old[/USER] [USER=${hooked.botId}]hooked[/USER] status?`;
    const messageId = assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: `chat${groupId}`, MESSAGE: text }));
    const [v1] = await rx.waitFor(1, at('/v1', 'ONIMBOTMESSAGEADD'));
    const [v2] = await rx.waitFor(1, at('/v2', 'ONIMBOTV2MESSAGEADD'));

    // v1: only the v1 bot, v1 shape
    const v1data = v1!.form.data as any;
    assert.deepEqual(Object.keys(v1data.BOT), [String(oldBotId)]);
    assert.equal(v1data.PARAMS.MESSAGE_ID, String(messageId));
    assert.equal(v1data.bot, undefined);

    // v2: form-encoded, PHP brackets, every scalar a string
    assert.equal(v2!.headers['content-type'], 'application/x-www-form-urlencoded');
    const f = v2!.form as any;
    assert.deepEqual(Object.keys(f), ['event', 'data', 'ts', 'auth'], 'no event_handler_id in v2');
    assert.equal(f.event, 'ONIMBOTV2MESSAGEADD');
    assert.match(f.ts, /^\d+$/);
    assert.deepEqual(f.data.bot, { id: String(hooked.botId), code: 'hooked', auth: bareAuth() }, 'data.bot is {id, code, auth} only');
    assert.deepEqual(f.auth, bareAuth(), 'top-level auth: the bot’s event secret');
    assert.deepEqual(Object.keys(f.data), ['bot', 'message', 'chat', 'user', 'language']);
    const m = f.data.message;
    assert.equal(m.id, String(messageId));
    assert.equal(m.chatId, String(groupId));
    assert.equal(m.text, text);
    assert.equal(m.isSystem, '0', 'false → "0"');
    assert.equal(m.forward, '', 'null → ""');
    assert.equal(m.viewedByOthers, '0');
    assert.equal(f.data.chat.dialogId, `chat${groupId}`);
    assert.equal(f.data.chat.extranet, '0');
    assert.equal(f.data.chat.backgroundId, '');
    assert.equal(f.data.user.id, String(alice.id));
    assert.equal(f.data.user.bot, '0');
    assert.equal(f.data.user.idle, '0');
    assert.equal(f.data.language, 'en');
    assert.ok(v2!.raw.startsWith('event=ONIMBOTV2MESSAGEADD&data%5Bbot%5D%5Bid%5D='), v2!.raw.slice(0, 80));
    assert.ok(v2!.raw.includes('&data%5Bmessage%5D%5Bforward%5D=&'), 'a null is sent as an empty value');

    // one POST per bot: the v2 bot never appears in a v1 body and vice versa
    assert.equal(rx.hits.filter(at('/v2', 'ONIMBOTV2MESSAGEADD')).length, 1);
    for (const h of rx.hits.filter((x) => x.url.startsWith('/v1'))) assert.deepEqual(Object.keys((h.form.data as any).BOT), [String(oldBotId)]);
  });

  it('sendContext in the group: ONIMBOTCONTEXTGET (v1) and ONIMBOTV2CONTEXTGET (v2)', async () => {
    assertResult(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: `chat${groupId}`, context: { taskId: 456 } }));
    const [v1] = await rx.waitFor(1, at('/v1', 'ONIMBOTCONTEXTGET'));
    const [v2] = await rx.waitFor(1, at('/v2', 'ONIMBOTV2CONTEXTGET'));
    const p1 = (v1!.form.data as any).PARAMS;
    assert.deepEqual(p1, {
      CHAT_TYPE: 'C', MESSAGE_TYPE: 'C', USER_ID: String(alice.id), CHAT_AUTHOR_ID: String(alice.id), CHAT_ENTITY_TYPE: '', CHAT_ENTITY_ID: '',
      CONTEXT: { taskId: '456' }, DIALOG_ID: `chat${groupId}`, LANGUAGE: 'en',
    });
    assert.equal((v1!.form.data as any).USER.ID, String(alice.id));
    const d = v2!.form.data as any;
    assert.deepEqual(Object.keys(d), ['bot', 'dialogId', 'context', 'chat', 'user', 'language']);
    assert.deepEqual(d.context, { taskId: '456' });
    assert.equal(d.dialogId, `chat${groupId}`);
    // a form body cannot carry a number: strings in webhook mode (the portal's behaviour)
    assert.equal(d.user.id, String(alice.id));
  });

  it('the delivery log keeps the v2 deliveries like any other', async () => {
    const logged = async () => {
      const res = await fetch(`${p.http}/__control/events?event=ONIMBOTV2MESSAGEADD`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
      return ((await res.json()) as any).events;
    };
    // Attempts are recorded in batches shortly after the handler answered: wait for the record.
    await until(async () => (await logged())[0]?.status !== 'pending', 'the delivery is recorded');
    const rows = await logged();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'delivered');
    assert.equal(rows[0].handler_url, `${rx.base}/v2`);
  });

  it('ONIMBOTV2DELETE by webhook carries only data.bot = {id, code, auth}', async () => {
    const un = await v2call(p, 'imbot.v2.Bot.unregister', { botId: hooked.botId, botToken: hooked.botToken });
    assert.equal(un.status, 200, JSON.stringify(un.body));
    const [hit] = await rx.waitFor(1, at('/v2', 'ONIMBOTV2DELETE'));
    assert.deepEqual(hit!.form.data, { bot: { id: String(hooked.botId), code: 'hooked', auth: bareAuth() } });
    assert.deepEqual(hit!.form.auth, bareAuth());
  });
});

describe('an OAuth application’s webhook bot', () => {
  let install: InstallAuth;
  let botId = 0;

  before(async () => {
    const installed = await installScriptApp(p, rx, '/install');
    install = installed.auth;
    const reg = await callJson(`${p.http}/rest`, 'imbot.v2.Bot.register', {
      auth: install.access_token,
      fields: { code: 'appbot', properties: { name: 'App bot' }, eventMode: 'webhook', webhookUrl: `${rx.base}/app` },
    });
    assert.equal(reg.status, 200, reg.text);
    botId = reg.body.result.bot.id;
  });

  it('data.bot.auth holds the bot user’s tokens; the top-level auth the app’s token', async () => {
    const messageId = assertResult(await callJson(alice.hook, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'hi app bot' }));
    const [hit] = await rx.waitFor(1, at('/app', 'ONIMBOTV2MESSAGEADD'));
    const f = hit!.form as any;
    assert.deepEqual(Object.keys(f.data.bot), ['id', 'code', 'auth']);
    assert.equal(f.data.bot.id, String(botId));
    assert.equal(f.data.bot.auth.user_id, String(botId));
    assert.equal(f.data.bot.auth.application_token, install.application_token);
    assert.ok(f.data.bot.auth.access_token && f.data.bot.auth.refresh_token);
    assert.equal(f.auth.application_token, install.application_token);
    assert.equal(f.data.message.id, String(messageId));
    assert.equal(f.data.chat.dialogId, String(alice.id), 'the private chat from the bot’s side');
    // the bot's token calls back as the bot
    const me = await callJson(`${p.http}/rest`, 'imbot.v2.Bot.get', { auth: f.data.bot.auth.access_token, botId });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.result.bot.eventMode, 'webhook', 'owner format for the owning app');
  });
});
