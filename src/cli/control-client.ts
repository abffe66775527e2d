import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { readPortalSettings } from '../portal/settings.js';
import { openStore } from '../store/open.js';
import { storeOption } from './store-option.js';

const DEFAULT_URL = 'http://127.0.0.1:24080';

export interface ControlOptions {
  url?: string;
  data: string;
  /** the store the server uses (`--store`, IMBOT_STORE), where it recorded its address */
  store?: string;
  token?: string;
}

/** `--url`, `--data`, `--token` on a command that talks to a running server's control API. */
export function withControlOptions(cmd: Command, defaultData: string): Command {
  return cmd
    .option('--url <url>', 'the running server (env IMBOT_URL; default: the HTTP address it recorded in its store, else http://127.0.0.1:24080)')
    .option('--data <dir>', 'its data directory (for the control token, the local CA and its recorded address)', defaultData)
    .addOption(storeOption())
    .option('--token <token>', 'the control token (env IMBOT_CONTROL_TOKEN; default <data>/control-token)');
}

export class ControlError extends Error {}

export interface ControlAnswer {
  status: number;
  body: any;
}

/**
 * The plain-HTTP address the server on this store recorded (src/portal/settings.ts), if one has
 * started; the store is only opened when it exists (a SQLite file in the data dir, or `--store`).
 */
async function recordedHttpUrl(o: ControlOptions): Promise<string | undefined> {
  const dataDir = resolve(o.data);
  if (!o.store && !existsSync(join(dataDir, 'imbot.db'))) return undefined;
  const store = await openStore({ dataDir, url: o.store });
  try {
    const { settings, recorded } = await readPortalSettings(store.db);
    return recorded ? settings.httpUrl : undefined;
  } finally {
    await store.close();
  }
}

/** A small client of the control API: token from the option, env or data dir; HTTPS trusts the local CA. */
export function controlClient(o: ControlOptions) {
  const explicit = o.url ?? process.env.IMBOT_URL;
  let baseOf: Promise<string> | null = null;
  const resolveBase = () =>
    (baseOf ??= (explicit !== undefined ? Promise.resolve(explicit) : recordedHttpUrl(o).then((u) => u ?? DEFAULT_URL)).then((b) => b.replace(/\/+$/, '')));
  const tokenPath = join(resolve(o.data), 'control-token');
  const token = o.token ?? process.env.IMBOT_CONTROL_TOKEN ?? (existsSync(tokenPath) ? readFileSync(tokenPath, 'utf8').trim() : '');
  const caPath = process.env.IMBOT_CA ?? join(resolve(o.data), 'tls', 'ca.pem');

  async function call(method: string, path: string, body?: unknown): Promise<ControlAnswer> {
    const base = await resolveBase();
    const ca = base.startsWith('https:') && existsSync(caPath) ? readFileSync(caPath) : undefined;
    const url = new URL(base + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolvePromise, reject) => {
      const req = send(url, {
        method,
        ca,
        headers: { 'x-imbot-control-token': token, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolvePromise({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', (err) => reject(new ControlError(`cannot reach the server at ${base} (${(err as NodeJS.ErrnoException).code ?? err.message}); is it running? (--url)`)));
      req.end(payload);
    });
  }

  /** The answer's body; an error answer becomes a ControlError with the server's description. */
  async function ok(method: string, path: string, body?: unknown): Promise<any> {
    const a = await call(method, path, body);
    if (a.status >= 400) throw new ControlError(a.body?.error_description ? `${a.body.error}: ${a.body.error_description}` : `HTTP ${a.status}`);
    return a.body;
  }

  return { call, ok };
}
