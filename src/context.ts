import type { ChangeSink } from './changes.js';
import type { Clock } from './clock.js';
import type { DomainEvents } from './domain-events.js';
import type { FileSpace } from './files/store.js';
import type { Db } from './store/db.js';
import type { CacheLookup, CachedTable } from './store/read-cache.js';
import type { HandlerNet } from './util/addresses.js';

/** `dev` is lenient where a laptop needs it; `cloud` reproduces the cloud's strictness. */
export type Profile = 'dev' | 'cloud';

/** What the portal says about itself in URLs, events and tokens. */
export interface PortalInfo {
  /** host[:port] clients reach the portal by, e.g. `127.0.0.1:24443` */
  domain: string;
  /** `https://{domain}` */
  baseUrl: string;
  memberId: string;
  languageId: string;
  license: string;
  /** lifetime of OAuth access tokens in seconds (default 3600, `serve --access-token-ttl`) */
  accessTokenTtl?: number;
  /**
   * Host names under which this server also plays the vendor's OAuth server (`serve
   * --oauth-alias`), lower-case: a token request that arrives for one of them is answered as
   * that server answers (its own name in `domain`/`server_endpoint`, the portal's URL in
   * `client_endpoint`).
   */
  oauthHosts?: readonly string[];
}

/** Everything domain code needs: the database (or the call's transaction), time, and settings. */
export interface DomainCtx {
  db: Db;
  clock: Clock;
  portal: PortalInfo;
  profile: Profile;
  /** versioned memory for hot reads; absent in contexts built outside a server (CLI, tests) */
  cache?: CacheLookup;
  /** where uploaded chat files go (src/files); absent in contexts built outside a server */
  files?: FileSpace;
  /**
   * Runs `fn` once the unit of work `db` belongs to has committed (never after a rollback);
   * absent outside one (`db` autocommits: run at once). See src/store/unit.ts.
   */
  afterCommit?: (fn: () => void) => void;
  /**
   * Where domain code raises events (src/domain-events.ts); they are written in `db`'s unit of
   * work. Every context has one: an event that is not written would be lost silently.
   */
  events: DomainEvents<DomainCtx>;
  /** how `cloud` resolves and judges handler hosts (default: the system resolver, no allow-list) */
  handlerNet?: HandlerNet;
  /** where chat changes are reported for live clients (src/changes.ts); absent outside a server */
  changes?: ChangeSink;
}

/**
 * Reads through the context's cache when there is one (see src/store/read-cache.ts). `tables`: only
 * CACHED_TABLES, the tables whose commits by other processes reach this one on PostgreSQL.
 */
export function cachedRead<T>(ctx: Pick<DomainCtx, 'cache'>, key: string, tables: readonly CachedTable[], load: () => Promise<T>): Promise<T> {
  return ctx.cache ? ctx.cache.get(key, tables, load) : load();
}
