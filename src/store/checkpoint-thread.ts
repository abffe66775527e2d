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
 * one before). A writer that never pauses (a bulk load: transactions back to back) can still keep
 * the WAL from starting again; once it holds `behindFrames` the thread says `behind` and the main
 * connection checkpoints in its own COMMITs again, as SQLite does by default, until the WAL is
 * small again (`caught-up`). That is the WAL's bound. (Not a RESTART checkpoint from here: it holds
 * the write lock while it waits for readers, and the main thread, waiting for that lock inside a
 * transaction that has read, is such a reader — both would wait out their busy timeouts.)
 */
interface Options {
  file: string;
  intervalMs: number;
  behindFrames: number;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const { file, intervalMs, behindFrames } = workerData as Options;
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -256'); // a checkpoint reads the WAL and writes the file, past the page cache
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let timer: NodeJS.Timeout | null = null;
let stopped = false;
let behind = false;

function pass(): void {
  let r = passive.get() as CheckpointRow;
  for (let i = 0; i < 3 && r.checkpointed < r.log; i++) r = passive.get() as CheckpointRow;
  if (!behind && r.log >= behindFrames) {
    behind = true;
    parentPort!.postMessage('behind');
  } else if (behind && r.log < behindFrames / 4) {
    behind = false;
    parentPort!.postMessage('caught-up');
  }
}

function tick(): void {
  timer = null;
  try {
    pass();
  } catch {
    // a file gone away (or any other failure of a pass): the next tick tries again
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
