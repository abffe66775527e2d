import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/*
 * The WAL checkpointer's thread (started by src/store/wal-checkpointer.ts): a connection of its
 * own to the store's file that copies the WAL's pages back into the database file, so that the
 * copy, and the two fsyncs around it, never run inside a COMMIT on the main thread.
 *
 * Every `intervalMs` it runs a PASSIVE checkpoint, which takes no lock a writer needs: writers go
 * on appending meanwhile. A commit that lands during a pass leaves frames behind, and the WAL
 * only starts again from its beginning once every frame is in the file, so a pass that did not
 * catch up is followed at once by a few more (each copies only the frames that came in during the
 * one before). Should the WAL still reach `restartFrames` (writes faster than passes can catch up
 * with, or a reader holding an old snapshot), a RESTART checkpoint waits for the writer, copies
 * everything and makes the next writer start the WAL from its beginning: the WAL's size has that
 * bound, at the price of one wait for the main thread's next write.
 */
interface Options {
  file: string;
  intervalMs: number;
  restartFrames: number;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const { file, intervalMs, restartFrames } = workerData as Options;
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000'); // only RESTART waits; PASSIVE never does
db.pragma('cache_size = -256'); // a checkpoint reads the WAL and writes the file, past the page cache
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');

let timer: NodeJS.Timeout | null = null;
let stopped = false;

function pass(): void {
  let r = passive.get() as CheckpointRow;
  for (let i = 0; i < 3 && r.checkpointed < r.log; i++) r = passive.get() as CheckpointRow;
  if (r.log >= restartFrames) restart.get();
}

function tick(): void {
  timer = null;
  try {
    pass();
  } catch {
    // SQLITE_BUSY (a RESTART that waited too long) or a file gone away: the next tick tries again
  }
  if (!stopped) timer = setTimeout(tick, intervalMs);
}

parentPort!.on('message', (m: 'stop') => {
  if (m !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort!.close();
});
parentPort!.postMessage('ready');
timer = setTimeout(tick, intervalMs);
