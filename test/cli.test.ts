import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliEnvOf, errorOf, removeTestData, request } from './helpers/server.js';

/** The `imbot-server` command line, run as a user runs it: `node bin/imbot-server.js …`. */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(repoRoot, 'bin/imbot-server.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion; never rejects on a non-zero exit. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: 30_000, env: cliEnvOf(args) }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Runs a CLI command that must succeed and returns its trimmed stdout. */
async function cliOk(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `imbot-server ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

interface Served {
  banner: string;
  /** e.g. https://127.0.0.1:PORT/rest/ */
  httpsRest: string;
  /** e.g. http://127.0.0.1:PORT/rest/ */
  httpRest: string;
  adminWebhook: string;
  caPath: string;
  /** SIGTERM, then wait for a clean exit */
  stop(): Promise<void>;
}

function line(banner: string, label: string): string {
  const m = new RegExp(`^\\s*${label}:\\s+(\\S+)$`, 'm').exec(banner);
  assert.ok(m, `"${label}" line in the banner:\n${banner}`);
  return m[1];
}

/** Starts `serve` (with `flags`) on free ports and waits for its banner. */
function serve(dataDir: string, flags: string[] = []): Promise<Served> {
  const args = ['serve', '--data', dataDir, '--port', '0', '--http-port', '0', ...flags];
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: cliEnvOf(args),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'serve exits with 0 on SIGTERM');
  };
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`serve printed no banner in 30 s:\n${out}\n${err}`));
    }, 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!out.includes('control token:')) return;
      clearTimeout(timer);
      try {
        done({
          banner: out,
          httpsRest: line(out, 'portal \\(HTTPS\\)'),
          httpRest: line(out, 'portal \\(HTTP\\)'),
          adminWebhook: line(out, 'admin webhook'),
          caPath: line(out, 'local CA'),
          stop,
        });
      } catch (e) {
        stop().catch(() => {}).then(() => fail(e));
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited early (${code}): ${err}`));
    });
  });
}

/** GET over HTTPS trusting only the given CA; resolves to status and parsed JSON body. */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((done, fail) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d));
        res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(text) }));
      })
      .on('error', fail);
  });
}

/** A fresh data dir per test, removed afterwards. */
function dataDirs() {
  const made: string[] = [];
  return {
    make: () => {
      const d = mkdtempSync(join(tmpdir(), 'imbot-cli-'));
      made.push(d);
      return d;
    },
    cleanup: () => Promise.all(made.map((d) => removeTestData(d))),
  };
}

