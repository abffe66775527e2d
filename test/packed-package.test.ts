import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The package as users get it (issue 15 §5): `npm pack`, `npm install <tarball>` into an empty
// project, then docs/examples/echo-bot.test.mjs (Node's test runner) and
// echo-bot.vitest.test.mjs (Vitest, installed there from npm) run against `imbot-server/testing`.
// Needs the npm registry for the dependencies (better-sqlite3 is installed for real: its native
// build may take minutes; never link this checkout's copy — npm would rebuild it in place).

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_TEST_CONTEXT: undefined, npm_config_update_notifier: 'false' } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}`, stdout });
    });
  });
}

test('npm pack → npm install <tarball> → the documented example test passes', { timeout: 20 * 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imbot-pack-'));
  try {
    const pack = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], repo);
    assert.equal(pack.code, 0, pack.out);
    const tarball = join(dir, pack.stdout.trim().split('\n').at(-1)!.trim());
    assert.ok(existsSync(tarball), pack.out);
    const project = join(dir, 'project');
    await sh('mkdir', [project], dir);
    // npm 11 runs a dependency's install scripts only when the project approves them (README):
    // better-sqlite3's native build is approved.
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'bot-tests', version: '1.0.0', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }),
    );
    const install = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
    assert.equal(install.code, 0, install.out);
    // No warning at all on Node 20 (cookie@2 from light-my-request used to warn EBADENGINE:
    // imbot-server depends on light-my-request 6.6.0 itself, which fastify's ^6 then shares).
    // One listing is expected here and nowhere else: npm runs `prepare` only for non-registry
    // sources such as this tarball, and lists it as not yet approved; an install from the registry
    // never runs (or lists) it. Any other warning fails.
    const tarballOnly = (l: string) => /^npm warn install-scripts(\s+imbot-server@[^ ]+ \(prepare: npm run build\)|\s+1 package has install scripts not yet covered by allowScripts:|\s+Run `npm install-scripts ls`.*|\s*)$/.test(l);
    const warnings = install.out.split('\n').filter((l) => /EBADENGINE|npm warn|deprecated/i.test(l) && !tarballOnly(l));
    assert.deepEqual(warnings, [], install.out);
    const pkg = join(project, 'node_modules/imbot-server');
    for (const f of ['dist/src/index.d.ts', 'dist/src/testing/index.d.ts', 'bin/imbot-server.js', 'dist/web/index.html', 'dist/web/app.js']) assert.ok(existsSync(join(pkg, f)), f);
    copyFileSync(join(repo, 'docs/examples/echo-bot.test.mjs'), join(project, 'echo-bot.test.mjs'));
    const run = await sh(process.execPath, ['--test', 'echo-bot.test.mjs'], project);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /# pass 1\n# fail 0/);
    // The Vitest version of the example (docs/examples/echo-bot.vitest.test.mjs), with vitest from npm.
    const vitest = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'vitest@3'], project);
    assert.equal(vitest.code, 0, vitest.out);
    copyFileSync(join(repo, 'docs/examples/echo-bot.vitest.test.mjs'), join(project, 'echo-bot.vitest.test.mjs'));
    const viRun = await sh(join(project, 'node_modules/.bin/vitest'), ['run', 'echo-bot.vitest.test.mjs'], project);
    assert.equal(viRun.code, 0, viRun.out);
    assert.match(viRun.out, /1 passed/);
    const entry = await sh(process.execPath, ['--input-type=module', '-e', "const m = await import('imbot-server'); console.log(typeof m.startServer, typeof m.startPortal)"], project);
    assert.equal(entry.out.trim(), 'function function');
    const version = await sh(process.execPath, [join(pkg, 'bin/imbot-server.js'), '--version'], project);
    assert.equal(version.out.trim(), '0.1.0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
