import assert from 'node:assert/strict';
import { isoDate } from '../src/clock.js';
import { recordEvent } from '../src/events/v2/log.js';
import { phpJson } from '../src/rest/php.js';
import { appendV2Events } from '../src/store/repos/v2-event-log.js';
import { after, before, describe, it } from 'node:test';
import { addWebhook } from '../src/auth/webhooks.js';
import { advance } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';
import { eventPublisher } from '../src/events/publisher.js';

/*
 * Chatbots 2.0 fetch mode (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/, api-reference/chat-bots/chat-bots-v2/im.v2/events/): bots that never open a
 * port read their events with imbot.v2.Event.get; people read theirs with im.v2.Event.*.
 */

let p: TestPortal;
let alice: Person;
let bob: Person;
const bots: Record<string, { botId: number; botToken: string }> = {};

before(async () => {
  p = await startPortal();
  alice = await addPerson(p, 'Alice', { lastName: 'Smith' });
  bob = await addPerson(p, 'Bob');
  bots.fetcher = await registerV2Bot(p, { code: 'fetcher' });
  bots.watcher = await registerV2Bot(p, { code: 'watcher', type: 'supervisor' });
});
after(() => p.stop());

interface Page {
  events: { eventId: number; type: string; date: string; data: any }[];
  nextOffset: number;
  hasMore: boolean;
}

/** imbot.v2.Event.get for a bot, through `hook` (the admin webhook by default). */
async function eventGet(bot: string, extra: Record<string, unknown> = {}, hook?: string): Promise<Page> {
  const a = await v2call(p, 'imbot.v2.Event.get', { botId: bots[bot]!.botId, botToken: bots[bot]!.botToken, ...extra }, hook);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return a.body.result;
}

/** Everything in the bot's queue from `offset` on (acknowledging below it). */
async function drain(bot: string, offset = 0): Promise<Page> {
  return eventGet(bot, { offset, limit: 1000 });
}

async function say(who: Person, dialogId: string | number, text: string): Promise<number> {
  return assertResult(await callJson(who.hook, 'im.message.add', { DIALOG_ID: String(dialogId), MESSAGE: text }), 'im.message.add');
}

const mention = (botId: number, name: string) => `[USER=${botId}]${name}[/USER]`;
const DATA_KEYS = ['bot', 'message', 'chat', 'user', 'language'];

