import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MovableClock } from '../../src/clock.js';
import type { DomainCtx } from '../../src/context.js';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { ensurePortal, type PortalState } from '../../src/portal/bootstrap.js';
import { removeTestData, testStoreUrl } from './server.js';
import { eventPublisher } from '../../src/events/publisher.js';

/**
 * A migrated, bootstrapped store on the suite's engine, for the repository contract tests under
 * test/store/: SQLite in a temp dir on the first run of `npm test`, a PostgreSQL schema of its
 * own on the second (scripts/test-postgres.mjs sets IMBOT_TEST_STORE). No server, no HTTP: the
 * tests call the repositories directly, so every repository is held to the same contract on both
 * engines.
 */
export interface TestStore {
  store: Store;
  clock: MovableClock;
  portal: PortalState;
  /** a domain context on the store's database (no unit of work: each query autocommits) */
  ctx: DomainCtx;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'imbot-contract-'));
  const store = await openStore({ dataDir, url: testStoreUrl(dataDir) });
  const clock = new MovableClock();
  const portal = await ensurePortal(store.db, clock);
  const ctx: DomainCtx = {
    db: store.db,
    clock,
    portal: { domain: '127.0.0.1:1', baseUrl: 'https://127.0.0.1:1', memberId: portal.memberId, languageId: 'en', license: 'ru_project' },
    profile: 'dev',
    events: eventPublisher,
    cache: store.cache,
  };
  return {
    store,
    clock,
    portal,
    ctx,
    async close() {
      await store.close();
      await removeTestData(dataDir);
    },
  };
}
