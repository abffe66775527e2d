import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { call, control, receiver, spawnNode, startCluster, testRedis, until, type TestCluster } from './helpers/two-nodes.js';

/*
 * Two `serve` processes on one PostgreSQL schema and one Redis prefix are one portal
 * (issue 13): writes acknowledged by one node are read at once on the other, events keep their
 * per-application order whichever node writes them, a killed node's lane is taken over, v2
 * fetch cursors see every node's commits in order, and the control API's state holds on both.
 */

const CLI = fileURLToPath(new URL('./helpers/cli-entry.js', import.meta.url));
const run = promisify(execFile);

describe('a node refuses what cannot be a cluster', () => {
  it('--redis without a PostgreSQL store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imbot-node-'));
    try {
      await assert.rejects(spawnNode(['--data', dir, '--redis', await testRedis(), '--port', '0', '--http-port', '0']), /--redis .*PostgreSQL store/s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('two nodes, one portal', () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(2);
  });
  after(async () => {
    await c?.stop();
  });

  it('reads on one node see the writes acknowledged by the other at once', async () => {
    for (let i = 0; i < 6; i++) {
      const [w, r] = i % 2 ? [0, 1] : [1, 0];
      const reg = await call(c.hook(w), 'imbot.register', { CODE: `ryw${i}`, CLIENT_ID: 'ryw', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: `Bot ${i}` } });
      assert.equal(reg.status, 200, JSON.stringify(reg));
      const list = await call(c.hook(r), 'imbot.bot.list', { CLIENT_ID: 'ryw' });
      assert.ok(Object.values(list.result).some((b: any) => b.CODE === `ryw${i}`), `bot ryw${i} registered on node ${w} is listed on node ${r}`);
      // the bot list is cached: an update must reach the other node's cache too
      const upd = await call(c.hook(w), 'imbot.update', { BOT_ID: reg.result, CLIENT_ID: 'ryw', FIELDS: { PROPERTIES: { NAME: `Renamed ${i}` } } });
      assert.equal(upd.result, true, JSON.stringify(upd));
      const again = await call(c.hook(r), 'imbot.bot.list', { CLIENT_ID: 'ryw' });
      assert.equal((Object.values(again.result) as any[]).find((b) => b.CODE === `ryw${i}`).NAME, `Renamed ${i}`);
    }
    // a user card changed on one node
    const upd = await call(c.hook(0), 'user.update', { ID: 1, NAME: 'Clustered' });
    assert.equal(upd.status, 200, JSON.stringify(upd));
    const card = await call(c.hook(1), 'im.user.get', { ID: 1 });
    assert.equal(card.result.first_name, 'Clustered');
  });

  it('a cached answer on one node never predates a write the other node acknowledged (many rounds)', async () => {
    // imbot.bot.list is answered from the read cache; the notification of the other node's
    // commit may still be on its way when the read arrives: the read waits for it (store/postgres.ts)
    const reg = await call(c.hook(0), 'imbot.register', { CODE: 'rounds', CLIENT_ID: 'rounds', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'Round -1' } });
    assert.equal(reg.status, 200, JSON.stringify(reg));
    const stale: string[] = [];
    for (let i = 0; i < 40; i++) {
      const [w, r] = i % 2 ? [0, 1] : [1, 0];
      // warm the reader's cache, then change the bot on the other node
      await call(c.hook(r), 'imbot.bot.list', { CLIENT_ID: 'rounds' });
      const upd = await call(c.hook(w), 'imbot.update', { BOT_ID: reg.result, CLIENT_ID: 'rounds', FIELDS: { PROPERTIES: { NAME: `Round ${i}` } } });
      assert.equal(upd.result, true, JSON.stringify(upd));
      const list = await call(c.hook(r), 'imbot.bot.list', { CLIENT_ID: 'rounds' });
      const name = (Object.values(list.result) as any[]).find((b) => b.CODE === 'rounds').NAME;
      if (name !== `Round ${i}`) stale.push(`round ${i}: node ${r} answered ${name}`);
    }
    assert.deepEqual(stale, []);
  });

  it('company structure: member changes of one person through both nodes at once never lose each other', async () => {
    // each change rewrites the person's whole department list; only the structure lock keeps two
    // nodes' read-modify-write apart (on one node, write calls already take turns)
    const v3 = async (node: number, method: string, params: Record<string, unknown>) => {
      const res = await fetch(`${c.hook(node).replace('/rest/', '/rest/api/')}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
      return { status: res.status, ...((await res.json()) as Record<string, unknown>) } as any;
    };
    const person = await call(c.hook(0), 'user.add', { EMAIL: 'structure@example.com', NAME: 'Sam', UF_DEPARTMENT: [1] });
    assert.equal(person.status, 200, JSON.stringify(person));
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const d = await call(c.hook(i % 2), 'department.add', { NAME: `Parallel ${i}`, PARENT: 1 });
      assert.equal(d.status, 200, JSON.stringify(d));
      ids.push(Number(d.result));
    }
    const answers = await Promise.all(ids.map((id, i) => v3(i % 2, 'humanresources.node.member.add', { nodeId: id, userIds: [person.result], role: 'MEMBER_EMPLOYEE' })));
    for (const a of answers) assert.deepEqual([a.status, a.result], [200, { success: true }], JSON.stringify(a));
    for (const node of [0, 1]) {
      const got = await call(c.hook(node), 'user.get', { ID: person.result });
      const deps = (got.result[0].UF_DEPARTMENT as number[]).map(Number).sort((a, b) => a - b);
      assert.deepEqual(deps, [1, ...ids].sort((a, b) => a - b), `node ${node}`);
    }
  });

  it('web push: a change committed on one node reaches a browser connected to the other', { timeout: 30_000 }, async () => {
    const session = await control(c.nodes[1]!, 'POST', '/__control/sessions', { user_id: 1 });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const abort = new AbortController();
    const res = await fetch(`${c.nodes[1]!.http}/__web/push?sessid=${session.body.sessid}`, { headers: { cookie: `PHPSESSID=${session.body.PHPSESSID}` }, signal: abort.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const next = async () => (text += new TextDecoder().decode((await reader.read()).value ?? new Uint8Array()));
    try {
      while (!text.includes('event: ready')) await next();
      const chat = await call(c.hook(0), 'im.chat.add', { TITLE: 'Pushed', USERS: [1] });
      assert.equal(chat.status, 200, JSON.stringify(chat));
      const sent = await call(c.hook(0), 'im.message.add', { DIALOG_ID: `chat${chat.result}`, MESSAGE: 'over there' });
      assert.equal(sent.status, 200, JSON.stringify(sent));
      while (!text.includes(`"chatId":${chat.result},"kind":"message"`)) await next();
    } finally {
      abort.abort();
    }
  });

  it('webhook auth: a block written to the store holds on every node at once', async () => {
    const env = { ...process.env, IMBOT_STORE: c.storeUrl };
    await run(process.execPath, [CLI, 'block', '--data', c.nodes[0]!.dataDir, '--webhook', c.adminCode], { env });
    for (const i of [0, 1]) assert.equal((await call(c.hook(i), 'profile')).error, 'OVERLOAD_LIMIT');
    await run(process.execPath, [CLI, 'unblock', '--data', c.nodes[0]!.dataDir, '--webhook', c.adminCode], { env });
    for (const i of [0, 1]) assert.equal((await call(c.hook(i), 'profile')).status, 200);
  });

  it('a bot gets every event in order while its messages are written through both nodes', async () => {
    const rx = await receiver();
    try {
      const bot = await call(c.hook(0), 'imbot.register', { CODE: 'order', CLIENT_ID: 'order', EVENT_HANDLER: rx.url, PROPERTIES: { NAME: 'Order' } });
      const n = 30;
      for (let i = 0; i < n; i++) {
        const a = await call(c.hook(i % 2), 'im.message.add', { DIALOG_ID: String(bot.result), MESSAGE: `m${i}` });
        assert.equal(a.status, 200, JSON.stringify(a));
      }
      await until(async () => rx.got.length >= n, `${n} events`);
      assert.deepEqual(rx.got.map((f) => f.get('data[PARAMS][MESSAGE]')), Array.from({ length: n }, (_, i) => `m${i}`));
      assert.equal(new Set(rx.ids).size, n, 'each event once');
    } finally {
      await rx.close();
    }
  });

  it('the delivery log shows the deliveries every node made', async () => {
    // the handler has had every event; a delivery is recorded as such once its answer is back,
    // which on a loaded machine can come a moment after the last request arrived
    for (const node of c.nodes) {
      let last = '';
      await until(async () => {
        const log = await control(node, 'GET', '/__control/events?limit=100');
        assert.equal(log.status, 200);
        last = JSON.stringify(log.body.events.map((e: any) => [e.id, e.event, e.status, e.attempts]));
        return log.body.events.filter((e: any) => e.event === 'ONIMBOTMESSAGEADD' && e.status === 'delivered').length >= 30;
      }, `30 deliveries in node ${c.nodes.indexOf(node)}'s log`).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
    }
  });

  it('clock, faults and limit settings set through one node hold on the other', async () => {
    const [a, b] = c.nodes as [any, any];
    const frozen = await control(a, 'POST', '/__control/clock', { freeze: true });
    await until(async () => (await control(b, 'GET', '/__control/clock')).body.now === frozen.body.now, 'the frozen clock on node 2');
    await control(b, 'POST', '/__control/clock', { advance_ms: 86_400_000 });
    await until(async () => (await control(a, 'GET', '/__control/clock')).body.now === frozen.body.now + 86_400_000, 'the clock moved on node 2, seen on node 1');
    await control(a, 'POST', '/__control/clock', { freeze: false });

    const armed = await control(a, 'POST', '/__control/faults', { kind: 'error', method: 'profile', error: 'expired_token', times: 1 });
    assert.equal(armed.status, 200, JSON.stringify(armed.body));
    await until(async () => (await control(b, 'GET', '/__control/faults')).body.faults.length === 1, 'the fault on node 2');
    assert.equal((await call(c.hook(1), 'profile')).error, 'expired_token');
    // used up on node 2: gone on node 1 as well
    await until(async () => (await control(a, 'GET', '/__control/faults')).body.faults.length === 0, 'the used fault gone on node 1');
    assert.equal((await call(c.hook(0), 'profile')).status, 200);

    const set = await control(b, 'POST', '/__control/limits', { rate: { burst: 6, drain: 0.001 }, reset: true });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    await until(async () => (await control(a, 'GET', '/__control/limits')).body.rate?.burst === 6, 'the rate limit on node 1');
    // one bucket for the client address, whichever node takes the request
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await call(c.hook(i % 2), 'profile')).status);
    assert.deepEqual(answers, [200, 200, 200, 200, 200, 200, 503, 503]);
    await control(a, 'POST', '/__control/limits', { rate: 'off', reset: true });
    await until(async () => (await control(b, 'GET', '/__control/limits')).body.rate === 'off', 'the rate limit off on node 2');
  });
});
