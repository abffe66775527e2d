#!/usr/bin/env node
// The second half of `npm test`: the whole compiled suite again, every portal on PostgreSQL.
// `node scripts/test-postgres.mjs [test files…]` (default: every dist/test/*.test.js and
// dist/test/store/*.test.js but dist/test/cluster*.test.js — those start their own nodes on
// PostgreSQL and Redis whatever the engine — and dist/test/packed-package.test.js — the packed
// package's example runs on its own SQLite portal whatever the engine, and installing it builds
// better-sqlite3 for minutes; both run once, in the first, SQLite half of `npm test`).
// Which PostgreSQL: scripts/postgres-service.mjs (IMBOT_TEST_PG, 127.0.0.1:5432, embedded).
// Each portal gets a schema of its own, named with this run's prefix; what is left of them is
// dropped at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pickPostgres } from './postgres-service.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
        // the cluster scenarios bring their own PostgreSQL and the packed package its own SQLite
        // portal: each runs once, in the SQLite half
        .filter((f) => f.endsWith('.test.js') && !/^cluster.*\.test\.js$/.test(f) && f !== 'packed-package.test.js')
        .sort()
        .map((f) => join(dir, f)),
    );
const db = await pickPostgres();
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
