// Builds the web messenger and console (web/ → dist/web) with esbuild and checks the size budget:
// the initial JavaScript must stay under 200 KB gzipped (docs/WEB.md).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const BUDGET = 200 * 1024;

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(root, 'web', 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'css' },
  outdir: join(out),
  entryNames: '[name]',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'web', 'index.html'), join(out, 'index.html'));

const js = readFileSync(join(out, 'app.js'));
const gz = gzipSync(js, { level: 9 }).length;
console.log(`web: dist/web/app.js ${(js.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`);
if (gz > BUDGET) {
  console.error('web: the initial JavaScript is over its 200 KB gzipped budget');
  process.exit(1);
}
