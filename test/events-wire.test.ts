import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { control, personMessageFlags, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { callJson, errorOf, startPortal, type TestPortal } from './helpers/server.js';

// People's messages, typed and pressed commands and group joins, as bot handlers receive them
// over HTTP (api-reference/chat-bots/outdated/messages/events/, chats/events/on-imbot-join-chat.md,
// commands/events/on-im-command-add.md): the exact decoded form bodies, who gets a POST,
// one POST per application, commit order per application, and nothing for a failed call.

/** Portal time, frozen: `ts` and the deletion stub's date are known. */
const T = Date.UTC(2027, 2, 4, 9, 27, 30);
const TS = String(T / 1000);

type Obj = Record<string, any>;
interface Person {
  id: number;
  hook: string;
}

/** What the handler decodes: every scalar a string (api-reference/events/index.md). */
function wire(v: unknown): any {
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(x)]));
  return String(v);
}

/** "Message from 03/04/2027 09:27:30 has been deleted" in the portal's local time. */
function deletedStub(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `Message from ${two(d.getMonth() + 1)}/${two(d.getDate())}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} has been deleted`;
}

const params = (h: Hit): Obj => (h.form.data as Obj | undefined)?.PARAMS ?? {};
const recipients = (h: Hit): string[] => Object.keys(((h.form.data as Obj).BOT ?? (h.form.data as Obj).COMMAND) as Obj);
/** `EVENT /path?query [ids]` — enough to tell the POSTs of a test apart. */
const summary = (h: Hit) => `${h.form.event} ${h.url} [${recipients(h).join(',')}]`;

