import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/** How often the thread looks for new WAL frames to copy back. */
const INTERVAL_MS = 100;
/** WAL frames (pages) at which the main connection checkpoints in its COMMITs again (~16 MB of 4 KiB pages). */
const BEHIND_FRAMES = 4_000;
/** SQLite's own default, in force whenever the thread is not running. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * Moves SQLite's WAL checkpoints off the main thread. SQLite checkpoints inside the COMMIT that
 * takes the WAL past `wal_autocheckpoint` pages: that COMMIT copies up to a thousand pages into
 * the database file and syncs it twice, while every call of the group waits for its answer and
 * the event loop waits for the COMMIT (BENCHMARKS.md, "Tail latency of imbot.message.add").
 *
 * With the thread (checkpoint-thread.ts) running, the main connection has `wal_autocheckpoint`
 * off and the thread's own connection checkpoints instead; should its passes fall behind (the WAL
 * at BEHIND_FRAMES: writes back to back that never let it start again), the main connection
 * checkpoints in its COMMITs again until the WAL is small, so the WAL keeps SQLite's bound. The thread starts with the first unit
 * of work (a CLI command that only reads never starts one); until it says it is ready, and again
 * if it dies, the main connection checkpoints as before. A checkpoint only copies committed
 * pages: what a COMMIT acknowledged is in the WAL, and a process killed mid-checkpoint leaves
 * SQLite's recovery to finish it on the next open, as before.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly file: string,
  ) {}

  /** Starts the thread unless it runs (idempotent, cheap: the units of work call it). */
  start(): void {
    if (this.worker || this.stopping) return;
    const worker = new Worker(new URL('./checkpoint-thread.js', import.meta.url), {
      workerData: { file: this.file, intervalMs: INTERVAL_MS, behindFrames: BEHIND_FRAMES },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    worker.unref(); // a process that forgets to close its store still exits
    worker.on('message', (m: string) => {
      if (this.worker !== worker) return;
      // `behind`: passes cannot catch up with the writes (a bulk load); the COMMITs checkpoint until `caught-up`
      if (m === 'ready' || m === 'caught-up') this.autocheckpoint(0);
      else if (m === 'behind') this.autocheckpoint(AUTOCHECKPOINT_PAGES);
    });
    const lost = () => {
      if (this.worker !== worker) return; // stopped on purpose
      this.worker = null;
      this.autocheckpoint(AUTOCHECKPOINT_PAGES);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
  }

  /** Stops the thread (after a pass in progress) and gives checkpoints back to the main connection. */
  close(): Promise<void> {
    if (this.stopping) return this.stopping;
    const worker = this.worker;
    this.worker = null;
    this.stopping = (async () => {
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref(); // an unreferenced thread would let the process end while this waits for it
      worker.postMessage('stop');
      await exited;
      if (this.sqlite.open) this.autocheckpoint(AUTOCHECKPOINT_PAGES);
    })();
    return this.stopping;
  }

  private autocheckpoint(pages: number): void {
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${pages}`);
  }
}
