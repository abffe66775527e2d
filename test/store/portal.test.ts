import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MovableClock } from '../../src/clock.js';
import { ensurePortal } from '../../src/portal/bootstrap.js';
import { openStore } from '../../src/store/open.js';
import { removeTestData, testStoreUrl } from '../helpers/server.js';
import { insertPortalSettingOnce, insertPortalSettings, readPortalSetting, upsertPortalSetting } from '../../src/store/repos/portal.js';
import { defaultSettings, readPortalSettings, recordPortalSettings } from '../../src/portal/settings.js';
import { maxUserId } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: portal settings (store/repos/portal.ts) and the bootstrap that writes them. */
describe('store contract: portal settings', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('a setting inserted once keeps its first value, even under concurrent inserts; the bootstrap made the download secret', async () => {
    const { store } = t;
    await Promise.all(['a', 'b', 'c', 'd'].map((v) => store.transaction((trx) => insertPortalSettingOnce(trx, 'once', v))));
    const first = await readPortalSetting(store.db, 'once');
    assert.ok(first && ['a', 'b', 'c', 'd'].includes(first));
    await insertPortalSettingOnce(store.db, 'once', 'z');
    assert.equal(await readPortalSetting(store.db, 'once'), first);
    assert.match((await readPortalSetting(store.db, 'download_secret')) ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  it('the bootstrap wrote the member id and admin webhook code; a key is written once', async () => {
    const db = t.store.db;
    assert.equal(await readPortalSetting(db, 'member_id'), t.portal.memberId);
    assert.equal(await readPortalSetting(db, 'admin_webhook_code'), t.portal.adminWebhookCode);
    assert.equal(await readPortalSetting(db, 'nothing'), undefined);
    await insertPortalSettings(db, { extra: 'x' });
    assert.equal(await readPortalSetting(db, 'extra'), 'x');
    await assert.rejects(insertPortalSettings(db, { extra: 'y' }));
    assert.equal(await readPortalSetting(db, 'extra'), 'x');
  });

  it('upsertPortalSetting writes a key or replaces its value, also many writers at once', async () => {
    const db = t.store.db;
    await upsertPortalSetting(db, 'upserted', 'one');
    assert.equal(await readPortalSetting(db, 'upserted'), 'one');
    await upsertPortalSetting(db, 'upserted', 'two');
    assert.equal(await readPortalSetting(db, 'upserted'), 'two');
    await Promise.all(Array.from({ length: 8 }, (_, i) => upsertPortalSetting(db, 'raced', String(i))));
    assert.match((await readPortalSetting(db, 'raced'))!, /^[0-7]$/);
  });

  it('portal settings: the defaults until recorded, then the last recorded value', async () => {
    const db = t.store.db;
    assert.deepEqual(await readPortalSettings(db), { settings: defaultSettings(), recorded: false });
    const first = { ...defaultSettings(), publicUrl: 'https://bots.example.test', accessTokenTtl: 3 };
    await recordPortalSettings(db, first);
    assert.deepEqual(await readPortalSettings(db), { settings: first, recorded: true });
    const second = { ...defaultSettings(), httpsUrl: 'https://127.0.0.1:1', profile: 'cloud' as const };
    await recordPortalSettings(db, second);
    assert.deepEqual(await readPortalSettings(db), { settings: second, recorded: true });
  });

  it('bootstrapping again, even many at once, finds the same portal and adds no user', async () => {
    const users = await maxUserId(t.store.db);
    const again = await Promise.all(Array.from({ length: 8 }, () => ensurePortal(t.store.db, t.clock)));
    for (const p of again) assert.deepEqual(p, { memberId: t.portal.memberId, adminWebhookCode: t.portal.adminWebhookCode, created: false });
    assert.equal(await maxUserId(t.store.db), users);
  });

  it('eight bootstraps of one fresh store at once make one portal and one administrator', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-contract-'));
    const store = await openStore({ dataDir, url: testStoreUrl(dataDir) });
    try {
      const clock = new MovableClock();
      const made = await Promise.all(Array.from({ length: 8 }, () => ensurePortal(store.db, clock)));
      assert.equal(made.filter((p) => p.created).length, 1);
      assert.equal(new Set(made.map((p) => `${p.memberId}/${p.adminWebhookCode}`)).size, 1);
      assert.equal(await maxUserId(store.db), 1);
    } finally {
      await store.close();
      await removeTestData(dataDir);
    }
  });
});
