import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliEnv, removeTestData, request } from './helpers/server.js';

// `serve --config FILE` and IMBOT_<FLAG>: every flag from a file and the environment, the
// command line first, then the environment, then the file, then the default; bad values refused
// naming where they came from.

const cliEntry = fileURLToPath(new URL('./helpers/cli-entry.js', import.meta.url));

/** The environment of a CLI run on `data` without any IMBOT_* setting of this test's own process. */
function baseEnv(data: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cliEnv(data);
  for (const k of Object.keys(env)) if (k.startsWith('IMBOT_') && k !== 'IMBOT_STORE') delete env[k];
  return { ...env, ...extra };
}

/** `serve` until its banner; returns the banner and a stop function. */
function serve(args: string[], data: string, env: Record<string, string>): Promise<{ banner: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [cliEntry, 'serve', '--data', data, ...args], { env: baseEnv(data, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('control token:')) {
        done({
          banner: out,
          async stop() {
            child.kill('SIGTERM');
            assert.equal(await exited, 0);
          },
        });
      }
    });
    void exited.then((code) => fail(new Error(`serve exited (${code}) before its banner: ${err}`)));
  });
}

/** `serve` that must refuse to start: its exit code and stderr. */
function refused(args: string[], data: string, env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cliEntry, 'serve', '--data', data, ...args], { env: baseEnv(data, env), timeout: 30_000 }, (e, _out, stderr) =>
      done({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

describe('serve --config and IMBOT_<FLAG>', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'imbot-config-'));
    dirs.push(d);
    return d;
  };
  after(() => Promise.all(dirs.map((d) => removeTestData(d))));

  it('takes flags from a YAML file, the environment over the file, the command line over both', async () => {
    const data = dir();
    const file = join(data, 'imbot.yaml');
    writeFileSync(file, ['profile: cloud', 'port: 0', 'http-port: 0', 'control: off', 'retry-for: 2h', 'delivery: retry', ''].join('\n'));
    const s = await serve(['--config', file, '--retry-for', '90m'], data, { IMBOT_PROFILE: 'dev', IMBOT_RETRY_FOR: '3h', IMBOT_QUIET_SECRETS: 'true' });
    try {
      assert.match(s.banner, /profile dev,/, 'IMBOT_PROFILE wins over the file');
      assert.match(s.banner, /delivery: +retry, for 90m after each event/, '--retry-for wins over IMBOT_RETRY_FOR and the file');
      assert.match(s.banner, /control token: +off/, 'control: off from the file');
      assert.match(s.banner, /rest\/1\/<hidden>\//, 'IMBOT_QUIET_SECRETS=true hides the webhook on the first start');
      const http = /portal \(HTTP\): +(\S+)/.exec(s.banner)![1]!;
      assert.notEqual(/:(\d+)\/rest\/$/.exec(http)![1], '24080', 'http-port: 0 from the file');
      assert.equal((await request(`${http.replace('/rest/', '')}/__control/clock`)).status, 404, 'the control API is off');
    } finally {
      await s.stop();
    }
  });

  it('reads JSON (IMBOT_CONFIG names the file) and the defaults stay where nothing is set', async () => {
    const data = dir();
    const file = join(data, 'imbot.json');
    writeFileSync(file, JSON.stringify({ port: 0, 'http-port': 0, delivery: 'once' }));
    const s = await serve([], data, { IMBOT_CONFIG: file });
    try {
      assert.match(s.banner, /profile dev,/);
      assert.match(s.banner, /delivery: +once \(no retry\)/);
      assert.match(s.banner, /control token: +\//, 'the control API is on by default');
      const hook = /admin webhook: +(\S+)/.exec(s.banner)![1]!;
      const http = /portal \(HTTP\): +(\S+)/.exec(s.banner)![1]!;
      const time = await request(`${hook.replace(/^https:\/\/[^/]+\/rest\//, http)}server.time`);
      assert.equal(time.status, 200, 'the portal answers on the ports it printed');
    } finally {
      await s.stop();
    }
  });

  it('refuses unknown keys and bad values, naming the file key or the variable', async () => {
    const data = dir();
    const yaml = (name: string, text: string) => {
      const f = join(data, name);
      writeFileSync(f, text);
      return f;
    };
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--config', yaml('a.yaml', 'prot: 1\nport: 0\n')], {}, /config file .*a\.yaml: unknown key "prot"/],
      [['--config', yaml('b.yaml', 'port: 70000\n')], {}, /config file .*b\.yaml, key "port": "70000" is invalid: a port is an integer from 0 to 65535/],
      [['--config', yaml('c.yaml', 'retry-for: soon\n')], {}, /key "retry-for": "soon" is invalid: a duration like 30s/],
      [['--config', yaml('d.yaml', 'quiet-secrets: "yes"\n')], {}, /key "quiet-secrets": .*expected boolean/i],
      [['--config', yaml('e.yaml', 'port: [1\n')], {}, /e\.yaml: not valid YAML/],
      [['--config', yaml('f.yaml', '- 1\n- 2\n')], {}, /f\.yaml: .*expected object/i],
      [['--config', join(data, 'missing.yaml')], {}, /missing\.yaml: cannot read it \(ENOENT\)/],
      [[], { IMBOT_HTTP_PORT: 'eighty' }, /environment variable IMBOT_HTTP_PORT: "eighty" is invalid: a port is an integer/],
      [[], { IMBOT_PROFILE: 'prod' }, /environment variable IMBOT_PROFILE: "prod" is invalid: profile is dev or cloud/],
      [[], { IMBOT_QUIET_SECRETS: 'maybe' }, /environment variable IMBOT_QUIET_SECRETS: "maybe" is invalid: true or false/],
    ];
    for (const [args, env, expected] of cases) {
      const r = await refused(args, data, env);
      assert.equal(r.code, 1, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'one line, no stack');
    }
  });
});
