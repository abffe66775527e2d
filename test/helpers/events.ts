import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseStr, type PhpArray } from '../../src/rest/php.js';
import { cliEnvOf } from './server.js';

/** One request an event handler received. */
export interface Hit {
  method: string;
  /** path and query, e.g. `/a?CLIENT_ID=appA` */
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** the body as PHP would see it in $_POST (plain objects, for deepEqual) */
  form: PhpArray;
  /** the status it was answered with */
  status: number;
  /** the sender's side of the connection (which process sent it: test/cluster.test.ts) */
  remotePort: number;
}

export interface Receiver {
  /** `http://127.0.0.1:PORT` */
  base: string;
  hits: Hit[];
  /** statuses to answer the next requests with, in order; 200 once empty */
  script: number[];
  /** resolves once `count` requests matching `pred` arrived (rejects after 15 s of waiting) */
  waitFor(count: number, pred?: (h: Hit) => boolean): Promise<Hit[]>;
  close(): Promise<void>;
}

/** A minimal node:http event handler that records every request; `delayMs` slows its answers. */
export async function startReceiver(opts: { delayMs?: number } = {}): Promise<Receiver> {
  const hits: Hit[] = [];
  const waiters = new Set<() => void>();
  const script: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const status = script.shift() ?? 200;
      const answer = () => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, form: JSON.parse(JSON.stringify(parseStr(raw))), status, remotePort: req.socket.remotePort ?? 0 });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'handler failed');
        for (const w of waiters) w();
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    script,
    waitFor(count, pred = () => true) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = hits.filter(pred);
          if (found.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} matching requests, got ${hits.filter(pred).length} of ${hits.length}`));
        }, 15_000);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const cliEntry = fileURLToPath(new URL('./cli-entry.js', import.meta.url));

/** Runs `imbot-server <args>` from the same compiled tree as the test; never rejects on exit codes. */
export function runCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cliEntry, ...args], { timeout: 120_000, env: cliEnvOf(args) }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Spawns `imbot-server <args>` (e.g. serve) as a child process. */
export function spawnCli(...args: string[]): ChildProcess {
  return spawn(process.execPath, [cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnvOf(args) });
}

/** A `serve` process started by {@link serveCli}. */
export interface ServedCli {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** http://127.0.0.1:PORT */
  http: string;
  /** the admin webhook's base URL (its code is empty on a restart, where the banner hides it) */
  adminHook: string;
}

/** Starts `imbot-server serve` on `dataDir` and free ports, and reads its banner. */
export function serveCli(dataDir: string): Promise<ServedCli> {
  const child = spawnCli('serve', '--data', dataDir, '--port', '0', '--http-port', '0');
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((done, fail) => {
    let out = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (out += d));
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!out.includes('control token:')) return;
      const http = /portal \(HTTP\):\s+(http:\/\/\S+)\/rest\//.exec(out)![1]!;
      // the admin webhook is printed on the first start only (a restart shows <hidden>)
      const code = /admin webhook:\s+\S+\/rest\/1\/([a-z0-9]+)\//.exec(out)?.[1] ?? '';
      done({ child, exited, http, adminHook: `${http}/rest/1/${code}` });
    });
    exited.then((code) => fail(new Error(`serve exited (${code}) before its banner:\n${out}`)));
  });
}

/** A control-API call (`/__control/<path>`) with the token; the answer's status and JSON body. */
export async function control(base: string, token: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/__control/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Waits until `cond` holds (checked every 20 ms, fails after 15 s); for state the worker records after a request. */
export async function until(cond: () => Promise<boolean> | boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 750; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not hold within 15 s`);
}

/** The flags every person's message carries (api-reference/chat-bots/outdated/messages/events/on-imbot-message-add.md; `RECENT_ADD` only in command PARAMS, api-reference/chat-bots/outdated/commands/events/on-im-command-add.md). */
export function personMessageFlags(command: boolean): Record<string, unknown> {
  return {
    PUSH: 'Y',
    PUSH_IMPORTANT: 'N',
    ...(command ? { RECENT_ADD: 'Y' } : {}),
    RECENT_SKIP_AUTHOR: 'N',
    CONVERT: 'N',
    SKIP_COMMAND: 'N',
    SKIP_COUNTER_INCREMENTS: 'N',
    SILENT_CONNECTOR: 'N',
    SKIP_CONNECTOR: 'N',
    IMPORTANT_CONNECTOR: 'N',
    NO_SESSION_OL: 'N',
    FAKE_RELATION: 0,
    SKIP_URL_INDEX: 'N',
  };
}
