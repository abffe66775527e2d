import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cutProxyFor, type CutProxy } from './helpers/cut-proxy.js';
import { call, spawnNode, startCluster, until, type Node, type TestCluster } from './helpers/two-nodes.js';

/*
 * A node whose PostgreSQL or Redis goes away (README, "Running a cluster"): /__health stays 200
 * (the process is alive), /__ready answers 503 naming what is down, REST calls answer a JSON error
 * instead of hanging, and once the engine is back the node serves again without a restart — its
 * pool reconnects, its change listener listens again (a write on the other node reaches its read
 * cache), its Redis links come back. The node under test reaches both engines through a TCP
 * proxy the test cuts (helpers/cut-proxy.ts); the cluster's other node reaches them directly.
 */

/** A REST call that must answer: a hang fails the test instead of running into the file's timeout. */
async function answer(base: string, method: string, params: Record<string, unknown> = {}): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(`${base}/${method}.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
    signal: AbortSignal.timeout(60_000),
  }).catch((err: Error) => assert.fail(`${method} did not answer: ${err.message}`));
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${method} answered ${res.status} with no JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body };
}

async function probe(node: Node, path: '/__health' | '/__ready'): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(`${node.http}${path}`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(text) };
}

describe('a node whose store or Redis goes away', () => {
  let c: TestCluster;
  let pgProxy: CutProxy;
  let redisProxy: CutProxy;
  let node: Node;
  let hook: string;
  let dataDir: string;

  before(async () => {
    c = await startCluster(1);
    const pgVia = await cutProxyFor(c.storeUrl);
    const redisVia = await cutProxyFor(c.redis);
    pgProxy = pgVia.proxy;
    redisProxy = redisVia.proxy;
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-node-'));
    node = await spawnNode(['--data', dataDir, '--store', pgVia.url, '--redis', redisVia.url, '--redis-prefix', c.prefix, '--port', '0', '--http-port', '0', '--log-level', 'fatal',
      // limits on, so every call asks Redis (their counters are the cluster's)
      '--rate-limit', '1000/100', '--operating-limit', '480']);
    hook = `${node.http}/rest/1/${c.adminCode}`;
    const ready = await probe(node, '/__ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.deepEqual(ready.body.checks, { store: 'ok', redis: 'ok' });
  });
  after(async () => {
    await pgProxy?.open();
    await redisProxy?.open();
    await node?.stop('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await pgProxy?.cut();
    await redisProxy?.cut();
    await c?.stop();
  });

  it('PostgreSQL: not ready (store named), alive, calls answer an error; back when it returns', async () => {
    const before = await answer(hook, 'imbot.register', { CODE: 'pg_before', CLIENT_ID: 'ready', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'Before' } });
    assert.equal(before.status, 200, JSON.stringify(before.body));

    await pgProxy.cut();
    const ready = await probe(node, '/__ready');
    assert.equal(ready.status, 503);
    assert.match(ready.type, /^application\/json/);
    assert.equal(ready.body.status, 'unavailable');
    assert.notEqual(ready.body.checks.store, 'ok', 'the store is named as down');
    assert.equal(ready.body.checks.redis, 'ok');
    const health = await probe(node, '/__health');
    assert.equal(health.status, 200, 'liveness: the process still serves');
    assert.equal(health.body.status, 'ok');

    // a write and a read that go to the database (a new bot CODE is in no cache)
    for (const [method, params] of [
      ['imbot.register', { CODE: 'pg_down', CLIENT_ID: 'ready', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'Down' } }],
      ['im.chat.add', { TITLE: 'While down', USERS: [1] }],
    ] as const) {
      const a = await answer(hook, method, params);
      assert.equal(a.status, 500, `${method}: ${JSON.stringify(a.body)}`);
      assert.match(a.type, /^application\/json/);
      assert.deepEqual(a.body, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    }

    await pgProxy.open();
    await until(async () => (await probe(node, '/__ready')).status === 200, '/__ready is 200 again once PostgreSQL is back');
    const again = await answer(hook, 'imbot.register', { CODE: 'pg_after', CLIENT_ID: 'ready', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'After' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    // the change listener listens again: a bot registered on the other node reaches this node's
    // cached bot list (a dead listener would leave it stale for good)
    const list = await answer(hook, 'imbot.bot.list', { CLIENT_ID: 'ready' });
    assert.equal(list.status, 200);
    const other = await call(c.hook(0), 'imbot.register', { CODE: 'pg_other', CLIENT_ID: 'ready', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'Other' } });
    assert.equal(other.status, 200, JSON.stringify(other));
    await until(
      async () => Object.values((await answer(hook, 'imbot.bot.list', { CLIENT_ID: 'ready' })).body.result).some((b: any) => b.CODE === 'pg_other'),
      'a bot registered on the other node after the outage is listed on this one',
    );
  });

  it('Redis: not ready (redis named), alive, calls answer an error; back when it returns', async () => {
    await redisProxy.cut();
    const ready = await probe(node, '/__ready');
    assert.equal(ready.status, 503);
    assert.match(ready.type, /^application\/json/);
    assert.equal(ready.body.status, 'unavailable');
    assert.equal(ready.body.checks.store, 'ok');
    assert.notEqual(ready.body.checks.redis, 'ok', 'Redis is named as down');
    assert.equal((await probe(node, '/__health')).status, 200);

    // every call passes the limiters (on for this node), whose counters are in Redis
    const a = await answer(hook, 'imbot.bot.list', { CLIENT_ID: 'ready' });
    assert.equal(a.status, 500, JSON.stringify(a.body));
    assert.match(a.type, /^application\/json/);
    assert.deepEqual(a.body, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });

    await redisProxy.open();
    await until(async () => (await probe(node, '/__ready')).status === 200, '/__ready is 200 again once Redis is back');
    const again = await answer(hook, 'imbot.register', { CODE: 'redis_after', CLIENT_ID: 'ready', EVENT_HANDLER: 'http://127.0.0.1:9/x', PROPERTIES: { NAME: 'After Redis' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    // the bus is subscribed again: a fault armed through the other node holds on this one
    const armed = await fetch(`${c.nodes[0]!.http}/__control/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.nodes[0]!.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'error', method: 'im.chat.add', error: 'ACCESS_DENIED' }),
    });
    assert.equal(armed.status, 200, await armed.text());
    await until(async () => (await answer(hook, 'im.chat.add', { TITLE: 'x', USERS: [1] })).body.error === 'ACCESS_DENIED', 'a fault armed on the other node after the outage hits on this one');
  });
});