describe('a fetch-mode bot that never opens a port', () => {
  let cursor = 0;
  let groupId = 0;
  let privateMsg = 0;

  it('starts with an empty queue: nextOffset echoes the offset, hasMore false', async () => {
    assert.deepEqual(await eventGet('fetcher'), { events: [], nextOffset: 0, hasMore: false });
    assert.deepEqual(await eventGet('fetcher', { offset: 17 }), { events: [], nextOffset: 17, hasMore: false });
  });

  it("hears a user's 1:1 message, after the JOINCHAT of the new dialog", async () => {
    privateMsg = await say(alice, bots.fetcher!.botId, 'Hello bot!');
    const page = await drain('fetcher');
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD']);
    const [join, add] = page.events as [Page['events'][0], Page['events'][0]];
    assert.ok(add.eventId > join.eventId);
    assert.equal(page.nextOffset, add.eventId + 1);
    assert.equal(page.hasMore, false);
    assert.match(add.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);

    assert.deepEqual(Object.keys(join.data), ['bot', 'dialogId', 'chat', 'user', 'language']);
    assert.equal(join.data.dialogId, String(alice.id));
    assert.equal(join.data.user.id, alice.id);

    const d = add.data;
    assert.deepEqual(Object.keys(d), DATA_KEYS);
    // the full owner-format bot, exact JSON types (api-reference/chat-bots/chat-bots-v2/entities.md#bot)
    assert.deepEqual(d.bot, {
      id: bots.fetcher!.botId,
      code: 'fetcher',
      type: 'bot',
      isHidden: false,
      isSupportOpenline: false,
      isReactionsEnabled: true,
      backgroundId: null,
      language: 'en',
      moduleId: 'rest',
      eventMode: 'fetch',
      countMessage: 0,
      countCommand: 0,
      countChat: 0,
      countUser: 1,
    });
    assert.equal(d.message.id, privateMsg);
    assert.equal(d.message.text, 'Hello bot!');
    assert.equal(d.message.authorId, alice.id);
    assert.equal(d.message.isSystem, false);
    assert.equal(d.message.forward, null);
    // a private chat is named from the bot's side: the user's id
    assert.equal(d.chat.dialogId, String(alice.id));
    assert.equal(d.chat.type, 'private');
    assert.equal(d.chat.role, undefined, 'no per-user chat fields in events');
    assert.equal(d.chat.muteList, undefined);
    assert.equal(d.user.id, alice.id);
    assert.equal(d.user.name, 'Alice Smith');
    assert.equal(d.user.bot, false);
    assert.equal(d.user.lastActivityDate, false, 'online fields are false in events');
    assert.equal(d.language, 'en');
    cursor = page.nextOffset;
  });

  it('re-reading without moving offset returns the same events (at least once)', async () => {
    const again = await drain('fetcher');
    assert.deepEqual(again.events.map((e) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD']);
    const acked = await drain('fetcher', cursor);
    assert.deepEqual(acked, { events: [], nextOffset: cursor, hasMore: false });
    // acknowledged rows are gone: offset 0 no longer finds them
    assert.deepEqual((await drain('fetcher')).events, []);
  });

  // Snapshots are stored as the wire encodes them and copied into the answer (src/events/v2/log.ts);
  // the answer must be byte for byte what the portal's encoder gives for the same value.
  it('answers snapshots escaped as every answer is, including one stored unescaped', async () => {
    const text = `Ünï </b> & 'q' "x" a/b \\ end`;
    await say(alice, bots.fetcher!.botId, text);
    const legacy = { s: 'é/<"\\', n: 1 };
    await appendV2Events(p.server.core.store.db, [{ ownerId: bots.fetcher!.botId, type: 'ONIMBOTV2TEST', data: JSON.stringify(legacy) }], p.server.core.clock.now());
    const a = await v2call(p, 'imbot.v2.Event.get', { botId: bots.fetcher!.botId, botToken: bots.fetcher!.botToken, limit: 1000 });
    assert.equal(a.status, 200);
    assert.equal(a.text, phpJson(a.body), 'the same bytes as encoding the parsed answer');
    const page = a.body.result as Page;
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2MESSAGEADD', 'ONIMBOTV2TEST']);
    assert.equal(page.events[0]!.data.message.text, text);
    assert.ok(a.text.includes('\\u00dcn\\u00ef \\u003C\\/b\\u003E \\u0026 \\u0027q\\u0027 \\u0022x\\u0022 a\\/b \\\\ end'), a.text);
    assert.deepEqual(page.events[1]!.data, legacy);
    assert.ok(a.text.includes('{"s":"\\u00e9\\/\\u003C\\u0022\\\\","n":1}'), a.text);
    assert.deepEqual((await drain('fetcher', page.nextOffset)).events, []);
  });

  // The answer is encoded from the stored text without parsing it (src/events/v2/log.ts): batch,
  // the XML transport and the request log still see the plain value, and the log sizes it as the
  // plain JSON of that value, for snapshots stored escaped and stored before alike.
  it('shows the plain page to batch, XML and the request log', async () => {
    const text = 'Größe </i> ✓ 😀';
    await say(alice, bots.fetcher!.botId, text);
    const legacy = { s: 'ä/<', n: 2 };
    await appendV2Events(p.server.core.store.db, [{ ownerId: bots.fetcher!.botId, type: 'ONIMBOTV2TEST', data: JSON.stringify(legacy) }], p.server.core.clock.now());
    const gate = { botId: bots.fetcher!.botId, botToken: bots.fetcher!.botToken, limit: 1000 };
    const a = await v2call(p, 'imbot.v2.Event.get', gate);
    const page = a.body.result as Page;
    assert.equal(page.events.find((e) => e.type === 'ONIMBOTV2MESSAGEADD')!.data.message.text, text);
    assert.deepEqual(page.events.find((e) => e.type === 'ONIMBOTV2TEST')!.data, legacy);

    const log = await request(`${p.http}/__control/requests?limit=1&method=imbot.v2.Event.get`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    const [entry] = log.body.requests;
    assert.deepEqual(entry.result, page);
    assert.equal(entry.result_bytes, Buffer.byteLength(JSON.stringify(page)));

    const batch = assertResult(await callJson(p.adminHook, 'batch', { halt: 0, cmd: { get: `imbot.v2.Event.get?botId=${gate.botId}&botToken=${gate.botToken}&limit=1000` } }), 'batch');
    assert.deepEqual(batch.result.get, page);

    const xml = await request(`${p.adminHook}/imbot.v2.Event.get.xml`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(gate) });
    assert.equal(xml.status, 200);
    assert.ok(xml.text.includes('<text>Größe &lt;/i&gt; ✓ 😀</text>'), xml.text);
    assert.ok(xml.text.includes('<s>ä/&lt;</s><n>2</n>'), xml.text);
    assert.deepEqual((await drain('fetcher', page.nextOffset)).events, []);
  });

  it('in a group: JOINCHAT for both bots, @mention for a bot, every message for a supervisor', async () => {
    const created = await callJson(alice.hook, 'im.chat.add', { TITLE: 'Team', USERS: [bob.id, bots.fetcher!.botId, bots.watcher!.botId] });
    groupId = assertResult(created, 'im.chat.add');
    await say(alice, `chat${groupId}`, 'good morning everyone');
    const mentioned = await say(bob, `chat${groupId}`, `${mention(bots.fetcher!.botId, 'fetcher')}, what is up?`);

    const f = await drain('fetcher', cursor);
    assert.deepEqual(f.events.map((e) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD']);
    const [fjoin, fadd] = f.events as [Page['events'][0], Page['events'][0]];
    assert.equal(fjoin.data.dialogId, `chat${groupId}`);
    assert.equal(fjoin.data.chat.id, groupId);
    assert.equal(fjoin.data.user.id, alice.id, 'who added the bot');
    assert.equal(fadd.data.message.id, mentioned);
    assert.equal(fadd.data.chat.dialogId, `chat${groupId}`);
    assert.equal(fadd.data.user.id, bob.id);

    const w = await drain('watcher');
    assert.deepEqual(w.events.map((e) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD', 'ONIMBOTV2MESSAGEADD']);
    assert.deepEqual(w.events.slice(1).map((e) => e.data.user.id), [alice.id, bob.id]);
    assert.equal(w.events[0]!.data.bot.type, 'supervisor');

    // one global id sequence: the two queues interleave, each with gaps
    const ids = [...f.events, ...w.events].map((e) => e.eventId).sort((a, b) => a - b);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(f.events[1]!.eventId > w.events[1]!.eventId, "bob's message came after alice's");
    cursor = f.nextOffset;
    await drain('watcher', w.nextOffset);
  });

  it('hears edits and deletions of messages addressed to it', async () => {
    const id = await say(alice, `chat${groupId}`, `${mention(bots.fetcher!.botId, 'fetcher')} typo`);
    assertResult(await callJson(alice.hook, 'im.message.update', { MESSAGE_ID: id, MESSAGE: `${mention(bots.fetcher!.botId, 'fetcher')} fixed` }));
    assertResult(await callJson(alice.hook, 'im.message.delete', { MESSAGE_ID: id }));
    const page = await drain('fetcher', cursor);
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2MESSAGEADD', 'ONIMBOTV2MESSAGEUPDATE', 'ONIMBOTV2MESSAGEDELETE']);
    const [, upd, del] = page.events as Page['events'];
    assert.deepEqual(Object.keys(upd!.data), DATA_KEYS);
    assert.equal(upd!.data.message.id, id);
    assert.equal(upd!.data.message.text, `${mention(bots.fetcher!.botId, 'fetcher')} fixed`);
    assert.deepEqual(Object.keys(del!.data), ['bot', 'messageId', 'chat', 'user', 'language']);
    assert.equal(del!.data.messageId, id);
    assert.equal(del!.data.user.id, alice.id, 'the author of the deleted message');
    cursor = page.nextOffset;
  });

  it('limit: clamped to 1–1000 (default 100); hasMore means a full page', async () => {
    for (const n of [1, 2, 3]) await say(alice, bots.fetcher!.botId, `msg ${n}`);
    const one = await eventGet('fetcher', { offset: cursor, limit: 0 });
    assert.equal(one.events.length, 1, 'limit 0 is clamped to 1');
    assert.equal(one.hasMore, true);
    assert.equal(one.nextOffset, one.events[0]!.eventId + 1);
    const rest = await eventGet('fetcher', { OFFSET: one.nextOffset, LIMIT: 2 });
    assert.deepEqual(rest.events.map((e) => e.data.message.text), ['msg 2', 'msg 3']);
    assert.equal(rest.hasMore, true, 'exactly `limit` left: hasMore is still true');
    const empty = await eventGet('fetcher', { offset: rest.nextOffset, limit: 2 });
    assert.deepEqual(empty, { events: [], nextOffset: rest.nextOffset, hasMore: false });
    cursor = rest.nextOffset;

    // 1001 queued events: limit 5000 is clamped to 1000, the default is 100
    const ctx = { db: p.server.core.store.db, clock: p.server.clock, portal: p.server.core.portal, profile: p.server.core.profile, events: eventPublisher };
    let n = 0;
    await recordEvent(ctx, Array.from({ length: 1001 }, () => bots.fetcher!.botId), 'ONIMBOTV2MESSAGEADD', async () => ({ n: n++ }));
    const big = await eventGet('fetcher', { offset: cursor, limit: 5000 });
    assert.equal(big.events.length, 1000);
    assert.equal(big.hasMore, true);
    const dflt = await eventGet('fetcher', { offset: cursor });
    assert.equal(dflt.events.length, 100);
    const last = await eventGet('fetcher', { offset: big.nextOffset });
    assert.deepEqual(last.events.map((e) => e.data), [{ n: 1000 }]);
    cursor = last.nextOffset;
    await eventGet('fetcher', { offset: cursor });
  });

  it('keeps events 24 hours on the portal clock, acknowledged or not', async () => {
    await say(alice, bots.fetcher!.botId, 'old news');
    await advance(p, 24 * 3600_000 - 60_000);
    assert.equal((await eventGet('fetcher', { offset: cursor })).events.length, 1, 'still there a minute before');
    await advance(p, 60_001);
    assert.deepEqual(await eventGet('fetcher', { offset: cursor }), { events: [], nextOffset: cursor, hasMore: false });
  });

  it('a supervisor hears every message of its chats, bots excluded', async () => {
    const before = await drain('watcher');
    const botSays = await v2call(p, 'imbot.v2.Chat.Message.send', { botId: bots.fetcher!.botId, botToken: bots.fetcher!.botToken, dialogId: `chat${groupId}`, fields: { message: 'bot talk' } });
    assert.equal(botSays.status, 200, JSON.stringify(botSays.body));
    await say(bob, `chat${groupId}`, 'plain talk');
    const page = await drain('watcher', before.nextOffset);
    assert.deepEqual(page.events.map((e) => [e.type, e.data.message.text]), [['ONIMBOTV2MESSAGEADD', 'plain talk']]);
  });
});

describe('imbot.v2.Event.get errors and ownership', () => {
  it('runs the bot gate: only the owner reads a queue', async () => {
    const id = bots.fetcher!.botId;
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { botId: id }), [400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)']);
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { botToken: 'x' }), [400, 'BOT_ID_REQUIRED', 'botId is required']);
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { botId: 999999, botToken: 'x' }), [400, 'BOT_NOT_FOUND', 'Bot not found']);
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { BOT_ID: id, BOT_TOKEN: bots.watcher!.botToken }), [400, 'BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application']);
    // any webhook that knows the botToken is the owner (the portal's behaviour)
    const page = await eventGet('fetcher', {}, bob.hook);
    assert.ok(Array.isArray(page.events));
  });

  it('withUserEvents needs scope im and a subscription', async () => {
    const db = p.server.core.store.db;
    const hook = await addWebhook(db, p.server.clock, { userId: alice.id, scope: 'imbot' });
    const imbotOnly = `${p.http}/rest/${alice.id}/${hook.code}`;
    const params = { botId: bots.fetcher!.botId, botToken: bots.fetcher!.botToken, withUserEvents: true };
    assertError(await callJson(imbotOnly, 'imbot.v2.Event.get', params), [400, 'SCOPE_ERROR', "Scope 'im' is required to fetch user events"]);
    assertError(await callJson(alice.hook, 'imbot.v2.Event.get', { ...params, withUserEvents: 'Y' }), [400, 'USER_NOT_SUBSCRIBED', 'User is not subscribed. Call im.v2.Event.subscribe first']);
    // false / N: no user events, no check
    const { withUserEvents: _, ...plain } = params;
    assert.equal((await callJson(alice.hook, 'imbot.v2.Event.get', { ...plain, WITH_USER_EVENTS: 'N' })).status, 200);
    assert.equal((await callJson(imbotOnly, 'imbot.v2.Event.get', { ...plain, withUserEvents: false })).status, 200);
  });
});

