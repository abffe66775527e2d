import { Worker } from 'node:worker_threads';
import type { PostOutcome, PostRequest, PostRun } from './http-post.js';

/**
 * The delivery worker's HTTP side, in a thread of its own (src/events/send-thread.ts). The
 * worker keeps the store, the order of each lane and the records on the main thread and hands
 * over only "POST this body to this URL"; the thread encodes and sends it. On a machine where the
 * REST calls keep one core busy, delivery then uses another instead of taking turns with them
 * (BENCHMARKS.md, "Bot events").
 *
 * The thread starts with the first run (a portal that never sends events never starts one).
 * If it dies, its open requests fail (the retry policy sends them again) and the next run
 * starts a new thread.
 */
export class SenderThread {
  private worker: Worker | null = null;
  private readonly open = new Map<number, (o: PostOutcome) => void>();
  private next = 1;

  constructor(private readonly timeoutMs: number) {}

  /**
   * Hands over requests to be sent one after another, and returns each one's outcome. A lane's
   * due rows go as one run, so the thread sends them back to back without waiting for the main
   * thread between them. With `stopOnFailure` the requests after a failed one are not sent
   * (`skipped`).
   */
  postRun(requests: Omit<PostRequest, 'id'>[], stopOnFailure: boolean): Promise<PostOutcome>[] {
    const worker = this.worker ?? this.spawn();
    const run: PostRun = { requests: requests.map((r) => ({ ...r, id: this.next++ })), stopOnFailure };
    const outcomes = run.requests.map((r) => new Promise<PostOutcome>((resolve) => this.open.set(r.id, resolve)));
    worker.postMessage(run);
    return outcomes;
  }

  /** Stops the thread; requests still open end as failed with `reason` (never as delivered). */
  async close(reason: string): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failOpen(reason);
    if (worker) await worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./send-thread.js', import.meta.url), { workerData: { timeoutMs: this.timeoutMs } });
    worker.on('message', (o: PostOutcome) => {
      const resolve = this.open.get(o.id);
      this.open.delete(o.id);
      resolve?.(o);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return; // closed on purpose
      this.worker = null;
      this.failOpen(why);
    };
    worker.on('error', (err) => lost(`event sender thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`event sender thread exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private failOpen(error: string): void {
    const open = [...this.open];
    this.open.clear();
    for (const [id, resolve] of open) resolve({ id, httpStatus: null, error, response: '', durationMs: 0 });
  }
}
