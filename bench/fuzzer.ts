import { connect } from 'node:net';
import type { RunningServer } from '../src/server/listen.js';

/**
 * A seeded HTTP fuzzer for issue 19: every route (each REST method of the registry, OAuth, the
 * control API, downloads, `/`) with malformed bodies, encodings, brackets, deep nesting and huge
 * inputs. Used by test/fuzz.test.ts (a few thousand requests) and bench/fuzz.ts (`npm run fuzz`).
 * The server runs in this process, so prototype pollution is checked on this process's prototypes.
 */

export interface FuzzReport {
  requests: number;
  /** answers with a 5xx status (or none at all on a raw socket) */
  serverErrors: string[];
  /** answers that are not JSON where JSON is due */
  nonJson: string[];
  /** answers that carry stack-trace text */
  stacks: string[];
  /** properties that appeared on the built-in prototypes */
  pollution: string[];
}

/** mulberry32: small, fast, good enough to pick cases reproducibly from a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROTOTYPES: [string, object][] = [
  ['Object', Object.prototype],
  ['Array', Array.prototype],
  ['Function', Function.prototype],
  ['String', String.prototype],
  ['Number', Number.prototype],
];

function prototypeShape(): Map<string, string[]> {
  return new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** Names real clients send, so the fuzz reaches past "required parameter missing". */
const NAMES = [
  'BOT_ID', 'botId', 'CLIENT_ID', 'clientId', 'DIALOG_ID', 'dialogId', 'MESSAGE', 'message', 'MESSAGE_ID', 'messageId',
  'FIELDS', 'fields', 'PROPERTIES', 'properties', 'CODE', 'code', 'TYPE', 'type', 'EVENT_HANDLER', 'EVENT_MESSAGE_ADD',
  'offset', 'limit', 'start', 'filter', 'FILTER', 'NAME', 'ID', 'id', 'cmd', 'halt', 'CHAT_ID', 'chatId', 'USERS', 'USER_ID',
  'KEYBOARD', 'ATTACH', 'COMMAND', 'PARAMS', 'HIDDEN', 'LANG', 'text', 'eventMode', 'webhookUrl', 'botToken', 'content',
  'auth', 'access_token', 'aplogin', 'ap', 'sessid', 'state', 'SORT', 'ORDER', 'event', 'handler', 'scope', 'client_id',
  'client_secret', 'grant_type', 'refresh_token', 'redirect_uri', 'response_type', 'user_id', 'delta', 'now', 'token',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', '0', '-1', '1e20',
];

const SCALARS: unknown[] = [
  '', '0', '1', '-1', 'Y', 'N', 'true', 'false', 'null', 1, 0, -1, 1e20, -1e20, 1.5, 2 ** 53, 2 ** 64, true, false, null,
  'chat1', 'chat-1', 'chat99999999999999999999', '1e20', 'NaN', 'Infinity', '%00', '\u0000', '\ud800', '😀'.repeat(3),
  'http://127.0.0.1:1/handler', 'javascript:alert(1)', '<script>', '$result[a][0]', '$result[', '[', ']', '[]', '{}',
  '__proto__', 'constructor', '#fff', 'a'.repeat(300),
];

export class Fuzzer {
  private rnd: () => number;
  private hugeLeft = 1;
  private readonly methods: string[];
  private readonly report: FuzzReport = { requests: 0, serverErrors: [], nonJson: [], stacks: [], pollution: [] };
  private readonly before = prototypeShape();

