import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { commandButtonIntents, commandLines, deletedStub, messageEventIntents, stripMentions } from '../src/bots/addressing.js';
import type { BotEventIntent } from '../src/events/emit.js';
import type { DomainCtx } from '../src/context.js';
import { createUser } from '../src/im/users.js';
import { personMessageFlags } from './helpers/events.js';
import { callJson, startPortal, type Answer, type TestPortal } from './helpers/server.js';
import { eventPublisher } from '../src/events/publisher.js';

// Who hears what (api-reference/chat-bots/outdated/messages/events/,
// commands/events/on-im-command-add.md; the portal's rules where the pages say less): the domain function
// against a real store, with chats, bots and messages built through HTTP.

type Params = Record<string, unknown>;
const H = 'http://127.0.0.1:9/addr';

function ok(a: Answer, label = ''): any {
  assert.equal(a.status, 200, `${label}: ${a.text}`);
  return a.body.result;
}

/** The flags every person's message carries, in the order the portal sends them. */
const FLAGS = personMessageFlags(false);

/** deepEqual plus the key order (the form-encoded body lists keys in this order). */
function assertParams(actual: Params, expected: Params, label = ''): void {
  assert.deepEqual(actual, expected, label);
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${label}: key order`);
}

describe('bot event addressing', () => {
  let p: TestPortal;
  const people: Record<'pat' | 'quinn' | 'xena', { id: number; hook: string }> = {} as any;
  let bot: number; // type B, app "a"
  let supervisor: number; // type S, app "a"
  let other: number; // type B, app "b"
  let outsider: number; // type B, app "b", never in the group
  let echo: number; // bot's, COMMON=N
  let ext: number; // bot's, EXTRANET_SUPPORT=Y
  let help: number; // other's, COMMON=Y
  let group: number;
  const db = () => p.server.core.store.db;
  const ctx = (): DomainCtx => {
    const core = p.server.core;
    return { db: core.store.db, clock: core.clock, portal: core.portal, profile: core.profile , events: eventPublisher};
  };
  const intents = (id: number, change: 'add' | 'update' | 'delete' = 'add') => messageEventIntents(ctx(), id, change);
  const say = async (who: 'pat' | 'quinn' | 'xena', dialog: string | number, text: string, more: Params = {}) =>
    ok(await callJson(people[who].hook, 'im.message.add', { DIALOG_ID: String(dialog), MESSAGE: text, ...more }), `say ${text}`) as number;
  const chatOf = async (messageId: number) =>
    db().selectFrom('messages').innerJoin('chats', 'chats.id', 'messages.chat_id').selectAll('chats').select('messages.created_at as message_created_at').where('messages.id', '=', messageId).executeTakeFirstOrThrow();
  const events = (list: BotEventIntent[]) => list.map((i) => [i.event, i.botIds]);
  const hits = (list: BotEventIntent[]) => list.flatMap((i) => (i.commands ?? []).map((c) => [c.COMMAND_ID, c.COMMAND_PARAMS]));

  async function registerBot(code: string, clientId: string, type: string): Promise<number> {
    return ok(await callJson(p.adminHook, 'imbot.register', { CODE: code, TYPE: type, CLIENT_ID: clientId, EVENT_HANDLER: H, PROPERTIES: { NAME: code } }));
  }
  async function registerCommand(botId: number, clientId: string, command: string, more: Params = {}): Promise<number> {
    const params = { BOT_ID: botId, CLIENT_ID: clientId, COMMAND: command, EVENT_COMMAND_ADD: H, LANG: [{ LANGUAGE_ID: 'en', TITLE: command }], ...more };
    return ok(await callJson(p.adminHook, 'imbot.command.register', params));
  }
  const userBlock = (id: number, first: string, flags: boolean) => ({
    ID: id,
    NAME: `${first} Person`,
    FIRST_NAME: first,
    LAST_NAME: 'Person',
    WORK_POSITION: '',
    GENDER: 'M',
    ...(flags ? { IS_BOT: 'N', IS_CONNECTOR: 'N', IS_NETWORK: 'N', IS_EXTRANET: first === 'Xena' ? 'Y' : 'N' } : {}),
  });

  before(async () => {
    p = await startPortal();
    for (const [key, name, userType] of [['pat', 'Pat', 'employee'], ['quinn', 'Quinn', 'employee'], ['xena', 'Xena', 'extranet']] as const) {
      const id = await createUser(db(), p.server.clock, { name, lastName: 'Person', userType });
      const hook = await addWebhook(db(), p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
      people[key] = { id, hook: `${p.http}/rest/${id}/${hook.code}` };
    }
    bot = await registerBot('plain', 'a', 'B');
    supervisor = await registerBot('super', 'a', 'S');
    other = await registerBot('other', 'b', 'B');
    outsider = await registerBot('outsider', 'b', 'B');
    echo = await registerCommand(bot, 'a', 'echo');
    ext = await registerCommand(bot, 'a', 'ext', { EXTRANET_SUPPORT: 'Y' });
    help = await registerCommand(other, 'b', 'help', { COMMON: 'Y' });
    group = ok(
      await callJson(people.pat.hook, 'im.chat.add', { TITLE: 'Team', COLOR: 'RED', USERS: [people.quinn.id, bot, supervisor, other] }),
    );
  });
  after(() => p.stop());

  describe('new messages', () => {
    it('private chat: the bot recipient gets ONIMBOTMESSAGEADD with the exact PARAMS and USER', async () => {
      const id = await say('pat', bot, 'Hello');
      const chat = await chatOf(id);
      const [intent, ...rest] = await intents(id);
      assert.deepEqual(rest, []);
      assert.deepEqual([intent.event, intent.botIds, intent.userId, intent.commandIds], ['ONIMBOTMESSAGEADD', [bot], people.pat.id, undefined]);
      assertParams(intent.params, {
        MESSAGE: 'Hello',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'P',
        FROM_USER_ID: people.pat.id,
        DIALOG_ID: String(people.pat.id),
        TO_CHAT_ID: chat.id,
        AUTHOR_ID: people.pat.id,
        SYSTEM: 'N',
        TO_USER_ID: bot,
        ...FLAGS,
        COMMAND_CONTEXT: 'TEXTAREA',
        CHAT_USER_COUNT: 2,
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ID: id,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      });
      assertParams(intent.user!, userBlock(people.pat.id, 'Pat', true));
    });

    it('private chat between two people, and anything a bot writes, reach nobody', async () => {
      assert.deepEqual(await intents(await say('pat', people.quinn.id, 'just us')), []);
      const byBot = ok(
        await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'a', BOT_ID: bot, DIALOG_ID: `chat${group}`, MESSAGE: `[USER=${supervisor}]s[/USER] /echo hi` }),
      );
      for (const change of ['add', 'update', 'delete'] as const) assert.deepEqual(await intents(byBot, change), [], change);
      const toPerson = ok(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'a', BOT_ID: bot, DIALOG_ID: people.pat.id, MESSAGE: 'hi' }));
      assert.deepEqual(await intents(toPerson, 'update'), [], 'bot-authored private messages never trigger events');
    });

    it('group chat: supervisors always, other bots only when mentioned and members', async () => {
      const plain = await say('quinn', `chat${group}`, 'hi all');
      assert.deepEqual(events(await intents(plain)), [['ONIMBOTMESSAGEADD', [supervisor]]]);
      const raw = `[USER=${bot}]Plain[/USER], do it`;
      const mention = await say('pat', `chat${group}`, raw);
      const chat = await chatOf(mention);
      const [intent] = await intents(mention);
      assert.deepEqual(events([intent]), [['ONIMBOTMESSAGEADD', [bot, supervisor]]]);
      assertParams(intent.params, {
        MESSAGE: 'do it',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'C',
        FROM_USER_ID: people.pat.id,
        DIALOG_ID: `chat${group}`,
        TO_CHAT_ID: group,
        AUTHOR_ID: people.pat.id,
        SYSTEM: 'N',
        CHAT_ID: group,
        CHAT_TITLE: 'Team',
        CHAT_AUTHOR_ID: people.pat.id,
        CHAT_TYPE: 'C',
        CHAT_AVATAR: 0,
        CHAT_COLOR: chat.color,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        CHAT_EXTRANET: 'N',
        CHAT_PREV_MESSAGE_ID: plain,
        CHAT_CAN_POST: 'MEMBER',
        RID: people.pat.id,
        IS_MANAGER: 'Y',
        ...FLAGS,
        COMMAND_CONTEXT: 'TEXTAREA',
        CHAT_USER_COUNT: 5,
        MENTIONED_LIST: { [bot]: bot },
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ORIGINAL: raw,
        TO_USER_ID: bot,
        MESSAGE_ID: mention,
        LANGUAGE: 'en',
      });
      assert.equal(chat.color, 'RED');
      assertParams(intent.user!, userBlock(people.pat.id, 'Pat', true));

      // A person mentioned first sets TO_USER_ID; a mentioned bot outside the chat hears nothing.
      const text = `[USER=${people.quinn.id}]Quinn[/USER] [USER=${outsider}]Out[/USER] look`;
      const [far] = await intents(await say('pat', `chat${group}`, text));
      assert.deepEqual(events([far]), [['ONIMBOTMESSAGEADD', [supervisor]]]);
      assert.deepEqual([far.params.MESSAGE, far.params.TO_USER_ID, far.params.IS_MANAGER], ['look', people.quinn.id, 'Y']);
      const [byQuinn] = await intents(await say('quinn', `chat${group}`, `[USER=${other}]Other[/USER] and you`));
      assert.deepEqual(events([byQuinn]), [['ONIMBOTMESSAGEADD', [supervisor, other].sort((a, b) => a - b)]]);
      assert.equal(byQuinn.params.IS_MANAGER, 'N');
    });

    it('a SYSTEM message is never a command but still reaches its bot', async () => {
      const [intent] = await intents(await say('pat', bot, '/echo quiet', { SYSTEM: 'Y' }));
      assert.deepEqual([intent.event, intent.botIds, intent.params.SYSTEM], ['ONIMBOTMESSAGEADD', [bot], 'Y']);
    });
  });

  describe('typed commands', () => {
    it('a command in a group: ONIMCOMMANDADD only (not the supervisor\'s message add), exact PARAMS, answer window opens', async () => {
      const id = await say('pat', `chat${group}`, '/echo arg');
      // im.message.add runs the addressing itself: typing the command already opened the window.
      const early = ok(await callJson(p.adminHook, 'imbot.command.answer', { CLIENT_ID: 'a', COMMAND_ID: echo, MESSAGE_ID: id, MESSAGE: 'early' }));
      assert.equal(typeof early, 'number', 'the typed command opened the answer window');
      const chat = await chatOf(id);
      const prev = await db().selectFrom('messages').select('id').where('chat_id', '=', group).where('id', '<', id).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      const list = await intents(id);
      assert.equal(list.length, 1);
      const [intent] = list;
      assert.deepEqual([intent.event, intent.botIds, intent.commandIds, intent.userId], ['ONIMCOMMANDADD', [bot], [echo], people.pat.id]);
      assert.deepEqual(intent.commands, [{ COMMAND_ID: echo, BOT_ID: bot, COMMAND: 'echo', COMMAND_PARAMS: 'arg', COMMAND_CONTEXT: 'TEXTAREA', MESSAGE_ID: id }]);
      assertParams(intent.params, {
        MESSAGE: '/echo arg',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'C',
        FROM_USER_ID: people.pat.id,
        DIALOG_ID: `chat${group}`,
        TO_CHAT_ID: group,
        AUTHOR_ID: people.pat.id,
        SYSTEM: 'N',
        CHAT_ID: group,
        CHAT_PARENT_ID: 0,
        CHAT_PARENT_MID: 0,
        CHAT_TITLE: 'Team',
        CHAT_AUTHOR_ID: people.pat.id,
        CHAT_TYPE: 'C',
        CHAT_AVATAR: 0,
        CHAT_COLOR: chat.color,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        CHAT_EXTRANET: 'N',
        CHAT_PREV_MESSAGE_ID: prev.id,
        CHAT_CAN_POST: 'MEMBER',
        RID: people.pat.id,
        IS_MANAGER: 'Y',
        BOT_IN_CHAT: { [bot]: bot, [supervisor]: supervisor, [other]: other },
        SKIP_USER_CHECK: 'Y',
        ...personMessageFlags(true),
        MESSAGE_ID: id,
        LANGUAGE: 'en',
      });
      assertParams(intent.user!, userBlock(people.pat.id, 'Pat', false), 'no IS_* flags for commands');
      const answered = ok(await callJson(p.adminHook, 'imbot.command.answer', { CLIENT_ID: 'a', COMMAND_ID: echo, MESSAGE_ID: id, MESSAGE: 'done' }));
      assert.ok(Number.isInteger(answered), 'the fired command opened the answer window');
    });

    it('every line is matched; identical command+params run once; built-ins count but reach nobody', async () => {
      const list = await intents(await say('pat', `chat${group}`, 'intro\n/echo 1\n/help two words\n/echo 1\n/echo 2\n/me waves\n//echo 3'));
      assert.deepEqual(events(list), [['ONIMCOMMANDADD', [bot, other]]]);
      assert.deepEqual(hits(list), [[echo, '1'], [help, 'two words'], [echo, '2'], [echo, '3']]);
      assert.deepEqual(await intents(await say('pat', `chat${group}`, '/me waves')), [], 'a built-in stops the message add too');
      assert.deepEqual(await intents(await say('pat', `chat${group}`, 'hello /echo not at line start')).then(events), [['ONIMBOTMESSAGEADD', [supervisor]]]);
    });

    it('at most 10 executions per message, built-ins included', async () => {
      const lines = Array.from({ length: 12 }, (_, i) => `/echo ${i}`);
      assert.equal(hits(await intents(await say('pat', `chat${group}`, lines.join('\n')))).length, 10);
      const withBuiltIns = ['/me a', '/loud b', ...lines].join('\n');
      assert.deepEqual(hits(await intents(await say('pat', `chat${group}`, withBuiltIns))).map(([, params]) => params), lines.slice(0, 8).map((l) => l.slice(6)));
    });

    it('COMMON commands work anywhere; the others only where their bot is a member or the recipient', async () => {
      const pair = ok(await callJson(people.pat.hook, 'im.chat.add', { USERS: [people.quinn.id] }));
      assert.deepEqual(await intents(await say('pat', `chat${pair}`, '/echo x')), [], 'not common, bot absent, nobody addressed');
      assert.deepEqual(hits(await intents(await say('pat', `chat${pair}`, '/help y'))), [[help, 'y']]);
      assert.deepEqual(hits(await intents(await say('pat', people.quinn.id, '/help z'))), [[help, 'z']], 'common: even a private chat of two people');
      assert.deepEqual(hits(await intents(await say('pat', bot, '/echo\n/help'))), [[echo, ''], [help, '']]);
      const toOther = await intents(await say('pat', other, '/echo nope'));
      assert.deepEqual(events(toOther), [['ONIMBOTMESSAGEADD', [other]]], 'echo belongs to another bot: a plain message');
    });

    it('extranet authors only reach EXTRANET_SUPPORT commands and the extranet built-ins', async () => {
      assert.deepEqual(events(await intents(await say('xena', bot, '/echo hi'))), [['ONIMBOTMESSAGEADD', [bot]]]);
      assert.deepEqual(hits(await intents(await say('xena', bot, '/ext hi'))), [[ext, 'hi']]);
      assert.deepEqual(events(await intents(await say('xena', bot, '/getDialogId'))), [['ONIMBOTMESSAGEADD', [bot]]]);
      assert.deepEqual(await intents(await say('pat', bot, '/getDialogId')), []);
      const [x] = await intents(await say('xena', bot, 'plain'));
      assert.equal(x.user!.IS_EXTRANET, 'Y');
    });

    it('private command PARAMS carry TO_USER_ID and no group fields', async () => {
      const id = await say('pat', bot, '/echo p');
      const chat = await chatOf(id);
      const [intent] = await intents(id);
      assertParams(intent.params, {
        MESSAGE: '/echo p',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'P',
        FROM_USER_ID: people.pat.id,
        DIALOG_ID: String(people.pat.id),
        TO_CHAT_ID: chat.id,
        AUTHOR_ID: people.pat.id,
        SYSTEM: 'N',
        TO_USER_ID: bot,
        SKIP_USER_CHECK: 'Y',
        ...personMessageFlags(true),
        MESSAGE_ID: id,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      });
    });
  });

  describe('edited and deleted messages', () => {
    it('private: update and delete go to the bot with their own PARAMS and the USER block', async () => {
      const id = await say('pat', bot, 'Edit me');
      const chat = await chatOf(id);
      const common = {
        ID: id,
        CHAT_ID: chat.id,
        AUTHOR_ID: people.pat.id,
      };
      const tail = { CHAT_ENTITY_ID: '', CHAT_ENTITY_DATA_1: '', CHAT_ENTITY_DATA_2: '', CHAT_ENTITY_DATA_3: '', FROM_USER_ID: people.pat.id, TO_USER_ID: bot };
      const [upd] = await intents(id, 'update');
      assert.deepEqual([upd.event, upd.botIds], ['ONIMBOTMESSAGEUPDATE', [bot]]);
      assertParams(upd.params, {
        ...common,
        MESSAGE: 'Edit me',
        MESSAGE_TYPE: 'P',
        CHAT_AUTHOR_ID: chat.author_id,
        ...tail,
        CHAT_USER_COUNT: 2,
        PLATFORM_CONTEXT: 'web',
        DIALOG_ID: String(people.pat.id),
        MESSAGE_ID: id,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      });
      assertParams(upd.user!, userBlock(people.pat.id, 'Pat', true));
      const [del] = await intents(id, 'delete');
      assert.deepEqual([del.event, del.botIds], ['ONIMBOTMESSAGEDELETE', [bot]]);
      assertParams(del.params, {
        ...common,
        MESSAGE: deletedStub(chat.message_created_at),
        MESSAGE_TYPE: 'P',
        CHAT_AUTHOR_ID: chat.author_id,
        ...tail,
        DIALOG_ID: String(people.pat.id),
        MESSAGE_ID: id,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      });
      assert.match(del.params.MESSAGE as string, /^Message from \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} has been deleted$/);
      assert.ok(del.user);
    });

    it('group: mentions are stripped, no USER block; a command message is edited like any other (no command matching)', async () => {
      const raw = `[USER=${bot}]Plain[/USER], change`;
      const id = await say('pat', `chat${group}`, raw);
      const [upd] = await intents(id, 'update');
      assert.deepEqual([upd.event, upd.botIds, upd.user], ['ONIMBOTMESSAGEUPDATE', [bot, supervisor], null]);
      assertParams(upd.params, {
        ID: id,
        CHAT_ID: group,
        AUTHOR_ID: people.pat.id,
        MESSAGE: 'change',
        MESSAGE_TYPE: 'C',
        CHAT_AUTHOR_ID: people.pat.id,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        CHAT_USER_COUNT: 5,
        MENTIONED_LIST: { [bot]: bot },
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ORIGINAL: raw,
        TO_USER_ID: bot,
        DIALOG_ID: `chat${group}`,
        MESSAGE_ID: id,
        CHAT_TYPE: 'C',
        LANGUAGE: 'en',
      });
      const [del] = await intents(id, 'delete');
      assert.deepEqual([del.event, del.botIds, del.user], ['ONIMBOTMESSAGEDELETE', [bot, supervisor], null]);
      assert.deepEqual(Object.keys(del.params), ['ID', 'CHAT_ID', 'AUTHOR_ID', 'MESSAGE', 'MESSAGE_TYPE', 'CHAT_AUTHOR_ID', 'CHAT_ENTITY_TYPE', 'CHAT_ENTITY_ID', 'CHAT_ENTITY_DATA_1', 'CHAT_ENTITY_DATA_2', 'CHAT_ENTITY_DATA_3', 'DIALOG_ID', 'MESSAGE_ID', 'CHAT_TYPE', 'LANGUAGE']);

      const command = await say('pat', `chat${group}`, '/echo edit');
      assert.deepEqual(events(await intents(command, 'update')), [['ONIMBOTMESSAGEUPDATE', [supervisor]]]);
      assert.deepEqual(await intents(999_999, 'update'), []);
    });
  });

  describe('keyboard and menu presses', () => {
    it('one ONIMCOMMANDADD with COMMAND_CONTEXT=KEYBOARD and synthetic PARAMS (group and private)', async () => {
      const kb = ok(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'a', BOT_ID: bot, DIALOG_ID: `chat${group}`, MESSAGE: 'choose' }));
      const list = await commandButtonIntents(ctx(), { userId: people.quinn.id, messageId: kb, botId: bot, command: '/echo', commandParams: 'red' });
      assert.ok(list);
      assert.equal(list.length, 1);
      const [intent] = list;
      assert.deepEqual([intent.event, intent.botIds, intent.commandIds, intent.userId], ['ONIMCOMMANDADD', [bot], [echo], people.quinn.id]);
      assert.deepEqual(intent.commands, [{ COMMAND_ID: echo, BOT_ID: bot, COMMAND: 'echo', COMMAND_PARAMS: 'red', COMMAND_CONTEXT: 'KEYBOARD', MESSAGE_ID: kb }]);
      assertParams(intent.params, {
        FROM_USER_ID: people.quinn.id,
        TO_CHAT_ID: group,
        MESSAGE: '/echo red',
        MESSAGE_TYPE: 'C',
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        AUTHOR_ID: people.quinn.id,
        DIALOG_ID: `chat${group}`,
        MESSAGE_ID: kb,
        CHAT_TYPE: 'C',
        LANGUAGE: 'en',
      });
      assertParams(intent.user!, userBlock(people.quinn.id, 'Quinn', false));

      const privateKb = ok(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'a', BOT_ID: bot, DIALOG_ID: people.quinn.id, MESSAGE: 'choose' }));
      const [priv] = (await commandButtonIntents(ctx(), { userId: people.quinn.id, messageId: privateKb, botId: bot, command: 'echo', commandParams: '' }))!;
      assert.deepEqual([priv.params.TO_USER_ID, priv.params.TO_CHAT_ID, priv.params.DIALOG_ID, priv.params.MESSAGE], [bot, undefined, String(people.quinn.id), '/echo ']);
      const answered = ok(await callJson(p.adminHook, 'imbot.command.answer', { CLIENT_ID: 'a', COMMAND_ID: echo, MESSAGE_ID: privateKb, MESSAGE: 'ok' }));
      assert.ok(Number.isInteger(answered), 'the press opened the window for the private dialog');
    });

    it('refuses presses that cannot run: not in the chat, unknown message, another bot\'s command', async () => {
      const kb = ok(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'a', BOT_ID: bot, DIALOG_ID: `chat${group}`, MESSAGE: 'choose' }));
      const press = (over: Partial<Parameters<typeof commandButtonIntents>[1]>) =>
        commandButtonIntents(ctx(), { userId: people.pat.id, messageId: kb, botId: bot, command: 'echo', commandParams: '', ...over });
      assert.equal(await press({ userId: people.xena.id }), null);
      assert.equal(await press({ messageId: 999_999 }), null);
      assert.equal(await press({ command: 'help' }), null);
      assert.deepEqual((await press({ botId: other, command: 'help' }))?.[0].commandIds, [help], "a bot's own command runs");
    });
  });

  describe('pure helpers', () => {
    it('commandLines splits at the first space of each line starting with "/"', () => {
      assert.deepEqual(commandLines('a\n/x\n/y 1 2\n /z\n/ w'), [
        { command: 'x', params: '' },
        { command: 'y', params: '1 2' },
        { command: '', params: 'w' },
      ]);
    });
    it('stripMentions removes each mention and one following comma', () => {
      assert.equal(stripMentions('[USER=1]A[/USER], [USER=2]B[/USER],, hi [USER=3][/USER]'), ', hi [USER=3][/USER]');
    });
  });
});
