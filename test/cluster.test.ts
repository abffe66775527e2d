import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster, type ClusterNode, type NodeAnswer } from './helpers/cluster.js';
import { startReceiver, type Hit, type Receiver } from './helpers/events.js';

/*
 * Three `serve` processes over one PostgreSQL schema and one Redis are one portal (issue 13's
 * scenarios; README, "Running a cluster"). Runs in the SQLite half of `npm test` and brings its
 * own PostgreSQL and Redis (test/helpers/cluster.ts); scripts/test-postgres.mjs leaves it out so
 * it does not run twice.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client that retries a failed call once, on the next node (what a balancer's client does). */
async function callRetryingOnce(c: Cluster, node: number, method: string, params: Record<string, unknown>): Promise<NodeAnswer & { node: number }> {
  const tryOn = async (i: number) => {
    try {
      const a = await c.call(i, method, params);
      return { ...a, node: i, ok: a.status === 200 };
    } catch (err) {
      return { status: 0, body: undefined, text: String(err), node: i, ok: false };
    }
  };
  const first = await tryOn(node);
  if (first.ok) return first;
  return tryOn((node + 1) % c.nodes.length);
}

/** Waits until `pred` holds over the receiver's hits (rejects after `ms`). */
async function until(r: Receiver, pred: (hits: Hit[]) => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred(r.hits)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${ms} ms (${r.hits.length} requests received)`);
    await sleep(50);
  }
}

const messageAdds = (hits: Hit[]) => hits.filter((h) => h.form.event === 'ONIMBOTMESSAGEADD');
const messageIdOf = (h: Hit) => Number((h.form.data as any).PARAMS.MESSAGE_ID);
const textOf = (h: Hit) => String((h.form.data as any).PARAMS.MESSAGE);

/**
 * Which node holds the TCP connection from `localPort` (the client side of a request the receiver
 * got): the socket's inode in /proc/net/tcp, then the process whose descriptors name it.
 */
function nodeOwningPort(nodes: ClusterNode[], localPort: number): ClusterNode | undefined {
  const hex = localPort.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hex}`)) inodes.add(f[9]!);
    }
  }
  for (const n of nodes) {
    if (!n.running) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${n.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${n.pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return n;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** Every message id of a dialog as `node` reads it (pages of 50, newest first, LAST_ID backwards). */
async function storedIds(c: Cluster, node: number, dialog: string): Promise<Set<number>> {
  const stored = new Set<number>();
  let before: number | undefined;
  for (;;) {
    const page = await c.call(node, 'im.dialog.messages.get', { DIALOG_ID: dialog, LIMIT: 50, ...(before ? { LAST_ID: before } : {}) });
    assert.equal(page.status, 200, page.text);
    const ids = page.body.result.messages.map((m: any) => m.id as number);
    if (ids.length === 0) return stored;
    ids.forEach((id: number) => stored.add(id));
    before = Math.min(...ids);
  }
}

async function registerBot(c: Cluster, node: number, code: string, handler: string): Promise<number> {
  const a = await c.call(node, 'imbot.register', { CODE: code, CLIENT_ID: `app_${code}`, EVENT_MESSAGE_ADD: handler, EVENT_WELCOME_MESSAGE: handler, EVENT_BOT_DELETE: handler, PROPERTIES: { NAME: `Bot ${code}` } });
  assert.equal(a.status, 200, a.text);
  return a.body.result;
}

describe('cluster: three nodes, one portal', { timeout: 240_000 }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ nodes: 3 });
  });
  after(async () => {
    await c?.stop();
  });

  it('writes made round-robin on three nodes are readable at once from every node', async () => {
    const chat = await c.call(0, 'im.chat.add', { TITLE: 'Round robin', USERS: [] });
    assert.equal(chat.status, 200, chat.text);
    const dialog = `chat${chat.body.result}`;
    const ids: number[] = [];
    for (let i = 0; i < 15; i++) {
      const w = await c.call(i % 3, 'im.message.add', { DIALOG_ID: dialog, MESSAGE: `m${i}` });
      assert.equal(w.status, 200, w.text);
      ids.push(w.body.result);
      // read-your-writes on another node, at once
      const r = await c.call((i + 1) % 3, 'im.dialog.messages.get', { DIALOG_ID: dialog, LIMIT: 1 });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.messages[0]?.id, w.body.result, `m${i} written on node ${i % 3} is the last message on node ${(i + 1) % 3}`);
    }
    for (let n = 0; n < 3; n++) {
      const r = await c.call(n, 'im.dialog.messages.get', { DIALOG_ID: dialog, LIMIT: 50 });
      assert.deepEqual(r.body.result.messages.map((m: any) => m.id).sort((a: number, b: number) => a - b), ids, `node ${n} has every message`);
    }

    // a bot registered on one node is in the (cached) bot list of every other node at once
    for (let n = 0; n < 3; n++) assert.equal((await c.call(n, 'imbot.bot.list')).status, 200, 'lists cached before');
    const bot = await registerBot(c, 1, 'rr_bot', 'http://127.0.0.1:9/never');
    for (const n of [0, 2]) {
      const list = await c.call(n, 'imbot.bot.list');
      assert.ok(Object.keys(list.body.result).map(Number).includes(bot), `node ${n} lists the bot registered on node 1`);
    }
    const gone = await c.call(2, 'imbot.unregister', { BOT_ID: bot, CLIENT_ID: 'app_rr_bot' });
    assert.equal(gone.status, 200, gone.text);
    assert.ok(!Object.keys((await c.call(1, 'imbot.bot.list')).body.result).map(Number).includes(bot), 'node 1 no longer lists it');

    // a file stored through one node is downloaded from another
    const bytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => i % 251));
    const up = await c.call(0, 'im.v2.File.upload', { dialogId: dialog, fields: { name: 'big.bin', content: bytes.toString('base64') } });
    assert.equal(up.status, 200, up.text);
    const link = await c.call(2, 'im.v2.File.download', { dialogId: dialog, fileId: up.body.result.file.id });
    assert.equal(link.status, 200, link.text);
    const path = new URL(link.body.result.downloadUrl);
    const got = await fetch(`${c.nodes[1]!.http}${path.pathname}${path.search}`);
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes), 'node 1 serves the bytes node 0 stored');
  });

  it('a bot gets every event exactly once and in order while its messages are written through three nodes', async () => {
    const r = await startReceiver();
    try {
      const bot = await registerBot(c, 0, 'order_bot', `${r.base}/order`);
      const written: number[] = [];
      for (let i = 0; i < 30; i++) {
        const w = await c.call(i % 3, 'im.message.add', { DIALOG_ID: String(bot), MESSAGE: `o${i}` });
        assert.equal(w.status, 200, w.text);
        written.push(w.body.result);
      }
      await until(r, (h) => messageAdds(h).length >= 30, 30_000, '30 events');
      await sleep(500); // a duplicate would arrive now
      const events = messageAdds(r.hits);
      assert.deepEqual(events.map(textOf), written.map((_, i) => `o${i}`), 'every message once, in the order written');
      assert.deepEqual(events.map(messageIdOf), written);
      assert.equal(new Set(events.map((h) => h.headers['x-imbot-event-id'])).size, 30, 'distinct event ids');
    } finally {
      await r.close();
    }
  });

  it('kill -9 of the node sending a lane mid-burst loses no committed event and no acknowledged write', async () => {
    const r = await startReceiver({ delayMs: 20 });
    try {
      const bot = await registerBot(c, 1, 'crash_bot', `${r.base}/crash`);
      const acked: number[] = [];
      let killed: ClusterNode | undefined;
      for (let i = 0; i < 40; i++) {
        const live = c.nodes.filter((n) => n.running);
        const at = c.nodes.indexOf(live[i % live.length]!);
        const w = await callRetryingOnce(c, at, 'im.message.add', { DIALOG_ID: String(bot), MESSAGE: `k${i}` });
        assert.equal(w.status, 200, `k${i}: ${w.text}`);
        acked.push(w.body.result);
        if (!killed && messageAdds(r.hits).length >= 10) {
          // the node whose connection delivered the latest event holds the lane: kill it now
          const last = r.hits.at(-1)!;
          killed = nodeOwningPort(c.nodes, last.remotePort);
          assert.ok(killed, 'the sending node was found');
          await killed.kill();
        }
      }
      assert.ok(killed, 'a node was killed mid-burst');
      const survivor = c.nodes.findIndex((n) => n.running);
      const stored = await storedIds(c, survivor, String(bot));
      for (const id of acked) assert.ok(stored.has(id), `acknowledged message ${id} is stored`);

      // every committed message's event arrives (at least once; the same event id when again)
      await until(r, (h) => acked.every((id) => messageAdds(h).some((e) => messageIdOf(e) === id)), 30_000, 'every acknowledged message delivered');
      const byId = new Map<number, string>();
      const firsts: number[] = [];
      for (const e of messageAdds(r.hits)) {
        const id = messageIdOf(e);
        const eventId = String(e.headers['x-imbot-event-id']);
        if (byId.has(id)) assert.equal(byId.get(id), eventId, `a repeated delivery of message ${id} keeps its event id`);
        else {
          byId.set(id, eventId);
          firsts.push(id);
        }
      }
      assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), 'first deliveries in commit order');
    } finally {
      await r.close();
      for (const n of c.nodes) if (!n.running) await n.start();
    }
  });

  it('a rate limit of 50/2 holds across nodes: the 51st call of a burst is refused on whichever node', async () => {
    const ctl0 = c.nodes[0]!;
    assert.equal((await ctl0.control('POST', 'clock', { freeze: true })).status, 200);
    try {
      const set = await ctl0.control('POST', 'limits', { rate: { burst: 50, drain: 2 }, reset: true });
      assert.equal(set.status, 200, set.text);
      for (let i = 0; i < 50; i++) {
        const a = await c.call(i % 3, 'imbot.bot.list');
        assert.equal(a.status, 200, `call ${i + 1} on node ${i % 3}: ${a.text}`);
      }
      for (let n = 0; n < 3; n++) {
        const a = await c.call(n, 'imbot.bot.list');
        assert.deepEqual([a.status, a.body?.error], [503, 'QUERY_LIMIT_EXCEEDED'], `the 51st call on node ${n}`);
      }
    } finally {
      await ctl0.control('POST', 'limits', { rate: 'off', reset: true });
      await ctl0.control('POST', 'clock', { freeze: false });
    }
    for (let n = 0; n < 3; n++) assert.equal((await c.call(n, 'imbot.bot.list')).status, 200, `node ${n} answers again`);
  });

  it('a rolling restart of all three nodes under load fails no call that a client retries once', async () => {
    const chat = await c.call(0, 'im.chat.add', { TITLE: 'Rolling', USERS: [] });
    const dialog = `chat${chat.body.result}`;
    let running = true;
    const acked: number[] = [];
    const failed: string[] = [];
    const client = async (k: number) => {
      for (let i = 0; running; i++) {
        const w = await callRetryingOnce(c, (k + i) % 3, 'im.message.add', { DIALOG_ID: dialog, MESSAGE: `r${k}-${i}` });
        if (w.status === 200) acked.push(w.body.result);
        else failed.push(`r${k}-${i} on node ${w.node}: ${w.status} ${w.text.slice(0, 200)}`);
      }
    };
    const load = [0, 1].map(client);
    try {
      for (const n of c.nodes) {
        await sleep(200);
        assert.equal(await n.stop(), 0, `node ${n.index} exits 0 on SIGTERM`);
        await n.start();
      }
      await sleep(300);
    } finally {
      running = false;
      await Promise.all(load);
    }
    assert.deepEqual(failed, [], 'no call failed twice');
    assert.ok(acked.length > 20, `the load ran (${acked.length} calls)`);
    const stored = await storedIds(c, 2, dialog);
    for (const id of acked) assert.ok(stored.has(id), `acknowledged message ${id} survived the restarts`);
  });
});

