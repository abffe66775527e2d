import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { installScriptApp } from './helpers/oauth.js';
import { startReceiver, type Receiver } from './helpers/events.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

/*
 * Many writers at once, through HTTP. On SQLite the calls take turns on its one connection; on
 * PostgreSQL (the suite's second run) they really run side by side on the pool, and every
 * check-then-insert must still make one row.
 */

const N = 16;
const all = <T>(f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: N }, (_, i) => f(i)));
const H = 'http://127.0.0.1:9/handler';

describe('concurrent writers', () => {
  let p: TestPortal;
  let anna: Person;
  let r: Receiver;

  before(async () => {
    p = await startPortal();
    anna = await addPerson(p, 'Anna');
    r = await startReceiver();
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it(`${N} registrations of one CODE make one bot; another owner's racing ones are refused`, async () => {
    const register = (clientId: string) => callJson(p.adminHook, 'imbot.register', { CODE: 'racer', CLIENT_ID: clientId, EVENT_HANDLER: H, PROPERTIES: { NAME: 'Racer' } });
    const answers = await Promise.all([...Array.from({ length: N }, () => register('ownerA')), ...Array.from({ length: 4 }, () => register('ownerB'))]);
    const mine = answers.slice(0, N).map((a) => assertResult(a, 'imbot.register'));
    assert.equal(new Set(mine).size, 1, 'one bot id for every registration of the owner');
    for (const a of answers.slice(N)) assertError(a, [400, 'WRONG_REQUEST', "Bot can't be created"], 'the other owner never gets the CODE');
    const bots = Object.values(assertResult(await callJson(p.adminHook, 'imbot.bot.list', { CLIENT_ID: 'ownerA' })) as Record<string, { CODE: string }>);
    assert.equal(bots.filter((b) => b.CODE === 'racer').length, 1);
    const users = await p.server.core.store.db.selectFrom('users').select('id').where('name', '=', 'Racer').execute();
    assert.deepEqual(users.map((u) => u.id), [mine[0]], 'the losers left no bot user behind');
  });

  it(`${N} v2 registrations of one code make one bot`, async () => {
    const answers = await all(() => v2call(p, 'imbot.v2.Bot.register', { botToken: 'tok_v2racer', fields: { code: 'v2racer', properties: { name: 'V2 racer' } } }));
    const ids = answers.map((a) => assertResult(a, 'imbot.v2.Bot.register').bot.id as number);
    assert.equal(new Set(ids).size, 1);
  });

  it(`${N} registrations of one command and of one chat app make one row each`, async () => {
    const bot = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'cmdbot', CLIENT_ID: 'ownerC', EVENT_HANDLER: H, PROPERTIES: { NAME: 'Cmd' } }));
    const commands = await all(() =>
      callJson(p.adminHook, 'imbot.command.register', { BOT_ID: bot, CLIENT_ID: 'ownerC', COMMAND: 'race', EVENT_COMMAND_ADD: H, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Race' }] }),
    );
    assert.equal(new Set(commands.map((a) => assertResult(a, 'imbot.command.register'))).size, 1);
    const apps = await all(() =>
      callJson(p.adminHook, 'imbot.app.register', { BOT_ID: bot, CLIENT_ID: 'ownerC', CODE: 'raceapp', JS_METHOD: 'SEND', JS_PARAM: '/race', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Race' }] }),
    );
    assert.equal(new Set(apps.map((a) => assertResult(a, 'imbot.app.register'))).size, 1);
  });

  it(`${N} first messages between two people make one private chat`, async () => {
    const boris = await addPerson(p, 'Boris');
    const ids = await all((i) => callJson(anna.hook, 'im.message.add', { DIALOG_ID: String(boris.id), MESSAGE: `hello ${i}` }));
    ids.forEach((a) => assertResult(a, 'im.message.add'));
    const history = assertResult(await callJson(boris.hook, 'im.dialog.messages.get', { DIALOG_ID: String(anna.id), LIMIT: 50 }));
    assert.equal(history.messages.length, N, 'every message in the one dialog');
    const chats = new Set(history.messages.map((m: { chat_id: number }) => m.chat_id));
    assert.equal(chats.size, 1);
  });

  it(`${N} binds of one handler: one succeeds, the others are told it is bound`, async () => {
    const { auth } = await installScriptApp(p, r, '/install');
    const answers = await all(() => callJson(`${p.http}/rest`, 'event.bind', { event: 'ONAPPTEST', handler: `${r.base}/race`, auth: auth.access_token }));
    assert.equal(answers.filter((a) => a.status === 200).length, 1, answers.map((a) => a.text).join('\n'));
    for (const a of answers.filter((x) => x.status !== 200)) assertError(a, [400, 'ERROR_CORE', 'Unable to set event handler: Handler already binded']);
    const bound = assertResult(await callJson(`${p.http}/rest`, 'event.get', { auth: auth.access_token })) as { event: string }[];
    assert.equal(bound.filter((b) => b.event === 'ONAPPTEST').length, 1);
  });

  it('concurrent im.message.add and imbot.v2.Event.get never lose or repeat an acknowledged event', async () => {
    const bot = await registerV2Bot(p, { code: 'reader' });
    const writers = [anna, await addPerson(p, 'Vera'), await addPerson(p, 'Gleb'), await addPerson(p, 'Dana')];
    const PER_WRITER = 12;
    const seen: string[] = [];
    let offset = 0;
    let writing = true;
    const read = async () => {
      const a = await v2call(p, 'imbot.v2.Event.get', { botId: bot.botId, botToken: bot.botToken, offset, limit: 7 });
      const page = assertResult(a, 'Event.get') as { events: { eventId: number; type: string; data: any }[]; nextOffset: number };
      for (const e of page.events) if (e.type === 'ONIMBOTV2MESSAGEADD') seen.push(e.data.message.text as string);
      offset = page.nextOffset; // acknowledged with the next call
      return page.events.length;
    };
    const reader = (async () => {
      while (writing) await read();
      while ((await read()) > 0);
    })();
    await Promise.all(
      writers.map(async (w, k) => {
        for (let i = 0; i < PER_WRITER; i += 3) {
          await Promise.all([0, 1, 2].map((j) => callJson(w.hook, 'im.message.add', { DIALOG_ID: String(bot.botId), MESSAGE: `w${k} m${i + j}` })).map(async (x) => assertResult(await x, 'im.message.add')));
        }
      }),
    );
    writing = false;
    await reader;
    const expected = writers.flatMap((_, k) => Array.from({ length: PER_WRITER }, (_, i) => `w${k} m${i}`)).sort();
    assert.deepEqual([...seen].sort(), expected, 'every message exactly once');
  });
});
