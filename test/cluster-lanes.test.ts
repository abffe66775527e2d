import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { call, receiver, startCluster, until, type TestCluster } from './helpers/two-nodes.js';

/*
 * Events of a portal served by two `serve` processes (issue 13): v2 fetch cursors on either node
 * see every node's commits in order with no gaps, and when the node holding an application's
 * lane is killed the other takes the lane over, losing nothing committed.
 */
describe('events across two nodes', () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(2);
  });
  after(async () => {
    await c?.stop();
  });

  // v2 fetch mode across nodes

  it('Event.get on either node sees every node\'s commits in order, with no gaps, under concurrent writers', async () => {
    const reg = await call(c.hook(0), 'imbot.v2.Bot.register', { botToken: 'tok_fetch', fields: { code: 'fetch', properties: { name: 'Fetch' } } });
    assert.equal(reg.status, 200, JSON.stringify(reg));
    const botId = reg.result.bot.id;
    const perNode = 25;
    const seen: { eventId: number; text: string }[] = [];
    let offset = 0;
    let writing = true;
    const reader = (async () => {
      for (let turn = 0; ; turn++) {
        // a read that starts after every write was acknowledged sees them all: an empty page then ends
        const last = !writing;
        const page = await call(c.hook(turn % 2), 'imbot.v2.Event.get', { botId, botToken: 'tok_fetch', offset, limit: 7 });
        assert.equal(page.status, 200, JSON.stringify(page));
        for (const e of page.result.events) seen.push({ eventId: e.eventId, text: e.data?.message?.text });
        offset = page.result.nextOffset;
        if (last && page.result.events.length === 0) return;
      }
    })();
    const writer = (node: number) => (async () => {
      for (let i = 0; i < perNode; i++) {
        const a = await call(c.hook(node), 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: `n${node}-${i}` });
        assert.equal(a.status, 200, JSON.stringify(a));
      }
    })();
    await Promise.all([writer(0), writer(1)]);
    writing = false;
    await reader;
    const ids = seen.map((e) => e.eventId);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'event ids only grow');
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    const texts = seen.map((e) => e.text).filter((t) => /^n\d-\d+$/.test(t));
    assert.equal(texts.length, 2 * perNode, `every message's event: ${texts.length}`);
    for (const node of [0, 1]) {
      const mine = texts.filter((t) => t.startsWith(`n${node}-`));
      assert.deepEqual(mine, Array.from({ length: perNode }, (_, i) => `n${node}-${i}`), `node ${node}'s messages in order`);
    }
  });

  // a node dies holding a lane

  it('the other node takes the lane over; nothing committed is lost, redelivery keeps the event id', async () => {
    const rx = await receiver(true);
    const redis = new Redis(c.redis);
    try {
      const bot = await call(c.hook(0), 'imbot.register', { CODE: 'survivor', CLIENT_ID: 'lane1', EVENT_HANDLER: rx.url, PROPERTIES: { NAME: 'Survivor' } });
      const n = 40;
      const say = async (node: number, i: number) => {
        const a = await call(c.hook(node), 'im.message.add', { DIALOG_ID: String(bot.result), MESSAGE: `k${i}` });
        assert.equal(a.status, 200, JSON.stringify(a));
      };
      for (let i = 0; i < n / 2; i++) await say(i % 2, i);
      // the lane is being sent (the handler is slow): find its holder and kill it mid-burst
      // (the lane of a webhook's bots with CLIENT_ID lane1: the only lane with a backlog now)
      const laneKey = (await until(async () => (await redis.keys(`${c.prefix}lane:*lane1*`))[0], 'a lease on the lane'))!;
      const holder = (await redis.get(laneKey))!;
      const victim = c.nodes.findIndex((x) => holder.includes(`:${x.proc.pid}:`));
      assert.ok(victim >= 0, `holder ${holder} is one of the nodes`);
      await until(async () => rx.requests() > 0, 'the first event on the wire');
      await c.nodes[victim]!.stop('SIGKILL');
      assert.ok(rx.got.length < n / 2, 'killed before the backlog was sent');
      rx.release();
      for (let i = n / 2; i < n; i++) await say(1 - victim, i);
      const survivor = c.nodes[1 - victim]!;
      // every message's event arrives (at least once), and the first arrivals are in order
      await until(async () => new Set(rx.got.map((f) => f.get('data[PARAMS][MESSAGE]'))).size === n, `all ${n} events after the kill`, 1600);
      const firsts: string[] = [];
      for (const f of rx.got) {
        const m = f.get('data[PARAMS][MESSAGE]')!;
        if (!firsts.includes(m)) firsts.push(m);
      }
      assert.deepEqual(firsts, Array.from({ length: n }, (_, i) => `k${i}`));
      // a message sent twice (before the kill, and by the new holder) carries the same event id
      const idOf = new Map<string, string>();
      rx.got.forEach((f, i) => {
        const m = f.get('data[PARAMS][MESSAGE]')!;
        if (idOf.has(m)) assert.equal(rx.ids[i], idOf.get(m), `same event id for ${m}`);
        else idOf.set(m, rx.ids[i]!);
      });
      const after = await redis.get(laneKey);
      assert.ok(after === null || !after.includes(`:${c.nodes[victim]!.proc.pid}:`), 'the dead node holds no lease');
      // the survivor still serves and delivers
      await call(survivor.http + `/rest/1/${c.adminCode}`, 'im.message.add', { DIALOG_ID: String(bot.result), MESSAGE: 'after' });
      await until(async () => rx.got.some((f) => f.get('data[PARAMS][MESSAGE]') === 'after'), 'an event written after the kill');
    } finally {
      redis.disconnect();
      await rx.close();
    }
  });
});
