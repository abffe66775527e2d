import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { control, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { callJson, errorOf, startPortal, type TestPortal } from './helpers/server.js';

// Issue 3's complete scenario, driven only through the API: a webhook bot whose handler is a real
// HTTP receiver, played by this test (on each event it receives, it calls the REST API as its
// app), and two people. At the end imbot.unregister leaves the store as api-reference/chat-bots/outdated/bots/imbot-unregister.md
// describes (group chats: the portal's behaviour, made deterministic).

type Obj = Record<string, any>;
interface Person {
  id: number;
  hook: string;
}

const APP = 'helper-app';
const HANDLER_PATH = `/bot?CLIENT_ID=${APP}`;

describe('scenario: a bot from first message to imbot.unregister', () => {
  let p: TestPortal;
  let r: Receiver;
  let anna: Person;
  let boris: Person;
  let botId: number;
  let commandId: number;
  /** events the bot has handled so far (they arrive in commit order) */
  let handled = 0;

  const db = () => p.server.core.store.db;

  async function ok(a: Promise<{ status: number; text: string; body: any }>, label: string): Promise<any> {
    const res = await a;
    assert.equal(res.status, 200, `${label}: ${res.text}`);
    return res.body.result;
  }
  /** The bot's app calling the REST API (webhook bot: the admin webhook plus its CLIENT_ID). */
  const asBot = (method: string, params: Obj = {}) => ok(callJson(p.adminHook, method, { CLIENT_ID: APP, BOT_ID: botId, ...params }), method);
  const as = (who: Person, method: string, params: Obj) => ok(callJson(who.hook, method, params), method);

  async function person(name: string): Promise<Person> {
    const id = await createUser(db(), p.server.clock, { name });
    const hook = await addWebhook(db(), p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
    return { id, hook: `${p.http}/rest/${id}/${hook.code}` };
  }

  /**
   * The next event the bot's handler receives: it must be `event`, at the bot's handler URL, with
   * the webhook auth block; returns its `data`.
   */
  async function next(event: string): Promise<Obj> {
    const hits = await r.waitFor(handled + 1);
    const h: Hit = hits[handled++]!;
    assert.equal(h.form.event, event, `event #${handled}`);
    assert.equal(h.url, HANDLER_PATH);
    assert.equal((h.form.auth as Obj).application_token, APP);
    return h.form.data as Obj;
  }

  /** data.BOT names exactly this bot. */
  function assertForBot(data: Obj): void {
    assert.deepEqual(data.BOT, { [botId]: { BOT_ID: String(botId), BOT_CODE: 'helper' } });
  }

  const texts = async (who: Person, dialog: string | number) =>
    (await as(who, 'im.dialog.messages.get', { DIALOG_ID: String(dialog), LIMIT: 50 })).messages.map((m: Obj) => [m.author_id, m.text]);

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    anna = await person('Anna');
    boris = await person('Boris');
  });

  after(async () => {
    await p.stop();
    await r.close();
  });

  it('runs end to end and unregister leaves the store as documented', async () => {
    // The developer installs the bot and one command.
    botId = await ok(
      callJson(p.adminHook, 'imbot.register', { CLIENT_ID: APP, CODE: 'helper', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'Helper' } }),
      'imbot.register',
    );
    commandId = await asBot('imbot.command.register', {
      COMMAND: 'team',
      EVENT_COMMAND_ADD: `${r.base}/bot`,
      LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Create a team chat', PARAMS: 'name' }],
    });

    // 1. Anna writes to the bot: it hears the first contact, then the message.
    const hello = await as(anna, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'Hi, I need a team chat' });
    const join = await next('ONIMBOTJOINCHAT');
    assertForBot(join);
    assert.deepEqual([join.PARAMS.CHAT_TYPE, join.PARAMS.USER_ID, join.PARAMS.FROM_USER_ID, join.PARAMS.DIALOG_ID], ['P', String(anna.id), String(anna.id), String(anna.id)]);
    const heard = await next('ONIMBOTMESSAGEADD');
    assertForBot(heard);
    assert.deepEqual(
      [heard.PARAMS.MESSAGE, heard.PARAMS.MESSAGE_ID, heard.PARAMS.FROM_USER_ID, heard.PARAMS.TO_USER_ID, heard.PARAMS.DIALOG_ID, heard.USER.NAME],
      ['Hi, I need a team chat', String(hello), String(anna.id), String(botId), String(anna.id), 'Anna'],
    );

    // 2. The bot answers into the dialog the event names, with a keyboard.
    const keyboardMessage = await asBot('imbot.message.add', {
      DIALOG_ID: heard.PARAMS.DIALOG_ID,
      MESSAGE: 'Shall I create it?',
      KEYBOARD: [{ TEXT: 'Yes, create it', COMMAND: 'team', COMMAND_PARAMS: 'Launch', BG_COLOR: '#29619b' }],
    });

    // 3. Anna sees the button and presses it.
    const [shown] = (await as(anna, 'im.dialog.messages.get', { DIALOG_ID: String(botId), LIMIT: 1 })).messages;
    assert.equal(shown.id, keyboardMessage);
    const [button] = shown.params.KEYBOARD;
    assert.deepEqual([button.TEXT, button.COMMAND, button.COMMAND_PARAMS, button.BOT_ID], ['Yes, create it', 'team', 'Launch', botId]);
    const press = { MESSAGE_ID: shown.id, BOT_ID: button.BOT_ID, COMMAND: button.COMMAND, COMMAND_PARAMS: button.COMMAND_PARAMS };
    assert.equal(await as(anna, 'im.message.command', press), true);
    const command = await next('ONIMCOMMANDADD');
    const hit = command.COMMAND[commandId];
    assert.deepEqual(Object.keys(command.COMMAND), [String(commandId)]);
    assert.deepEqual(
      [hit.BOT_ID, hit.BOT_CODE, hit.COMMAND, hit.COMMAND_PARAMS, hit.COMMAND_CONTEXT, hit.MESSAGE_ID],
      [String(botId), 'helper', 'team', 'Launch', 'KEYBOARD', String(keyboardMessage)],
    );
    assert.deepEqual([command.PARAMS.FROM_USER_ID, command.PARAMS.DIALOG_ID, command.PARAMS.MESSAGE], [String(anna.id), String(anna.id), '/team Launch']);

    // 4. The bot answers the command five minutes later, inside its answer window.
    assert.equal((await control(p.http, p.server.controlToken, 'clock', { advance_ms: 5 * 60_000 })).status, 200);
    const answer = await asBot('imbot.command.answer', { COMMAND_ID: hit.COMMAND_ID, MESSAGE_ID: hit.MESSAGE_ID, MESSAGE: 'Creating "Launch" for you' });
    assert.ok(Number.isInteger(answer), `the answer is posted: ${answer}`);

    // 5. The bot creates the group chat with Anna and Boris and greets it when it hears its join.
    const chatId = await asBot('imbot.chat.add', { TITLE: hit.COMMAND_PARAMS, USERS: [anna.id, boris.id] });
    const joined = await next('ONIMBOTJOINCHAT');
    assertForBot(joined);
    assert.deepEqual(
      [joined.PARAMS.CHAT_TYPE, joined.PARAMS.CHAT_ID, joined.PARAMS.USER_ID, joined.PARAMS.ACCESS_HISTORY, joined.PARAMS.DIALOG_ID],
      ['C', String(chatId), String(botId), '1', `chat${chatId}`],
    );
    await asBot('imbot.message.add', { DIALOG_ID: joined.PARAMS.DIALOG_ID, MESSAGE: 'Welcome to Launch!' });

    // 6. Anna chats without mentioning the bot (it hears nothing); Boris mentions it.
    await as(anna, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'Thanks, Boris is here too' });
    const mention = await as(boris, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: `[USER=${botId}]Helper[/USER], you can go now` });
    const mentioned = await next('ONIMBOTMESSAGEADD');
    assertForBot(mentioned);
    assert.deepEqual(
      [mentioned.PARAMS.MESSAGE_ID, mentioned.PARAMS.MESSAGE, mentioned.PARAMS.FROM_USER_ID, mentioned.PARAMS.DIALOG_ID, mentioned.PARAMS.CHAT_TITLE, mentioned.PARAMS.TO_USER_ID],
      [String(mention), 'you can go now', String(boris.id), `chat${chatId}`, 'Launch', String(botId)],
    );
    assert.deepEqual(mentioned.PARAMS.MENTIONED_LIST, { [botId]: String(botId) });

    // 7. The bot replies and leaves; as the chat's owner it must hand the chat over first.
    await asBot('imbot.message.add', { DIALOG_ID: mentioned.PARAMS.DIALOG_ID, MESSAGE: 'Bye!' });
    const ownerLeaves = await callJson(p.adminHook, 'imbot.chat.leave', { CLIENT_ID: APP, BOT_ID: botId, CHAT_ID: chatId });
    assert.deepEqual(errorOf(ownerLeaves), { status: 403, error: 'ACCESS_ERROR', error_description: 'LEAVE_OWNER_FORBIDDEN' });
    assert.equal(await asBot('imbot.chat.setOwner', { CHAT_ID: chatId, USER_ID: anna.id }), true);
    assert.equal(await asBot('imbot.chat.leave', { CHAT_ID: chatId }), true);

    // What exists just before the unregister.
    const privateChat = (await as(anna, 'im.dialog.messages.get', { DIALOG_ID: String(botId), LIMIT: 1 })).chat_id as number;
    assert.deepEqual((await texts(anna, botId)).reverse(), [
      [anna.id, 'Hi, I need a team chat'],
      [botId, 'Shall I create it?'],
      [botId, 'Creating "Launch" for you'],
    ]);
    const groupBefore = await texts(anna, `chat${chatId}`);
    const bindingsBefore = await appBindings();
    assert.equal(await listed(), true);

    // 8. imbot.unregister: the bot hears ONIMBOTDELETE.
    assert.equal(await asBot('imbot.unregister'), true);
    const deleted = await next('ONIMBOTDELETE');
    assert.deepEqual(deleted, { BOT_ID: String(botId), BOT_CODE: 'helper' });
    assert.equal(r.hits.length, handled, 'the bot heard nothing else');

    // The store (api-reference/chat-bots/outdated/bots/imbot-unregister.md; group chats as this server decides): the bot, its user, its commands and its private chat are gone…
    assert.equal(await count('bots', 'bot_id', botId), 0);
    assert.equal(await count('users', 'id', botId), 0);
    assert.equal(await count('commands', 'bot_id', botId), 0);
    assert.equal(await count('command_langs', 'command_id', commandId), 0);
    assert.equal(await count('chats', 'id', privateChat), 0);
    assert.equal(await count('messages', 'chat_id', privateChat), 0);
    assert.equal(await count('chat_members', 'chat_id', privateChat), 0);
    assert.equal(await count('private_dialogs', 'chat_id', privateChat), 0);
    assert.equal(await count('chat_members', 'user_id', botId), 0);
    // …the group chat stays with every message, the bot's included, and without the bot…
    assert.equal(await count('chats', 'id', chatId), 1);
    assert.deepEqual(await texts(anna, `chat${chatId}`), groupBefore);
    const groupMessages = await db().selectFrom('messages').select(['author_id', 'text']).where('chat_id', '=', chatId).orderBy('id').execute();
    assert.deepEqual(
      groupMessages.filter((m) => m.author_id === botId).map((m) => m.text),
      ['Welcome to Launch!', 'Bye!'],
    );
    assert.deepEqual([...(await as(anna, 'im.chat.user.list', { CHAT_ID: chatId }))].sort((x, y) => x - y), [anna.id, boris.id]);
    // …and the app's v1 bindings are kept ("sticky").
    assert.deepEqual(await appBindings(), bindingsBefore);
    assert.deepEqual(
      bindingsBefore.map((b) => b.event_name),
      ['ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEUPDATE', 'ONIMBOTMESSAGEDELETE', 'ONIMBOTCONTEXTGET', 'ONIMBOTJOINCHAT', 'ONIMBOTDELETE', 'ONIMCOMMANDADD'].sort(),
    );

    // Through the API too: the person's dialog with the bot is gone, the bot is no longer listed.
    assert.deepEqual(errorOf(await callJson(anna.hook, 'im.dialog.messages.get', { DIALOG_ID: String(botId) })), {
      status: 403,
      error: 'ACCESS_ERROR',
      error_description: 'You do not have access to the specified dialog',
    });
    assert.equal(await listed(), false);
  });

  async function count(table: 'bots' | 'users' | 'commands' | 'command_langs' | 'chats' | 'messages' | 'chat_members' | 'private_dialogs', column: string, value: number): Promise<number> {
    const row = await db()
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column as never, '=', value as never)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Whether imbot.bot.list names the bot. */
  async function listed(): Promise<boolean> {
    const list: Obj = await ok(callJson(p.adminHook, 'imbot.bot.list', { CLIENT_ID: APP }), 'imbot.bot.list');
    return Object.values(list).some((b: Obj) => b.ID === botId && b.CODE === 'helper');
  }

  function appBindings() {
    return db()
      .selectFrom('event_bindings')
      .select(['id', 'event_name', 'handler_url'])
      .where('application_token', '=', APP)
      .orderBy('event_name')
      .execute();
  }
});
