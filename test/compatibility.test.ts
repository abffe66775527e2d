import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildRegistry } from '../src/methods/index.js';

/*
 * docs/COMPATIBILITY.md stays true to the method registry: in the table of every documented
 * method of issue 16's groups, a row says "implemented" exactly when the server registers the
 * method, and its docs page path has the shape the docs tree uses.
 */

const SECTION = '### Issue 16 groups: every documented method';

function rows(): { method: string; page: string; status: string; tested: string }[] {
  const text = readFileSync(new URL('../../docs/COMPATIBILITY.md', import.meta.url), 'utf8');
  const start = text.indexOf(SECTION);
  assert.ok(start >= 0, `section "${SECTION}" present`);
  const end = text.indexOf('\n### ', start + SECTION.length);
  const body = text.slice(start, end < 0 ? undefined : end);
  return body
    .split('\n')
    .filter((l) => /^\| `[^`]+` \| `api-reference\//.test(l))
    .map((l) => {
      const cells = l.split(' | ');
      return { method: cells[0]!.slice(3, -1), page: cells[1]!.slice(1, -1), status: cells[2]!, tested: cells[3]! };
    });
}

describe('docs/COMPATIBILITY.md against the method registry', () => {
  const registry = buildRegistry();
  const table = rows();

  it('lists every documented method of the groups once, with its docs page', () => {
    assert.equal(table.length, 123, 'the 121 pages of chats, common, user and departments plus the two Drive steps');
    assert.equal(new Set(table.map((r) => r.method)).size, table.length, 'no method twice');
    for (const r of table) assert.match(r.page, /^api-reference\/(chats|common|user|departments|disk)\/[a-z0-9/_-]+\.md$/, r.method);
  });

  it('marks a method implemented exactly when the server registers it, and says how it is tested', () => {
    for (const r of table) {
      const registered = registry.get(r.method) !== undefined;
      const implemented = r.status.startsWith('implemented');
      assert.equal(implemented, registered, `${r.method}: status "${r.status}" but ${registered ? '' : 'not '}registered`);
      if (implemented) assert.match(r.tested, /HTTP/, `${r.method} is tested through HTTP`);
      else assert.match(r.status, /^not implemented: ./, `${r.method} says why it is not implemented`);
    }
  });
});
