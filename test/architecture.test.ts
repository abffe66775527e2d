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

/*
 * One owner per table (docs/ARCHITECTURE.md, "each table owned by one of them"): the repository
 * module under src/store/repos/ that alone writes it and reads it. Every table of the schema is
 * listed here with its owner; docs/ARCHITECTURE.md must name the same owner.
 */
const OWNERS: Record<string, string> = {
  portal: 'portal.ts',
  file_chunks: 'file-chunks.ts',
  users: 'users.ts',
  bots: 'bots.ts',
  chats: 'chats.ts',
  chat_members: 'chats.ts',
  private_dialogs: 'chats.ts',
  messages: 'messages.ts',
  message_reactions: 'messages.ts',
  commands: 'commands.ts',
  command_langs: 'commands.ts',
  command_answer_tokens: 'commands.ts',
  chat_apps: 'chat-apps.ts',
  chat_app_langs: 'chat-apps.ts',
  webhooks: 'webhooks.ts',
  apps: 'apps.ts',
  oauth_tokens: 'apps.ts',
  event_bindings: 'event-bindings.ts',
  event_outbox: 'outbox.ts',
  event_attempts: 'outbox.ts',
  event_offline: 'offline-events.ts',
  event_offline_notices: 'offline-events.ts',
  ui_sessions: 'sessions.ts',
  user_passwords: 'sessions.ts',
  chat_input_actions: 'input-actions.ts',
  v2_event_log: 'v2-event-log.ts',
  v2_event_counter: 'v2-event-log.ts',
  v2_event_subscribers: 'v2-event-log.ts',
  v2_deleted_bots: 'v2-event-log.ts',
  files: 'files.ts',
  notifications: 'notifications.ts',
  notify_chats: 'notifications.ts',
  notification_replies: 'notifications.ts',
  open_lines: 'open-lines.ts',
  open_line_sessions: 'open-lines.ts',
  app_options: 'options.ts',
  user_options: 'options.ts',
  user_status: 'user-status.ts',
  departments: 'departments.ts',
  node_member_roles: 'structure.ts',
  node_communications: 'structure.ts',
  search_last: 'search.ts',
  user_fields: 'user-fields.ts',
  user_field_values: 'user-fields.ts',
  user_field_enums: 'user-fields.ts',
  recent_flags: 'recent-flags.ts',
  disk_folders: 'disk.ts',
  disk_upload_tokens: 'disk.ts',
};

/**
 * The deliberate exceptions: a module that queries a table it does not own, and why. Reads only,
 * except where `write` says so. An exception that no longer occurs fails the test too, so the list
 * stays the truth.
 */
const EXCEPTIONS: { module: string; table: string; write?: true; why: string }[] = [
  { module: 'bots.ts', table: 'users', why: "a bot with its user's name (join)" },
  { module: 'chat-apps.ts', table: 'bots', why: 'chat apps of existing bots only (join)' },
  { module: 'chats.ts', table: 'users', why: "members with their user rows (join)" },
  { module: 'chats.ts', table: 'bots', why: 'which members are bots (join)' },
  { module: 'commands.ts', table: 'bots', why: "commands with their bot's owner (join)" },
  { module: 'users.ts', table: 'bots', why: 'a user row with its bot flag (join)' },
  { module: 'sessions.ts', table: 'users', why: 'sign-in finds the active person by login or e-mail with the password hash' },
  { module: 'v2-event-log.ts', table: 'users', why: 'subscribed people who are still active (join)' },
  { module: 'read-state.ts', table: 'chat_members', write: true, why: 'owns the read-mark column chat_members.last_read_message_id' },
  { module: 'read-state.ts', table: 'messages', why: 'unread counts count messages past the mark' },
  { module: 'read-state.ts', table: 'chats', why: "a person's chats with their unread counts (join)" },
  { module: 'dialog-members.ts', table: 'chat_members', why: 'a read model: one chat\'s members, paged (im.dialog.users.list)' },
  { module: 'dialog-members.ts', table: 'users', why: 'a read model: the members\' user rows' },
  { module: 'message-search.ts', table: 'messages', why: 'a read model: messages by text and date (im.dialog.messages.search)' },
  { module: 'message-search.ts', table: 'message_reactions', why: "a read model: the found messages' reactions" },
  ...['users', 'bots', 'webhooks', 'apps', 'commands', 'command_langs', 'chats', 'private_dialogs', 'chat_members', 'messages'].map((table) => ({
    module: 'seed.ts',
    table,
    why: 'the seed export reads every aggregate in one stable order',
  })),
];

/** Kysely statement starters and joins naming a table: [verb, table]. */
const TABLE_USE = /\b(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|innerJoin|leftJoin|rightJoin|fullJoin)\s*\(\s*['"]([a-z0-9_]+)(?:\s+as\s+\w+)?['"]/g;
const WRITES = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto']);

/** The tables of the schema (src/store/schema.ts's `Schema` interface). */
function schemaTables(): string[] {
  const text = readFileSync(join(srcRoot, 'store/schema.ts'), 'utf8');
  const body = /export interface Schema \{([^}]*)\}/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^\s*([a-z0-9_]+)\s*:/gm)].map((m) => m[1]!);
}

