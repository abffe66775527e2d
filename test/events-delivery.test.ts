import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import type { DomainCtx } from '../src/context.js';
import { bindAppEvent } from '../src/bots/bindings.js';
import { emitBotEvents, type BotEventIntent } from '../src/events/emit.js';
import { createUser } from '../src/im/users.js';
import { control, runCli, startReceiver, until, type Hit, type Receiver } from './helpers/events.js';
import { addPerson, assertResult, callJson, errorOf, startPortal, type TestPortal } from './helpers/server.js';
import { eventPublisher } from '../src/events/publisher.js';

// Bot events on the wire (api-reference/chat-bots/outdated/events/, chats/events/on-imbot-join-chat.md;
// api-reference/events/index.md): exact form bodies,
// one POST per application, the outbox's transaction, the delivery log and re-sending.

/** Portal time frozen here, so `ts` is known: 1800000000. */
const T = 1_800_000_000_000;
const TS = '1800000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('bot events: delivery of ONIMBOTJOINCHAT and ONIMBOTDELETE', () => {
  let p: TestPortal;
  let ra: Receiver;
  let rb: Receiver;
  let person: number;
  let personHook: string;
  const bots: Record<string, number> = {};

  const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);
  const db = () => p.server.core.store.db;
  const ctx = (): DomainCtx => ({ db: db(), clock: p.server.clock, portal: p.server.core.portal, profile: 'dev' , events: eventPublisher});

  async function register(code: string, clientId: string, handler: string): Promise<number> {
    const a = await callJson(p.adminHook, 'imbot.register', {
      CODE: code,
      CLIENT_ID: clientId,
      EVENT_MESSAGE_ADD: handler,
      EVENT_WELCOME_MESSAGE: handler,
      EVENT_BOT_DELETE: handler,
      PROPERTIES: { NAME: `Bot ${code}` },
    });
    assert.equal(a.status, 200, a.text);
    return a.body.result;
  }

  async function bindingId(event: string, token: string): Promise<string> {
    const row = await db().selectFrom('event_bindings').select('id').where('event_name', '=', event).where('application_token', '=', token).executeTakeFirstOrThrow();
    return String(row.id);
  }

  function auth(token: string) {
    const { domain, baseUrl, memberId } = p.server.core.portal;
    return { domain, client_endpoint: `${baseUrl}/rest/`, server_endpoint: `${baseUrl}/rest/`, member_id: memberId, application_token: token };
  }

  const personCard = () => ({ ID: String(person), NAME: 'Svetlana Ivanova', FIRST_NAME: 'Svetlana', LAST_NAME: 'Ivanova', WORK_POSITION: '', GENDER: 'F' });

  const isEvent = (event: string, botId?: number) => (h: Hit) =>
    h.form.event === event && (botId === undefined || JSON.stringify(h.form.data).includes(`"BOT_ID":"${botId}"`));

  async function privateChat(a: number, b: number): Promise<string> {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const row = await db().selectFrom('private_dialogs').select('chat_id').where('user_lo', '=', lo).where('user_hi', '=', hi).executeTakeFirstOrThrow();
    return String(row.chat_id);
  }

  function assertWebhookPost(h: Hit, path: string, clientId: string): void {
    assert.equal(h.method, 'POST');
    assert.equal(h.url, `${path}?CLIENT_ID=${clientId}`);
    assert.equal(h.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.match(String(h.headers['x-imbot-event-id']), UUID);
    assert.deepEqual(Object.keys(h.form), ['event', 'event_handler_id', 'data', 'ts', 'auth']);
  }

  before(async () => {
    p = await startPortal();
    ra = await startReceiver();
    rb = await startReceiver();
    assert.equal((await ctl('clock', { set_ms: T, freeze: true })).status, 200);
    person = await createUser(db(), p.server.clock, { name: 'Svetlana', lastName: 'Ivanova', gender: 'F' });
    const hook = await addWebhook(db(), p.server.clock, { userId: person, scope: SERVED_SCOPES.join(',') });
    personHook = `${p.http}/rest/${person}/${hook.code}`;
    bots.a1 = await register('a1', 'appA', `${ra.base}/a`);
    bots.a2 = await register('a2', 'appA', `${ra.base}/a`);
    bots.a3 = await register('a3', 'appA', `${ra.base}/a`);
    bots.b1 = await register('b1', 'appB', `${rb.base}/b`);
  });

  after(async () => {
    await p.stop();
    await ra.close();
    await rb.close();
  });

  it('a person writing to a bot first: ONIMBOTJOINCHAT to the bot app handler, exact body', async () => {
    const sent = await callJson(personHook, 'im.message.add', { DIALOG_ID: bots.a1, MESSAGE: 'hi' });
    assert.equal(sent.status, 200, sent.text);
    const [h] = await ra.waitFor(1, isEvent('ONIMBOTJOINCHAT', bots.a1));
    assertWebhookPost(h!, '/a', 'appA');
    assert.deepEqual(h!.form, {
      event: 'ONIMBOTJOINCHAT',
      event_handler_id: await bindingId('ONIMBOTJOINCHAT', 'appA'),
      data: {
        BOT: { [bots.a1!]: { BOT_ID: String(bots.a1), BOT_CODE: 'a1' } },
        PARAMS: {
          CHAT_TYPE: 'P',
          MESSAGE_TYPE: 'P',
          BOT_ID: String(bots.a1),
          USER_ID: String(person),
          CHAT_ID: await privateChat(person, bots.a1!),
          TO_USER_ID: String(bots.a1),
          FROM_USER_ID: String(person),
          DIALOG_ID: String(person),
          LANGUAGE: 'en',
        },
        USER: personCard(),
      },
      ts: TS,
      auth: auth('appA'),
    });
  });

  it('a bot writing to a person first: ONIMBOTJOINCHAT with the bot as FROM_USER_ID', async () => {
    const sent = await callJson(p.adminHook, 'imbot.message.add', { BOT_ID: bots.a2, CLIENT_ID: 'appA', DIALOG_ID: person, MESSAGE: 'hello' });
    assert.equal(sent.status, 200, sent.text);
    const [h] = await ra.waitFor(1, isEvent('ONIMBOTJOINCHAT', bots.a2));
    assertWebhookPost(h!, '/a', 'appA');
    assert.deepEqual(h!.form.data, {
      BOT: { [bots.a2!]: { BOT_ID: String(bots.a2), BOT_CODE: 'a2' } },
      PARAMS: {
        CHAT_TYPE: 'P',
        MESSAGE_TYPE: 'P',
        BOT_ID: String(bots.a2),
        USER_ID: String(person),
        CHAT_ID: await privateChat(person, bots.a2!),
        TO_USER_ID: String(person),
        FROM_USER_ID: String(bots.a2),
        DIALOG_ID: String(person),
        LANGUAGE: 'en',
      },
      USER: personCard(),
    });
  });

  it('imbot.unregister: ONIMBOTDELETE before deletion, raw PHP form encoding', async () => {
    // A second message in an existing chat must not fire another join.
    assert.equal((await callJson(personHook, 'im.message.add', { DIALOG_ID: bots.a1, MESSAGE: 'again' })).status, 200);
    const gone = await callJson(p.adminHook, 'imbot.unregister', { BOT_ID: bots.a2, CLIENT_ID: 'appA' });
    assert.equal(gone.status, 200, gone.text);
    const [h] = await ra.waitFor(1, isEvent('ONIMBOTDELETE'));
    assertWebhookPost(h!, '/a', 'appA');
    const { domain, memberId } = p.server.core.portal;
    const host = domain.replace(':', '%3A');
    const endpoint = `https%3A%2F%2F${host}%2Frest%2F`;
    assert.equal(
      h!.raw,
      `event=ONIMBOTDELETE&event_handler_id=${await bindingId('ONIMBOTDELETE', 'appA')}` +
        `&data%5BBOT_ID%5D=${bots.a2}&data%5BBOT_CODE%5D=a2&ts=${TS}` +
        `&auth%5Bdomain%5D=${host}&auth%5Bclient_endpoint%5D=${endpoint}&auth%5Bserver_endpoint%5D=${endpoint}` +
        `&auth%5Bmember_id%5D=${memberId}&auth%5Bapplication_token%5D=appA`,
    );
    // Lanes keep order: everything appA had before the delete has arrived, and nothing more.
    assert.equal(ra.hits.filter(isEvent('ONIMBOTJOINCHAT', bots.a1)).length, 1);
    assert.equal(ra.hits.filter(isEvent('ONIMBOTJOINCHAT', bots.a2)).length, 1);
    assert.equal(rb.hits.length, 0, 'appB heard nothing of appA');
  });

  it('one POST per application with all its matched bots; other apps, FETCH bots and unbound apps get nothing', async () => {
    const intent: BotEventIntent = {
      event: 'ONIMBOTMESSAGEADD',
      botIds: [bots.a1!, bots.b1!, bots.a3!],
      userId: person,
      params: { MESSAGE: 'grouped', FLAG: true, OFF: false, NOTHING: null, EMPTY: [], MENTIONED_LIST: { [bots.a1!]: bots.a1! } },
    };
    assert.equal(await db().transaction().execute((trx) => emitBotEvents({ ...ctx(), db: trx }, [intent])), 2);
    // Earlier messages in this suite bring their own ONIMBOTMESSAGEADD; pick this intent's POSTs.
    const grouped = (h: Hit) => isEvent('ONIMBOTMESSAGEADD')(h) && (h.form.data as any)?.PARAMS?.MESSAGE === 'grouped';
    const [ha] = await ra.waitFor(1, grouped);
    const [hb] = await rb.waitFor(1, grouped);
    assertWebhookPost(ha!, '/a', 'appA');
    assertWebhookPost(hb!, '/b', 'appB');
    const card = { ...personCard(), IS_BOT: 'N', IS_CONNECTOR: 'N', IS_NETWORK: 'N', IS_EXTRANET: 'N' };
    const params = { MESSAGE: 'grouped', FLAG: '1', OFF: '0', MENTIONED_LIST: { [bots.a1!]: String(bots.a1) } };
    assert.deepEqual(ha!.form.data, {
      BOT: { [bots.a1!]: { BOT_ID: String(bots.a1), BOT_CODE: 'a1' }, [bots.a3!]: { BOT_ID: String(bots.a3), BOT_CODE: 'a3' } },
      PARAMS: params,
      USER: card,
    });
    assert.equal(ha!.form.event_handler_id, await bindingId('ONIMBOTMESSAGEADD', 'appA'));
    assert.deepEqual(hb!.form.data, { BOT: { [bots.b1!]: { BOT_ID: String(bots.b1), BOT_CODE: 'b1' } }, PARAMS: params, USER: card });
    assert.deepEqual(hb!.form.auth, auth('appB'));

    await db().updateTable('bots').set({ event_mode: 'FETCH' }).where('bot_id', '=', bots.a3!).execute();
    await db().deleteFrom('event_bindings').where('event_name', '=', 'ONIMBOTMESSAGEADD').where('application_token', '=', 'appB').execute();
    assert.equal(await emitBotEvents(ctx(), [{ ...intent, botIds: [bots.a3!, bots.b1!] }]), 0, 'FETCH bot and unbound app: no outbox row');
  });

  it('ONIMCOMMANDADD: data.COMMAND keyed by command id; a given `user: null` leaves USER out', async () => {
    const owner = { appId: 'customappA', restAppId: 0, applicationToken: 'appA', webhookClientId: 'appA' };
    await bindAppEvent(ctx(), owner, 'ONIMCOMMANDADD', `${ra.base}/cmd?CLIENT_ID=appA`);
    const hit = { COMMAND_ID: 77, BOT_ID: bots.a1!, COMMAND: 'echo', COMMAND_PARAMS: 'one two', COMMAND_CONTEXT: 'TEXTAREA' as const, MESSAGE_ID: 9 };
    const intent: BotEventIntent = { event: 'ONIMCOMMANDADD', botIds: [], commandIds: [77], commands: [hit], userId: person, params: { MESSAGE: '/echo one two' }, user: null };
    assert.equal(await db().transaction().execute((trx) => emitBotEvents({ ...ctx(), db: trx }, [intent])), 1);
    const [h] = await ra.waitFor(1, isEvent('ONIMCOMMANDADD'));
    assertWebhookPost(h!, '/cmd', 'appA');
    assert.deepEqual(h!.form.data, {
      COMMAND: { 77: { BOT_ID: String(bots.a1), BOT_CODE: 'a1', COMMAND: 'echo', COMMAND_ID: '77', COMMAND_PARAMS: 'one two', COMMAND_CONTEXT: 'TEXTAREA', MESSAGE_ID: '9' } },
      PARAMS: { MESSAGE: '/echo one two' },
    });
  });

  it('nothing is sent for a rolled-back change', async () => {
    assert.equal((await ctl('faults', { method: 'imbot.unregister', kind: 'store_failure', times: 1 })).status, 200);
    const refused = await callJson(p.adminHook, 'imbot.unregister', { BOT_ID: bots.a1, CLIENT_ID: 'appA' });
    assert.deepEqual(errorOf(refused), { status: 400, error: 'WRONG_REQUEST', error_description: "Bot can't be deleted" });
    // A change that fails after its events were written rolls them back too.
    await assert.rejects(
      db().transaction().execute(async (trx) => {
        const n = await emitBotEvents({ ...ctx(), db: trx }, [{ event: 'ONIMBOTDELETE', botIds: [bots.a1!], userId: null, params: {} }]);
        assert.equal(n, 1);
        throw new Error('the change fails after writing its events');
      }),
      /the change fails/,
    );
    const log = await ctl('events?event=ONIMBOTDELETE');
    assert.deepEqual(log.body.events.map((e: { body: string }) => /BOT_ID%5D=(\d+)/.exec(e.body)![1]), [String(bots.a2)]);
    // Lane order: once a later appA event arrives, an earlier one would have arrived before it.
    await db().updateTable('bots').set({ event_mode: 'WEBHOOK' }).where('bot_id', '=', bots.a3!).execute();
    assert.equal((await callJson(personHook, 'im.message.add', { DIALOG_ID: bots.a3, MESSAGE: 'sentinel' })).status, 200);
    await ra.waitFor(1, isEvent('ONIMBOTJOINCHAT', bots.a3));
    assert.equal(ra.hits.filter(isEvent('ONIMBOTDELETE', bots.a1)).length, 0);
  });

  it('delivery log over the control API, and re-sending a delivery with the same event id', async () => {
    const denied = await fetch(`${p.http}/__control/events`);
    assert.equal(denied.status, 401);
    const [h] = ra.hits.filter(isEvent('ONIMBOTDELETE'));
    const log = await ctl('events?event=onimbotdelete&reveal=1'); // exact bodies: secrets shown
    assert.equal(log.status, 200);
    assert.equal(log.body.events.length, 1);
    const entry = log.body.events[0];
    assert.equal(entry.event, 'ONIMBOTDELETE');
    assert.equal(entry.status, 'delivered');
    assert.equal(entry.attempts, 1);
    assert.equal(entry.last_status, 200);
    assert.equal(entry.last_error, '');
    assert.equal(entry.handler_url, `${ra.base}/a?CLIENT_ID=appA`);
    assert.equal(entry.event_handler_id, Number(await bindingId('ONIMBOTDELETE', 'appA')));
    assert.equal(entry.body, h!.raw);
    assert.equal(entry.event_id, h!.headers['x-imbot-event-id']);
    assert.deepEqual(
      entry.tries.map((t: Record<string, unknown>) => [t.attempt, t.http_status, t.error, t.response]),
      [[1, 200, '', 'ok']],
    );
    assert.equal((await ctl('events?failed=1&event=ONIMBOTDELETE')).body.events.length, 0);

    const resent = await ctl(`events/${entry.id}/resend`, {});
    assert.equal(resent.status, 200);
    const both = await ra.waitFor(2, isEvent('ONIMBOTDELETE'));
    assert.equal(both[1]!.raw, h!.raw);
    assert.equal(both[1]!.headers['x-imbot-event-id'], entry.event_id);
    assert.equal(both[1]!.headers['x-imbot-delivery-attempt'], '2');
    await until(async () => (await ctl('events?event=ONIMBOTDELETE')).body.events[0].attempts === 2);
    const missing = await ctl('events/999999/resend', {});
    assert.deepEqual(missing, { status: 404, body: { error: 'EVENT_NOT_FOUND', error_description: 'No delivery with this id' } });
  });

  it('imbot-server events log --event lists the deliveries from the data dir', async () => {
    const [entry] = (await ctl('events?event=ONIMBOTDELETE')).body.events;
    const run = await runCli('events', 'log', '--data', p.dataDir, '--event', 'ONIMBOTDELETE');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.equal(lines.length, 1);
    const [id, , event, status, attempts, http, url, uid] = lines[0]!;
    assert.deepEqual([id, event, status, attempts, http, url, uid], [String(entry.id), 'ONIMBOTDELETE', 'delivered', '2', '200', `${ra.base}/a?CLIENT_ID=appA`, entry.event_id]);
  });
});

