import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadSeedFile } from '../src/harness/seed/load.js';
import { control, runCli, spawnCli, startReceiver, until, type Receiver } from './helpers/events.js';
import { assertResult, callJson, request, startPortal, type TestPortal } from './helpers/server.js';

// Seed files (issue 15 §3): `serve --seed portal.yaml`, POST /__control/seed, `imbot-server export`.

function seedYaml(handler: string): string {
  return `
version: 1
people:
  - { id: 1, name: Admin, email: admin@example.com, admin: true }
  - { id: 7, name: Ann, last_name: Lee, email: ann@example.com, work_position: QA }
  - { id: 8, name: Bob }
webhooks:
  - { user: 7, code: annhook0123456789, scope: [im, imbot, user], title: Ann's hook }
apps:
  - client_id: local.seed.app
    client_secret: s3cretS3cret
    name: Seeded app
    scope: imbot,im
bots:
  - code: echo
    name: Echo
    client_id: echo-owner
    handlers: { message_add: ${handler}/v1 }
    commands:
      - { command: echo, title: Repeat, params: text }
  - code: appbot
    name: App bot
    app: local.seed.app
    handlers: { message_add: ${handler}/app }
  - code: helper
    api: 2
    name: Helper
    bot_token: helper-token
    commands:
      - { command: help, title: Help }
chats:
  - title: Team
    owner: 7
    members: [7, 8, "bot:echo"]
    messages:
      - { from: 7, text: Hello team }
      - { from: "bot:echo", text: Hi from Echo }
dialogs:
  - between: [7, "bot:echo"]
    messages:
      - { from: 7, text: ping }
`;
}

