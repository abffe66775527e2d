import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readOptions, writeOptions } from '../../src/store/repos/options.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/*
 * Contract: group commit (store/group-commit.ts), on the suite's engine. Units of work started
 * together share one transaction, each in its own savepoint; all are answered after the one
 * commit; one that fails rolls back alone; the read cache never keeps what an open group wrote.
 */
describe('store contract: group commit', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('units started together commit once, in order, before any is answered; a failing one rolls back alone', async () => {
    const seen: string[] = [];
    const unitOf = (n: number, fail: boolean) =>
      t.store
        .transaction(async (trx, unit) => {
          seen.push(`run ${n}`);
          unit.afterCommit(() => seen.push(`committed ${n}`));
          await writeOptions(trx, { appId: 100 }, [[`k${n}`, `"${n}"`]]);
          // each unit sees the ones before it in the group
          const visible = (await readOptions(trx, { appId: 100 })).map((o) => o.name);
          assert.ok(visible.includes(`k${n}`));
          if (fail) throw new Error(`unit ${n} fails`);
          return visible;
        })
        .then(
          (v) => {
            seen.push(`answered ${n}`);
            return v;
          },
          (err: Error) => {
            seen.push(`failed ${n}`);
            return err.message;
          },
        );
    const results = await Promise.all([unitOf(1, false), unitOf(2, true), unitOf(3, false)]);

    assert.deepEqual(results[0], ['k1']);
    assert.equal(results[1], 'unit 2 fails');
    assert.deepEqual(results[2], ['k1', 'k3'], 'the failed unit\'s write is gone before the next unit runs');
    // every unit ran before the commit; only the committed units' hooks ran; answers came after
    assert.deepEqual(seen.slice(0, 3), ['run 1', 'run 2', 'run 3']);
    assert.deepEqual(seen.slice(3, 5), ['committed 1', 'committed 3']);
    assert.deepEqual([...seen.slice(5)].sort(), ['answered 1', 'answered 3', 'failed 2']);
    assert.deepEqual((await readOptions(t.store.db, { appId: 100 })).map((o) => o.name), ['k1', 'k3']);
  });

  it('a unit alone commits on its own, and its failure rolls back all of its writes', async () => {
    await t.store.transaction((trx) => writeOptions(trx, { appId: 101 }, [['a', '"1"']]));
    await assert.rejects(
      t.store.transaction(async (trx) => {
        await writeOptions(trx, { appId: 101 }, [['b', '"2"']]);
        throw new Error('no');
      }),
      /no/,
    );
    assert.deepEqual((await readOptions(t.store.db, { appId: 101 })).map((o) => o.name), ['a']);
  });

  it('the read cache keeps nothing read inside an open group from a table the group wrote', async () => {
    let loads = 0;
    const cached = (db: Parameters<typeof readOptions>[0]) =>
      t.store.cache.get('group-commit-test', ['app_options'], async () => {
        loads++;
        return (await readOptions(db, { appId: 102 })).map((o) => o.value);
      });
    assert.deepEqual(await cached(t.store.db), []);
    assert.deepEqual(await cached(t.store.db), []);
    assert.equal(loads, 1, 'a hit outside any unit');

    const failing = t.store.transaction(async (trx) => {
      await writeOptions(trx, { appId: 102 }, [['x', '"uncommitted"']]);
      // inside the group its own write is read, and not kept for anyone else
      assert.deepEqual(await cached(trx), ['"uncommitted"']);
      throw new Error('roll back');
    });
    const other = t.store.transaction(async (trx) => {
      // the unit before this one rolled back to its savepoint: its value is gone, from the cache too
      assert.deepEqual(await cached(trx), []);
      await writeOptions(trx, { appId: 102 }, [['y', '"committed"']]);
    });
    await assert.rejects(failing, /roll back/);
    await other;
    assert.deepEqual(await cached(t.store.db), ['"committed"']);
    const before = loads;
    assert.deepEqual(await cached(t.store.db), ['"committed"']);
    assert.equal(loads, before, 'cached again once the group has ended');
  });
});
