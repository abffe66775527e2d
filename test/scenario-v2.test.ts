import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { addPerson, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';

// Issue 7's scenarios, driven only through the API: v2 bots in fetch mode (never opening a port)
// and in webhook mode, a v1 and a v2 bot side by side in one group chat, and a v1 bot whose event
// handling moves to v2. People act through their own webhooks, as a messenger client would.

type Obj = Record<string, any>;

describe('scenario: Chatbots 2.0', () => {
  let p: TestPortal;
  let r: Receiver;
  let anna: Person;

  async function ok(base: string, method: string, params: Obj): Promise<any> {
    const res = await callJson(base, method, params);
    assert.equal(res.status, 200, `${method}: ${res.text}`);
    return res.body.result;
  }
  const as = (who: Person, method: string, params: Obj) => ok(who.hook, method, params);

  /** A v2 bot acting through the admin webhook with its botToken. */
  function v2Bot(token: string) {
    let botId = 0;
    const call = (method: string, params: Obj = {}) => ok(p.adminHook, method, { botToken: token, botId, ...params });
    return {
      get id() {
        return botId;
      },
      async register(fields: Obj) {
        const res = await ok(p.adminHook, 'imbot.v2.Bot.register', { botToken: token, fields });
        botId = res.bot.id;
        return res;
      },
      call,
      /** Polls once from `offset`; returns the events and the cursor to acknowledge them with. */
      poll: (offset: number) => call('imbot.v2.Event.get', offset > 0 ? { offset } : {}),
    };
  }

  /** Reads the bot's queue from `offset` until an event of `type` turns up; returns it and the cursor after it. */
  async function nextOfType(bot: ReturnType<typeof v2Bot>, offset: number, type: string): Promise<{ event: Obj; offset: number }> {
    const page = await bot.poll(offset);
    const event = page.events.find((e: Obj) => e.type === type);
    assert.ok(event, `no ${type} in ${JSON.stringify(page.events.map((e: Obj) => e.type))}`);
    assert.ok(page.nextOffset > event.eventId);
    return { event, offset: page.nextOffset };
  }

  /** Every body written to the delivery outbox for `event` (written in the change's transaction). */
  async function outbox(event: string): Promise<Obj[]> {
    const rows = await p.server.core.store.db.selectFrom('event_outbox').select('payload').where('event_name', '=', event).execute();
    return rows.map((row) => JSON.parse(row.payload));
  }

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    anna = await addPerson(p, 'Anna');
  });

  after(async () => {
    await p.stop();
    await r.close();
  });

  it('a fetch-mode bot hears a message, a typed command and a pressed button, answers each and acknowledges', async () => {
    const bot = v2Bot('fetch-bot-token');
    const reg = await bot.register({ code: 'weather', properties: { name: 'Weather' } });
    assert.equal(reg.bot.eventMode, 'fetch');
    const { command } = await bot.call('imbot.v2.Command.register', { fields: { command: 'weather', title: { en: 'Weather' }, params: { en: 'city' } } });

    // 1. Anna writes; the bot polls (no port anywhere) and answers with a keyboard.
    await as(anna, 'im.message.add', { DIALOG_ID: bot.id, MESSAGE: 'hello' });
    let { event, offset } = await nextOfType(bot, 0, 'ONIMBOTV2MESSAGEADD');
    assert.equal(event.data.message.text, 'hello');
    assert.equal(event.data.user.id, anna.id);
    assert.equal(event.data.chat.dialogId, String(anna.id));
    assert.equal(event.data.bot.id, bot.id);
    const sent = await bot.call('imbot.v2.Chat.Message.send', {
      dialogId: String(anna.id),
      fields: { message: 'Hi Anna', keyboard: [{ TEXT: 'Paris', COMMAND: 'weather', COMMAND_PARAMS: 'Paris' }] },
    });
    assert.ok(sent.id > 0);

    // 2. A typed command.
    const typed = await as(anna, 'im.message.add', { DIALOG_ID: bot.id, MESSAGE: '/weather Berlin' });
    ({ event, offset } = await nextOfType(bot, offset, 'ONIMBOTV2COMMANDADD'));
    assert.deepEqual(
      { id: event.data.command.id, command: event.data.command.command, params: event.data.command.params, context: event.data.command.context },
      { id: command.id, command: '/weather', params: 'Berlin', context: 'textarea' },
    );
    assert.equal(event.data.message.id, typed);
    await bot.call('imbot.v2.Command.answer', { commandId: command.id, messageId: typed, dialogId: String(anna.id), fields: { message: 'Berlin: sunny' } });

    // 3. The button on the bot's message.
    await as(anna, 'im.message.command', { MESSAGE_ID: sent.id, BOT_ID: bot.id, COMMAND: 'weather', COMMAND_PARAMS: 'Paris' });
    ({ event, offset } = await nextOfType(bot, offset, 'ONIMBOTV2COMMANDADD'));
    assert.equal(event.data.command.context, 'keyboard');
    assert.equal(event.data.command.params, 'Paris');
    await bot.call('imbot.v2.Command.answer', { commandId: command.id, messageId: sent.id, dialogId: String(anna.id), fields: { message: 'Paris: rain' } });

    // Anna sees every answer; acknowledging leaves the queue empty.
    const history = await as(anna, 'im.dialog.messages.get', { DIALOG_ID: bot.id, LIMIT: 50 });
    const texts = history.messages.map((m: Obj) => m.text);
    for (const t of ['Hi Anna', 'Berlin: sunny', 'Paris: rain']) assert.ok(texts.includes(t), `${t} in ${JSON.stringify(texts)}`);
    const rest = await bot.poll(offset);
    assert.deepEqual(rest.events, []);
    assert.equal(rest.nextOffset, offset);
    assert.equal(rest.hasMore, false);
  });

  it('a webhook-mode bot gets the same conversation pushed to its local receiver', async () => {
    const bot = v2Bot('webhook-bot-token');
    await bot.register({ code: 'pusher', properties: { name: 'Pusher' }, eventMode: 'webhook', webhookUrl: `${r.base}/v2hook` });
    // First contact also sends ONIMBOTV2JOINCHAT; the message is the one to look at.
    const isAdd = (h: Hit) => h.url === '/v2hook' && (h.form as Obj).event === 'ONIMBOTV2MESSAGEADD';
    await as(anna, 'im.message.add', { DIALOG_ID: bot.id, MESSAGE: 'ping' });
    const [hit] = (await r.waitFor(1, isAdd)) as [Hit];
    assert.equal(hit.url, '/v2hook');
    const form = hit.form as Obj;
    assert.equal(form.event, 'ONIMBOTV2MESSAGEADD');
    assert.equal(form.data.bot.id, String(bot.id));
    assert.equal(form.data.bot.code, 'pusher');
    assert.equal(form.data.message.text, 'ping');
    assert.equal(form.data.chat.dialogId, String(anna.id));
    assert.ok(form.auth.application_token, 'top-level auth.application_token');
    // Fetch queue stays empty for a webhook bot.
    assert.deepEqual((await bot.poll(0)).events, []);
    await bot.call('imbot.v2.Chat.Message.send', { dialogId: String(anna.id), fields: { message: 'pong' } });
    const history = await as(anna, 'im.dialog.messages.get', { DIALOG_ID: bot.id, LIMIT: 5 });
    assert.equal(history.messages[0].text, 'pong');
  });

  it('a v1 bot and a v2 bot in one group chat each receive their own format', async () => {
    const v1 = await ok(p.adminHook, 'imbot.register', {
      CODE: 'oldtimer',
      TYPE: 'S',
      CLIENT_ID: 'old-app',
      EVENT_HANDLER: `${r.base}/v1hook`,
      PROPERTIES: { NAME: 'Old' },
    });
    const bot = v2Bot('group-bot-token');
    await bot.register({ code: 'newcomer', type: 'supervisor', properties: { name: 'New' } });
    const chatId = await as(anna, 'im.chat.add', { TITLE: 'Both', USERS: [v1, bot.id] });
    const start = (await bot.poll(0)).nextOffset;

    await as(anna, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'morning, bots' });

    const [v1Hit] = await r.waitFor(1, (h) => h.url.startsWith('/v1hook') && (h.form as Obj).event === 'ONIMBOTMESSAGEADD');
    const v1Form = v1Hit!.form as Obj;
    assert.deepEqual(Object.keys(v1Form.data.BOT), [String(v1)], 'the v1 body names only the v1 bot');
    assert.equal(v1Form.data.PARAMS.MESSAGE, 'morning, bots');
    const { event } = await nextOfType(bot, start, 'ONIMBOTV2MESSAGEADD');
    assert.equal(event.data.message.text, 'morning, bots');
    assert.equal(event.data.chat.dialogId, `chat${chatId}`);
    // Outbox rows are written in the message's own transaction: none may name the v2 bot.
    const v1Bodies = await outbox('ONIMBOTMESSAGEADD');
    assert.ok(!v1Bodies.some((b) => b.data.BOT?.[bot.id]), 'the v2 bot gets no v1 body');
  });

  it("a v1 bot's event handling moves to v2", async () => {
    const botId = await ok(p.adminHook, 'imbot.register', {
      CODE: 'migrant',
      CLIENT_ID: 'migrant-app',
      EVENT_HANDLER: `${r.base}/migrant`,
      PROPERTIES: { NAME: 'Migrant' },
    });
    const v1Events = async () => (await outbox('ONIMBOTMESSAGEADD')).filter((b) => b.data.BOT?.[botId]).length;
    await as(anna, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'before' });
    await r.waitFor(1, (h) => h.url.startsWith('/migrant') && (h.form as Obj).event === 'ONIMBOTMESSAGEADD');

    // The v1 CLIENT_ID is the v2 botToken of the same owner.
    const seen = await ok(p.adminHook, 'imbot.v2.Bot.get', { botToken: 'migrant-app', botId });
    assert.equal(seen.bot.code, 'migrant');
    await ok(p.adminHook, 'imbot.v2.Bot.update', { botToken: 'migrant-app', botId, fields: { eventMode: 'fetch' } });
    const v1Before = await v1Events();
    await as(anna, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'after' });
    const page = await ok(p.adminHook, 'imbot.v2.Event.get', { botToken: 'migrant-app', botId });
    const added = page.events.filter((e: Obj) => e.type === 'ONIMBOTV2MESSAGEADD');
    assert.deepEqual(added.map((e: Obj) => e.data.message.text), ['after']);
    assert.equal(await v1Events(), v1Before, 'no v1 event after the move');
  });
});