describe('seed files', () => {
  let dir: string;
  let rx: Receiver;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imbot-seed-'));
    rx = await startReceiver();
  });
  after(async () => {
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve --seed makes people with fixed ids, webhooks with fixed codes, apps, v1/v2 bots with commands, chats and dialogs; again changes nothing', async () => {
    const file = join(dir, 'portal.yaml');
    writeFileSync(file, seedYaml(rx.base));
    const data = join(dir, 'data');
    const child = spawnCli('serve', '--data', data, '--port', '0', '--http-port', '0', '--seed', file, '--log-level', 'warn');
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    try {
      await until(() => /portal \(HTTP\):\s+\S+/.test(out) || child.exitCode !== null, 'banner');
      assert.equal(child.exitCode, null, err);
      const http = /portal \(HTTP\):\s+(\S+)\/rest\//.exec(out)![1]!;
      const ann = `${http}/rest/7/annhook0123456789`;
      const me = assertResult(await callJson(ann, 'user.current'));
      assert.deepEqual([me.ID, me.NAME, me.LAST_NAME, me.EMAIL, me.WORK_POSITION], ['7', 'Ann', 'Lee', 'ann@example.com', 'QA']);
      // the person's message to the bot went out as an event to the seeded handler
      const [hit] = await rx.waitFor(1, (h) => h.url.startsWith('/v1') && h.form.event === 'ONIMBOTMESSAGEADD');
      assert.equal((hit!.form.data as any).PARAMS.MESSAGE, 'ping');
      const recent = assertResult(await callJson(ann, 'im.recent.get'));
      assert.ok(recent.some((r: any) => r.type === 'chat' && r.title === 'Team'));
      const token = (await import('node:fs')).readFileSync(join(data, 'control-token'), 'utf8').trim();
      const exported = await control(http, token, 'seed');
      assert.equal(exported.status, 200);
      const seed = exported.body;
      assert.deepEqual(seed.people.map((p: any) => p.id), [1, 7, 8]);
      assert.deepEqual(seed.bots.map((b: any) => [b.code, b.api ?? 1]), [['echo', 1], ['appbot', 1], ['helper', 2]]);
      assert.deepEqual(seed.bots[0].commands, [{ command: 'echo', title: 'Repeat', params: 'text' }]);
      assert.deepEqual(seed.bots[0].handlers, { message_add: `${rx.base}/v1`, welcome_message: `${rx.base}/v1`, bot_delete: `${rx.base}/v1` });
      assert.deepEqual(seed.chats[0].messages, [{ from: 7, text: 'Hello team' }, { from: 'bot:echo', text: 'Hi from Echo' }]);
      assert.deepEqual(seed.chats[0].members, [7, 8, 'bot:echo']);
      assert.deepEqual(seed.dialogs, [{ between: [7, 'bot:echo'], messages: [{ from: 7, text: 'ping' }] }]);
      assert.equal(seed.apps[0].client_secret, 's3cretS3cret');
      // applying the same seed again creates nothing and changes nothing
      const again = await control(http, token, 'seed', loadSeedFile(file));
      assert.deepEqual(again.body, { created: { people: 0, webhooks: 0, apps: 0, bots: 0, chats: 0, dialogs: 0 } });
      assert.deepEqual((await control(http, token, 'seed')).body, seed);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    // restarting with the seed changes nothing either; export from the data dir gives the same file
    const first = await runCli('export', '--data', data, '--format', 'json');
    assert.equal(first.code, 0, first.stderr);
    const yaml = await runCli('export', '--data', data);
    assert.deepEqual(parseYaml(yaml.stdout), JSON.parse(first.stdout));
  });

  it('export output seeds a fresh portal into the same state', async () => {
    const p = await startPortal();
    const q = await startPortal();
    try {
      const ctl = (t: TestPortal, path: string, body?: unknown) => control(t.http, t.server.controlToken, path, body);
      const seed = parseYaml(seedYaml(rx.base));
      assert.equal((await ctl(p, 'seed', seed)).status, 200);
      const exported = (await ctl(p, 'seed')).body;
      const applied = await ctl(q, 'seed', exported);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const mine = (await ctl(q, 'seed')).body;
      // the admin webhook differs per portal; everything else is the same
      const strip = (s: any) => ({ ...s, webhooks: s.webhooks.filter((w: any) => w.user !== 1) });
      assert.deepEqual(strip(mine), strip(exported));
    } finally {
      await p.stop();
      await q.stop();
    }
  });

  it('refuses an invalid seed with every problem and its place, changing nothing', async () => {
    const p = await startPortal();
    try {
      const bad = {
        people: [{ id: 0, name: '' }, { id: 3, name: 'X', nick: 'y' }],
        bots: [{ code: 'b', name: 'B' }, { code: 'c', name: 'C', api: 2 }],
        chats: [{ title: 'T', members: ['bob'] }],
      };
      const a = await control(p.http, p.server.controlToken, 'seed', bad);
      assert.equal(a.status, 400);
      assert.equal(a.body.error, 'INVALID_SEED');
      const d: string = a.body.error_description;
      for (const place of ['people[0].id', 'people[0].name', 'people[1]', 'bots[0]', 'bots[0].handlers.message_add', 'bots[1].bot_token', 'chats[0].members[0]']) {
        assert.ok(d.includes(`  ${place}: `), `${place} in:\n${d}`);
      }
      assert.match(d, /Unrecognized key: "nick"/);
      const unknownRef = await control(p.http, p.server.controlToken, 'seed', { dialogs: [{ between: [1, 'bot:ghost'], messages: [{ from: 1, text: 'x' }] }] });
      assert.deepEqual([unknownRef.status, unknownRef.body.error_description], [400, 'no bot ghost (add it to bots)']);
      const refused = await control(p.http, p.server.controlToken, 'seed', { chats: [{ title: 'T', owner: 99 }] });
      assert.deepEqual([refused.status, refused.body.error_description], [400, 'user 99 does not exist (add it to people)']);
      const users = assertResult(await callJson(p.adminHook, 'user.get', {}));
      assert.deepEqual(users.map((u: any) => u.ID), ['1']);
      const notJson = await request(`${p.http}/__control/seed`, { method: 'POST', headers: { 'x-imbot-control-token': p.server.controlToken }, body: '[1]' });
      assert.deepEqual([notJson.status, notJson.body.error], [400, 'INVALID_SEED']);
    } finally {
      await p.stop();
    }
  });

  it('serve --seed with a bad file exits 1 with a clear message', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'people:\n  - id: -1\n    name: X\n');
    const r = await runCli('serve', '--data', join(dir, 'bad-data'), '--port', '0', '--http-port', '0', '--seed', file);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: ${file} is not a valid seed:\n  people[0].id: Too small: expected number to be >0\n`);
    writeFileSync(file, 'people: [');
    const r2 = await runCli('serve', '--data', join(dir, 'bad-data'), '--port', '0', '--http-port', '0', '--seed', file);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`^error: ${file} is not valid YAML: `));
    const r3 = await runCli('serve', '--data', join(dir, 'bad-data'), '--seed', join(dir, 'missing.json'));
    assert.equal(r3.stderr, `error: cannot read the seed file ${join(dir, 'missing.json')}: ENOENT\n`);
  });
});
