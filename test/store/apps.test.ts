import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deleteApp,
  findAccessGrant,
  findApp,
  findAppByClientId,
  findOAuthToken,
  insertApp,
  insertOAuthToken,
  listApps,
  revokeAppTokens,
  revokeOAuthToken,
  setAppBlocked,
  updateApp,
} from '../../src/store/repos/apps.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: OAuth applications and their tokens (store/repos/apps.ts). */
describe('store contract: apps', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('inserts apps with unique client ids (exact match) and lists them in id order', async () => {
    const db = t.store.db;
    await insertApp(db, { client_id: 'local.b', name: 'B', scope: 'imbot' });
    await insertApp(db, { client_id: 'local.a', name: 'A', scope: 'imbot,im', access: '1,2' });
    await assert.rejects(insertApp(db, { client_id: 'local.a', name: 'again' }));
    assert.deepEqual((await listApps(db)).map((a) => a.client_id), ['local.b', 'local.a']);
    const a = await findAppByClientId(db, 'local.a');
    assert.equal(a?.name, 'A');
    assert.equal(await findAppByClientId(db, 'LOCAL.A'), undefined);
    assert.equal((await findApp(db, a!.id))?.client_id, 'local.a');
    await updateApp(db, a!.id, { active: 1, installed: 1 });
    await updateApp(db, a!.id, {});
    assert.equal((await findApp(db, a!.id))?.active, 1);
    assert.equal(await setAppBlocked(db, 'local.a', true), true);
    assert.equal((await findApp(db, a!.id))?.blocked, 1);
    assert.equal(await setAppBlocked(db, 'local.none', true), false);
    await setAppBlocked(db, 'local.a', false);
  });

  it('finds tokens by kind and value; an access grant carries its app; revokes one or all', async () => {
    const db = t.store.db;
    const app = (await findAppByClientId(db, 'local.a'))!;
    await insertOAuthToken(db, { token: 'acc1', kind: 'access', app_id: app.id, user_id: 1, scope: 'imbot', expires_at: 5000, created_at: 1 });
    await insertOAuthToken(db, { token: 'ref1', kind: 'refresh', app_id: app.id, user_id: 1, scope: 'imbot', expires_at: 9000, created_at: 1 });
    assert.equal((await findOAuthToken(db, 'refresh', 'ref1'))?.user_id, 1);
    assert.equal(await findOAuthToken(db, 'access', 'ref1'), undefined, 'the kind must match');
    const grant = await findAccessGrant(db, 'acc1');
    assert.deepEqual(grant, { user_id: 1, scope: 'imbot', expires_at: 5000, revoked: 0, client_id: 'local.a', app_row_id: app.id, active: 1, blocked: 0, access: '1,2' });
    assert.equal(await findAccessGrant(db, 'ref1'), undefined, 'a refresh token is no access grant');
    assert.equal(await findAccessGrant(db, 'nope'), undefined);
    await revokeOAuthToken(db, 'ref1');
    assert.equal((await findOAuthToken(db, 'refresh', 'ref1'))?.revoked, 1);
    assert.equal((await findAccessGrant(db, 'acc1'))?.revoked, 0);
    await revokeAppTokens(db, app.id);
    assert.equal((await findAccessGrant(db, 'acc1'))?.revoked, 1);
  });

  it('deleting an app deletes its tokens', async () => {
    const db = t.store.db;
    const app = (await findAppByClientId(db, 'local.a'))!;
    const other = (await findAppByClientId(db, 'local.b'))!;
    await insertOAuthToken(db, { token: 'accB', kind: 'access', app_id: other.id, user_id: 1, expires_at: 5000 });
    await deleteApp(db, app.id);
    assert.equal(await findApp(db, app.id), undefined);
    assert.equal(await findOAuthToken(db, 'refresh', 'ref1'), undefined);
    assert.equal((await findAccessGrant(db, 'accB'))?.client_id, 'local.b');
  });
});
