import http from 'node:http';
import https from 'node:https';
import type { LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import { encodePhpForm } from './form.js';

/** One event POST as the delivery worker asks for it (all plain data: it crosses a thread). */
export interface PostRequest {
  id: number;
  handlerUrl: string;
  /**
   * The address the handler's host was checked to be (`cloud`); the connection goes there and
   * nowhere else, whatever DNS answers by now. Absent: the host is resolved as usual (`dev`).
   */
  address?: string;
  /** the outbox row's JSON body; encoded to the PHP form here */
  payload: string;
  /** `X-Imbot-Event-Id` */
  uid: string;
  /** `X-Imbot-Delivery-Attempt` */
  attempt: number;
}

/**
 * Requests to send one after another, in order (one lane's due rows). With `stopOnFailure`, the
 * requests after one that did not get a 2xx are not sent: their outcome says `skipped`.
 */
export interface PostRun {
  requests: PostRequest[];
  stopOnFailure: boolean;
}

/** How the POST went; never an exception. */
export interface PostOutcome {
  id: number;
  httpStatus: number | null;
  error: string;
  /** the first RESPONSE_KEEP characters of the handler's answer */
  response: string;
  durationMs: number;
  /** not sent: an earlier request of its run failed */
  skipped?: true;
}

export const isSuccess = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

const RESPONSE_KEEP = 1024;
const TARGETS_KEPT = 1000;

/**
 * A `lookup` that answers with the one address already checked (Node asks with `all: true` when it
 * may try several families; an IP-literal host is never looked up). TLS still verifies the name.
 */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_host: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

/**
 * Sends event bodies to handlers over keep-alive connections. Pure HTTP, no store: it runs in
 * the sender thread (src/events/send-thread.ts), away from the REST calls' event loop.
 */
export class EventPoster {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly targets = new Map<string, ReturnType<typeof urlToHttpOptions> | null>();

  constructor(private readonly timeoutMs: number) {}

  /** Sends a run's requests in order; `report` hears each outcome as it comes. */
  async run(run: PostRun, report: (o: PostOutcome) => void): Promise<void> {
    let failed = false;
    for (const r of run.requests) {
      if (failed) {
        report({ id: r.id, httpStatus: null, error: '', response: '', durationMs: 0, skipped: true });
        continue;
      }
      const o = await this.post(r);
      report(o);
      if (run.stopOnFailure && !isSuccess(o.httpStatus)) failed = true;
    }
  }

  post(r: PostRequest): Promise<PostOutcome> {
    const t0 = performance.now();
    const done = (httpStatus: number | null, error: string, response = ''): PostOutcome => ({
      id: r.id,
      httpStatus,
      error,
      response,
      durationMs: Math.round(performance.now() - t0),
    });
    return new Promise((resolve) => {
      const target = this.targetOf(r.handlerUrl);
      if (!target) return resolve(done(null, `invalid handler URL: ${r.handlerUrl}`));
      let body: Buffer;
      try {
        body = Buffer.from(encodePhpForm(JSON.parse(r.payload)));
      } catch (err) {
        return resolve(done(null, `unreadable outbox body: ${(err as Error).message}`));
      }
      const secure = target.protocol === 'https:';
      const req = (secure ? https : http).request({
        ...target,
        ...(r.address !== undefined ? { lookup: pinnedLookup(r.address) } : {}),
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': body.length,
          'user-agent': 'imbot-server event sender',
          'x-imbot-event-id': r.uid,
          'x-imbot-delivery-attempt': String(r.attempt),
        },
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => resolve(done(null, err.message || String(err))));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < RESPONSE_KEEP) chunks.push(c);
          kept += c.length;
        });
        res.on('error', (err) => resolve(done(res.statusCode ?? null, err.message)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_KEEP);
          resolve(done(status, isSuccess(status) ? '' : `HTTP ${status}`, text));
        });
      });
      req.end(body);
    });
  }

  /** The request options of a handler URL (parsed once per URL), null if it is not a URL. */
  private targetOf(handlerUrl: string): ReturnType<typeof urlToHttpOptions> | null {
    let target = this.targets.get(handlerUrl);
    if (target === undefined) {
      try {
        target = urlToHttpOptions(new URL(handlerUrl));
      } catch {
        target = null;
      }
      if (this.targets.size >= TARGETS_KEPT) this.targets.clear();
      this.targets.set(handlerUrl, target);
    }
    return target;
  }
}
