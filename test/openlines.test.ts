import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { control, runCli, startReceiver, type Receiver } from './helpers/events.js';
import { addPerson, assertError, assertResult, callJson, sessionCall, type Person, type TestPortal, startPortal } from './helpers/server.js';

/*
 * Open Lines for bot developers (src/openlines/, api-reference/imopenlines/openlines/chat-bots/):
 * a line answered by an open-line bot, a visitor written in through the control API, the LINES
 * fields in the bot's events, and imopenlines.bot.session.* with their errors.
 */

describe('Open Lines: a visitor, an open-line bot and its session', () => {
  let p: TestPortal;
  let r: Receiver;
  let operator: Person;
  let botId: number;
  let plainBotId: number;
  let lineId: number;
  let chatId: number;
  let visitorId: number;
  const CLIENT = 'ol-app';
  const call = (method: string, params: Record<string, unknown>) => callJson(p.adminHook, method, params);
  const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);
  const botEvents = (event: string) => r.hits.filter((h) => h.form.event === event);
  const session = async () => (await ctl('openlines')).body.lines.find((l: any) => l.id === lineId).sessions.at(-1);
  const messages = async (userId: number) => {
    const a = await sessionCall(p, 'im.dialog.messages.get', { DIALOG_ID: `chat${chatId}`, LIMIT: 50 }, userId);
    return (assertResult(a).messages as any[]).map((m) => ({ author: m.author_id, text: m.text }));
  };

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    operator = await addPerson(p, 'Olga');
    botId = assertResult(
      await call('imbot.register', { CODE: 'support', TYPE: 'O', EVENT_HANDLER: `${r.base}/bot`, CLIENT_ID: CLIENT, PROPERTIES: { NAME: 'Support bot' } }),
    );
    plainBotId = assertResult(await call('imbot.register', { CODE: 'plain', EVENT_HANDLER: `${r.base}/plain`, CLIENT_ID: 'other', PROPERTIES: { NAME: 'Plain' } }));
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('a line takes an open-line bot and people as its queue; anything else is refused and nothing is made', async () => {
    assert.equal((await ctl('openlines', { name: 'Site chat', bot_id: plainBotId })).status, 400, 'a bot without OPENLINE=Y');
    assert.equal((await ctl('openlines', { name: 'Site chat', bot_id: botId, queue: [botId] })).status, 400, 'a bot in the queue');
    assert.equal((await ctl('openlines', { name: '' })).status, 400);
    assert.deepEqual((await ctl('openlines')).body.lines, []);
    const made = await ctl('openlines', { name: 'Site chat', bot_id: botId, queue: [operator.id], welcome_message: 'Hi! How can we help?' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    lineId = made.body.id;
    assert.deepEqual(made.body.queue, [operator.id]);
  });

  it('a visitor writes: the bot joins a LINES chat and hears the message with the open-line fields', async () => {
    const w = await ctl(`openlines/${lineId}/messages`, { visitor_name: 'Anna', text: 'Hello, I have a question' });
    assert.equal(w.status, 200, JSON.stringify(w.body));
    ({ chat_id: chatId, visitor_id: visitorId } = w.body);
    assert.equal(w.body.dialog_id, `chat${chatId}`);
    const [join] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTJOINCHAT');
    const jp = (join!.form.data as any).PARAMS;
    assert.equal(jp.CHAT_TYPE, 'L');
    assert.equal(jp.CHAT_ENTITY_TYPE, 'LINES');
    assert.equal(jp.CHAT_ENTITY_ID, `livechat|${lineId}|${visitorId}|${visitorId}`);
    assert.equal(Number(jp.BOT_ID), botId);
    const [msg] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD');
    const mp = (msg!.form.data as any).PARAMS;
    assert.equal(mp.MESSAGE, 'Hello, I have a question');
    assert.equal(mp.CHAT_ENTITY_TYPE, 'LINES');
    assert.equal(mp.MESSAGE_TYPE, 'L');
    assert.equal(Number(mp.FROM_USER_ID), visitorId);
    assert.equal(mp.DIALOG_ID, `chat${chatId}`);
    assert.equal((await session()).status, 'bot');
    // visitors are not people of the portal
    const people = assertResult(await call('user.get', {})) as any[];
    assert.ok(!people.some((u) => Number(u.ID) === visitorId));
  });

  it('imopenlines.bot.session.message.send: WELCOME posts the line\'s text, DEFAULT the given one, an empty DEFAULT nothing', async () => {
    assert.equal(assertResult(await call('imopenlines.bot.session.message.send', { CHAT_ID: chatId, NAME: 'WELCOME', MESSAGE: 'ignored' })), true);
    assert.equal(assertResult(await call('imopenlines.bot.session.message.send', { CHAT_ID: chatId, NAME: 'DEFAULT', MESSAGE: 'Let me find out' })), true);
    assert.equal(assertResult(await call('imopenlines.bot.session.message.send', { CHAT_ID: chatId, NAME: 'DEFAULT' })), true);
    const texts = (await messages(visitorId)).filter((m) => m.author === botId).map((m) => m.text);
    assert.deepEqual(texts.sort(), ['Hi! How can we help?', 'Let me find out'].sort());
  });

  it('every method refuses a browser session and a CHAT_ID that is not a positive number', async () => {
    for (const m of ['imopenlines.bot.session.message.send', 'imopenlines.bot.session.operator', 'imopenlines.bot.session.transfer', 'imopenlines.bot.session.finish']) {
      assertError(await sessionCall(p, m, { CHAT_ID: chatId }), [403, 'WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.'], m);
      assertError(await call(m, { CHAT_ID: 0, CLIENT_ID: CLIENT, USER_ID: operator.id }), [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"], m);
    }
  });

  it('transfer: the destination errors, the calling app\'s bot, and an operator who cannot take it', async () => {
    const t = (params: Record<string, unknown>) => call('imopenlines.bot.session.transfer', { CHAT_ID: chatId, ...params });
    assertError(await t({ CLIENT_ID: CLIENT }), [400, 'TRANSFER_ID_EMPTY', "Queue ID or User ID can't be empty"]);
    assertError(await t({ CLIENT_ID: CLIENT, USER_ID: 0 }), [400, 'USER_ID_EMPTY', "User ID can't be empty"]);
    assertError(await t({ CLIENT_ID: CLIENT, TRANSFER_ID: 'queue0' }), [400, 'QUEUE_ID_EMPTY', "QUEUE ID can't be empty"]);
    assertError(await t({ USER_ID: operator.id }), [400, 'BOT_ID_ERROR', 'Bot not found']);
    assertError(await t({ CLIENT_ID: 'no-such-app', USER_ID: operator.id }), [400, 'BOT_ID_ERROR', 'Bot not found']);
    for (const who of [plainBotId, visitorId, 9999]) {
      assertError(await t({ CLIENT_ID: CLIENT, USER_ID: who }), [400, 'OPERATOR_WRONG', 'You can not redirect to this operator'], `to ${who}`);
    }
    assertError(await t({ CLIENT_ID: CLIENT, QUEUE_ID: 9999 }), [400, 'OPERATOR_WRONG', 'You can not redirect to this operator']);
    assert.equal((await session()).status, 'bot', 'nothing changed');
  });

  it('transfer with LEAVE=Y: the operator joins, the bot leaves, and the bot can no longer hand it to an operator', async () => {
    assert.equal(assertResult(await call('imopenlines.bot.session.transfer', { CHAT_ID: chatId, CLIENT_ID: CLIENT, TRANSFER_ID: String(operator.id), LEAVE: 'Y' })), true);
    const s = await session();
    assert.equal(s.status, 'operator');
    assert.equal(s.operator_id, operator.id);
    const members = assertResult(await sessionCall(p, 'im.chat.user.list', { CHAT_ID: chatId }, operator.id)) as number[];
    assert.ok(members.includes(operator.id) && !members.includes(botId), JSON.stringify(members));
    assertError(await call('imopenlines.bot.session.operator', { CHAT_ID: chatId }), [400, 'WRONG_CHAT', 'Operator is not a bot']);
    // the operator now reads the whole dialog, the visitor's first message included
    assert.ok((await messages(operator.id)).some((m) => m.author === visitorId && m.text === 'Hello, I have a question'));
  });

  it('finish closes the session; the visitor\'s next message opens a new one and the bot joins again', async () => {
    assert.equal(assertResult(await call('imopenlines.bot.session.finish', { CHAT_ID: chatId, CLIENT_ID: CLIENT })), true);
    assert.equal((await session()).status, 'closed');
    const before = botEvents('ONIMBOTJOINCHAT').length;
    const w = await ctl(`openlines/${lineId}/messages`, { visitor_id: visitorId, text: 'Me again' });
    assert.equal(w.status, 200, JSON.stringify(w.body));
    assert.equal(w.body.chat_id, chatId, 'the same chat');
    await r.waitFor(before + 1, (h) => h.form.event === 'ONIMBOTJOINCHAT');
    await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD' && (h.form.data as any).PARAMS.MESSAGE === 'Me again');
    assert.equal((await session()).status, 'bot');
  });

  it('operator: the bot hands the dialog to the queue; a visitor\'s "0" does the same', async () => {
    assert.equal(assertResult(await call('imopenlines.bot.session.operator', { CHAT_ID: chatId })), true);
    assert.equal((await session()).status, 'operator');
    assert.equal(assertResult(await call('imopenlines.bot.session.finish', { CHAT_ID: chatId, CLIENT_ID: CLIENT })), true);
    await ctl(`openlines/${lineId}/messages`, { visitor_id: visitorId, text: 'one more question' });
    assert.equal((await session()).status, 'bot');
    await ctl(`openlines/${lineId}/messages`, { visitor_id: visitorId, text: '0' });
    const s = await session();
    assert.equal(s.status, 'operator');
    assert.equal(s.operator_id, operator.id);
  });

  it('the control API refuses what is not a line, a visitor or a text, and changes nothing', async () => {
    const sessions = (await ctl('openlines')).body.lines[0].sessions.length;
    assert.equal((await ctl('openlines/999/messages', { text: 'x' })).status, 404);
    assert.equal((await ctl(`openlines/${lineId}/messages`, { text: 'x', visitor_id: operator.id })).status, 400, 'a person is no visitor');
    assert.equal((await ctl(`openlines/${lineId}/messages`, { text: '   ' })).status, 400);
    assert.equal((await ctl(`openlines/${lineId}/messages`, { visitor_name: 'X' })).status, 400);
    assert.equal((await ctl('openlines')).body.lines[0].sessions.length, sessions);
  });

  it('`methods` lists the four methods for a credential with the imbot scope', async () => {
    const list = assertResult(await call('methods', {})) as string[];
    for (const m of ['imopenlines.bot.session.message.send', 'imopenlines.bot.session.operator', 'imopenlines.bot.session.transfer', 'imopenlines.bot.session.finish']) assert.ok(list.includes(m), m);
  });
});

describe('imbot-server openline', () => {
  it('add, write as a visitor and list through the CLI; the bot hears the visitor', async () => {
    const p = await startPortal();
    const r = await startReceiver();
    try {
      const common = ['--url', p.http, '--token', p.server.controlToken];
      const botId = assertResult(
        await callJson(p.adminHook, 'imbot.register', { CODE: 'ol', OPENLINE: 'Y', EVENT_HANDLER: `${r.base}/bot`, CLIENT_ID: 'c', PROPERTIES: { NAME: 'OL' } }),
      );
      const added = await runCli('openline', 'add', '--name', 'Support', '--bot', String(botId), ...common);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, new RegExp(`^open line 1: Support, bot ${botId}`));
      const wrote = await runCli('openline', 'write', '1', 'Hi there', '--name', 'Bob', ...common);
      assert.equal(wrote.code, 0, wrote.stderr);
      assert.match(wrote.stdout, /^visitor \d+ wrote message \d+ in chat\d+ \(session 1\)/);
      const [hit] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD');
      assert.equal((hit!.form.data as any).PARAMS.MESSAGE, 'Hi there');
      const listed = await runCli('openline', 'list', ...common);
      assert.match(listed.stdout, /^1\tSupport\t/);
      assert.match(listed.stdout, /session 1\tchat\d+\tvisitor \d+\tbot/);
      const bad = await runCli('openline', 'write', '7', 'x', ...common);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /NOT_FOUND/);
    } finally {
      await r.close();
      await p.stop();
    }
  });
});
