import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSeedFile } from '../src/harness/seed/load.js';
import { callJson, startPortal, type TestPortal } from './helpers/server.js';

// README's "First echo bot": the example bots under docs/examples/ run as pasted (Node with
// b24jssdk, PHP CRest style; v1 with a handler URL, v2 in fetch mode) against a portal made from
// docs/examples/echo-seed.yaml; Ann writes to each through her seeded webhook and gets the echo.

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/examples');

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** Runs a command until it prints `echo bot N ready`; N and the process. */
function startBot(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ id: number; child: ChildProcess; out: () => string }> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args.join(' ')}: not ready in 30 s:\n${out}`)), 30_000);
    const seen = (d: string) => {
      out += d;
      const m = /echo bot (\d+) ready/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ id: Number(m[1]), child, out: () => out });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', seen);
    child.stderr!.setEncoding('utf8').on('data', (d) => (out += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${args.join(' ')} exited (${code}):\n${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  return gone;
}

describe('README: first echo bot (docs/examples)', () => {
  let p: TestPortal;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  before(async () => {
    p = await startPortal({ seed: loadSeedFile(resolve(examples, 'echo-seed.yaml')) });
    env = { IMBOT_WEBHOOK_URL: `${p.https}/rest/1/echoadminhook0001/`, NODE_EXTRA_CA_CERTS: p.server.caPath, IMBOT_CA: p.server.caPath };
  });
  after(async () => {
    await Promise.all(children.map(stop));
    await p.stop();
  });

  /** Ann writes `text` to the bot through her seeded webhook, then waits for the echo in her dialog. */
  async function echoes(botId: number, text: string, out: () => string): Promise<void> {
    const ann = `${p.http}/rest/7/annwrites00000007`;
    const sent = await callJson(ann, 'im.message.add', { DIALOG_ID: botId, MESSAGE: text });
    assert.equal(sent.status, 200, sent.text);
    for (let i = 0; i < 600; i++) {
      const got = await callJson(ann, 'im.dialog.messages.get', { DIALOG_ID: botId, LIMIT: 20 });
      if (got.body.result.messages.some((m: { text: string }) => m.text === `You said: ${text}`)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`no echo of "${text}"; the bot printed:\n${out()}`);
  }

  it('Node, v1 (b24jssdk, handler URL)', async () => {
    const bot = await startBot(process.execPath, [resolve(examples, 'echo-bot-v1.mjs')], { ...env, PORT: String(await freePort()), BOT_CODE: 'echo' });
    children.push(bot.child);
    await echoes(bot.id, 'hello v1', bot.out);
    assert.match(bot.out(), /write to it as Ann: curl --cacert \.imbot\/tls\/ca\.pem https:\/\/127\.0\.0\.1:\d+\/rest\/7\/annwrites00000007\/im\.message\.add\.json -d DIALOG_ID=\d+ -d MESSAGE=hello/);
    assert.match(bot.out(), /event ONIMBOTMESSAGEADD: event=ONIMBOTMESSAGEADD&.*data\[PARAMS\]\[MESSAGE\]=hello\+v1&/);
    await stop(bot.child);
  });

  it('Node, v2 (b24jssdk, fetch mode)', async () => {
    const bot = await startBot(process.execPath, [resolve(examples, 'echo-bot-v2.mjs')], { ...env, BOT_CODE: 'echo2' });
    children.push(bot.child);
    await echoes(bot.id, 'hello v2', bot.out);
    assert.match(bot.out(), /event ONIMBOTV2MESSAGEADD: \{"bot":/);
    await stop(bot.child);
  });

  it('PHP, v1 (CRest style, handler served by php -S)', async () => {
    const port = await freePort();
    const server = spawn('php', ['-S', `127.0.0.1:${port}`, resolve(examples, 'echo-bot-v1.php')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    let log = '';
    server.stderr!.setEncoding('utf8').on('data', (d) => (log += d));
    const bot = await startBot('php', [resolve(examples, 'echo-bot-v1.php'), `http://127.0.0.1:${port}/`], env);
    await echoes(bot.id, 'hello php', () => bot.out() + log);
    assert.match(log, /event ONIMBOTMESSAGEADD: \{"event":"ONIMBOTMESSAGEADD","data":\{"MESSAGE_ID"|event ONIMBOTMESSAGEADD: \{"event":"ONIMBOTMESSAGEADD"/);
    await stop(server);
  });

  it('PHP, v2 (fetch mode)', async () => {
    const bot = await startBot('php', [resolve(examples, 'echo-bot-v2.php')], env);
    children.push(bot.child);
    await echoes(bot.id, 'hello php v2', bot.out);
    await stop(bot.child);
  });
});
