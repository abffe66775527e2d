import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addApp } from '../src/apps/apps.js';
import { readPortalSettings } from '../src/portal/settings.js';
import { startServer, type RunningServer } from '../src/server/listen.js';
import { control, runCli, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { portalCtx, type InstallAuth } from './helpers/oauth.js';
import { callJson, cliEnv, errorOf, removeTestData, request, testStoreUrl, type TestPortal } from './helpers/server.js';

// The portal's settings belong to the portal, not to one process: `serve` records its address
// (listeners, --public-url) and what clients receive (token lifetime, profile, limits, delivery)
// in the store, and the CLI's `app add`, `webhook add`, `settings` describe the portal the same way.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliEntry = fileURLToPath(new URL('./helpers/cli-entry.js', import.meta.url));

/** A port free right now (the kernel's pick), for a listener whose URL must be known before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

interface Serving {
  child: ChildProcess;
  banner: string;
  stop(): Promise<void>;
}

/** `imbot-server serve` with extra flags and environment, until its banner. */
function serve(dataDir: string, flags: string[], env: Record<string, string> = {}): Promise<Serving> {
  const child = spawn(process.execPath, [cliEntry, 'serve', '--data', dataDir, '--port', '0', '--http-port', '0', '--log-level', 'warn', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...cliEnv(dataDir), ...env },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  };
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`no banner in 90 s: ${out}\n${err}`));
    }, 90_000);
    child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!out.includes('control token:')) return;
      clearTimeout(timer);
      done({ child, banner: out, stop });
    });
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited early (${code}): ${err}`));
    });
  });
}

const bannerLine = (banner: string, label: string) => new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(banner)?.[1] ?? '';

describe('portal settings: recorded by serve, seen by the CLI', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'imbot-settings-'));
    dirs.push(d);
    return d;
  };
  let r: Receiver;
  before(async () => {
    r = await startReceiver();
  });
  after(async () => {
    await r.close();
    for (const d of dirs) await removeTestData(d);
  });

  it('with no server ever started, the CLI uses the default address and says so', async () => {
    const data = dir();
    const hook = await runCli('webhook', 'add', '--data', data, '--user', '1', '--code', 'defaultsaddr01');
    assert.equal(hook.code, 0, hook.stderr);
    assert.equal(hook.stdout, 'https://127.0.0.1:24443/rest/1/defaultsaddr01/\n');
    assert.match(hook.stderr, /^note: no server has started on this store yet; using the default portal address https:\/\/127\.0\.0\.1:24443/);
    const shown = await runCli('settings', '--data', data, '--json');
    assert.equal(shown.code, 0, shown.stderr);
    const json = JSON.parse(shown.stdout);
    assert.deepEqual([json.recorded, json.publicUrl, json.httpsUrl, json.accessTokenTtl, json.profile, json.client_endpoint], [false, null, 'https://127.0.0.1:24443', 3600, 'dev', 'https://127.0.0.1:24443/rest/']);
    // explicit --host/--port still describe the portal at that address, without the note
    const pinned = await runCli('webhook', 'add', '--data', data, '--user', '1', '--code', 'pinnedaddr0001', '--host', '10.0.0.5', '--port', '8443');
    assert.deepEqual([pinned.stdout, pinned.stderr], ['https://10.0.0.5:8443/rest/1/pinnedaddr0001/\n', '']);
  });

  it('serve --access-token-ttl 3 --public-url URL: app add from the CLI issues 3 s tokens that describe the public URL', async () => {
    const data = dir();
    const s = await serve(data, ['--access-token-ttl', '3', '--public-url', 'https://bots.example.test', '--profile', 'cloud', '--delivery', 'once', '--allow-private', '127.0.0.0/8']);
    try {
      assert.equal(bannerLine(s.banner, 'public URL'), 'https://bots.example.test/rest/');
      // the admin webhook is described at the public address too
      assert.match(bannerLine(s.banner, 'admin webhook'), /^https:\/\/bots\.example\.test\/rest\/1\//);
      const httpRest = bannerLine(s.banner, 'portal \\(HTTP\\)');

      const added = await runCli('app', 'add', '--data', data, '--name', 'Short', '--scope', 'imbot,user', '--install-url', `${r.base}/short`);
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stderr, '', 'a recorded address needs no note');
      const [hit] = await r.waitFor(1, (h: Hit) => h.url === '/short' && h.form.event === 'ONAPPINSTALL');
      const auth = hit!.form.auth as InstallAuth;
      assert.deepEqual(
        [auth.domain, auth.client_endpoint, auth.server_endpoint, auth.expires_in],
        ['bots.example.test', 'https://bots.example.test/rest/', 'https://bots.example.test/rest/', '3'],
      );
      assert.equal(Number(auth.expires) - Number(hit!.form.ts), 3);

      // the token really lives 3 s on the server: valid now, expired once the portal clock moves 3 s
      const token = (t: string) => request(`${httpRest}user.current.json?auth=${t}`);
      assert.equal((await token(auth.access_token)).status, 200);
      const token0 = controlTokenOf(data);
      assert.equal((await control(httpRest.replace(/\/rest\/$/, ''), token0, 'clock', { advance_ms: 3000 })).status, 200);
      assert.equal(errorOf(await token(auth.access_token)).error, 'expired_token');

      const hook = await runCli('webhook', 'add', '--data', data, '--user', '1', '--code', 'publicaddr0001');
      assert.equal(hook.stdout, 'https://bots.example.test/rest/1/publicaddr0001/\n');

      const shown = JSON.parse((await runCli('settings', '--data', data, '--json')).stdout);
      assert.deepEqual(
        { ...shown, httpsUrl: undefined, httpUrl: undefined },
        {
          recorded: true,
          publicUrl: 'https://bots.example.test',
          httpsUrl: undefined,
          httpUrl: undefined,
          profile: 'cloud',
          accessTokenTtl: 3,
          delivery: { policy: 'once', retryForMs: 86_400_000 },
          limits: { rate: { burst: 50, drain: 2 }, operatingLimit: 480 },
          oauthHosts: [],
          domain: 'bots.example.test',
          client_endpoint: 'https://bots.example.test/rest/',
        },
      );
      assert.equal(`${shown.httpUrl}/rest/`, httpRest);
      const text = (await runCli('settings', '--data', data)).stdout;
      assert.match(text, /^recorded by the last server started on this store:\n {2}portal address: {3}https:\/\/bots\.example\.test\/rest\/ \(--public-url\)\n/);
      assert.match(text, /\n {2}access tokens: {4}3 s\n/);
    } finally {
      await s.stop();
    }
  });

  it('--public-url from IMBOT_PUBLIC_URL; a restart without it records the listeners again', async () => {
    const data = dir();
    const first = await serve(data, [], { IMBOT_PUBLIC_URL: 'http://gateway.example.test:8080' });
    await first.stop();
    assert.equal(bannerLine(first.banner, 'public URL'), 'http://gateway.example.test:8080/rest/');
    const hook = await runCli('webhook', 'add', '--data', data, '--user', '1', '--code', 'envaddress0001');
    assert.equal(hook.stdout, 'http://gateway.example.test:8080/rest/1/envaddress0001/\n');

    const second = await serve(data, []);
    await second.stop();
    assert.equal(bannerLine(second.banner, 'public URL'), '');
    const again = await runCli('webhook', 'add', '--data', data, '--user', '1', '--code', 'listeners00001');
    assert.equal(again.stdout, `${bannerLine(second.banner, 'portal \\(HTTPS\\)')}1/listeners00001/\n`);
  });

  it('a public URL with a path, a query or another scheme is refused before anything starts', async () => {
    for (const [url, why] of [
      ['https://example.test/portal', /scheme:\/\/host\[:port\] only/],
      ['ftp://example.test', /http:\/\/ or https:\/\//],
      ['not a url', /not a URL/],
    ] as const) {
      const run = await runCli('serve', '--data', dir(), '--port', '0', '--http-port', '0', '--public-url', url);
      assert.equal(run.code, 1, url);
      assert.match(run.stderr, why);
    }
  });
});

/** The control token a server wrote into its data dir. */
function controlTokenOf(dataDir: string): string {
  return readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
}

describe('--public-url http://127.0.0.1:<http port>: a PHP app bot works end to end without the local CA', () => {
  let server: RunningServer;
  let p: TestPortal;
  let r: Receiver;
  let dataDir: string;
  let publicUrl: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-settings-'));
    const httpPort = await freePort();
    publicUrl = `http://127.0.0.1:${httpPort}`;
    server = await startServer({ dataDir, store: testStoreUrl(dataDir), host: '127.0.0.1', port: 0, httpPort, profile: 'dev', logError: (err, where) => console.error('internal error', where, err), publicUrl });
    p = { server, dataDir, http: server.httpUrl, https: server.httpsUrl, adminCode: '', adminHook: '', stop: async () => {} };
    r = await startReceiver();
  });
  after(async () => {
    await r.close();
    await server.close();
    await removeTestData(dataDir);
  });

  it('ONAPPINSTALL, the CRest-style client\'s calls and the bot events all use the plain-HTTP endpoint', async () => {
    assert.equal(server.httpUrl, publicUrl);
    assert.equal(server.adminWebhookUrl.startsWith(`${publicUrl}/rest/1/`), true);
    const app = await addApp(portalCtx(p), { name: 'PHP bot', scope: 'imbot,im,user', installUrl: `${r.base}/install` });
    const [install] = await r.waitFor(1, (h) => h.url === '/install' && h.form.event === 'ONAPPINSTALL');
    const auth = install!.form.auth as InstallAuth;
    assert.deepEqual([auth.domain, auth.client_endpoint, auth.server_endpoint], [new URL(publicUrl).host, `${publicUrl}/rest/`, `${publicUrl}/rest/`]);

    // the PHP client keeps client_endpoint from ONAPPINSTALL and calls it; its CA path does not exist: plain HTTP needs none
    const php = (method: string, params: Record<string, unknown>) =>
      new Promise<any>((done, fail) => {
        const args = [resolve(repoRoot, 'test/clients/crest_oauth.php'), join(dataDir, 'no-such-ca.pem'), publicUrl, app.client_id, app.client_secret, method];
        const child = spawn('php', args, { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
        child.on('error', fail);
        child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`php exited ${code}: ${err}`))));
        child.stdin.end(JSON.stringify({ install: install!.raw, params }));
      });
    const reg = await php('imbot.register', { CODE: 'phpbot', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'PHP bot' } });
    assert.deepEqual([reg.installed, reg.status, reg.settings.client_endpoint], [true, 200, `${publicUrl}/rest/`], JSON.stringify(reg.body));
    const botId = reg.body.result as number;

    const hook = (await request(`${publicUrl}/rest/1/${/\/rest\/1\/([^/]+)\//.exec(server.adminWebhookUrl)![1]}/im.message.add.json?DIALOG_ID=${botId}&MESSAGE=hi`));
    assert.equal(hook.status, 200, hook.text);
    const [event] = await r.waitFor(1, (h) => h.url === '/bot' && h.form.event === 'ONIMBOTMESSAGEADD');
    const block = (event!.form.data as any).BOT[String(botId)];
    assert.deepEqual([block.client_endpoint, block.domain, (event!.form.auth as any).client_endpoint], [`${publicUrl}/rest/`, new URL(publicUrl).host, `${publicUrl}/rest/`]);

    // the bot answers through the endpoint the event gave it, with the bot's own token
    const answer = await php('imbot.message.add', { BOT_ID: botId, DIALOG_ID: 1, MESSAGE: 'hello from PHP' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  it('a reset keeps the recorded address and settings (they are the running server\'s)', async () => {
    // `reset` talks to the control API at the HTTP address the server recorded (no --url, not 24080)
    const reset = await runCli('reset', '--data', dataDir);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout, `reset; admin webhook: ${server.adminWebhookUrl}\n`);
    const { settings, recorded } = await readPortalSettings(server.core.store.db);
    assert.deepEqual([recorded, settings.publicUrl, settings.httpUrl], [true, publicUrl, server.httpUrl]);
    const hook = await runCli('webhook', 'add', '--data', dataDir, '--user', '1', '--code', 'afterreset0001');
    assert.equal(hook.stdout, `${publicUrl}/rest/1/afterreset0001/\n`);
    assert.equal((await callJson(`${publicUrl}/rest/1/afterreset0001`, 'server.time')).status, 200);
  });
});
