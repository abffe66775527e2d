import http from 'node:http';
import https from 'node:https';
import { handlerUrlProblem } from '../bots/handlers.js';
import type { Clock } from '../clock.js';
import type { Profile } from '../context.js';
import type { Db } from '../store/db.js';
import { encodePhpForm } from './form.js';
import { laneBatch, laneHeads, recordAttempts, type Attempted, type AttemptResult, type Outcome, type OutboxRow } from './outbox.js';
import { outboxSignal } from './signal.js';

/**
 * `retry` (the default): a failed delivery is tried again with exponential back-off (1 s, 2 s,
 * 4 s … capped at `maxDelayMs`) until `horizonMs` after the event, then given up. `once`: the real
 * platform's behaviour — one attempt, no retry.
 */
export type DeliveryPolicy = 'once' | 'retry';

export interface DeliveryOptions {
  policy: DeliveryPolicy;
  /** give up retrying this long after the event was written (portal clock) */
  horizonMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** per-request limit; a handler slower than this counts as failed */
  timeoutMs: number;
  /** applications served at the same time (one request in flight per application) */
  concurrency: number;
  /** real-time polling period (commits also nudge the worker at once) */
  pollMs: number;
  /** whose handler URL rules apply when sending (`cloud`: the portal's, `dev`: any host) */
  profile: Profile;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  policy: 'retry',
  horizonMs: 24 * 3600_000,
  firstDelayMs: 1000,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
  concurrency: 8,
  pollMs: 250,
  profile: 'dev',
};

const BATCH = 64;
const RESPONSE_KEEP = 1024;

/**
 * Sends the outbox. Each application is a lane: its events go out strictly one after another in
 * the order they were written (event N+1 is not sent before N succeeded or was given up, so under
 * `retry` a failing handler holds its app's later events back). Lanes of different apps run
 * concurrently. Every attempt is recorded; a row is marked only after its attempt, so a crash
 * between sending and marking sends it again (at least once; `X-Imbot-Event-Id` is the id to
 * de-duplicate on).
 */
export class DeliveryWorker {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = true;
  /**
   * A commit wrote rows for `lanes`. A running lane reads its next rows after that commit anyway
   * (its query waits for the writing transaction), so only idle lanes need a look.
   */
  private readonly nudge = (lanes?: string[]) => {
    if (this.stopped || (lanes && lanes.every((l) => this.lanes.has(l)))) return;
    setImmediate(() => void this.tick());
  };

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly options: DeliveryOptions,
    private readonly logError: (err: unknown, where: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    outboxSignal.on('written', this.nudge);
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    this.nudge();
  }

  /** Stops sending; a request cut off here stays pending and is sent after the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    outboxSignal.off('written', this.nudge);
    if (this.timer) clearInterval(this.timer);
    this.agents.http.destroy();
    this.agents.https.destroy();
    await Promise.allSettled([...this.lanes.values()]);
  }

  /** Looks for lanes whose head is due and starts them, up to the concurrency. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        const now = this.clock.now();
        for (const head of await laneHeads(this.db)) {
          if (this.stopped || this.lanes.size >= this.options.concurrency) break;
          if (this.lanes.has(head.lane) || head.next_attempt_at > now) continue;
          const run = this.runLane(head.lane)
            .catch((err) => this.logError(err, `event delivery (${head.lane})`))
            .finally(() => {
              this.lanes.delete(head.lane);
              this.nudge();
            });
          this.lanes.set(head.lane, run);
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.logError(err, 'event delivery');
    } finally {
      this.ticking = false;
    }
  }

  /** Sends a lane's due rows in order; attempts are recorded per batch (a crash re-sends them). */
  private async runLane(lane: string): Promise<void> {
    while (!this.stopped) {
      const rows = await laneBatch(this.db, lane, BATCH);
      if (rows.length === 0) return;
      const done: Attempted[] = [];
      let blocked = false;
      for (const row of rows) {
        if (this.stopped || row.next_attempt_at > this.clock.now()) {
          blocked = true;
          break;
        }
        const held = await this.heldBack(row);
        const result = held === null ? await this.send(row) : this.notSent(held);
        if (this.stopped) break; // cut off by shutdown: stays pending, sent again after restart
        const outcome: Outcome = held === null ? this.outcomeOf(row, result) : { status: 'failed' };
        done.push({ row, result, outcome });
        if (outcome.status === 'pending') {
          blocked = true; // the head waits for its retry
          break;
        }
      }
      await recordAttempts(this.db, done, this.clock.now());
      if (blocked) return;
    }
  }

  /**
   * Why a row must not go out, or null. An OAuth application whose installation is not finished
   * gets no events (rest-core.md c.4, h.3); such an event is dropped, as on a portal, and the
   * delivery log says why. ONAPPUNINSTALL is exempt: it is sent when the app is already gone.
   * Under `cloud` the handler URL is checked again as it is sent: a binding stored while the
   * portal ran as `dev` (e.g. to localhost) is refused, like any URL the portal would not call.
   */
  private async heldBack(row: OutboxRow): Promise<string | null> {
    const urlProblem = this.options.profile === 'cloud' ? handlerUrlProblem(row.handler_url, 'cloud') : null;
    if (urlProblem) return `not sent: the cloud profile refuses the handler URL (${urlProblem}): ${row.handler_url}`;
    if (row.event_name === 'ONAPPUNINSTALL') return null;
    const app = await this.db.selectFrom('apps').select(['active', 'installed']).where('client_id', '=', row.lane).executeTakeFirst();
    return app && app.active && !app.installed ? 'not sent: the application installation is not finished (installFinish)' : null;
  }

  private notSent(reason: string): AttemptResult {
    return { startedAt: this.clock.now(), durationMs: 0, httpStatus: null, error: reason, response: '' };
  }

  private outcomeOf(row: OutboxRow, r: AttemptResult): Outcome {
    if (r.httpStatus !== null && r.httpStatus >= 200 && r.httpStatus < 300) return { status: 'delivered' };
    const o = this.options;
    if (o.policy === 'once') return { status: 'failed' };
    const retryAt = this.clock.now() + Math.min(o.firstDelayMs * 2 ** row.attempts, o.maxDelayMs);
    return retryAt > row.created_at + o.horizonMs ? { status: 'failed' } : { status: 'pending', retryAt };
  }

  /** One POST of the row's body; never throws. */
  private send(row: OutboxRow): Promise<AttemptResult> {
    const startedAt = this.clock.now();
    const t0 = performance.now();
    const done = (httpStatus: number | null, error: string, response = ''): AttemptResult => ({
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      httpStatus,
      error,
      response,
    });
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(row.handler_url);
      } catch {
        return resolve(done(null, `invalid handler URL: ${row.handler_url}`));
      }
      const body = Buffer.from(encodePhpForm(JSON.parse(row.payload)));
      const secure = url.protocol === 'https:';
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': body.length,
          'user-agent': 'imbot-server event sender',
          'x-imbot-event-id': row.uid,
          'x-imbot-delivery-attempt': String(row.attempts + 1),
        },
      });
      req.setTimeout(this.options.timeoutMs, () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
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
          resolve(done(status, status >= 200 && status < 300 ? '' : `HTTP ${status}`, text));
        });
      });
      req.end(body);
    });
  }
}
