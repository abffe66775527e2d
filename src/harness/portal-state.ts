import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { ensurePortal, type PortalState } from '../portal/bootstrap.js';
import type { CallGate } from '../rest/quiesce.js';
import type { Db, Store } from '../store/db.js';
import { cancelPendingDeliveries } from '../store/repos/outbox.js';
import { dumpTables, IncompatibleDump, replaceTables, type TablesDump } from '../store/snapshot.js';

/** What a restore or reset pauses: the event delivery worker. */
export interface Pausable {
  stop(): Promise<void>;
  start(): void;
}

export interface SnapshotInfo {
  name: string;
  created_at: number;
  /** rows over all tables */
  rows: number;
  /** bytes of chat files */
  file_bytes: number;
}

interface SnapshotFile extends TablesDump {
  format: 1;
  name: string;
  created_at: number;
}

export class SnapshotError extends Error {
  constructor(
    readonly code: 'INVALID_SNAPSHOT_NAME' | 'SNAPSHOT_NOT_FOUND' | 'SNAPSHOT_INCOMPATIBLE',
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Why a delivery pending when the portal was restored or reset was never sent. */
export const CANCELLED_BY_RESTORE = 'cancelled: the portal was restored from a snapshot';

async function dirBytes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

/**
 * Reset, snapshot and restore of the whole portal: every table (a logical copy through the
 * store, so SQLite and PostgreSQL alike) plus the chat files, kept in `<data>/snapshots/<name>/`.
 *
 * Consistency: reset and restore run between calls — new REST requests wait, the ones in flight
 * finish first — with event delivery stopped (a POST in flight is cut off). Deliveries pending at
 * that moment belong to the state being replaced and are never sent; deliveries that were pending
 * when the snapshot was taken come back as `cancelled` (the delivery log keeps them, nothing
 * sends them), so restoring never replays old events to a bot. A snapshot itself is one read
 * transaction, taken between calls too. The request log, scripted faults, limits and the clock
 * are not part of the portal's data and stay as they are.
 */
export class PortalStateControl {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly dataDir: string,
    private readonly gate: CallGate,
    private readonly delivery: Pausable,
    private readonly portal: PortalState,
    /** writes what the running server records about itself (src/portal/settings.ts) into the replaced tables again */
    private readonly rerecord: (db: Db) => Promise<void> = async () => {},
  ) {}

  private get filesDir(): string {
    return join(this.dataDir, 'files');
  }

  private dir(name: string): string {
    if (!NAME.test(name)) throw new SnapshotError('INVALID_SNAPSHOT_NAME', 'A snapshot name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    return join(this.dataDir, 'snapshots', name);
  }

  async save(name: string): Promise<SnapshotInfo> {
    const dir = this.dir(name);
    return this.gate.exclusive(async () => {
      const dump = await dumpTables(this.store.db, this.store.dialect);
      const file: SnapshotFile = { format: 1, name, created_at: this.clock.now(), ...dump };
      const tmp = `${dir}.part`;
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      await writeFile(join(tmp, 'portal.json'), JSON.stringify(file));
      if (existsSync(this.filesDir)) await cp(this.filesDir, join(tmp, 'files'), { recursive: true });
      await rm(dir, { recursive: true, force: true }); // saving under a taken name replaces it
      await rename(tmp, dir);
      return this.info(file, await dirBytes(join(dir, 'files')));
    });
  }

  private info(f: SnapshotFile, fileBytes: number): SnapshotInfo {
    return { name: f.name, created_at: f.created_at, rows: Object.values(f.tables).reduce((n, t) => n + t.rows.length, 0), file_bytes: fileBytes };
  }

  private async read(name: string): Promise<SnapshotFile> {
    const path = join(this.dir(name), 'portal.json');
    if (!existsSync(path)) throw new SnapshotError('SNAPSHOT_NOT_FOUND', `No snapshot named ${name}`);
    return JSON.parse(await readFile(path, 'utf8')) as SnapshotFile;
  }

  async list(): Promise<SnapshotInfo[]> {
    const root = join(this.dataDir, 'snapshots');
    if (!existsSync(root)) return [];
    const out: SnapshotInfo[] = [];
    for (const e of await readdir(root, { withFileTypes: true })) {
      if (!e.isDirectory() || !NAME.test(e.name) || !existsSync(join(root, e.name, 'portal.json'))) continue;
      out.push(this.info(await this.read(e.name), await dirBytes(join(root, e.name, 'files'))));
    }
    return out.sort((a, b) => a.created_at - b.created_at || a.name.localeCompare(b.name));
  }

  async remove(name: string): Promise<void> {
    const dir = this.dir(name);
    if (!existsSync(join(dir, 'portal.json'))) throw new SnapshotError('SNAPSHOT_NOT_FOUND', `No snapshot named ${name}`);
    await rm(dir, { recursive: true, force: true });
  }

  async restore(name: string): Promise<SnapshotInfo> {
    const file = await this.read(name);
    const files = join(this.dir(name), 'files');
    await this.replace(file, existsSync(files) ? files : null);
    return this.info(file, await dirBytes(files));
  }

  /** Back to the first-start state: user 1 and the admin webhook (same code), nothing else. */
  async reset(): Promise<void> {
    await this.replace(null, null);
  }

  private async replace(dump: TablesDump | null, files: string | null): Promise<void> {
    await this.gate.exclusive(async () => {
      await this.delivery.stop();
      try {
        await replaceTables(this.store.db, this.store.dialect, dump, async (trx) => {
          if (!dump) await ensurePortal(trx, this.clock, this.portal);
          // the portal's address and settings are the running server's, not the snapshot's
          await this.rerecord(trx);
          await cancelPendingDeliveries(trx, CANCELLED_BY_RESTORE);
        }).catch((err) => {
          if (err instanceof IncompatibleDump) throw new SnapshotError('SNAPSHOT_INCOMPATIBLE', err.message);
          throw err;
        });
        this.store.cache.clear(); // every table changed while no call ran (the gate is exclusive)
        await rm(this.filesDir, { recursive: true, force: true });
        if (files) await cp(files, this.filesDir, { recursive: true });
      } finally {
        this.delivery.start();
      }
    });
  }
}
