import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The house rules of docs/ARCHITECTURE.md, checked on the source: data flows one way (server →
 * rest → methods → domain → store), the messenger and bot domains raise events through
 * `ctx.events` (src/domain-events.ts) rather than calling events/, and queries live only under
 * src/store/. Each test names every offending file and line, so a failure says what to move.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const srcRoot = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

const rel = (path: string) => relative(repoRoot, path).split(sep).join('/');

/** Every module specifier a file imports or re-exports (static and dynamic, type-only included). */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/\b(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

/** `file`'s imports that resolve into one of `forbidden` (directories under src/). */
function forbiddenImports(file: string, forbidden: string[]): string[] {
  const hits: string[] = [];
  for (const spec of importsOf(readFileSync(file, 'utf8'))) {
    if (!spec.startsWith('.')) continue;
    const target = rel(resolve(dirname(file), spec));
    const dir = forbidden.find((d) => target === `src/${d}` || target.startsWith(`src/${d}/`));
    if (dir) hits.push(`${rel(file)} imports ${spec}`);
  }
  return hits;
}

/** A query builder call: Kysely's statement starters and raw `sql` templates. */
const QUERY = /\b(?:selectFrom|insertInto|updateTable|deleteFrom|replaceInto)\s*\(|\bsql\s*`|\bsql\.(?:raw|ref|table|id|lit|join)\s*\(/;

/** Lines of `text` that hold a query builder call, comments left out. */
function queryLines(text: string): number[] {
  const lines: number[] = [];
  let inBlock = false;
  text.split('\n').forEach((line, i) => {
    let code = line;
    if (inBlock) {
      const end = code.indexOf('*/');
      if (end < 0) return;
      code = code.slice(end + 2);
      inBlock = false;
    }
    code = code.replace(/\/\*.*?\*\//g, '');
    const open = code.indexOf('/*');
    if (open >= 0) {
      inBlock = true;
      code = code.slice(0, open);
    }
    code = code.replace(/(^|[^:])\/\/.*$/, '$1');
    if (QUERY.test(code)) lines.push(i + 1);
  });
  return lines;
}

describe('architecture', () => {
  it('the messenger and bot domains import neither events/ nor the layers above them', () => {
    const files = [...sourceFiles(join(srcRoot, 'im')), ...sourceFiles(join(srcRoot, 'bots'))];
    assert.ok(files.length > 10, 'the domain sources were found');
    const offenders = files.flatMap((f) => forbiddenImports(f, ['events', 'rest', 'server', 'methods']));
    assert.deepEqual(offenders, [], `im/ and bots/ raise events through ctx.events and stay below rest/:\n${offenders.join('\n')}`);
  });

  it('no query outside src/store/', () => {
    const files = sourceFiles(srcRoot).filter((f) => !rel(f).startsWith('src/store/'));
    const offenders = files.flatMap((f) => queryLines(readFileSync(f, 'utf8')).map((n) => `${rel(f)}:${n}`));
    assert.deepEqual(offenders, [], `${offenders.length} query sites outside src/store/ (move them into a repository):\n${offenders.join('\n')}`);
  });

  it('the checks see what they are meant to see', () => {
    assert.deepEqual(importsOf("import type { A } from '../events/emit.js';\nexport { b } from './x.js';\nconst m = await import('../rest/php.js');"), ['../events/emit.js', './x.js', '../rest/php.js']);
    assert.deepEqual(queryLines("db.selectFrom('users')\n// db.deleteFrom('x')\n/* insertInto(\n */ const a = 1;\nawait sql`select 1`.execute(db);"), [1, 5]);
  });
});
