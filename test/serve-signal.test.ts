import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliEnv, removeTestData } from './helpers/server.js';

// `serve` stops with exit code 0 on SIGTERM/SIGINT however early the signal comes: the moment
// the first line of its banner (or fastify's "listening" log line before it) is read, and twice
// in a row. Before the handlers were installed ahead of start-up, a signal sent on reading the
// banner often reached the process before its handler existed and ended it by the signal.

const cliEntry = fileURLToPath(new URL('./helpers/cli-entry.js', import.meta.url));
const dirs: string[] = [];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts `serve` on free ports and sends `signals` the instant stdout shows `trigger`. */
function serveAndSignal(trigger: string, signals: NodeJS.Signals[]): Promise<Exit> {
  const data = mkdtempSync(join(tmpdir(), 'imbot-signal-'));
  dirs.push(data);
  const child = spawn(process.execPath, [cliEntry, 'serve', '--data', data, '--port', '0', '--http-port', '0'], {
    env: cliEnv(data),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`serve never printed "${trigger}" or never exited:\n${out}\n${err}`));
    }, 60_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!sent && out.includes(trigger)) {
        sent = true;
        for (const s of signals) child.kill(s);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!sent) fail(new Error(`serve exited (${code ?? signal}) before "${trigger}":\n${out}\n${err}`));
      else done({ code, signal, stderr: err });
    });
  });
}

describe('serve: a signal right after start-up', () => {
  after(async () => {
    for (const d of dirs) await removeTestData(d);
  });

  it('SIGTERM sent on the banner\'s first line exits with 0, every time', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await serveAndSignal('imbot-server is running', ['SIGTERM']);
      assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, `run ${i + 1}: ${r.stderr}`);
    }
  });

  it('SIGTERM on fastify\'s "listening" line, before the banner, exits with 0', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await serveAndSignal('Server listening', ['SIGTERM']);
      assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, `run ${i + 1}: ${r.stderr}`);
    }
  });

  it('a second signal while closing changes nothing: still 0', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await serveAndSignal('imbot-server is running', ['SIGTERM', 'SIGINT', 'SIGTERM']);
      assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null }, `run ${i + 1}: ${r.stderr}`);
    }
  });
});
