import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/events.js';

// `imbot-server exec … -- <command>` (issue 15 §4): a portal for the length of one command.

describe('imbot-server --version', () => {
  it('prints the package version', async () => {
    const r = await runCli('--version');
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.deepEqual([r.code, r.stdout], [0, `${version}\n`]);
  });
});

describe('imbot-server exec', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'imbot-exec-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the command with the portal in its environment (HTTPS trusted through NODE_EXTRA_CA_CERTS) and exits with its code', async () => {
    const script = join(dir, 'probe.mjs');
    writeFileSync(script, `
      import { readFileSync } from 'node:fs';
      const env = process.env;
      const me = await (await fetch(env.IMBOT_WEBHOOK_URL + 'user.current')).json();
      const log = await (await fetch(env.IMBOT_HTTP_URL + '/__control/requests', { headers: { 'x-imbot-control-token': env.IMBOT_CONTROL_TOKEN } })).json();
      console.log(JSON.stringify({
        name: me.result.NAME,
        logged: log.requests.map((r) => r.method),
        urls: [env.IMBOT_URL, env.IMBOT_WEBHOOK_URL, env.IMBOT_HTTP_URL],
        ca: [env.IMBOT_CA, env.NODE_EXTRA_CA_CERTS, env.REQUESTS_CA_BUNDLE],
        caPem: readFileSync(env.IMBOT_CA, 'utf8').startsWith('-----BEGIN CERTIFICATE-----'),
        data: env.IMBOT_DATA,
      }));
      process.exit(7);
    `);
    const r = await runCli('exec', '--', process.execPath, script);
    assert.equal(r.code, 7, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.name, 'Admin');
    assert.deepEqual(out.logged, ['user.current']);
    assert.match(out.urls[0], /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(out.urls[1], /^https:\/\/127\.0\.0\.1:\d+\/rest\/1\/[a-z0-9]+\/$/);
    assert.ok(out.urls[1].startsWith(out.urls[0]));
    assert.match(out.urls[2], /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(new Set(out.ca).size, 1);
    assert.ok(out.caPem);
    assert.match(r.stderr, /^imbot-server: portal https:\/\/127\.0\.0\.1:\d+ \(data /);
    assert.ok(!existsSync(out.data), 'the temporary data dir is removed');
  });

  it('applies --seed, passes the command its own options, and reports a command that cannot run', async () => {
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ people: [{ id: 5, name: 'Eve' }], webhooks: [{ user: 5, code: 'evehook', scope: 'user' }] }));
    const script = join(dir, 'eve.mjs');
    writeFileSync(script, `
      const base = process.env.IMBOT_URL + '/rest/5/evehook/';
      const j = await (await fetch(base + 'user.current')).json();
      console.log(j.result.NAME, process.argv.slice(2).join(' '));
    `);
    const r = await runCli('exec', '--seed', seed, '--', process.execPath, script, '--version', 'x');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Eve --version x\n');
    const missing = await runCli('exec', '--', join(dir, 'no-such-command'));
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /error: cannot run .*no-such-command: ENOENT/);
    const keep = join(dir, 'kept');
    const kept = await runCli('exec', '--data', keep, '--', process.execPath, '-e', 'process.exit(0)');
    assert.equal(kept.code, 0);
    assert.ok(existsSync(join(keep, 'control-token')), '--data is kept');
  });

  it('--public-url: the webhook it hands the command is under that address; calls still reach the loopback listener', async () => {
    const script = join(dir, 'public.mjs');
    writeFileSync(script, `
      const env = process.env;
      const path = new URL(env.IMBOT_WEBHOOK_URL).pathname;
      const me = await (await fetch(env.IMBOT_HTTP_URL + path + 'user.current')).json();
      console.log(JSON.stringify({ hook: env.IMBOT_WEBHOOK_URL, http: env.IMBOT_HTTP_URL, name: me.result.NAME }));
    `);
    const r = await runCli('exec', '--public-url', 'https://bots.example.test:8443', '--', process.execPath, script);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.hook, /^https:\/\/bots\.example\.test:8443\/rest\/1\/[a-z0-9]+\/$/);
    assert.match(out.http, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(out.name, 'Admin');
    const bad = await runCli('exec', '--public-url', 'ftp://bots.example.test', '--', process.execPath, '-e', 'process.exit(0)');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--public-url.*a public URL is http:\/\/ or https:\/\//);
  });

  it('--max-file-size MB: the portal refuses a file over it and keeps one of that size; a bad value stops exec', async () => {
    const script = join(dir, 'upload.mjs');
    writeFileSync(script, `
      const hook = process.env.IMBOT_WEBHOOK_URL;
      const post = async (method, body) => (await fetch(hook + method, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      const chat = (await post('im.chat.add', { TITLE: 'Small files', USERS: [1] })).result;
      const upload = (size) => post('im.v2.File.upload', { dialogId: 'chat' + chat, fields: { name: 'a.bin', content: Buffer.alloc(size, 1).toString('base64') } });
      const over = await upload(512 * 1024 + 1);
      const at = await upload(512 * 1024);
      console.log(JSON.stringify({ over: over.error ?? null, at: at.error ?? 'ok' }));
    `);
    const r = await runCli('exec', '--max-file-size', '0.5', '--', process.execPath, script);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { over: 'FILE_TOO_LARGE', at: 'ok' });
    const bad = await runCli('exec', '--max-file-size', '1025', '--', process.execPath, '-e', 'process.exit(0)');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /option '--max-file-size <MB>' argument '1025' is invalid\. megabytes, more than 0 and at most 1024/);
  });
});
