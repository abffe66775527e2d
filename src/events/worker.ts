import { appByClientId } from '../auth/oauth.js';
import { handlerTarget, type HandlerTarget } from '../bots/handlers.js';
import { isTokenOwned } from '../bots/v2-subscriptions.js';
import type { Clock } from '../clock.js';
import type { Profile } from '../context.js';
import type { Db } from '../store/db.js';
import type { HandlerNet } from '../util/addresses.js';
import { laneBatch, laneHeads, type AttemptResult, type Outcome, type OutboxRow } from './outbox.js';
import { AttemptRecorder } from './recorder.js';
import { isSuccess } from './http-post.js';
import { SenderThread } from './sender.js';
import { outboxSignal } from './signal.js';
import type { FaultPlan } from '../harness/faults.js';
import { LocalLeases, type LaneLeases } from '../cluster/leases.js';

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
  /** how `cloud` resolves and judges handler hosts (default: the system resolver, no allow-list) */
  handlerNet?: HandlerNet;
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
/** how long a finished attempt may wait to be recorded together with others (see AttemptRecorder) */
const RECORD_DELAY_MS = 20;

/** The checked address a `cloud` request must connect to (undefined: the sender resolves, `dev`). */
const pinnedAddress = (t: HandlerTarget | undefined) => (t?.kind === 'ok' && t.address !== null ? t.address : undefined);

/**
 * Sends the outbox. Each application is a lane: its events go out strictly one after another in
 * the order they were written (event N+1 is not sent before N succeeded or was given up, so under
 * `retry` a failing handler holds its app's later events back). Lanes of different apps run
 * concurrently. Every attempt is recorded; a row is marked only after its attempt, so a crash
 * between sending and marking sends it again (at least once; `X-Imbot-Event-Id` is the id to
 * de-duplicate on).
 *
 * What it costs per event matters (it shares the core with the REST calls): a commit that wrote
 * rows names their lanes, and an idle lane named there starts at once with one read of its rows;
 * the whole outbox is scanned for due lane heads only on start, on the poll timer (retries that
 * came due, rows written by another process) and when a signal could not be served at once.
 * Attempts are recorded in batches across lanes (`AttemptRecorder`).
 */
export class DeliveryWorker {
  private readonly lanes = new Map<string, Promise<void>>();
  /** running lanes written to since they last read their rows: they read again before stopping */
  private readonly written = new Set<string>();
  /** lanes whose head waits for a retry, until when: commits to them need not start them */
  private readonly waiting = new Map<string, number>();
  /** lanes named by commits, started together on the next turn */
  private readonly toStart = new Set<string>();
  /** a signal could not be served by starting lanes: scan when a lane ends */
  private rescan = false;
  private readonly recorder: AttemptRecorder;
  private readonly sender: SenderThread;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = true;
  /**
   * A commit wrote rows for `lanes` (none named: anything may have changed, scan). The signal
   * comes while the writing transaction is still open; a lane's read waits for it, so it sees
   * committed rows only.
   */
  private readonly nudge = (lanes?: string[]) => {
    if (this.stopped) return;
    if (!lanes) {
      this.rescan = true;
      setImmediate(() => void this.tick());
      return;
    }
    const idle = this.toStart.size === 0;
    for (const lane of lanes) {
      if (this.lanes.has(lane)) this.written.add(lane);
      else if ((this.waiting.get(lane) ?? 0) <= this.clock.now()) this.toStart.add(lane);
    }
    if (idle && this.toStart.size > 0) setImmediate(this.startNamed);
  };

