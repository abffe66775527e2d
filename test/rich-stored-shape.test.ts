import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerV2Bot, v2call } from './helpers/v2.js';
import { addPerson, assertResult, callJson, sessionCall, startPortal, type Person, type TestPortal } from './helpers/server.js';

/*
 * Every path that writes a message stores ATTACH, KEYBOARD and MENU alike: ATTACH is the list of
 * attachments, KEYBOARD and MENU the lists of buttons/items, whatever method wrote them
 * (imbot.message.add/update, im.message.add, imbot.command.answer, imbot.v2.Chat.Message.send,
 * imbot.v2.Command.answer). Read back as a person reads a chat (im.dialog.messages.get).
 */

const ATTACH = [{ MESSAGE: 'attached' }];
const KEYBOARD = [{ TEXT: 'Again', COMMAND: 'echo' }];
const MENU = [{ TEXT: 'Site', LINK: 'https://example.com' }];
const H = 'http://127.0.0.1:9/hook';

describe('rich content is stored in one shape by every writing method', () => {
  let p: TestPortal;
  let pat: Person;
  let bot: number;
  let command: number;
  let v2: { botId: number; botToken: string };
  let v2Command: number;

  const patSays = async (dialog: number, text: string) => assertResult(await callJson(pat.hook, 'im.message.add', { DIALOG_ID: dialog, MESSAGE: text })) as number;
  /** The message as Pat's messenger gets it. */
  const asRead = async (dialog: number, id: number) => {
    const got = assertResult(await sessionCall(p, 'im.dialog.messages.get', { DIALOG_ID: dialog, LIMIT: 50 }, pat.id));
    const m = (got.messages as any[]).find((x) => x.id === id);
    assert.ok(m, `message ${id} in dialog ${dialog}`);
    return m.params;
  };
  const assertShapes = (params: any, parts: ('ATTACH' | 'KEYBOARD' | 'MENU')[], label: string) => {
    for (const part of parts) assert.ok(Array.isArray(params[part]), `${label}: ${part} is a list, got ${JSON.stringify(params[part])}`);
    if (parts.includes('ATTACH')) {
      assert.equal(params.ATTACH.length, 1, label);
      assert.deepEqual(params.ATTACH[0].BLOCKS, [{ MESSAGE: 'attached' }], label);
    }
  };

  before(async () => {
    p = await startPortal();
    pat = await addPerson(p, 'Pat');
    bot = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'rich', CLIENT_ID: 'a', EVENT_HANDLER: H, PROPERTIES: { NAME: 'Rich' } }));
    command = assertResult(
      await callJson(p.adminHook, 'imbot.command.register', { BOT_ID: bot, CLIENT_ID: 'a', COMMAND: 'echo', EVENT_COMMAND_ADD: H, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'echo' }] }),
    );
    v2 = await registerV2Bot(p, { code: 'richv2' });
    const reg = await v2call(p, 'imbot.v2.Command.register', { botId: v2.botId, botToken: v2.botToken, fields: { command: 'ask', title: { en: 'Ask' } } });
    v2Command = reg.body.result.command.id;
  });
  after(() => p.stop());

  it('imbot.message.add and imbot.message.update (v1, a bot)', async () => {
    const id = assertResult(await callJson(p.adminHook, 'imbot.message.add', { BOT_ID: bot, CLIENT_ID: 'a', DIALOG_ID: pat.id, MESSAGE: 'hi', ATTACH, KEYBOARD, MENU })) as number;
    assertShapes(await asRead(bot, id), ['ATTACH', 'KEYBOARD', 'MENU'], 'imbot.message.add');
    assert.equal(assertResult(await callJson(p.adminHook, 'imbot.message.update', { BOT_ID: bot, CLIENT_ID: 'a', MESSAGE_ID: id, ATTACH })), true);
    assertShapes(await asRead(bot, id), ['ATTACH', 'KEYBOARD', 'MENU'], 'imbot.message.update');
  });

  it('im.message.add (a person)', async () => {
    const id = assertResult(await callJson(pat.hook, 'im.message.add', { DIALOG_ID: bot, MESSAGE: 'with attach', ATTACH })) as number;
    assertShapes(await asRead(bot, id), ['ATTACH'], 'im.message.add');
  });

  it('imbot.command.answer (v1): the same list, not a bare attachment', async () => {
    const typed = await patSays(bot, '/echo');
    const id = assertResult(
      await callJson(p.adminHook, 'imbot.command.answer', { CLIENT_ID: 'a', COMMAND_ID: command, MESSAGE_ID: typed, MESSAGE: 'answer', ATTACH, KEYBOARD, MENU }),
    ) as number;
    assertShapes(await asRead(bot, id), ['ATTACH', 'KEYBOARD'], 'imbot.command.answer');
  });

  it('imbot.v2.Chat.Message.send and imbot.v2.Command.answer (v2)', async () => {
    const sent = await v2call(p, 'imbot.v2.Chat.Message.send', { botId: v2.botId, botToken: v2.botToken, dialogId: String(pat.id), fields: { message: 'v2', attach: ATTACH, keyboard: KEYBOARD } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const sentId = sent.body.result.id ?? sent.body.result.messageId ?? sent.body.result.message?.id;
    assert.ok(Number.isInteger(sentId), JSON.stringify(sent.body.result));
    assertShapes(await asRead(v2.botId, sentId), ['ATTACH', 'KEYBOARD'], 'imbot.v2.Chat.Message.send');

    const typed = await patSays(v2.botId, '/ask');
    const answered = await v2call(p, 'imbot.v2.Command.answer', {
      botId: v2.botId,
      botToken: v2.botToken,
      commandId: v2Command,
      messageId: typed,
      dialogId: String(pat.id),
      fields: { message: 'v2 answer', attach: ATTACH, keyboard: [{ TEXT: 'Again', COMMAND: 'ask' }] },
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const got = assertResult(await sessionCall(p, 'im.dialog.messages.get', { DIALOG_ID: v2.botId, LIMIT: 50 }, pat.id));
    const answer = (got.messages as any[]).find((m) => m.text === 'v2 answer');
    assertShapes(answer.params, ['ATTACH', 'KEYBOARD'], 'imbot.v2.Command.answer');
  });
});