// emitBotEvents reads bots, bindings and users through the read cache (src/events/emit.ts): a
// change made through the API must reach the very next event.
describe('bot events follow changes to the bot, its bindings and the sender', () => {
  let p: TestPortal;
  let ra: Receiver;
  let rb: Receiver;
  before(async () => {
    p = await startPortal();
    [ra, rb] = await Promise.all([startReceiver(), startReceiver()]);
  });
  after(async () => {
    await p.stop();
    await Promise.all([ra.close(), rb.close()]);
  });

  it('the next message after imbot.update goes to the new handler, with the new code and the new user name', async () => {
    const bot = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'before', CLIENT_ID: 'appCache', EVENT_MESSAGE_ADD: `${ra.base}/a`, EVENT_WELCOME_MESSAGE: `${ra.base}/a`, EVENT_BOT_DELETE: `${ra.base}/a`, PROPERTIES: { NAME: 'Cache' } }));
    const person = await addPerson(p, 'Olga');
    const say = (MESSAGE: string) => callJson(person.hook, 'im.message.add', { DIALOG_ID: String(bot), MESSAGE });
    const added = (h: Hit) => h.form.event === 'ONIMBOTMESSAGEADD';
    assertResult(await say('one'));
    const [first] = await ra.waitFor(1, added);
    assert.deepEqual([(first!.form.data as any).BOT[bot].BOT_CODE, (first!.form.data as any).USER.NAME], ['before', 'Olga']);

    assert.equal(assertResult(await callJson(p.adminHook, 'imbot.update', { BOT_ID: bot, CLIENT_ID: 'appCache', FIELDS: { CODE: 'after', EVENT_MESSAGE_ADD: `${rb.base}/b` } })), true);
    await p.server.core.store.db.updateTable('users').set({ name: 'Olya' }).where('id', '=', person.id).execute(); // as the CLI would
    assertResult(await say('two'));
    const [second] = await rb.waitFor(1, added);
    assert.equal((second!.form.data as any).PARAMS.MESSAGE, 'two');
    assert.deepEqual([(second!.form.data as any).BOT[bot].BOT_CODE, (second!.form.data as any).USER.NAME], ['after', 'Olya']);
    assert.equal(ra.hits.filter(added).length, 1, 'the old handler heard nothing more');
  });
});