describe('bot events on the wire: messages, commands, joins', () => {
  let p: TestPortal;
  let ra: Receiver;
  let rb: Receiver;
  let sveta: Person;
  let pavel: Person;
  let olga: Person;
  let a1: number;
  let a2: number;
  let sup: number;
  let b1: number;
  let echo: number;
  let group: number;
  let firstId: number;
  let mentionId: number;
  let sentinels = 0;

  const db = () => p.server.core.store.db;
  const A = (path = 'a') => `/${path}?CLIENT_ID=appA`;
  const B = '/b?CLIENT_ID=appB';

  async function ok(a: Promise<{ status: number; text: string; body: any }>, label: string): Promise<any> {
    const r = await a;
    assert.equal(r.status, 200, `${label}: ${r.text}`);
    return r.body.result;
  }
  const say = (who: Person, dialog: number | string, text: string) =>
    ok(callJson(who.hook, 'im.message.add', { DIALOG_ID: String(dialog), MESSAGE: text }), `${text} → ${dialog}`) as Promise<number>;
  const asApp = (method: string, clientId: string, params: Obj) => ok(callJson(p.adminHook, method, { CLIENT_ID: clientId, ...params }), method);

  async function person(name: string, lastName: string, gender: string): Promise<Person> {
    const id = await createUser(db(), p.server.clock, { name, lastName, gender, workPosition: 'Accountant' });
    const hook = await addWebhook(db(), p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
    return { id, hook: `${p.http}/rest/${id}/${hook.code}` };
  }

  const register = (code: string, clientId: string, handler: string, type = 'B') =>
    asApp('imbot.register', clientId, { CODE: code, TYPE: type, EVENT_HANDLER: handler, PROPERTIES: { NAME: `Bot ${code}` } }) as Promise<number>;

  async function bindingId(event: string, token: string): Promise<string> {
    const row = await db().selectFrom('event_bindings').select('id').where('event_name', '=', event).where('application_token', '=', token).executeTakeFirstOrThrow();
    return String(row.id);
  }

  async function chatIdOf(messageId: number): Promise<number> {
    return (await db().selectFrom('messages').select('chat_id').where('id', '=', messageId).executeTakeFirstOrThrow()).chat_id;
  }

  /** The message before `id` in its chat, as a member sees the history. */
  async function previousId(who: Person, chatId: number, id: number): Promise<number> {
    const h = await ok(callJson(who.hook, 'im.dialog.messages.get', { DIALOG_ID: `chat${chatId}`, LIMIT: 50 }), 'history');
    return Math.max(0, ...h.messages.map((m: { id: number }) => m.id).filter((m: number) => m < id));
  }

  function auth(token: string): Obj {
    const { domain, baseUrl, memberId } = p.server.core.portal;
    return { domain, client_endpoint: `${baseUrl}/rest/`, server_endpoint: `${baseUrl}/rest/`, member_id: memberId, application_token: token };
  }

  /** data.USER: the short card (joins, commands) or with the IS_* flags (message events). */
  function card(who: Person, name: string, gender: string, full: boolean): Obj {
    const [first, last] = name.split(' ');
    const short = { ID: who.id, NAME: name, FIRST_NAME: first, LAST_NAME: last, WORK_POSITION: 'Accountant', GENDER: gender };
    return full ? { ...short, IS_BOT: 'N', IS_CONNECTOR: 'N', IS_NETWORK: 'N', IS_EXTRANET: 'N' } : short;
  }
  const svetaCard = (full: boolean) => card(sveta, 'Svetlana Ivanova', 'F', full);
  const pavelCard = () => card(pavel, 'Pavel Petrov', 'M', false);

  const bot = (id: number, code: string, extra: Obj = {}) => ({ [id]: { BOT_ID: id, BOT_CODE: code, ...extra } });

  /** The whole body, and PARAMS in the platform's key order. */
  async function assertBody(h: Hit, path: string, event: string, token: string, data: Obj): Promise<void> {
    assert.equal(h.method, 'POST');
    assert.equal(h.url, path);
    assert.equal(h.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(h.form, { event, event_handler_id: await bindingId(event, token), data: wire(data), ts: TS, auth: auth(token) });
    assert.deepEqual(Object.keys(params(h)), Object.keys(data.PARAMS), 'PARAMS key order');
  }

  /** The POST about message `id` (its MESSAGE_ID), once it arrived. */
  async function eventFor(r: Receiver, event: string, id: number): Promise<Hit> {
    const [h] = await r.waitFor(1, (x) => x.form.event === event && params(x).MESSAGE_ID === String(id));
    return h!;
  }

  /**
   * Everything an application received since `mark`. A sentinel message to `via` (a bot of that
   * app) goes last; as an app's events arrive in commit order, anything the earlier calls caused
   * has arrived once the sentinel has.
   */
  async function settled(r: Receiver, mark: number, via: number): Promise<Hit[]> {
    const text = `sentinel ${++sentinels}`;
    await say(olga, via, text);
    await r.waitFor(1, (h) => params(h).MESSAGE === text);
    const since = r.hits.slice(mark);
    assert.equal(params(since.at(-1)!).MESSAGE, text, 'the sentinel arrived last');
    return since.slice(0, -1);
  }

  before(async () => {
    p = await startPortal();
    ra = await startReceiver();
    rb = await startReceiver();
    assert.equal((await control(p.http, p.server.controlToken, 'clock', { set_ms: T, freeze: true })).status, 200);
    sveta = await person('Svetlana', 'Ivanova', 'F');
    pavel = await person('Pavel', 'Petrov', 'M');
    olga = await person('Olga', 'Sidorova', 'F');
    a1 = await register('a1', 'appA', `${ra.base}/a`);
    a2 = await register('a2', 'appA', `${ra.base}/a`);
    sup = await register('sup', 'appA', `${ra.base}/a`, 'S');
    b1 = await register('b1', 'appB', `${rb.base}/b`);
    echo = await asApp('imbot.command.register', 'appA', {
      BOT_ID: a1,
      COMMAND: 'echo',
      EVENT_COMMAND_ADD: `${ra.base}/cmd`,
      LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Echo', PARAMS: 'text' }],
    });
    // Olga's private chats with a1 and b1 carry the sentinels.
    for (const [r, via] of [[ra, a1], [rb, b1]] as const) await settled(r, r.hits.length, via);
  });

  after(async () => {
    await p.stop();
    await ra.close();
    await rb.close();
  });

  it("a person's private message: first contact, then ONIMBOTMESSAGEADD with the complete body", async () => {
    const mark = ra.hits.length;
    firstId = await say(sveta, a1, 'Hello, bot! 1+1=2 & ü');
    const h = await eventFor(ra, 'ONIMBOTMESSAGEADD', firstId);
    assert.deepEqual(ra.hits.slice(mark).map(summary), [`ONIMBOTJOINCHAT ${A()} [${a1}]`, `ONIMBOTMESSAGEADD ${A()} [${a1}]`]);
    await assertBody(h, A(), 'ONIMBOTMESSAGEADD', 'appA', {
      BOT: bot(a1, 'a1'),
      PARAMS: {
        MESSAGE: 'Hello, bot! 1+1=2 & ü',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'P',
        FROM_USER_ID: sveta.id,
        DIALOG_ID: sveta.id,
        TO_CHAT_ID: await chatIdOf(firstId),
        AUTHOR_ID: sveta.id,
        SYSTEM: 'N',
        TO_USER_ID: a1,
        ...personMessageFlags(false),
        COMMAND_CONTEXT: 'TEXTAREA',
        CHAT_USER_COUNT: 2,
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ID: firstId,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      },
      USER: svetaCard(true),
    });
    // The raw body is PHP's http_build_query: bracket keys and values urlencoded, in order.
    const binding = await bindingId('ONIMBOTMESSAGEADD', 'appA');
    const bracket = (...keys: (string | number)[]) => keys.map((k, i) => (i === 0 ? k : `%5B${k}%5D`)).join('');
    assert.ok(
      h.raw.startsWith(
        `event=ONIMBOTMESSAGEADD&event_handler_id=${binding}` +
          `&${bracket('data', 'BOT', a1, 'BOT_ID')}=${a1}&${bracket('data', 'BOT', a1, 'BOT_CODE')}=a1` +
          `&${bracket('data', 'PARAMS', 'MESSAGE')}=Hello%2C+bot%21+1%2B1%3D2+%26+%C3%BC&${bracket('data', 'PARAMS', 'TEMPLATE_ID')}=&`,
      ),
      h.raw,
    );
    assert.ok(h.raw.includes(`&${bracket('data', 'USER', 'NAME')}=Svetlana+Ivanova&`), h.raw);
    const { memberId } = p.server.core.portal;
    assert.ok(h.raw.includes(`&ts=${TS}&${bracket('auth', 'domain')}=`), h.raw);
    assert.ok(h.raw.endsWith(`&${bracket('auth', 'member_id')}=${memberId}&${bracket('auth', 'application_token')}=appA`), h.raw);
  });

  it('im.chat.add with bots in USERS: ONIMBOTJOINCHAT per bot, to each app, with the group PARAMS', async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    group = await ok(callJson(pavel.hook, 'im.chat.add', { TITLE: 'Planning', COLOR: 'BROWN', USERS: [sveta.id, a1, a2, b1] }), 'im.chat.add');
    const joinData = (id: number, code: string, addedBy: Obj, history: string) => ({
      BOT: bot(id, code),
      PARAMS: {
        CHAT_TYPE: 'C',
        MESSAGE_TYPE: 'C',
        BOT_ID: id,
        USER_ID: addedBy.ID,
        CHAT_ID: group,
        CHAT_AUTHOR_ID: pavel.id,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        ACCESS_HISTORY: history,
        DIALOG_ID: `chat${group}`,
        LANGUAGE: 'en',
      },
      USER: addedBy,
    });
    const gotA = await settled(ra, markA, a1);
    const gotB = await settled(rb, markB, b1);
    assert.deepEqual(gotA.map(summary), [`ONIMBOTJOINCHAT ${A()} [${a1}]`, `ONIMBOTJOINCHAT ${A()} [${a2}]`]);
    assert.deepEqual(gotB.map(summary), [`ONIMBOTJOINCHAT ${B} [${b1}]`]);
    await assertBody(gotA[0]!, A(), 'ONIMBOTJOINCHAT', 'appA', joinData(a1, 'a1', pavelCard(), '1'));
    await assertBody(gotA[1]!, A(), 'ONIMBOTJOINCHAT', 'appA', joinData(a2, 'a2', pavelCard(), '1'));
    await assertBody(gotB[0]!, B, 'ONIMBOTJOINCHAT', 'appB', joinData(b1, 'b1', pavelCard(), '1'));
  });

  it('a group message without a mention reaches no normal bot', async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    await say(sveta, `chat${group}`, 'just chatting, no bots here');
    assert.deepEqual(await settled(ra, markA, a1), []);
    assert.deepEqual(await settled(rb, markB, b1), []);
  });

  it('a group message mentioning a bot: mention stripped in MESSAGE, MESSAGE_ORIGINAL, MENTIONED_LIST, the CHAT_* fields', async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    const raw = `[USER=${a1}]Bot a1[/USER], plan the sprint`;
    mentionId = await say(sveta, `chat${group}`, raw);
    const prev = await previousId(sveta, group, mentionId);
    assert.ok(prev > 0);
    const got = await settled(ra, markA, a1);
    assert.deepEqual(got.map(summary), [`ONIMBOTMESSAGEADD ${A()} [${a1}]`]);
    assert.deepEqual(await settled(rb, markB, b1), [], 'b1 was not mentioned');
    await assertBody(got[0]!, A(), 'ONIMBOTMESSAGEADD', 'appA', {
      BOT: bot(a1, 'a1'),
      PARAMS: {
        MESSAGE: 'plan the sprint',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'C',
        FROM_USER_ID: sveta.id,
        DIALOG_ID: `chat${group}`,
        TO_CHAT_ID: group,
        AUTHOR_ID: sveta.id,
        SYSTEM: 'N',
        CHAT_ID: group,
        CHAT_TITLE: 'Planning',
        CHAT_AUTHOR_ID: pavel.id,
        CHAT_TYPE: 'C',
        CHAT_AVATAR: 0,
        CHAT_COLOR: 'BROWN',
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        CHAT_EXTRANET: 'N',
        CHAT_PREV_MESSAGE_ID: prev,
        CHAT_CAN_POST: 'MEMBER',
        RID: sveta.id,
        IS_MANAGER: 'N',
        ...personMessageFlags(false),
        COMMAND_CONTEXT: 'TEXTAREA',
        CHAT_USER_COUNT: 5,
        MENTIONED_LIST: { [a1]: a1 },
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ORIGINAL: raw,
        TO_USER_ID: a1,
        MESSAGE_ID: mentionId,
        LANGUAGE: 'en',
      },
      USER: svetaCard(true),
    });
  });

  it('bots of one app mentioned together share ONE POST; another app gets its own POST at its own handler', async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    const raw = `[USER=${b1}]Bot b1[/USER] [USER=${a2}]Bot a2[/USER] [USER=${a1}]Bot a1[/USER] status?`;
    const id = await say(sveta, `chat${group}`, raw);
    const gotA = await settled(ra, markA, a1);
    const gotB = await settled(rb, markB, b1);
    assert.deepEqual(gotA.map(summary), [`ONIMBOTMESSAGEADD ${A()} [${a1},${a2}]`]);
    assert.deepEqual(gotB.map(summary), [`ONIMBOTMESSAGEADD ${B} [${b1}]`]);
    const [ha, hb] = [gotA[0]!, gotB[0]!];
    assert.deepEqual((ha.form.data as Obj).BOT, wire({ ...bot(a1, 'a1'), ...bot(a2, 'a2') }));
    assert.deepEqual((hb.form.data as Obj).BOT, wire(bot(b1, 'b1')));
    assert.deepEqual(params(ha), params(hb), 'the same PARAMS for both apps');
    assert.deepEqual((ha.form.data as Obj).USER, (hb.form.data as Obj).USER);
    const expected = { MESSAGE: 'status?', MESSAGE_ORIGINAL: raw, TO_USER_ID: b1, MENTIONED_LIST: { [b1]: b1, [a2]: a2, [a1]: a1 }, MESSAGE_ID: id };
    const { MESSAGE, MESSAGE_ORIGINAL, TO_USER_ID, MENTIONED_LIST, MESSAGE_ID } = params(ha);
    assert.deepEqual({ MESSAGE, MESSAGE_ORIGINAL, TO_USER_ID, MENTIONED_LIST, MESSAGE_ID }, wire(expected));
    assert.equal(ha.form.event_handler_id, await bindingId('ONIMBOTMESSAGEADD', 'appA'));
    assert.equal(hb.form.event_handler_id, await bindingId('ONIMBOTMESSAGEADD', 'appB'));
    assert.deepEqual([ha.form.auth, hb.form.auth], [auth('appA'), auth('appB')]);
  });

  it('im.chat.user.add of a supervisor bot: ONIMBOTJOINCHAT (ACCESS_HISTORY 0, USER = who added it); it then hears everything', async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    assert.equal(await ok(callJson(pavel.hook, 'im.chat.user.add', { CHAT_ID: group, USERS: [sup], HIDE_HISTORY: 'Y' }), 'user.add'), true);
    const plain = await say(sveta, `chat${group}`, 'anyone listening?');
    const mention = await say(sveta, `chat${group}`, `[USER=${a1}]Bot a1[/USER] and you?`);
    const gotA = await settled(ra, markA, a1);
    assert.deepEqual(gotA.map(summary), [`ONIMBOTJOINCHAT ${A()} [${sup}]`, `ONIMBOTMESSAGEADD ${A()} [${sup}]`, `ONIMBOTMESSAGEADD ${A()} [${a1},${sup}]`]);
    assert.deepEqual(await settled(rb, markB, b1), []);
    await assertBody(gotA[0]!, A(), 'ONIMBOTJOINCHAT', 'appA', {
      BOT: bot(sup, 'sup'),
      PARAMS: {
        CHAT_TYPE: 'C',
        MESSAGE_TYPE: 'C',
        BOT_ID: sup,
        USER_ID: pavel.id,
        CHAT_ID: group,
        CHAT_AUTHOR_ID: pavel.id,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        ACCESS_HISTORY: '0',
        DIALOG_ID: `chat${group}`,
        LANGUAGE: 'en',
      },
      USER: pavelCard(),
    });
    assert.deepEqual([params(gotA[1]!).MESSAGE_ID, params(gotA[1]!).MESSAGE, params(gotA[1]!).TO_USER_ID], [String(plain), 'anyone listening?', '0']);
    assert.equal('MENTIONED_LIST' in params(gotA[1]!), false, 'no mentions: no MENTIONED_LIST');
    assert.deepEqual([params(gotA[2]!).MESSAGE_ID, params(gotA[2]!).MESSAGE, params(gotA[2]!).CHAT_USER_COUNT], [String(mention), 'and you?', '6']);
  });

  it('a typed command: ONIMCOMMANDADD at EVENT_COMMAND_ADD with data[COMMAND], and no ONIMBOTMESSAGEADD', async () => {
    const mark = ra.hits.length;
    const id = await say(sveta, a1, '/echo hello world');
    const got = await settled(ra, mark, a1);
    assert.deepEqual(got.map(summary), [`ONIMCOMMANDADD ${A('cmd')} [${echo}]`]);
    await assertBody(got[0]!, A('cmd'), 'ONIMCOMMANDADD', 'appA', {
      COMMAND: {
        [echo]: { BOT_ID: a1, BOT_CODE: 'a1', COMMAND: 'echo', COMMAND_ID: echo, COMMAND_PARAMS: 'hello world', COMMAND_CONTEXT: 'TEXTAREA', MESSAGE_ID: id },
      },
      PARAMS: {
        MESSAGE: '/echo hello world',
        TEMPLATE_ID: '',
        MESSAGE_TYPE: 'P',
        FROM_USER_ID: sveta.id,
        DIALOG_ID: sveta.id,
        TO_CHAT_ID: await chatIdOf(id),
        AUTHOR_ID: sveta.id,
        SYSTEM: 'N',
        TO_USER_ID: a1,
        SKIP_USER_CHECK: 'Y',
        ...personMessageFlags(true),
        MESSAGE_ID: id,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      },
      USER: svetaCard(false),
    });
  });

  it('a typed command in a group: the message fields with CHAT_PARENT_*, BOT_IN_CHAT; the supervisor hears no message add', async () => {
    const mark = ra.hits.length;
    const id = await say(sveta, `chat${group}`, `/echo [USER=${a2}]Bot a2[/USER]`);
    const got = await settled(ra, mark, a1);
    assert.deepEqual(got.map(summary), [`ONIMCOMMANDADD ${A('cmd')} [${echo}]`]);
    const h = params(got[0]!);
    const expected = {
      MESSAGE: `/echo [USER=${a2}]Bot a2[/USER]`,
      DIALOG_ID: `chat${group}`,
      CHAT_ID: group,
      CHAT_PARENT_ID: 0,
      CHAT_PARENT_MID: 0,
      BOT_IN_CHAT: { [a1]: a1, [a2]: a2, [sup]: sup, [b1]: b1 },
      SKIP_USER_CHECK: 'Y',
      MESSAGE_ID: id,
    };
    assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, h[k]])), wire(expected));
    assert.deepEqual(Object.keys(h).slice(8, 12), ['CHAT_ID', 'CHAT_PARENT_ID', 'CHAT_PARENT_MID', 'CHAT_TITLE']);
    assert.equal('MESSAGE_ORIGINAL' in h, false, 'no mention stripping for commands');
  });

  it('a pressed keyboard button: ONIMCOMMANDADD with COMMAND_CONTEXT=KEYBOARD and the synthetic PARAMS', async () => {
    const mark = ra.hits.length;
    const keyboardId = await asApp('imbot.message.add', 'appA', {
      BOT_ID: a1,
      DIALOG_ID: sveta.id,
      MESSAGE: 'Pick one',
      KEYBOARD: [{ TEXT: 'Echo it', COMMAND: 'echo', COMMAND_PARAMS: 'from button' }],
    });
    const pressed = { MESSAGE_ID: keyboardId, BOT_ID: a1, COMMAND: 'echo', COMMAND_PARAMS: 'from button' };
    assert.equal(await ok(callJson(sveta.hook, 'im.message.command', pressed), 'press'), true);
    const got = await settled(ra, mark, a1);
    assert.deepEqual(got.map(summary), [`ONIMCOMMANDADD ${A('cmd')} [${echo}]`], "the bot's own keyboard message caused nothing");
    await assertBody(got[0]!, A('cmd'), 'ONIMCOMMANDADD', 'appA', {
      COMMAND: {
        [echo]: { BOT_ID: a1, BOT_CODE: 'a1', COMMAND: 'echo', COMMAND_ID: echo, COMMAND_PARAMS: 'from button', COMMAND_CONTEXT: 'KEYBOARD', MESSAGE_ID: keyboardId },
      },
      PARAMS: {
        FROM_USER_ID: sveta.id,
        TO_USER_ID: a1,
        MESSAGE: '/echo from button',
        MESSAGE_TYPE: 'P',
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        AUTHOR_ID: sveta.id,
        DIALOG_ID: sveta.id,
        MESSAGE_ID: keyboardId,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      },
      USER: svetaCard(false),
    });
    const history = await ok(callJson(sveta.hook, 'im.dialog.messages.get', { DIALOG_ID: String(a1), LIMIT: 1 }), 'history');
    assert.equal(history.messages[0].id, keyboardId, 'a press posts nothing');
  });

  it('edits by the person: ONIMBOTMESSAGEUPDATE with its PARAMS (private with USER, group without)', async () => {
    const mark = ra.hits.length;
    assert.equal(await ok(callJson(sveta.hook, 'im.message.update', { MESSAGE_ID: firstId, MESSAGE: 'Hello again' }), 'edit'), true);
    const raw = `[USER=${a1}]Bot a1[/USER], plan the next sprint`;
    assert.equal(await ok(callJson(sveta.hook, 'im.message.update', { MESSAGE_ID: mentionId, MESSAGE: raw }), 'edit group'), true);
    const got = await settled(ra, mark, a1);
    assert.deepEqual(got.map(summary), [`ONIMBOTMESSAGEUPDATE ${A()} [${a1}]`, `ONIMBOTMESSAGEUPDATE ${A()} [${a1},${sup}]`]);
    const privateChat = await chatIdOf(firstId);
    await assertBody(got[0]!, A(), 'ONIMBOTMESSAGEUPDATE', 'appA', {
      BOT: bot(a1, 'a1'),
      PARAMS: {
        ID: firstId,
        CHAT_ID: privateChat,
        AUTHOR_ID: sveta.id,
        MESSAGE: 'Hello again',
        MESSAGE_TYPE: 'P',
        CHAT_AUTHOR_ID: sveta.id,
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        FROM_USER_ID: sveta.id,
        TO_USER_ID: a1,
        CHAT_USER_COUNT: 2,
        PLATFORM_CONTEXT: 'web',
        DIALOG_ID: sveta.id,
        MESSAGE_ID: firstId,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      },
      USER: svetaCard(true),
    });
    await assertBody(got[1]!, A(), 'ONIMBOTMESSAGEUPDATE', 'appA', {
      BOT: { ...bot(a1, 'a1'), ...bot(sup, 'sup') },
      PARAMS: {
        ID: mentionId,
        CHAT_ID: group,
        AUTHOR_ID: sveta.id,
        MESSAGE: 'plan the next sprint',
        MESSAGE_TYPE: 'C',
        CHAT_AUTHOR_ID: pavel.id,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        CHAT_USER_COUNT: 6,
        MENTIONED_LIST: { [a1]: a1 },
        PLATFORM_CONTEXT: 'web',
        MESSAGE_ORIGINAL: raw,
        TO_USER_ID: a1,
        DIALOG_ID: `chat${group}`,
        MESSAGE_ID: mentionId,
        CHAT_TYPE: 'C',
        LANGUAGE: 'en',
      },
    });
  });

  it('deletions by the person: ONIMBOTMESSAGEDELETE with the stub text (private with USER, group without)', async () => {
    const mark = ra.hits.length;
    assert.equal(await ok(callJson(sveta.hook, 'im.message.delete', { MESSAGE_ID: firstId }), 'delete'), true);
    assert.equal(await ok(callJson(sveta.hook, 'im.message.delete', { MESSAGE_ID: mentionId }), 'delete group'), true);
    const got = await settled(ra, mark, a1);
    assert.deepEqual(got.map(summary), [`ONIMBOTMESSAGEDELETE ${A()} [${a1}]`, `ONIMBOTMESSAGEDELETE ${A()} [${a1},${sup}]`]);
    await assertBody(got[0]!, A(), 'ONIMBOTMESSAGEDELETE', 'appA', {
      BOT: bot(a1, 'a1'),
      PARAMS: {
        ID: firstId,
        CHAT_ID: await chatIdOf(firstId),
        AUTHOR_ID: sveta.id,
        MESSAGE: deletedStub(T),
        MESSAGE_TYPE: 'P',
        CHAT_AUTHOR_ID: sveta.id,
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        FROM_USER_ID: sveta.id,
        TO_USER_ID: a1,
        DIALOG_ID: sveta.id,
        MESSAGE_ID: firstId,
        CHAT_TYPE: 'P',
        LANGUAGE: 'en',
      },
      USER: svetaCard(true),
    });
    await assertBody(got[1]!, A(), 'ONIMBOTMESSAGEDELETE', 'appA', {
      BOT: { ...bot(a1, 'a1'), ...bot(sup, 'sup') },
      PARAMS: {
        ID: mentionId,
        CHAT_ID: group,
        AUTHOR_ID: sveta.id,
        MESSAGE: deletedStub(T),
        MESSAGE_TYPE: 'C',
        CHAT_AUTHOR_ID: pavel.id,
        CHAT_ENTITY_TYPE: '',
        CHAT_ENTITY_ID: '',
        CHAT_ENTITY_DATA_1: '',
        CHAT_ENTITY_DATA_2: '',
        CHAT_ENTITY_DATA_3: '',
        DIALOG_ID: `chat${group}`,
        MESSAGE_ID: mentionId,
        CHAT_TYPE: 'C',
        LANGUAGE: 'en',
      },
    });
  });

  it("a bot's own messages (added, edited, deleted) never produce events, even where a supervisor listens", async () => {
    const [markA, markB] = [ra.hits.length, rb.hits.length];
    const id = await asApp('imbot.message.add', 'appA', { BOT_ID: a1, DIALOG_ID: `chat${group}`, MESSAGE: `[USER=${a2}]Bot a2[/USER] [USER=${b1}]Bot b1[/USER] over to you` });
    await asApp('imbot.message.update', 'appA', { BOT_ID: a1, MESSAGE_ID: id, MESSAGE: `[USER=${a2}]Bot a2[/USER] edited` });
    await asApp('imbot.message.delete', 'appA', { BOT_ID: a1, MESSAGE_ID: id });
    await asApp('imbot.message.add', 'appB', { BOT_ID: b1, DIALOG_ID: `chat${group}`, MESSAGE: `[USER=${a1}]Bot a1[/USER] /echo x` });
    await asApp('imbot.message.add', 'appB', { BOT_ID: b1, DIALOG_ID: `chat${group}`, MESSAGE: '/echo from a bot' });
    assert.deepEqual(await settled(ra, markA, a1), []);
    assert.deepEqual(await settled(rb, markB, b1), []);
  });

  it("one bot's events arrive in commit order", async () => {
    const mark = ra.hits.length;
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => say(sveta, a1, `burst ${i}`)));
    const got = await settled(ra, mark, a1);
    assert.equal(got.length, 8);
    const arrived = got.map((h) => Number(params(h).MESSAGE_ID));
    assert.deepEqual(arrived, [...ids].sort((x, y) => x - y), 'arrival order = message (commit) order');
    assert.deepEqual(got.map((h) => params(h).MESSAGE), arrived.map((id) => `burst ${ids.indexOf(id)}`));
  });

  it('a call that fails (store_failure on im.message.add) sends nothing', async () => {
    const mark = ra.hits.length;
    assert.equal((await control(p.http, p.server.controlToken, 'faults', { method: 'im.message.add', kind: 'store_failure', times: 1 })).status, 200);
    const failed = await callJson(sveta.hook, 'im.message.add', { DIALOG_ID: String(a1), MESSAGE: 'lost in the store' });
    assert.deepEqual(errorOf(failed), { status: 400, error: 'CHAT_ID', error_description: 'Error creating message' });
    assert.deepEqual(await settled(ra, mark, a1), []);
    const history = await ok(callJson(sveta.hook, 'im.dialog.messages.get', { DIALOG_ID: String(a1), LIMIT: 50 }), 'history');
    assert.equal(history.messages.some((m: { text: string }) => m.text === 'lost in the store'), false);
  });
});