describe('imbot-server CLI', () => {
  const dirs = dataDirs();
  after(() => dirs.cleanup());

  it('serve prints the portal URLs, admin webhook and CA, and serves them', async () => {
    const data = dirs.make();
    const s = await serve(data);
    try {
      assert.match(s.httpsRest, /^https:\/\/127\.0\.0\.1:\d+\/rest\/$/);
      assert.match(s.httpRest, /^http:\/\/127\.0\.0\.1:\d+\/rest\/$/);
      assert.match(s.adminWebhook, /^https:\/\/127\.0\.0\.1:\d+\/rest\/1\/[a-z0-9]{16}\/$/);
      assert.ok(s.adminWebhook.startsWith(s.httpsRest), 'the admin webhook lives on the HTTPS portal');
      assert.equal(s.caPath, join(data, 'tls', 'ca.pem'));
      assert.ok(s.banner.includes(`NODE_EXTRA_CA_CERTS=${s.caPath}`), 'banner tells how to trust the CA');

      const code = /\/rest\/1\/([a-z0-9]{16})\/$/.exec(s.adminWebhook)![1];
      const overHttp = await request(`${s.httpRest}1/${code}/server.time`);
      assert.equal(overHttp.status, 200);
      assert.match(overHttp.body.result, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

      const overHttps = await httpsGet(`${s.adminWebhook}profile`, readFileSync(s.caPath));
      assert.equal(overHttps.status, 200);
      assert.equal(overHttps.body.result.ID, '1');
      assert.equal(overHttps.body.result.ADMIN, true);
    } finally {
      await s.stop();
    }
  });

  it('serve --max-file-size MB: a file over it is refused with each method\'s error, one of that size is kept', async () => {
    const data = dirs.make();
    const s = await serve(data, ['--max-file-size', '0.5']);
    try {
      const code = /\/rest\/1\/([a-z0-9]{16})\/$/.exec(s.adminWebhook)![1];
      const hook = `${s.httpRest}1/${code}`;
      const limit = 512 * 1024;
      const chat = (await request(`${hook}/im.chat.add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ TITLE: 'Small files', USERS: [1] }) })).body.result;
      const folder = (await request(`${hook}/im.disk.folder.get?CHAT_ID=${chat}`)).body.result.ID;
      // a multipart file part (streamed to the spool, refused by its size)
      const part = (size: number) => {
        const form = new FormData();
        form.append('id', String(folder));
        form.append('fileContent', new Blob([Buffer.alloc(size, 7)]), `f${size}.bin`);
        return request(`${hook}/disk.folder.uploadfile`, { method: 'POST', body: form });
      };
      assert.deepEqual(errorOf(await part(limit + 1)), { status: 400, error: 'ERROR_COULD_NOT_SAVE_FILE', error_description: 'Could not save file' });
      const kept = await part(limit);
      assert.equal(kept.status, 200, kept.text);
      assert.equal(Number(kept.body.result.SIZE), limit);
      // Base64 content of a v2 upload
      const v2 = (size: number) =>
        request(`${hook}/im.v2.File.upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dialogId: `chat${chat}`, fields: { name: 'a.bin', content: Buffer.alloc(size, 1).toString('base64') } }) });
      assert.deepEqual(errorOf(await v2(limit + 1)), { status: 400, error: 'FILE_TOO_LARGE', error_description: 'File size exceeds maximum allowed' });
      assert.equal((await v2(limit)).status, 200);
    } finally {
      await s.stop();
    }
    for (const bad of ['0', '-1', 'ten', '1025']) {
      const r = await cli('serve', '--data', dirs.make(), '--port', '0', '--http-port', '0', '--max-file-size', bad);
      assert.equal(r.code, 1, `--max-file-size ${bad}`);
      assert.match(r.stderr, /option '--max-file-size <MB>' argument '.*' is invalid\. megabytes, more than 0 and at most 1024/);
    }
  });

  it('adds users and webhooks that a running server honours at once, and removes them', async () => {
    const data = dirs.make();
    const s = await serve(data);
    try {
      const userId = await cliOk('user', 'add', '--data', data, '--name', 'Ann', '--last-name', 'Lee');
      assert.match(userId, /^\d+$/);
      assert.ok((await cliOk('user', 'list', '--data', data)).split('\n').includes(`${userId}\tuser\tAnn Lee`));

      // departments: `department add` under the company, `user add --department` into it
      const dep = await cliOk('department', 'add', '--data', data, '--name', 'Sales', '--head', userId);
      assert.match(dep, /^\d+$/);
      assert.deepEqual((await cliOk('department', 'list', '--data', data)).split('\n'), ['1\t0\t1\tMy Company', `${dep}\t1\t${userId}\tSales`]);
      const seller = await cliOk('user', 'add', '--data', data, '--name', 'Sam', '--department', dep, '--department', '1');
      const lost = await cli('department', 'add', '--data', data, '--name', 'Lost', '--parent', '999');
      assert.equal(lost.code, 1);
      assert.match(lost.stderr, /There can only be one top-level department/);
      const adminCode = /\/rest\/1\/([a-z0-9]{16})\/$/.exec(s.adminWebhook)![1];
      const staff = await request(`${s.httpRest}1/${adminCode}/im.department.employees.get?ID[]=${dep}`);
      assert.deepEqual(staff.body?.result, { [dep]: [Number(seller)] });

      const url = await cliOk('webhook', 'add', '--data', data, '--user', userId, '--scope', 'im,imbot');
      // printed at the address the running server recorded (its HTTPS port, not the default 24443)
      const m = new RegExp(`^${s.httpsRest.replace(/\./g, '\\.')}${userId}/([a-z0-9]{16})/$`).exec(url);
      assert.ok(m, `printed webhook URL ${url}`);
      const code = m[1];
      const custom = await cliOk('webhook', 'add', '--data', data, '--user', userId, '--code', 'mycode123');
      assert.equal(custom, `${s.httpsRest}${userId}/mycode123/`);

      // webhook list: id, "user N", code, scopes, title — tab separated
      const listed = (await cliOk('webhook', 'list', '--data', data)).split('\n').map((l) => l.split('\t').slice(1, 4));
      assert.deepEqual(listed.filter(([owner]) => owner === `user ${userId}`), [
        [`user ${userId}`, code, 'im,imbot'],
        [`user ${userId}`, 'mycode123', 'imbot,im,user,department,user.userfield,disk,humanresources'],
      ]);

      // the running server sees the new webhooks without a restart, acting as Ann
      for (const c of [code, 'mycode123']) {
        const me = await request(`${s.httpRest}${userId}/${c}/profile`);
        assert.equal(me.status, 200, me.text);
        assert.deepEqual([me.body.result.ID, me.body.result.NAME, me.body.result.LAST_NAME], [userId, 'Ann', 'Lee']);
      }

      assert.equal(await cliOk('webhook', 'remove', '--data', data, code), `removed ${code}`);
      assert.deepEqual(errorOf(await request(`${s.httpRest}${userId}/${code}/server.time`)), {
        status: 401,
        error: 'INVALID_CREDENTIALS',
        error_description: 'Invalid request credentials',
      });
      assert.ok(!(await cliOk('webhook', 'list', '--data', data)).includes(code), 'removed webhook is no longer listed');
      assert.equal((await request(`${s.httpRest}${userId}/mycode123/server.time`)).status, 200, 'the other webhook still works');
    } finally {
      await s.stop();
    }
  });

  describe('error paths', () => {
    let data: string;
    before(() => {
      data = dirs.make();
    });

    /** A failing command: non-zero exit, the expected message, and no stack trace. */
    const assertFails = async (args: string[], message: string) => {
      const r = await cli(...args);
      assert.notEqual(r.code, 0, `imbot-server ${args.join(' ')} should fail`);
      assert.ok(r.stderr.includes(message), `stderr should include "${message}":\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.equal(r.stdout, '');
    };

    it('webhook add for a user that does not exist', () =>
      assertFails(['webhook', 'add', '--data', data, '--user', '999'], 'error: user 999 does not exist'));

    it('webhook add with a code that is already taken', async () => {
      await cliOk('webhook', 'add', '--data', data, '--user', '1', '--code', 'takencode');
      await assertFails(['webhook', 'add', '--data', data, '--user', '1', '--code', 'takencode'], 'error: webhook code takencode is already in use');
    });

    it('webhook remove of an unknown webhook', () =>
      assertFails(['webhook', 'remove', '--data', data, 'nosuchcode'], 'error: no webhook nosuchcode'));

    it('serve --profile bogus is rejected before anything starts', () =>
      assertFails(
        ['serve', '--data', data, '--port', '0', '--http-port', '0', '--profile', 'bogus'],
        "error: option '--profile <profile>' argument 'bogus' is invalid. profile is dev or cloud",
      ));
  });
});
