import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { recordAttempts, type Attempted } from '../store/repos/outbox.js';

/**
 * Finished attempts waiting to be written to the store. One transaction per attempt cost more
 * than the send itself (its commit rewrites the outbox row, both outbox indexes and the attempts
 * table), so the attempts of all lanes are gathered and written together: as soon as `batch` are
 * waiting, else `delayMs` after the first one. Until then their rows are still `pending` in the
 * store; the worker reads each lane after `sentUpTo(lane)` so it does not send them twice, and a
 * crash before the write sends them again after the restart (at least once, same event id).
 */
export class AttemptRecorder {
  private queue: Attempted[] = [];
  /** per lane: attempts added but not yet written, and the highest outbox id among them */
  private readonly unwritten = new Map<string, { count: number; maxId: number }>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logError: (err: unknown, where: string) => void,
    private readonly batch: number,
    private readonly delayMs: number,
  ) {}

  /** The highest outbox id of `lane` that was sent but is not recorded yet (0 if none). */
  sentUpTo(lane: string): number {
    return this.unwritten.get(lane)?.maxId ?? 0;
  }

  add(a: Attempted): void {
    this.queue.push(a);
    const u = this.unwritten.get(a.row.lane);
    if (u) {
      u.count += 1;
      u.maxId = Math.max(u.maxId, a.row.id);
    } else this.unwritten.set(a.row.lane, { count: 1, maxId: a.row.id });
    if (this.queue.length >= this.batch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes everything added so far; resolves when that is committed (or failed and logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const done = this.queue;
    this.queue = [];
    if (done.length > 0) this.writing = this.writing.then(() => this.write(done));
    return this.writing;
  }

  private async write(done: Attempted[]): Promise<void> {
    try {
      await recordAttempts(this.db, done, this.clock.now());
    } catch (err) {
      // The rows stay pending and go out again: at least once still holds.
      this.logError(err, 'event delivery log');
    } finally {
      for (const { row } of done) {
        const u = this.unwritten.get(row.lane)!;
        if (--u.count === 0) this.unwritten.delete(row.lane);
      }
    }
  }
}
