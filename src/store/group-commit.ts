import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { runDirectly } from './prepared.js';
import type { Schema } from './schema.js';
import type { TableVersions } from './read-cache.js';
import { inUnit, Unit } from './unit.js';

/** How many units of work one group may hold; the rest wait for the next group. */
const MAX_GROUP = 128;

type Work<T> = (trx: Transaction<Schema>, unit: Unit) => Promise<T>;

/** What one group did, for a measuring harness (bench/p99.ts); times are performance.now(). */
export interface GroupTiming {
  size: number;
  /** when its first unit was queued */
  queued: number;
  started: number;
  /** the last unit's work done, COMMIT about to be sent */
  worked: number;
  committed: number;
}

/** Set by a harness to hear about every group; unset (the default) costs one check per group. */
export const groupProbe: { onGroup: ((t: GroupTiming) => void) | null } = { onGroup: null };

interface Job {
  fn: Work<unknown>;
  queued: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit: `store.transaction(fn)` calls that arrive while another group is running (or in
 * the same turn of the event loop) share the next transaction. Each runs in its own savepoint, so
 * one that fails rolls back alone and the others' work stays; the group commits once and only
 * then is any of them answered (resolved), so nothing is acknowledged before its commit. A failed
 * commit fails every call of the group, none of which has been answered yet.
 *
 * Why: a commit is most of what a small write costs (on SQLite the WAL frames of every page the
 * transaction touched; on PostgreSQL a round trip and a WAL flush), and concurrent calls usually
 * touch the same pages (the message table's last page, the chat row). Ten calls in one commit pay
 * for it once.
 *
 * Groups run one at a time. On SQLite that is no change: its one connection already runs
 * transactions one after another. On PostgreSQL it means that concurrent write calls of one
 * process no longer run side by side on several connections; they would mostly queue on the same
 * row locks anyway (a chat's row, see im/messages.ts), and one group cannot deadlock with another
 * of the same process. Reads do not go through here and still use the pool.
 *
 * The units of a group share one set of written tables (the read cache lets go of all of them
 * when the group ends, see read-cache.ts); each keeps its own after-commit hooks, which run only
 * when the group committed and its own savepoint was released.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly versions: TableVersions,
  ) {}

  transaction<T>(fn: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn: fn as Work<unknown>, queued: groupProbe.onGroup ? performance.now() : 0, resolve: resolve as (v: unknown) => void, reject });
      // Started after the current turn's I/O callbacks: the requests that arrived together (one
      // poll of the sockets) have all reached this point by then and form one group.
      this.running ??= new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
    });
  }

  /** Resolves once no group is running or waiting (store.close). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, MAX_GROUP);
        if (jobs.length === 1) await this.alone(jobs[0]!);
        else await this.together(jobs);
      }
    } finally {
      this.running = null;
    }
  }

  /** One unit on its own: a plain transaction, no savepoint. */
  private async alone(job: Job): Promise<void> {
    const probe = groupProbe.onGroup;
    const started = probe ? performance.now() : 0;
    let worked = 0;
    const fn: Work<unknown> = probe
      ? async (trx, unit) => {
          const v = await job.fn(trx, unit);
          worked = performance.now();
          return v;
        }
      : job.fn;
    try {
      const value = await inUnit(this.db, this.versions, fn);
      if (probe) probe({ size: 1, queued: job.queued, started, worked, committed: performance.now() });
      job.resolve(value);
    } catch (err) {
      job.reject(err);
    }
  }

  private async together(jobs: Job[]): Promise<void> {
    const group = new Unit(this.versions);
    const units = jobs.map(() => new Unit(this.versions, group.tables));
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    let committed = false;
    const probe = groupProbe.onGroup;
    const started = probe ? performance.now() : 0;
    let worked = 0;
    try {
      await this.db.transaction().execute(async (raw) => {
        const trx = group.track(raw);
        for (let i = 0; i < jobs.length; i++) {
          await statement(trx, savepoint);
          try {
            const value = await jobs[i]!.fn(trx, units[i]!);
            await statement(trx, release);
            outcomes.push({ ok: true, value });
          } catch (err) {
            // A failure of the rollback itself (the connection is gone) ends the whole group.
            await statement(trx, rollbackTo);
            await statement(trx, release);
            group.rolledBackToSavepoint();
            outcomes.push({ ok: false, err });
          }
        }
        if (probe) worked = performance.now();
      });
      committed = true;
      if (probe) probe({ size: jobs.length, queued: jobs[0]!.queued, started, worked, committed: performance.now() });
    } catch (err) {
      // Nothing of this group was committed: every call fails (its own error if it had one).
      for (let i = 0; i < jobs.length; i++) {
        const own = outcomes[i];
        jobs[i]!.reject(own && !own.ok ? own.err : err);
      }
      return;
    } finally {
      group.end(committed);
      for (let i = 0; i < units.length; i++) units[i]!.end(committed && outcomes[i]?.ok === true);
    }
    for (let i = 0; i < jobs.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) jobs[i]!.resolve(o.value);
      else jobs[i]!.reject(o.err);
    }
  }
}

const SAVEPOINT = 'savepoint imbot_group_call';
const RELEASE = 'release savepoint imbot_group_call';
const ROLLBACK_TO = 'rollback to savepoint imbot_group_call';
const savepoint = { text: SAVEPOINT, query: sql.raw(SAVEPOINT) };
const release = { text: RELEASE, query: sql.raw(RELEASE) };
const rollbackTo = { text: ROLLBACK_TO, query: sql.raw(ROLLBACK_TO) };

/**
 * A savepoint statement of a group: on SQLite run on the connection itself (two per call of a
 * group; through Kysely each was compiled and passed through its executor, prepared.ts), else
 * through Kysely.
 */
async function statement(trx: Transaction<Schema>, s: { text: string; query: RawBuilder<unknown> }): Promise<void> {
  if (!runDirectly(trx, s.text)) await s.query.execute(trx);
}
