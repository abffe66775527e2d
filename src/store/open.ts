import type { Store } from './db.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

/** Where the store lives: a PostgreSQL URL, or (default) SQLite in the data directory. */
export interface StoreTarget {
  dataDir: string;
  /** `postgres://…` / `postgresql://…`; absent or empty = SQLite at `<dataDir>/imbot.db` */
  url?: string;
}

/** What `--store` / `IMBOT_STORE` may say: a PostgreSQL URL (or nothing, for SQLite). */
export function checkStoreUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new Error(`--store takes a postgres:// URL (SQLite, the default, lives in --data): ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
  return url;
}

export async function openStore(target: StoreTarget): Promise<Store> {
  return target.url ? openPostgresStore(checkStoreUrl(target.url)) : openSqliteStore(target.dataDir);
}