/** Every table use in the repository modules: module, table, verb, line. */
function tableUses(): { module: string; table: string; verb: string; line: number }[] {
  const dir = join(srcRoot, 'store/repos');
  const uses: { module: string; table: string; verb: string; line: number }[] = [];
  for (const file of sourceFiles(dir)) {
    const module = relative(dir, file).split(sep).join('/');
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const m of text.matchAll(TABLE_USE)) uses.push({ module, table: m[2]!, verb: m[1]!, line: i + 1 });
      });
  }
  return uses;
}

describe('architecture', () => {
  it('the messenger and bot domains import neither events/ nor the layers above them', () => {
    const files = [...sourceFiles(join(srcRoot, 'im')), ...sourceFiles(join(srcRoot, 'bots'))];
    assert.ok(files.length > 10, 'the domain sources were found');
    const offenders = files.flatMap((f) => forbiddenImports(f, ['events', 'rest', 'server', 'methods']));
    assert.deepEqual(offenders, [], `im/ and bots/ raise events through ctx.events and stay below rest/:\n${offenders.join('\n')}`);
  });

  it('events/ imports none of the layers above it (rest/, server/, methods/)', () => {
    const files = sourceFiles(join(srcRoot, 'events'));
    assert.ok(files.length > 10, 'the delivery sources were found');
    const offenders = files.flatMap((f) => forbiddenImports(f, ['rest', 'server', 'methods']));
    assert.deepEqual(offenders, [], `events/ is below rest/: shared pieces go to util/ or harness/:\n${offenders.join('\n')}`);
  });

  it('no query outside src/store/', () => {
    const files = sourceFiles(srcRoot).filter((f) => !rel(f).startsWith('src/store/'));
    const offenders = files.flatMap((f) => queryLines(readFileSync(f, 'utf8')).map((n) => `${rel(f)}:${n}`));
    assert.deepEqual(offenders, [], `${offenders.length} query sites outside src/store/ (move them into a repository):\n${offenders.join('\n')}`);
  });

  it('every table has one owner among the repositories, and docs/ARCHITECTURE.md names it', () => {
    const tables = schemaTables();
    assert.ok(tables.length > 30, 'the schema tables were found');
    assert.deepEqual(tables.filter((t) => !OWNERS[t]), [], 'a new table needs an owner in OWNERS (and in docs/ARCHITECTURE.md)');
    assert.deepEqual(Object.keys(OWNERS).filter((t) => !tables.includes(t)), [], 'OWNERS lists no table the schema lacks');
    const modules = new Set(sourceFiles(join(srcRoot, 'store/repos')).map((f) => relative(join(srcRoot, 'store/repos'), f)));
    assert.deepEqual(Object.entries(OWNERS).filter(([, m]) => !modules.has(m)), [], 'every owner is a module under src/store/repos/');
    // The docs' owner list: "<module>  <tables…>" lines (continued on more deeply indented lines).
    const doc = readFileSync(join(repoRoot, 'docs/ARCHITECTURE.md'), 'utf8').split('\n');
    const start = doc.findIndex((l) => l.includes('each table owned by one of them'));
    assert.ok(start > 0, "docs/ARCHITECTURE.md's owner list was found");
    const entry = (module: string): string => {
      const at = doc.findIndex((l, i) => i > start && new RegExp(`^\\s+${module.replace('.', '\\.')}\\s`).test(l));
      if (at < 0) return '';
      const indent = doc[at]!.search(/\S/);
      let text = doc[at]!;
      for (let i = at + 1; i < doc.length && doc[i]!.search(/\S/) > indent; i++) text += ` ${doc[i]}`;
      return text;
    };
    const undocumented = Object.entries(OWNERS).filter(([table, m]) => !new RegExp(`\\b${table}\\b`).test(entry(m))).map(([t, m]) => `${m} ${t}`);
    assert.deepEqual(undocumented, [], 'docs/ARCHITECTURE.md lists each table beside its owner');
  });

  it('each table is queried by its owner only (the listed exceptions aside)', () => {
    const uses = tableUses();
    assert.ok(uses.length > 100, 'the query sites were found');
    const allowed = (u: { module: string; table: string; verb: string }) =>
      OWNERS[u.table] === u.module || EXCEPTIONS.some((e) => e.module === u.module && e.table === u.table && (e.write || !WRITES.has(u.verb)));
    const offenders = uses.filter((u) => !allowed(u)).map((u) => `src/store/repos/${u.module}:${u.line} ${u.verb}('${u.table}') — owner: ${OWNERS[u.table] ?? 'none'}`);
    assert.deepEqual(offenders, [], `move these into the owning repository (or list a deliberate exception):\n${offenders.join('\n')}`);
    const stale = EXCEPTIONS.filter((e) => !uses.some((u) => u.module === e.module && u.table === e.table && (!e.write || WRITES.has(u.verb))));
    assert.deepEqual(stale, [], 'an exception that no longer occurs is taken off the list');
  });

  it('the checks see what they are meant to see', () => {
    assert.deepEqual(importsOf("import type { A } from '../events/emit.js';\nexport { b } from './x.js';\nconst m = await import('../rest/php.js');"), ['../events/emit.js', './x.js', '../rest/php.js']);
    assert.deepEqual(queryLines("db.selectFrom('users')\n// db.deleteFrom('x')\n/* insertInto(\n */ const a = 1;\nawait sql`select 1`.execute(db);"), [1, 5]);
  });
});