  constructor(
    private readonly server: RunningServer,
    private readonly seed: number,
  ) {
    this.rnd = prng(seed);
    this.methods = server.core.registry.all().map((m) => m.name).sort();
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private name(): string {
    if (this.chance(0.7)) return this.pick(NAMES);
    const chars = 'abcAZ_.-[] %$0123456789';
    let s = '';
    for (let i = this.int(12); i >= 0; i--) s += chars[this.int(chars.length)];
    return s;
  }

  private scalar(): unknown {
    // one huge value at most per request: a form of 10,000 pairs would otherwise carry ~20 MB of them
    if (this.chance(0.02) && this.hugeLeft-- > 0) return 'x'.repeat(this.int(200_000));
    return this.pick(SCALARS);
  }

  /** A JSON-able value: scalars, lists, objects, sometimes deep. */
  private value(depth = 0): unknown {
    const r = this.rnd();
    if (depth > 4 || r < 0.55) return this.scalar();
    if (r < 0.75) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    if (r < 0.78) return this.deep(this.chance(0.5) ? 10 : 70);
    const out: Record<string, unknown> = {};
    for (let i = this.int(5); i > 0; i--) Object.defineProperty(out, this.name(), { value: this.value(depth + 1), enumerable: true, configurable: true, writable: true });
    return out;
  }

  private deep(levels: number): unknown {
    let v: unknown = this.scalar();
    for (let i = 0; i < levels; i++) v = this.chance(0.5) ? [v] : { [this.name()]: v };
    return v;
  }

  /** A PHP-style form name: brackets, appends, odd brackets, sometimes very deep. */
  private formName(): string {
    let n = this.name();
    const r = this.rnd();
    if (r < 0.3) for (let i = this.int(4); i >= 0; i--) n += this.chance(0.3) ? '[]' : `[${this.name()}]`;
    else if (r < 0.35) n += '[x]'.repeat(this.chance(0.5) ? 65 : 2000);
    else if (r < 0.4) n += this.pick(['[', ']', '[[a]', 'a]]', '[a', '[]]', '][']);
    return n;
  }

  private formBody(): string {
    const pairs: string[] = [];
    const n = this.chance(0.03) ? 10_000 + this.int(3000) : this.int(8);
    const enc = (s: string) => (this.chance(0.9) ? encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')).replace(/%5B/g, '[').replace(/%5D/g, ']') : s);
    for (let i = 0; i < n; i++) {
      if (this.chance(0.05)) pairs.push(this.pick(['%', '%zz', '%E0%A4%A', '=', '&&', '=x', 'a=%']));
      else pairs.push(`${enc(this.formName())}=${enc(String(this.scalar()))}`);
    }
    return pairs.join('&');
  }

  private params(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = this.int(6); i > 0; i--) Object.defineProperty(out, this.name(), { value: this.value(), enumerable: true, configurable: true, writable: true });
    return out;
  }

  private multipartBody(): { body: string; type: string } {
    const boundary = `fz${this.int(1e9)}`;
    let body = '';
    for (let i = this.int(5); i >= 0; i--) {
      const file = this.chance(0.4);
      body += `--${boundary}\r\ncontent-disposition: form-data; name="${this.formName().replace(/"/g, '')}"${file ? `; filename="${this.name()}"` : ''}\r\n\r\n${String(this.scalar())}\r\n`;
    }
    if (this.chance(0.1)) return { body: body.slice(0, this.int(body.length + 1)), type: `multipart/form-data; boundary=${boundary}` };
    return { body: body + `--${boundary}--\r\n`, type: `multipart/form-data; boundary=${this.chance(0.95) ? boundary : 'other'}` };
  }

  private path(): { path: string; xml: boolean; control: boolean } {
    const s = this.server;
    const code = /\/rest\/1\/([^/]+)\//.exec(s.adminWebhookUrl)![1]!;
    const m = this.chance(0.9) ? this.pick(this.methods) : this.pick(['no.such.method', 'batch', '', '%zz', '..', 'a'.repeat(3000), 'server.time.xml', 'user.get.json']);
    const method = this.chance(0.05) ? `${m}.xml` : this.chance(0.3) ? `${m}.json` : m;
    const xml = /\.xml$/i.test(method);
    const r = this.rnd();
    if (r < 0.57) return { path: `/rest/1/${code}/${method}`, xml, control: false };
    // REST 3.0 (humanresources.*): the webhook and the OAuth form of /rest/api/
    if (r < 0.63) return { path: `/rest/api/1/${code}/${method}`, xml, control: false };
    if (r < 0.65) return { path: `/rest/api/${method}`, xml, control: false };
    if (r < 0.7) return { path: `/rest/${method}`, xml, control: false };
    if (r < 0.74) return { path: `/rest/1/${this.pick(['wrong', 'a'.repeat(70), '%zz', ''])}/${method}`, xml, control: false };
    if (r < 0.76) return { path: `//rest//1/${code}/${method}/`, xml, control: false };
    const other = this.pick([
      '/', '/oauth/token/', '/oauth/authorize/', '/rest/oauth/token/', '//oauth/token', '/rest/download.json', '/rest/download.json?token=imbot|1|2|x',
      '/__control/events', '/__control/clock', '/__control/sessions', '/__control/limits', '/__control/faults', '/__control/events/1/resend',
      '/%5F%5Fcontrol/clock', '//__control/events', '/nothing/here', '/rest', '/%', '/rest/%E0%A4%A',
    ]);
    return { path: other, xml: false, control: other.includes('control') || other.includes('%5F') };
  }

  /** One HTTP request through fetch; the answer is checked. */
  async one(): Promise<void> {
    const { path, xml, control } = this.path();
    const verb = this.pick(['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
    const headers: Record<string, string> = {};
    let body: string | undefined;
    let query = '';
    if (this.chance(0.3)) query = `?${this.formBody()}`;
    if (control) {
      // the real token only where it cannot script failures or limits (those answer 5xx by design)
      const safe = !path.includes('faults') && !path.includes('limits');
      if (safe && this.chance(0.5)) headers['x-imbot-control-token'] = this.server.controlToken;
      else if (this.chance(0.5)) headers['x-imbot-control-token'] = this.pick(['wrong', '', 'x'.repeat(5000)]);
    }
    if (this.chance(0.1)) headers.authorization = this.pick(['Bearer ', 'Bearer x', `Bearer ${'t'.repeat(5000)}`, 'Basic zzz']);
    if (this.chance(0.05)) headers.cookie = this.pick(['PHPSESSID=x', 'PHPSESSID=%zz', 'PHPSESSID=']);
    if (verb !== 'GET' && verb !== 'HEAD') {
      const r = this.rnd();
      if (r < 0.4) {
        headers['content-type'] = this.pick(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON']);
        body = this.chance(0.1) ? this.pick(['{', '[1,', '"x"', 'null', '1e999', '{"a":1}x', '\u0000']) : JSON.stringify(this.params());
      } else if (r < 0.7) {
        headers['content-type'] = this.pick(['application/x-www-form-urlencoded', 'text/plain', '']);
        body = this.formBody();
      } else if (r < 0.85) {
        const m = this.multipartBody();
        headers['content-type'] = m.type;
        body = m.body;
      } else if (r < 0.9) {
        headers['content-type'] = 'application/json';
        body = this.chance(0.5) ? '['.repeat(100_000) + ']'.repeat(100_000) : '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      } else {
        headers['content-type'] = this.pick(['application/octet-stream', 'multipart/form-data', 'application/json']);
        body = this.chance(0.1) ? 'A'.repeat(5 * 1024 * 1024) : Buffer.from(Array.from({ length: this.int(300) }, () => this.int(256))).toString('latin1');
      }
    }
    const label = `${verb} ${path.slice(0, 120)}${query.slice(0, 60)} ${String(body ?? '').slice(0, 120)}`;
    let res: Response;
    try {
      res = await fetch(`${this.server.httpUrl}${path}${query}`, { method: verb, headers, body });
    } catch (err) {
      // fetch refuses some URLs and headers itself; that request never reached the server
      if (err instanceof TypeError && !/fetch failed/.test(err.message)) return;
      this.report.serverErrors.push(`${label}: no answer (${(err as Error).message})`);
      return;
    } finally {
      this.report.requests++;
    }
    const text = await res.text();
    this.check(label, res.status, res.headers.get('content-type') ?? '', text, verb === 'HEAD' || verb === 'OPTIONS', xml);
  }

  /** One request written on a raw socket: broken request lines, versions, methods, headers. */
  async raw(): Promise<void> {
    const host = new URL(this.server.httpUrl).host;
    const head = this.pick([
      'GET / HTTP/1.1\r\n\r\n',
      `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      'HELLO\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
      `GET /rest/server.time HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`,
      `POST /rest/server.time HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `GET /${'a'.repeat(2 * 1024 * 1024)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nBad Header\r\n\r\n`,
      '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n',
      `POST /rest/no.such.method HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 999999999\r\n\r\n{`,
      `POST /rest/batch HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n400000\r\n${'x'.repeat(1000)}`,
    ]);
    const label = `raw ${JSON.stringify(head.slice(0, 80))}`;
    this.report.requests++;
    // The client half-closes after its bytes, as a client that gives up would: the server then
    // answers or closes at once, so a case ends on the server's move, never on a timer. A request
    // whose body was cut short may be closed without an answer (the client left; nobody to answer).
    const cutShort = /\r\n\r\n(?:\{|400000)/.test(head);
    const answer = await new Promise<string>((resolve) => {
      const s = connect({ port: Number(new URL(this.server.httpUrl).port), host: '127.0.0.1' }, () => s.end(head, 'latin1'));
      let got = '';
      const done = () => {
        s.destroy();
        resolve(got);
      };
      s.on('data', (c) => {
        got += c.toString('latin1');
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headers = got.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? -1);
        if (len >= 0 ? got.length >= end + 4 + len : /transfer-encoding: chunked/i.test(headers) && got.endsWith('\r\n0\r\n\r\n')) done();
      });
      s.on('error', () => {});
      s.on('close', () => resolve(got));
    });
    if (!answer && cutShort) return;
    const end = answer.indexOf('\r\n\r\n');
    const status = Number(answer.slice(9, 12));
    if (!answer || end < 0 || !(status > 0)) {
      this.report.serverErrors.push(`${label}: no answer`);
      return;
    }
    const type = /content-type: ([^\r\n]*)/i.exec(answer.slice(0, end))?.[1] ?? '';
    this.check(label, status, type, answer.slice(end + 4), false, false);
  }

  private check(label: string, status: number, type: string, text: string, bodiless: boolean, xml: boolean): void {
    if (status >= 500) this.report.serverErrors.push(`${label}: ${status} ${text.slice(0, 200)}`);
    if (/\n\s+at .+:\d+:\d+|node:internal|\.ts:\d+|\.js:\d+:\d+/.test(text)) this.report.stacks.push(`${label}: ${text.slice(0, 300)}`);
    if (bodiless && text === '') return;
    if (xml && /xml/.test(type)) return;
    let ok = /json/.test(type);
    try {
      JSON.parse(text);
    } catch {
      ok = false;
    }
    if (!ok) this.report.nonJson.push(`${label}: ${status} ${type} ${JSON.stringify(text.slice(0, 200))}`);
  }

  /** `total` requests, `concurrency` at a time; about 3% are raw-socket requests. */
  async run(total: number, concurrency: number, onProgress?: (done: number) => void): Promise<FuzzReport> {
    let issued = 0;
    const worker = async () => {
      while (issued < total) {
        const n = issued++;
        // each request draws from its own stream, so a seed names the same requests whatever
        // order the answers come back in (all drawing happens before the request's first await)
        this.rnd = prng(Math.imul(this.seed, 0x9e3779b1) ^ n);
        this.hugeLeft = 1;
        await (this.chance(0.03) ? this.raw() : this.one());
        if (onProgress && n % 1000 === 0) onProgress(n);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const after = prototypeShape();
    for (const [name, keys] of after) {
      const was = new Set(this.before.get(name));
      for (const k of keys) if (!was.has(k)) this.report.pollution.push(`${name}.prototype.${k}`);
    }
    return this.report;
  }
}
