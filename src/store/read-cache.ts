import {
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Schema } from './schema.js';
import { workCounters } from '../util/work-counters.js';

export type TableName = keyof Schema & string;

/**
 * The tables hot reads are cached from (`cachedRead` in src/context.ts takes only these). On
 * PostgreSQL they are the tables whose commits reach the other processes (postgres.ts puts the
 * change-notification trigger on these and on event_outbox, on no other table): a commit that
 * writes none of them, such as a message, wakes no other node. A new cached read of another
 * table needs the table here, or another node's commits would never reach its entries.
 */
export const CACHED_TABLES = ['bots', 'users', 'webhooks', 'portal', 'private_dialogs', 'v2_event_subscribers', 'event_bindings'] as const satisfies readonly TableName[];
export type CachedTable = (typeof CACHED_TABLES)[number];

/**
 * Versions of the tables, so hot reads (webhook auth, bot lookups, the bot list) can be served
 * from memory and still never be stale. A cached value carries the versions it was read under;
 * any move of one of them makes it a miss. The versions move:
 * - when a statement of this process writes a table: before it runs and again once it has run
 *   (outside a transaction that is after its commit);
 * - when a unit of work (store.transaction, see unit.ts) ends, committed or rolled back: every
 *   table it wrote moves again. Each unit tracks its own tables, so with a pool of connections a
 *   reader that loaded the old row while the unit was open can never keep it past the commit,
 *   and nothing read inside a unit that rolled back survives;
 * - when another process commits: SQLite's `data_version` (polled on the first lookup of each
 *   turn of the event loop) moves the epoch and so every version; on PostgreSQL a trigger on each
 *   of CACHED_TABLES sends a NOTIFY that is delivered at commit (postgres.ts), which moves that
 *   table's version (the other tables' versions matter only to this process's own units). So that
 *   no lookup answers from before a commit that was acknowledged before the lookup's call arrived
 *   (the notification may still be on its way), a lookup on PostgreSQL first waits for `sync`: a
 *   round trip on the listening connection, which PostgreSQL answers only after sending every
 *   notification of a commit it had signalled before (postgres.ts).
 */
export class TableVersions {
  private readonly versions = new Map<string, number>();
  /** per table, how many open units of work have written it */
  private readonly open = new Map<string, number>();
  private epoch = 0;
  private lastExternal = -1;

  /**
   * On a store whose transactions take turns on one connection (SQLite), the tables of the one
   * unit of work running now: every write statement belongs to it. (A per-transaction plugin
   * would do the same at a measurable cost per statement; a pool needs it, see unit.ts.)
   */
  active: Set<string> | null = null;

  /**
   * `externalVersion`: a number another process's commit changes (SQLite's data_version).
   * `serialized`: transactions run one at a time (see `active`).
   */
  constructor(
    private readonly externalVersion: () => number = () => 0,
    readonly serialized = false,
  ) {}

  /** A table written (null: cannot be told, or everything may have changed). */
  wrote(table: string | null): void {
    if (table === null) {
      this.epoch++;
      return;
    }
    this.versions.set(table, (this.versions.get(table) ?? 0) + 1);
  }

  /** An open unit of work wrote `table` for the first time. */
  opened(table: string): void {
    this.open.set(table, (this.open.get(table) ?? 0) + 1);
  }

  /** A unit of work that had written `tables` ended (committed or not). */
  closed(tables: Iterable<string>): void {
    for (const t of tables) {
      const n = (this.open.get(t) ?? 0) - 1;
      if (n > 0) this.open.set(t, n);
      else this.open.delete(t);
    }
  }

  /**
   * Whether an open unit of work has written one of `tables`: what is read now may be its
   * uncommitted state (inside it) and must not be kept for other readers, who must not see it
   * (a group of calls, group-commit.ts, stays open while its calls take turns).
   */
  writing(tables: readonly string[]): boolean {
    if (this.open.size === 0) return false;
    for (const t of tables) if (this.open.has(t)) return true;
    return false;
  }

  /** A unit of work ended: its tables move once more. */
  ended(tables: Iterable<string>): void {
    for (const t of tables) this.wrote(t);
  }

  /**
   * Another process's commits are looked for once per turn of the event loop, not on every lookup
   * (a cached call made two or four checks of SQLite's data_version; issue 18). Within one turn
   * this process's JavaScript runs without interruption, so a commit that lands during it is
   * treated as landing just after it: the next turn sees it, as it would have had the turn
   * been a moment shorter. This process's own writes move the versions at once, as before.
   */
  private externalSeen = false;
  private readonly forgetExternal = (): void => {
    this.externalSeen = false;
  };

  /**
   * PostgreSQL: a promise that settles once every notification of a commit made before it was
   * asked for has been handled (postgres.ts: a round trip on the listening connection). Null on
   * a store that needs none (SQLite checks data_version in `token`).
   */
  private syncer: (() => Promise<void>) | null = null;
  private turnSync: Promise<void> | null = null;
  private readonly forgetSync = (): void => {
    this.turnSync = null;
  };

  /** Sets how to catch up with other processes' commits before a lookup (see `sync`). */
  setForeignSync(fn: () => Promise<void>): void {
    this.syncer = fn;
  }

