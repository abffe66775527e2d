import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { callJson, cliEnvOf, removeTestData, request, startPortal, type TestPortal } from './helpers/server.js';

/*
 * GET /__health and /__ready (README, "Running a cluster"), and what SIGTERM does to a serving
 * process, on the suite's engine. Store and Redis going away: test/cluster-ready.test.ts.
 */

describe('health and readiness', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('/__health answers 200 JSON without any credential', async () => {
    {
      const a = await request(`${p.http}/__health`);
      assert.equal(a.status, 200, a.text);
      assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(a.headers.get('cache-control'), 'no-store');
      assert.equal(a.body.status, 'ok');
      assert.equal(typeof a.body.node, 'string');
      assert.ok(Number.isInteger(a.body.uptime));
    }
  });

  it('/__ready answers 200 with the store checked; the control token is neither needed nor looked at', async () => {
    const a = await request(`${p.http}/__ready`, { headers: { 'x-imbot-control-token': 'wrong' } });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual({ status: a.body.status, checks: a.body.checks }, { status: 'ready', checks: { store: 'ok' } });
    const head = await request(`${p.http}/__ready`, { method: 'HEAD' });
    assert.equal(head.status, 200, 'HEAD works for balancers that use it');
  });

  it('the probes are not REST methods: /rest/__health is an unknown method', async () => {
    const a = await callJson(`${p.http}/rest`, '__health');
    assert.equal(a.status, 404);
    assert.equal(a.body.error, 'ERROR_METHOD_NOT_FOUND');
  });
});

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(repoRoot, 'bin/imbot-server.js');

describe('SIGTERM', () => {
  it('finishes the call in flight, refuses new connections, and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-sigterm-'));
    const args = ['serve', '--data', dataDir, '--port', '0', '--http-port', '0', '--log-level', 'warn'];
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: cliEnvOf(args), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
      let err = '';
      child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
      for (let i = 0; i < 600 && !out.includes('control token:'); i++) {
        if (child.exitCode !== null) throw new Error(`serve exited: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const http = /portal \(HTTP\):\s+(http:\/\/\S+)\/rest\//.exec(out)?.[1];
      assert.ok(http, out);
      const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
      // the next im.message.add takes 4 s before it runs: it is in flight when SIGTERM comes
      const armed = await request(`${http}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-imbot-control-token': token },
        body: JSON.stringify({ method: 'im.message.add', kind: 'latency', ms: 4000, times: 1 }),
      });
      assert.equal(armed.status, 200, armed.text);
      const code = /\/rest\/1\/([a-z0-9]+)\//.exec(out)?.[1];
      assert.ok(code, `the first start prints the admin webhook:\n${out}`);
      const inFlight = callJson(`${http}/rest/1/${code}`, 'im.message.add', { DIALOG_ID: 1, MESSAGE: 'finished during the drain' });
      // give the call time to reach the server (the fault then holds it; a loaded machine may
      // take a while), then ask the process to leave
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGTERM');
      const answered = await inFlight;
      assert.equal(answered.status, 200, `the call in flight is answered: ${answered.text}`);
      assert.ok(Number(answered.body.result) > 0);
      assert.equal(await exited, 0, `exit code 0 after SIGTERM: ${err}`);
      await assert.rejects(fetch(`${http}/__health`), 'nothing listens any more');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await removeTestData(dataDir);
    }
  });
});