describe('user events (im.v2.Event.*)', () => {
  let chatId = 0;

  it('subscribe / unsubscribe answer a bare true and are idempotent', async () => {
    for (let i = 0; i < 2; i++) assert.deepEqual((await callJson(alice.hook, 'im.v2.Event.subscribe', {})).body.result, true);
    for (let i = 0; i < 2; i++) assert.deepEqual((await callJson(bob.hook, 'im.v2.Event.unsubscribe', {})).body.result, true);
    const none = await callJson(bob.hook, 'im.v2.Event.get', {});
    assert.deepEqual(assertResult(none), { events: [], nextOffset: 0, hasMore: false }, 'not subscribed: nothing recorded');
  });

  it('records messages, edits, deletions and joins of the subscribed user’s chats', async () => {
    chatId = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'Side', USERS: [alice.id] }));
    const m = await say(bob, `chat${chatId}`, 'hi alice');
    assertResult(await callJson(bob.hook, 'im.message.update', { MESSAGE_ID: m, MESSAGE: 'hi Alice' }));
    assertResult(await callJson(bob.hook, 'im.message.delete', { MESSAGE_ID: m }));
    const dave = await addPerson(p, 'Dave');
    assertResult(await callJson(bob.hook, 'im.chat.user.add', { CHAT_ID: chatId, USERS: [dave.id, bots.watcher!.botId] }));
    const mine = await say(alice, bob.id, 'private hello');

    const page: Page = assertResult(await callJson(alice.hook, 'im.v2.Event.get', { limit: 50 }));
    const types = page.events.map((e) => e.type);
    // the bot joining with Dave records nothing: join user-events skip bots (the portal's `EventLogger`)
    assert.deepEqual(types, ['ONIMV2MESSAGEADD', 'ONIMV2MESSAGEUPDATE', 'ONIMV2MESSAGEDELETE', 'ONIMV2JOINCHAT', 'ONIMV2MESSAGEADD']);
    const [add, upd, del, join, own] = page.events as Page['events'];
    assert.deepEqual(Object.keys(add!.data), ['message', 'chat', 'user', 'language']);
    assert.equal(add!.data.message.text, 'hi alice');
    assert.equal(upd!.data.message.text, 'hi Alice');
    assert.deepEqual(Object.keys(del!.data), ['messageId', 'chat', 'user', 'language']);
    assert.equal(del!.data.messageId, m);
    assert.deepEqual(Object.keys(join!.data), ['dialogId', 'chat', 'user', 'language']);
    assert.equal(join!.data.user.id, dave.id, 'the member who joined');
    assert.equal(join!.data.dialogId, `chat${chatId}`);
    // the user's own message, in a private chat named from the user's side
    assert.equal(own!.data.message.id, mine);
    assert.equal(own!.data.chat.dialogId, String(bob.id));
    assert.equal(page.hasMore, false);
    assertResult(await callJson(alice.hook, 'im.v2.Event.get', { offset: page.nextOffset }));
  });

  it('withUserEvents merges the bot’s and the user’s queues in id order; one offset acknowledges both', async () => {
    const start = (await drain('watcher')).nextOffset;
    await drain('watcher', start);
    await say(bob, `chat${chatId}`, 'for both'); // watcher (supervisor) and alice both hear it
    const page = await eventGet('watcher', { offset: start, withUserEvents: true }, alice.hook);
    // the message domain records the user event as it writes the message, before the bot events
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMV2MESSAGEADD', 'ONIMBOTV2MESSAGEADD']);
    assert.ok(page.events[0]!.eventId < page.events[1]!.eventId);
    assert.equal(page.events[0]!.data.bot, undefined);
    const acked = await eventGet('watcher', { offset: page.nextOffset, withUserEvents: true }, alice.hook);
    assert.deepEqual(acked.events, []);
    assert.deepEqual(assertResult(await callJson(alice.hook, 'im.v2.Event.get', {})).events, [], 'the user queue was acknowledged too');
  });

  // Event.get reads a page as one row and writes the answer from its bytes (src/events/v2/log.ts);
  // on SQLite the rows of two queues come queue by queue and are put in id order there. Pages cut
  // anywhere in an interleaving of both queues, with snapshots stored escaped and stored plain
  // (before migration 067), non-ASCII and every character PHP escapes, answer what encoding the
  // page's value gives, byte for byte, and batch, XML and the request log see that value.
  it('pages over two interleaved queues: id order, limits and offsets, the same bytes as encoding the value', async () => {
    const start = (await eventGet('watcher', { withUserEvents: true, limit: 1000 }, alice.hook)).nextOffset;
    await eventGet('watcher', { offset: start, withUserEvents: true }, alice.hook);
    const db = p.server.core.store.db;
    const clock = p.server.core.clock;
    const values = Array.from({ length: 13 }, (_, k) => ({ k, text: k % 2 ? `Ünï </b> & 'q' "x" a/b \\ ✓ 😀 ${k}` : `plain ${k}`, list: [k, null, true], empty: {} }));
    const written: { id: number; owner: number; type: string; value: unknown; at: number }[] = [];
    for (let k = 0; k < values.length; k++) {
      const owner = k % 3 === 1 ? alice.id : bots.watcher!.botId;
      const type = owner === alice.id ? 'ONIMV2MESSAGEADD' : 'ONIMBOTV2MESSAGEADD';
      const plain = JSON.stringify(values[k]);
      // every fourth row as stored before migration 067: plain JSON, no size
      const row = k % 4 === 3 ? { ownerId: owner, type, data: plain } : { ownerId: owner, type, data: phpJson(values[k]), plainBytes: Buffer.byteLength(plain) };
      // one reading of the clock for the row and the expectation: it runs on between two readings
      const at = clock.now();
      const [id] = await appendV2Events(db, [row], at);
      written.push({ id: id!, owner, type, value: values[k], at });
      if (k === 6) p.server.clock.advance(1500); // a second date in the page
    }
    const expectPage = (from: number, limit: number) => {
      const rows = written.filter((w) => w.id >= from).slice(0, limit);
      const nextOffset = rows.length ? rows[rows.length - 1]!.id + 1 : from;
      return { events: rows.map((w) => ({ eventId: w.id, type: w.type, date: isoDate(w.at), data: w.value })), nextOffset, hasMore: rows.length >= limit };
    };
    const gate = { botId: bots.watcher!.botId, botToken: bots.watcher!.botToken, withUserEvents: true };
    const first = written[0]!.id;
    const check = async (offset: number, limit: number) => {
      const label = `offset ${offset - first}, limit ${limit}`;
      const a = await v2call(p, 'imbot.v2.Event.get', { ...gate, offset, limit }, alice.hook);
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.body.result, expectPage(offset, limit), label);
      assert.equal(a.text, phpJson(a.body), `${label}: the same bytes as encoding the value`);
      return a;
    };
    const all = await check(first, 100);
    assert.ok(all.text.includes('"text":"\\u00dcn\\u00ef \\u003C\\/b\\u003E \\u0026 \\u0027q\\u0027 \\u0022x\\u0022 a\\/b \\\\ \\u2713 \\ud83d\\ude00 1"'), all.text);
    const log = await request(`${p.http}/__control/requests?limit=1&method=imbot.v2.Event.get`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    assert.equal(log.body.requests[0].result_bytes, Buffer.byteLength(JSON.stringify(all.body.result)));
    assert.deepEqual(log.body.requests[0].result, all.body.result);
    await check(first, 5);
    // batch and XML see the same page
    const page = expectPage(first + 2, 4);
    const batch = assertResult(await callJson(alice.hook, 'batch', { halt: 0, cmd: { get: `imbot.v2.Event.get?botId=${gate.botId}&botToken=${gate.botToken}&withUserEvents=Y&limit=4&offset=${first + 2}` } }), 'batch');
    assert.deepEqual(batch.result.get, page);
    const xml = await request(`${alice.hook}/imbot.v2.Event.get.xml`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...gate, limit: 4, offset: first + 2 }) });
    assert.equal(xml.status, 200);
    for (const e of page.events) assert.ok(xml.text.includes(`<eventId>${e.eventId}</eventId>`), xml.text);
    assert.ok(xml.text.includes('<text>Ünï &lt;/b&gt; &amp; '), xml.text);
    // im.v2.Event.get reads the user's queue alone, the same way
    const own = assertResult(await callJson(alice.hook, 'im.v2.Event.get', { offset: first + 2, limit: 2 }));
    const mine = written.filter((w) => w.owner === alice.id && w.id >= first + 2).slice(0, 2);
    assert.deepEqual(own.events.map((e: { eventId: number }) => e.eventId), mine.map((w) => w.id));
    assert.deepEqual(own.events.map((e: { data: unknown }) => e.data), mine.map((w) => w.value));
    // pages cut anywhere, acknowledging as they go
    for (const [offset, limit] of [[first + 2, 4], [first + 5, 1], [first + 6, 2], [first + 12, 3], [first + 13, 3]] as const) await check(offset, limit);

    // Answers of 64 KB or more are written into memory used again once a response has finished
    // (server/answer-buffers.ts): many at once, of different sizes, each still its own page.
    const big = (k: number) => ({ k, text: `Größe ✓ </b> ${k} `.repeat(400) });
    for (let k = 0; k < 12; k++) {
      const owner = k % 2 ? alice.id : bots.watcher!.botId;
      const type = owner === alice.id ? 'ONIMV2MESSAGEADD' : 'ONIMBOTV2MESSAGEADD';
      const at = clock.now();
      const [id] = await appendV2Events(db, [{ ownerId: owner, type, data: phpJson(big(k)), plainBytes: Buffer.byteLength(JSON.stringify(big(k))) }], at);
      written.push({ id: id!, owner, type, value: big(k), at });
    }
    const from = written[written.length - 12]!.id;
    const sizes = [12, 11, 10, 12, 9, 11, 12, 10, 12, 11, 9, 12, 10, 11, 12, 9];
    const answers = await Promise.all(sizes.map((limit) => v2call(p, 'imbot.v2.Event.get', { ...gate, offset: from, limit }, alice.hook)));
    answers.forEach((a, i) => {
      assert.ok(a.text.length >= 64 << 10, `${a.text.length}`);
      assert.deepEqual(a.body.result, expectPage(from, sizes[i]!), `concurrent answer ${i}`);
      assert.equal(a.text, phpJson(a.body), `concurrent answer ${i}: the same bytes as encoding the value`);
    });
    for (const limit of [12, 9, 12, 10]) await check(from, limit);
    await check(from + 12, 5);
    assert.deepEqual((await eventGet('watcher', { offset: page.nextOffset + 100, withUserEvents: true }, alice.hook)).events, []);
  });

  it("records the bot's own answers too, through either API", async () => {
    const start = assertResult(await callJson(alice.hook, 'im.v2.Event.get', {})).nextOffset;
    const { botId, botToken } = bots.fetcher!;
    const v2 = await v2call(p, 'imbot.v2.Chat.Message.send', { botId, botToken, dialogId: String(alice.id), fields: { message: 'answer v2' } });
    assert.equal(v2.status, 200, v2.text);
    const v2Id = v2.body.result.id;
    assertResult(await v2call(p, 'imbot.v2.Chat.Message.update', { botId, botToken, messageId: v2Id, fields: { message: 'answer v2, edited' } }));
    assertResult(await v2call(p, 'imbot.v2.Chat.Message.delete', { botId, botToken, messageId: v2Id }));
    const v1 = assertResult(await callJson(p.adminHook, 'imbot.message.add', { BOT_ID: botId, CLIENT_ID: botToken, DIALOG_ID: alice.id, MESSAGE: 'answer v1' }));
    const page: Page = assertResult(await callJson(alice.hook, 'im.v2.Event.get', { offset: start }));
    assert.deepEqual(
      page.events.map((e) => [e.type, e.data.messageId ?? e.data.message.id, e.data.message?.text]),
      [
        ['ONIMV2MESSAGEADD', v2Id, 'answer v2'],
        ['ONIMV2MESSAGEUPDATE', v2Id, 'answer v2, edited'],
        ['ONIMV2MESSAGEDELETE', v2Id, undefined],
        ['ONIMV2MESSAGEADD', v1, 'answer v1'],
      ],
    );
    assert.equal(page.events[0]!.data.user.id, botId);
    assert.equal(page.events[0]!.data.chat.dialogId, String(botId), "the chat from Alice's side");
    assertResult(await callJson(alice.hook, 'im.v2.Event.get', { offset: page.nextOffset }));
  });

  it('unsubscribe stops recording but keeps what was recorded', async () => {
    await say(bob, `chat${chatId}`, 'kept');
    assert.equal((await callJson(alice.hook, 'im.v2.Event.unsubscribe', {})).body.result, true);
    await say(bob, `chat${chatId}`, 'not recorded');
    const page: Page = assertResult(await callJson(alice.hook, 'im.v2.Event.get', {}));
    assert.deepEqual(page.events.map((e) => e.data.message.text), ['kept']);
  });
});