  private readonly startNamed = () => {
    for (const lane of this.toStart) {
      if (this.stopped) break;
      if (this.lanes.has(lane)) continue;
      if (this.lanes.size >= this.options.concurrency) this.rescan = true;
      else this.startLane(lane);
    }
    this.toStart.clear();
  };

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly options: DeliveryOptions,
    private readonly logError: (err: unknown, where: string) => void,
    /** scripted event faults (drop, delay, duplicate, reorder); absent = none */
    private readonly faults?: FaultPlan,
    /** which lanes this node may send (a cluster: one node per lane at a time); absent = all */
    private readonly leases: LaneLeases = new LocalLeases(),
  ) {
    this.recorder = new AttemptRecorder(db, clock, logError, BATCH, RECORD_DELAY_MS);
    this.sender = new SenderThread(options.timeoutMs);
  }

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
    await this.sender.close('cut off: delivery stopped');
    await Promise.allSettled([...this.lanes.values()]);
    await this.recorder.flush();
    await this.leases.releaseAll();
  }

  /** Scans the outbox for lanes whose head is due and starts them, up to the concurrency. */
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
        this.rescan = false;
        const now = this.clock.now();
        for (const head of await laneHeads(this.db)) {
          if (this.stopped) break;
          if (this.lanes.size >= this.options.concurrency) {
            this.rescan = true;
            break;
          }
          if (!this.lanes.has(head.lane) && head.next_attempt_at <= now) this.startLane(head.lane);
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.logError(err, 'event delivery');
    } finally {
      this.ticking = false;
    }
  }

  private startLane(lane: string): void {
    this.waiting.delete(lane);
    const run = this.runLane(lane)
      .catch((err) => this.logError(err, `event delivery (${isTokenOwned(lane) ? 'a webhook bot' : lane})`)) // the lane names a CLIENT_ID
      .finally(() => {
        this.lanes.delete(lane);
        // written to between its last read and now (the signal found it still running)
        if (this.written.delete(lane)) this.nudge([lane]);
        if (this.rescan && !this.stopped) void this.tick();
      });
    this.lanes.set(lane, run);
  }

  /**
   * Sends a lane's due rows in order. Consecutive rows that can be sent go to the sender thread as
   * one run, sent back to back; under `retry` the thread stops a run at its first failure, and
   * the lane stops there to wait for the retry. Rows sent but not yet recorded are skipped
   * (`sentUpTo`); a lane that stops at a retry waits until its attempts are written, so the next
   * scan sees the head's new due time.
   */
  private async runLane(lane: string): Promise<void> {
    // Another node sends this lane now; it hears of new rows too (the cluster bus), and if it
    // dies its lease expires and a scan here takes the lane over.
    if (!(await this.leases.acquire(lane))) return;
    try {
      await this.sendLane(lane);
    } finally {
      // What was sent is recorded before another node may take the lane, so it is not sent twice.
      if (this.leases.shared) await this.recorder.flush();
      await this.leases.release(lane);
    }
  }

  private async sendLane(lane: string): Promise<void> {
    let after = this.recorder.sentUpTo(lane);
    while (!this.stopped && this.leases.holds(lane)) {
      this.written.delete(lane);
      const rows = await laneBatch(this.db, lane, after, BATCH);
      if (rows.length === 0) {
        if (this.written.has(lane)) continue; // a commit for this lane landed during the read
        return;
      }
      const held = await this.heldBack(rows[0]!); // same app for the whole batch
      const targets = await this.targets(rows);
      let reread = false;
      for (let i = 0; i < rows.length && !reread; ) {
        if (this.stopped) return;
        const now = this.clock.now();
        const due = (r: OutboxRow) => r.next_attempt_at <= now;
        if (!due(rows[i]!)) {
          this.waiting.set(lane, rows[i]!.next_attempt_at);
          return;
        }
        const reason = this.reasonNotToSend(rows[i]!, held, targets);
        if (reason !== null) {
          // A refused URL or an app not installed is final; a host that does not resolve now is
          // an attempt that failed (retried under `retry`, as a connection error would be).
          const result = this.notSent(reason.text);
          const outcome: Outcome = reason.retry ? this.outcomeOf(rows[i]!, result) : { status: 'failed' };
          this.recorder.add({ row: rows[i]!, result, outcome });
          if (outcome.status === 'pending') {
            this.waiting.set(lane, outcome.retryAt);
            await this.recorder.flush();
            return;
          }
          after = rows[i]!.id;
          i++;
          continue;
        }
        const next = rows[i + 1];
        const fault = this.faults?.takeEvent(rows[i]!.event_name, !!next && due(next) && this.reasonNotToSend(next, held, targets) === null);
        if (fault?.kind === 'event_drop') {
          // A lost request: one attempt, failed, never retried (the event is gone, as on a portal).
          this.recorder.add({ row: rows[i]!, result: this.notSent('dropped by a scripted fault (event_drop)'), outcome: { status: 'failed' } });
          after = rows[i]!.id;
          i++;
          continue;
        }
        if (fault?.kind === 'event_delay') await new Promise((r) => setTimeout(r, fault.ms));
        // The next event of the lane (ready to go now: takeEvent checked) goes first.
        if (fault?.kind === 'event_reorder') [rows[i], rows[i + 1]] = [next!, rows[i]!];
        let end = i + 1;
        // With event faults armed, rows go one by one: each is checked for a fault of its own.
        if (!fault && !this.faults?.hasEventFaults()) {
          while (end < rows.length && due(rows[end]!) && this.reasonNotToSend(rows[end]!, held, targets) === null) end++;
        }
        if (!this.leases.holds(lane)) return; // the lease was lost (this node stalled): the new holder sends
        const run = rows.slice(i, end);
        const outcomes = this.sender.postRun(
          run.map((row) => this.requestOf(row, targets)),
          this.options.policy === 'retry',
        );
        let startedAt = now;
        for (const [k, row] of run.entries()) {
          const o = await outcomes[k]!;
          if (this.stopped) return; // cut off by shutdown: stays pending, sent again after restart
          if (o.skipped) {
            reread = true; // an earlier row failed for good: go on from the row after it
            break;
          }
          if (fault?.kind === 'event_duplicate') await this.sender.postRun([this.requestOf(row, targets)], false)[0];
          const result: AttemptResult = { startedAt, durationMs: o.durationMs, httpStatus: o.httpStatus, error: o.error, response: o.response };
          startedAt = this.clock.now(); // the next row of the run went out as this one ended
          const outcome = this.outcomeOf(row, result);
          this.recorder.add({ row, result, outcome });
          after = Math.max(after, row.id); // a reordered pair ends on its lower id
          if (outcome.status === 'pending') {
            this.waiting.set(lane, outcome.retryAt);
            await this.recorder.flush(); // the head waits for its retry
            return;
          }
        }
        i = end;
      }
      // A short batch was the lane's whole backlog; only a commit since the read (it names the
      // lane) can have added rows. Rows written by another process wait for the poll timer.
      if (!reread && rows.length < BATCH && !this.written.has(lane)) return;
    }
  }

  private requestOf(row: OutboxRow, targets: Map<string, HandlerTarget>) {
    return { handlerUrl: row.handler_url, address: pinnedAddress(targets.get(row.handler_url)), payload: row.payload, uid: row.uid, attempt: row.attempts + 1 };
  }

  /** Why a row is recorded as not sent (`retry`: as a failed attempt), or null to send it. */
  private reasonNotToSend(row: OutboxRow, held: string | null, targets: Map<string, HandlerTarget>): { text: string; retry: boolean } | null {
    const target = targets.get(row.handler_url);
    if (target?.kind === 'refused') return { text: `not sent: the cloud profile refuses the handler URL (${target.why}): ${row.handler_url}`, retry: false };
    if (row.event_name !== 'ONAPPUNINSTALL' && held !== null) return { text: held, retry: false };
    if (target?.kind === 'unresolved') return { text: `not sent: ${target.why}`, retry: true };
    return null;
  }

  /**
   * Under `cloud` each handler URL of a batch is checked again as it is sent (src/bots/handlers.ts):
   * a binding stored while the portal ran as `dev`, or a name whose DNS answer changed since it
   * was registered, is refused. The address checked is the one the sender connects to, so a DNS
   * answer that changes between the check and the connection cannot slip through. `dev`: empty.
   */
  private async targets(rows: OutboxRow[]): Promise<Map<string, HandlerTarget>> {
    const out = new Map<string, HandlerTarget>();
    if (this.options.profile !== 'cloud') return out;
    for (const url of new Set(rows.map((r) => r.handler_url))) out.set(url, await handlerTarget(url, 'cloud', this.options.handlerNet));
    return out;
  }

  /**
   * Why the lane's app gets no events now, or null. An OAuth application whose installation is
   * not finished gets no events (settings/app-installation/local-apps/installation-finish.md, api-reference/events/index.md); such an event is dropped, as on a
   * portal, and the delivery log says why (ONAPPUNINSTALL is exempt: it is sent when the app is
   * already gone). Read once per batch of a lane's rows.
   */
  private async heldBack(row: OutboxRow): Promise<string | null> {
    if (isTokenOwned(row.lane)) return null; // a webhook's bots: no installation
    const app = await appByClientId(this.db, row.lane);
    return app && app.active && !app.installed ? 'not sent: the application installation is not finished (installFinish)' : null;
  }

  private notSent(reason: string): AttemptResult {
    return { startedAt: this.clock.now(), durationMs: 0, httpStatus: null, error: reason, response: '' };
  }

  private outcomeOf(row: OutboxRow, r: AttemptResult): Outcome {
    if (isSuccess(r.httpStatus)) return { status: 'delivered' };
    const o = this.options;
    if (o.policy === 'once') return { status: 'failed' };
    const retryAt = this.clock.now() + Math.min(o.firstDelayMs * 2 ** row.attempts, o.maxDelayMs);
    return retryAt > row.created_at + o.horizonMs ? { status: 'failed' } : { status: 'pending', retryAt };
  }
}
