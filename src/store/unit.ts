import type { ControlledTransaction, Kysely, Transaction } from 'kysely';
import type { Schema } from './schema.js';
import { VersioningPlugin, type TableVersions } from './read-cache.js';

/**
 * One unit of work: a transaction, the tables it wrote (so the read cache can let go of them when
 * it ends, see read-cache.ts) and what is to happen once it has committed (the outbox wake-up:
 * with a pool of connections another connection sees the rows only after the commit).
 */
export class Unit {
  readonly tables: Set<string>;
  private hooks: (() => void)[] = [];
  /** the tables belong to a group of units (group-commit.ts), which ends them itself */
  private readonly shared: boolean;

  constructor(
    readonly versions: TableVersions,
    groupTables?: Set<string>,
  ) {
    this.tables = groupTables ?? new Set<string>();
    this.shared = groupTables !== undefined;
  }

  /** Runs `fn` after the commit; never when the unit rolls back. */
  afterCommit(fn: () => void): void {
    this.hooks.push(fn);
  }

  /**
   * The transaction as the unit's work sees it: its writes are tracked. Call once the transaction
   * holds its connection.
   */
  track(trx: Transaction<Schema>): Transaction<Schema> {
    if (!this.versions.serialized) return trx.withPlugin(new VersioningPlugin(this.versions, this.tables));
    this.versions.active = this.tables;
    return trx;
  }

  /** The unit ended; `committed` runs the after-commit hooks. */
  end(committed: boolean): void {
    if (!this.shared) {
      if (this.versions.active === this.tables) this.versions.active = null;
      this.versions.closed(this.tables);
      this.versions.ended(this.tables);
      this.tables.clear();
    }
    const hooks = this.hooks;
    this.hooks = [];
    if (committed) for (const fn of hooks) fn();
  }

  /** A savepoint rolled back: what was cached from inside it goes (the unit itself goes on). */
  rolledBackToSavepoint(): void {
    this.versions.ended(this.tables);
  }
}

/** `store.transaction(fn)`: runs `fn` in one transaction as one unit of work. */
export async function inUnit<T>(db: Kysely<Schema>, versions: TableVersions, fn: (trx: Transaction<Schema>, unit: Unit) => Promise<T>): Promise<T> {
  const unit = new Unit(versions);
  let committed = false;
  try {
    const value = await db.transaction().execute((trx) => fn(unit.track(trx), unit));
    committed = true;
    return value;
  } finally {
    unit.end(committed);
  }
}

/** An open unit of work the caller ends itself (a batch's commands, rest/pipeline.ts). */
export interface OpenUnit {
  readonly trx: Transaction<Schema>;
  readonly unit: Unit;
  savepoint<T>(name: string, fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T>;
  end(commit: boolean): Promise<void>;
}

export async function beginUnit(db: Kysely<Schema>, versions: TableVersions): Promise<OpenUnit> {
  const unit = new Unit(versions);
  const controlled: ControlledTransaction<Schema> = await db.startTransaction().execute();
  const trx = unit.track(controlled);
  return {
    trx,
    unit,
    async savepoint(name, fn) {
      const sp = await controlled.savepoint(name).execute();
      let value;
      try {
        value = await fn(unit.track(sp));
      } catch (err) {
        await sp.rollbackToSavepoint(name).execute();
        await sp.releaseSavepoint(name).execute();
        unit.rolledBackToSavepoint();
        throw err;
      }
      await sp.releaseSavepoint(name).execute();
      return value;
    },
    async end(commit) {
      let committed = false;
      try {
        if (commit) {
          await controlled.commit().execute();
          committed = true;
        } else await controlled.rollback().execute();
      } finally {
        unit.end(committed);
      }
    },
  };
}