describe('commands, context and deletion', () => {
  it('ONIMBOTV2COMMANDADD: one event per command, typed or pressed', async () => {
    const bot = bots.fetcher!;
    const reg = await callJson(p.adminHook, 'imbot.command.register', {
      BOT_ID: bot.botId, CLIENT_ID: bot.botToken, COMMAND: 'echo', EVENT_COMMAND_ADD: 'http://127.0.0.1:9/unused',
      LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Echo', PARAMS: 'text' }],
    });
    const commandId = assertResult(reg, 'imbot.command.register');
    const start = (await drain('fetcher')).nextOffset;
    const typed = await say(alice, bot.botId, '/echo one\n/echo two');
    let page = await drain('fetcher', start);
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2COMMANDADD', 'ONIMBOTV2COMMANDADD']);
    assert.deepEqual(Object.keys(page.events[0]!.data), ['bot', 'command', 'message', 'chat', 'user', 'language']);
    assert.deepEqual(page.events.map((e) => e.data.command), [
      { id: commandId, command: '/echo', params: 'one', context: 'textarea' },
      { id: commandId, command: '/echo', params: 'two', context: 'textarea' },
    ]);
    assert.equal(page.events[0]!.data.message.id, typed);
    assert.equal(page.events[0]!.data.user.id, alice.id);

    // a keyboard button with COMMAND on the bot's message
    const sent = await callJson(p.adminHook, 'imbot.message.add', {
      BOT_ID: bot.botId, CLIENT_ID: bot.botToken, DIALOG_ID: String(alice.id), MESSAGE: 'pick',
      KEYBOARD: [{ TEXT: 'Echo', COMMAND: 'echo', COMMAND_PARAMS: 'pressed' }],
    });
    const keyboardMsg = assertResult(sent, 'imbot.message.add');
    assertResult(await callJson(alice.hook, 'im.message.command', { MESSAGE_ID: keyboardMsg, BOT_ID: bot.botId, COMMAND: 'echo', COMMAND_PARAMS: 'pressed' }), 'im.message.command');
    page = await drain('fetcher', page.nextOffset);
    assert.deepEqual(page.events.map((e) => e.data.command), [{ id: commandId, command: '/echo', params: 'pressed', context: 'keyboard' }]);
    assert.equal(page.events[0]!.data.message.id, keyboardMsg);
    await drain('fetcher', page.nextOffset);
  });

  it('ONIMBOTV2REACTIONCHANGE only for reactions on the bot’s own message, and ONIMV2REACTIONCHANGE', async () => {
    const bot = bots.fetcher!;
    assert.equal((await callJson(alice.hook, 'im.v2.Event.subscribe', {})).body.result, true);
    const start = (await drain('fetcher')).nextOffset;
    const sent = await v2call(p, 'imbot.v2.Chat.Message.send', { botId: bot.botId, botToken: bot.botToken, dialogId: String(alice.id), fields: { message: 'rate me' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const botMsg = sent.body.result.id;
    assertResult(await callJson(alice.hook, 'im.message.like', { MESSAGE_ID: botMsg }), 'like');
    assertResult(await callJson(alice.hook, 'im.message.like', { MESSAGE_ID: botMsg }), 'unlike');
    // the bot's own reaction on a person's message tells the bot nothing
    const hers = await say(alice, bot.botId, 'my message');
    const own = await v2call(p, 'imbot.v2.Chat.Message.Reaction.add', { botId: bot.botId, botToken: bot.botToken, messageId: hers, reaction: 'fire' });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const page = await drain('fetcher', start);
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2REACTIONCHANGE', 'ONIMBOTV2REACTIONCHANGE', 'ONIMBOTV2MESSAGEADD']);
    const [added, removed] = page.events as Page['events'];
    assert.deepEqual(Object.keys(added!.data), ['bot', 'reaction', 'action', 'message', 'chat', 'user', 'language']);
    assert.deepEqual([added!.data.reaction, added!.data.action, removed!.data.action], ['like', 'add', 'delete']);
    assert.equal(added!.data.message.id, botMsg);
    assert.equal(added!.data.user.id, alice.id, 'who reacted');
    assert.equal(added!.data.chat.dialogId, String(alice.id));
    await drain('fetcher', page.nextOffset);
    // alice's own queue: every person's reaction in her chats; the bot's reaction is skipped (the portal's `EventLogger`)
    const mine: Page = assertResult(await callJson(alice.hook, 'im.v2.Event.get', {}));
    const reactions = mine.events.filter((e) => e.type === 'ONIMV2REACTIONCHANGE');
    assert.deepEqual(reactions.map((e) => [e.data.reaction, e.data.action, e.data.user.id]), [['like', 'add', alice.id], ['like', 'delete', alice.id]]);
    assert.equal(reactions[0]!.data.chat.dialogId, String(bot.botId), 'the chat seen from alice');
    assert.equal((await callJson(alice.hook, 'im.v2.Event.unsubscribe', {})).body.result, true);
    assertResult(await callJson(alice.hook, 'im.v2.Event.get', { offset: mine.nextOffset }));
  });

  it('im.v2.Chat.Bot.sendContext → ONIMBOTV2CONTEXTGET in the bot’s mode', async () => {
    const carol = await addPerson(p, 'Carol');
    const start = (await drain('fetcher')).nextOffset;
    const ok = await callJson(carol.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: String(bots.fetcher!.botId), context: { entityId: 164, source: 'link', nested: { ok: true } } });
    assert.deepEqual(ok.body.result, { result: true });
    const page = await drain('fetcher', start);
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2CONTEXTGET']);
    const d = page.events[0]!.data;
    assert.deepEqual(Object.keys(d), ['bot', 'dialogId', 'context', 'chat', 'user', 'language']);
    assert.equal(d.dialogId, String(carol.id));
    assert.deepEqual(d.context, { entityId: 164, source: 'link', nested: { ok: true } });
    assert.deepEqual(d.chat, {}, 'no dialog yet');
    assert.equal(d.user.id, carol.id, 'a number in fetch mode');
    await drain('fetcher', page.nextOffset);
  });

  it('sendContext errors: BOT_CONTEXT_ERROR', async () => {
    const E = (text: string) => [400, 'BOT_CONTEXT_ERROR', text] as [number, string, string];
    const ctx = { a: 1 };
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { context: ctx }), E('Dialog not found'));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: '999999', context: ctx }), E('Dialog not found'));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: String(bob.id), context: ctx }), E('There is no bot in this dialog'));
    const lonely = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'No bots', USERS: [alice.id] }));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: `chat${lonely}`, context: ctx }), E('There is no bot in this dialog'));
    const closed = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'Closed', USERS: [bots.fetcher!.botId] }));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: `chat${closed}`, context: ctx }), E('Access denied'));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: String(bots.fetcher!.botId) }), E('Context must be an object'));
    assertError(await callJson(alice.hook, 'im.v2.Chat.Bot.sendContext', { dialogId: String(bots.fetcher!.botId), context: 'text' }), E('Context must be an object'));
    // a group chat: every bot of it hears it, the chat named chatN
    const start = (await drain('fetcher')).nextOffset;
    assertResult(await callJson(bob.hook, 'im.v2.Chat.Bot.sendContext', { DIALOG_ID: `chat${closed}`, CONTEXT: { from: 'group' } }));
    const page = await drain('fetcher', start);
    const got = page.events.filter((e) => e.type === 'ONIMBOTV2CONTEXTGET');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.data.dialogId, `chat${closed}`);
    assert.equal(got[0]!.data.chat.id, closed);
    await drain('fetcher', page.nextOffset);
  });

  it('ONIMBOTV2DELETE is the last event; the old owner reads it for an hour', async () => {
    const gone = await registerV2Bot(p, { code: 'shortlived' });
    bots.shortlived = gone;
    await say(alice, gone.botId, 'bye');
    const un = await v2call(p, 'imbot.v2.Bot.unregister', { botId: gone.botId, botToken: gone.botToken });
    assert.equal(un.status, 200, JSON.stringify(un.body));
    const page = await drain('shortlived');
    assert.deepEqual(page.events.map((e) => e.type), ['ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEADD', 'ONIMBOTV2DELETE']);
    const del = page.events[2]!.data;
    assert.deepEqual(Object.keys(del), ['bot']);
    assert.equal(del.bot.id, gone.botId);
    assert.equal(del.bot.code, 'shortlived');
    assert.equal(del.bot.eventMode, 'fetch');
    // another owner: not found
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { botId: gone.botId, botToken: 'someone-else' }), [400, 'BOT_NOT_FOUND', 'Bot not found']);
    await advance(p, 3600_000);
    assertError(await callJson(p.adminHook, 'imbot.v2.Event.get', { botId: gone.botId, botToken: gone.botToken }), [400, 'BOT_NOT_FOUND', 'Bot not found']);
  });
});
