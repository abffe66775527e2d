import {
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type RootOperationNode,
} from 'kysely';
import type { Schema } from './schema.js';

export type TableName = keyof Schema & string;

/**
 * Versions of the tables, so hot reads (webhook auth, bot lookups, the bot list) can be served
 * from memory and still never be stale:
 * - every write through this process's store bumps the written table's version (a Kysely plugin
 *   sees the query before it runs);
 * - a commit by another process (the CLI writing the same SQLite file) changes SQLite's
 *   `data_version`, which moves the epoch and so every version;
 * - `settle()` after a write transaction bumps its tables again, so nothing read inside a
 *   transaction that later rolled back survives.
 * With one SQLite connection all transactions run one at a time, which is what makes the last
 * rule sufficient; a multi-connection backend needs per-transaction tracking (or no cache).
 */
export class TableVersions {
  private readonly versions = new Map<string, number>();
  private dirty = new Set<string>();
  private epoch = 0;
  private lastExternal = -1;

  constructor(private readonly externalVersion: () => number) {}

  wrote(table: string | null): void {
    if (table === null) {
      this.epoch++;
      return;
    }
    this.versions.set(table, (this.versions.get(table) ?? 0) + 1);
    this.dirty.add(table);
  }

  settle(): void {
    for (const t of this.dirty) this.versions.set(t, (this.versions.get(t) ?? 0) + 1);
    this.dirty = new Set();
  }

  token(tables: readonly TableName[]): string {
    const external = this.externalVersion();
    if (external !== this.lastExternal) {
      this.lastExternal = external;
      this.epoch++;
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
      return undefined; // raw SQL here is only ever pragmas and reads
    default:
      return null; // schema changes (migrations)
  }
}

export class VersioningPlugin implements KyselyPlugin {
  constructor(private readonly versions: TableVersions) {}

  /** Only looks: the node is returned as it is (nodes are immutable, so no copy is needed). */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const table = writtenTable(args.node);
    if (table !== undefined) this.versions.wrote(table);
    return args.node;
  }

  async transformResult(args: { result: any }) {
    return args.result;
  }
}

/** Small LRU of values tagged with the versions of the tables they were read from. */
export class ReadCache {
  private readonly entries = new Map<string, { token: string; value: unknown }>();

  constructor(
    private readonly versions: TableVersions,
    private readonly max = 2000,
  ) {}

  async get<T>(key: string, tables: readonly TableName[], load: () => Promise<T>): Promise<T> {
    const token = this.versions.token(tables);
    const hit = this.entries.get(key);
    if (hit && hit.token === token) return hit.value as T;
    const value = await load();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { token, value });
    return value;
  }
}