  /**
   * Catches up with the commits other processes made before now, so that a write another node
   * acknowledged before this call arrived is never answered from an old entry. Lookups of one
   * turn of the event loop share one catch-up: it starts after every call whose lookup runs in
   * that turn had arrived. Null when the store needs none.
   */
  sync(): Promise<void> | null {
    if (!this.syncer) return null;
    if (!this.turnSync) {
      this.turnSync = this.syncer();
      setImmediate(this.forgetSync);
    }
    return this.turnSync;
  }

  token(tables: readonly TableName[]): string {
    if (!this.externalSeen) {
      this.externalSeen = true;
      setImmediate(this.forgetExternal);
      const external = this.externalVersion();
      if (external !== this.lastExternal) {
        this.lastExternal = external;
        this.epoch++;
      }
    }
    let token = String(this.epoch);
    for (const t of tables) token += ':' + (this.versions.get(t) ?? 0);
    return token;
  }
}

/** The table a write statement targets, or null when it cannot be told (then everything is stale). */
function writtenTable(node: RootOperationNode): string | null | undefined {
  const name = (n: OperationNode | undefined): string | null => {
    const any = n as any;
    return any?.table?.identifier?.name ?? any?.identifier?.name ?? null;
  };
  switch (node.kind) {
    case 'SelectQueryNode':
      return undefined;
    case 'InsertQueryNode':
      return name(node.into);
    case 'UpdateQueryNode':
      return name(node.table as OperationNode);
    case 'DeleteQueryNode':
      return name(node.from.froms[0]);
    case 'RawNode':
      return undefined; // raw SQL here is only ever pragmas, locks and reads
    default:
      return null; // schema changes (migrations)
  }
}

/**
 * Moves a table's version before and after every write statement through the store. With a
 * `unit`, it also collects the tables the unit wrote (one instance per transaction).
 */
export class VersioningPlugin implements KyselyPlugin {
  private readonly pending = new WeakMap<QueryId, string | null>();
  /** writes between transformQuery and transformResult: reads skip the lookup when there are none */
  private inFlight = 0;

  constructor(
    private readonly versions: TableVersions,
    private readonly unitTables?: Set<string>,
  ) {}

  /** Only looks: the node is returned as it is (nodes are immutable, so no copy is needed). */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const table = writtenTable(args.node);
    if (table !== undefined) {
      if (this.unitTables) {
        if (table === null) this.versions.wrote(null);
        else if (!this.unitTables.has(table)) {
          this.unitTables.add(table);
          this.versions.opened(table);
        }
      } else {
        const active = this.versions.active;
        if (table !== null && active && !active.has(table)) {
          active.add(table);
          this.versions.opened(table);
        }
        this.versions.wrote(table);
        this.pending.set(args.queryId, table);
        this.inFlight++;
      }
    }
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.settled(args.queryId);
    return Promise.resolve(args.result);
  }

  /** The statement `queryId` has run: what `transformResult` does, for a statement run without the executor (prepared.ts). */
  settled(queryId: QueryId): void {
    if (this.inFlight > 0) {
      const table = this.pending.get(queryId);
      if (table !== undefined) {
        this.pending.delete(queryId);
        this.inFlight--;
        this.versions.wrote(table);
      }
    }
  }
}

/** What domain code reads through: a value by key, loaded on a miss (see ReadCache.get). */
export interface CacheLookup {
  get<T>(key: string, tables: readonly TableName[], load: () => Promise<T>): Promise<T>;
}

/** Small LRU of values tagged with the versions of the tables they were read from. */
export class ReadCache implements CacheLookup {
  private readonly entries = new Map<string, { token: string; value: unknown }>();

  constructor(
    private readonly versions: TableVersions,
    private readonly max = 2000,
  ) {}

  /** Forgets everything (a reset or restore replaced every table while no call ran). */
  clear(): void {
    this.entries.clear();
  }

  /**
   * The cache as one REST call sees it: other processes' commits are caught up with once, at its
   * first lookup (which runs after the call arrived), instead of at every turn it spans.
   */
  forCall(): CacheLookup {
    let synced: Promise<void> | null | undefined;
    return {
      get: <T>(key: string, tables: readonly TableName[], load: () => Promise<T>): Promise<T> => {
        if (synced === undefined) synced = this.versions.sync();
        return this.lookup(synced, key, tables, load);
      },
    };
  }

  get<T>(key: string, tables: readonly TableName[], load: () => Promise<T>): Promise<T> {
    return this.lookup(this.versions.sync(), key, tables, load);
  }

  private async lookup<T>(synced: Promise<void> | null, key: string, tables: readonly TableName[], load: () => Promise<T>): Promise<T> {
    if (this.versions.writing(tables)) {
      workCounters.add('cache.bypass');
      return load();
    }
    if (synced) await synced;
    const token = this.versions.token(tables);
    const hit = this.entries.get(key);
    if (hit && hit.token === token) {
      workCounters.add('cache.hit');
      return hit.value as T;
    }
    // stale: the entry is there but one of its tables moved (a write here or elsewhere)
    workCounters.add(hit ? 'cache.stale' : 'cache.miss');
    const value = await load();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { token, value });
    return value;
  }
}
