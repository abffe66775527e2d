import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PortalCallError, startPortal, type Portal } from '../src/testing/index.js';
import { startReceiver, type Receiver } from './helpers/events.js';

// imbot-server/testing (issue 15 §5), used as a bot developer's test would use it.

describe('imbot-server/testing', () => {
  let portal: Portal;
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
    portal = await startPortal({ seed: { people: [{ id: 7, name: 'Ann' }] } });
  });
  after(async () => {
    await portal.close();
    await rx.close();
  });

  it('gives the URLs, calls methods, adds users and bots, sends as a person and waits for the event', async () => {
    assert.match(portal.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(portal.webhookUrl.startsWith(`${portal.url}/rest/1/`));
    assert.equal((await portal.call('user.current')).ID, '1');
    assert.equal((await portal.call('user.current', {}, { as: 7 })).NAME, 'Ann');
    const bob = await portal.addUser({ name: 'Bob' });
    assert.equal(bob.id, 8);
    const res = await fetch(bob.webhookUrl.replace(portal.url, portal.httpUrl) + 'user.current');
    assert.equal((await res.json()).result.NAME, 'Bob');
    const bot = await portal.addBot({ code: 'echo', handler: `${rx.base}/h` });
    const id = await portal.sendAs(7, bot.id, 'hello');
    const event = await portal.waitForEvent((e) => e.event === 'ONIMBOTMESSAGEADD');
    assert.equal(event.body.data.PARAMS.MESSAGE, 'hello');
    assert.equal(event.body.data.PARAMS.MESSAGE_ID, String(id));
    assert.deepEqual((await portal.messages(bot.id, { as: 7 })).map((m) => m.text), ['hello']);
    const v2 = await portal.addBot({ code: 'helper', api: 2 });
    assert.equal(v2.botToken, 'tok_helper');
    await assert.rejects(portal.waitForEvent((e) => e.event === 'NOPE', { timeoutMs: 100 }), /no matching bot event within 100 ms/);
  });

  it('moves the clock, arms faults, reads the request log', async () => {
    const t = await portal.clock.freeze();
    assert.equal(await portal.clock.advance(60_000), t + 60_000);
    await portal.clock.unfreeze();
    await portal.faults.add({ method: 'im.message.add', kind: 'internal_error' });
    assert.equal((await portal.faults.list()).length, 1);
    const err = await portal.sendAs(7, 1, 'x').catch((e) => e);
    assert.ok(err instanceof PortalCallError);
    assert.deepEqual([err.status, err.error], [500, 'INTERNAL_SERVER_ERROR']);
    const [last] = await portal.requests({ method: 'im.message.add', limit: 1 });
    assert.equal(last!.status, 500);
    await portal.faults.clear();
    assert.deepEqual(await portal.faults.list(), []);
  });

  it('snapshots, restores, resets and closes (removing its temp data dir)', async () => {
    const snap = await portal.snapshot('s1');
    assert.equal(snap.name, 's1');
    await portal.addUser({ name: 'Carl' });
    await portal.restore('s1');
    assert.deepEqual((await portal.call('user.get', {})).map((u: { NAME: string }) => u.NAME), ['Admin', 'Ann', 'Bob']);
    await portal.reset();
    assert.deepEqual((await portal.call('user.get', {})).map((u: { ID: string }) => u.ID), ['1']);
    assert.deepEqual(await portal.seed({ people: [{ id: 7, name: 'Ann' }] }), { people: 1, webhooks: 0, apps: 0, bots: 0, chats: 0, dialogs: 0 });
    const other = await startPortal();
    await other.close();
    assert.ok(!existsSync(other.dataDir));
  });
});

describe('imbot-server/testing: startPortal({ publicUrl })', () => {
  it('gives out the public address (webhooks, event auth) while calls go to the loopback listener', async () => {
    const rx = await startReceiver();
    const portal = await startPortal({ publicUrl: 'https://bots.example.test/' });
    try {
      assert.equal(portal.publicUrl, 'https://bots.example.test');
      assert.match(portal.webhookUrl, /^https:\/\/bots\.example\.test\/rest\/1\/[a-z0-9]+\/$/);
      assert.match(portal.httpWebhookUrl, /^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/[a-z0-9]+\/$/);
      assert.equal(new URL(portal.httpWebhookUrl).pathname, new URL(portal.webhookUrl).pathname);
      assert.equal((await portal.call('user.current')).ID, '1');
      const bob = await portal.addUser({ name: 'Bob' });
      assert.ok(bob.webhookUrl.startsWith('https://bots.example.test/rest/'), bob.webhookUrl);
      const bot = await portal.addBot({ code: 'pub', handler: `${rx.base}/h` });
      await portal.sendAs(1, bot.id, 'hi');
      const event = await portal.waitForEvent((e) => e.event === 'ONIMBOTMESSAGEADD');
      assert.deepEqual([event.body.auth.domain, event.body.auth.client_endpoint], ['bots.example.test', 'https://bots.example.test/rest/']);
    } finally {
      await portal.close();
      await rx.close();
    }
  });

  it('without one: the HTTPS listener, as before', async () => {
    const portal = await startPortal();
    try {
      assert.equal(portal.publicUrl, undefined);
      assert.ok(portal.webhookUrl.startsWith(`${portal.url}/rest/1/`));
    } finally {
      await portal.close();
    }
  });

  it('refuses a public URL that is not scheme://host[:port]', async () => {
    await assert.rejects(startPortal({ publicUrl: 'https://bots.example.test/portal' }), /scheme:\/\/host\[:port\] only/);
  });
});

describe('imbot-server/testing: startPortal({ maxFileSize })', () => {
  it('the portal refuses a file over the size in MB and keeps one of that size', async () => {
    const portal = await startPortal({ maxFileSize: 0.25 });
    try {
      const chat = await portal.call<number>('im.chat.add', { TITLE: 'Small files', USERS: [1] });
      const upload = (size: number) =>
        portal.call('im.v2.File.upload', { dialogId: `chat${chat}`, fields: { name: 'a.bin', content: Buffer.alloc(size, 1).toString('base64') } });
      await assert.rejects(upload(256 * 1024 + 1), (err: PortalCallError) => err.error === 'FILE_TOO_LARGE');
      const kept = await upload(256 * 1024);
      assert.ok(kept, 'a file of exactly the limit is kept');
    } finally {
      await portal.close();
    }
  });

  it('refuses a size that is not above 0 MB and at most 1024 MB, before starting anything', async () => {
    for (const bad of [0, -1, 1025, Number.NaN, '5' as unknown as number]) {
      await assert.rejects(startPortal({ maxFileSize: bad }), /maxFileSize is in megabytes, more than 0 and at most 1024/);
    }
  });
});
