import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addApp, uninstallApp } from '../src/apps/apps.js';
import { issueTokens, portalEndpoints, type AppRow } from '../src/auth/oauth.js';
import { portalCtx } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, sessionCall, startPortal, type Person, type TestPortal } from './helpers/server.js';

/**
 * Application data and features through HTTP: app.option.get/set, user.option.get/set
 * (api-reference/common/settings/*), feature.get (common/system/feature-get.md), im.revision.get.
 */

const NO_APP: [number, string, string] = [403, 'ACCESS_DENIED', 'Access denied! Application context required'];
const NO_OPTIONS = { status: 400, body: { error: 'ERROR_ARGUMENT', error_description: "Argument 'options' is null or empty", argument: 'options' } };

describe('application options and features', () => {
  let p: TestPortal;
  let app: AppRow;
  let other: AppRow;
  let ann: Person;
  /** an OAuth REST call as `userId` of `forApp` (the token in the JSON `auth` param) */
  let call: (method: string, params?: Record<string, unknown>, userId?: number, forApp?: AppRow) => ReturnType<typeof callJson>;

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann Option');
    app = await addApp(portalCtx(p), { name: 'Options app', scope: 'im,user' });
    other = await addApp(portalCtx(p), { name: 'Other app', scope: 'im' });
    const tokens = new Map<string, string>();
    call = async (method, params = {}, userId = 1, forApp = app) => {
      const key = `${forApp.id}/${userId}`;
      if (!tokens.has(key)) tokens.set(key, (await issueTokens(portalCtx(p), forApp, userId, forApp.scope, portalEndpoints(portalCtx(p)))).access_token);
      return callJson(`${p.http}/rest`, method, { ...params, auth: tokens.get(key) });
    };
  });
  after(() => p.stop());

  it('app.option.set stores keys per application; app.option.get reads one or all', async () => {
    assert.deepEqual(assertResult(await call('app.option.get')), []);
    assert.equal(assertResult(await call('app.option.set', { options: { data: 'value', count: 3, list: ['a', 'b'] } })), true);
    assert.equal(assertResult(await call('app.option.set', { options: { data: 'changed', data2: 'value2' } })), true);
    assert.deepEqual(assertResult(await call('app.option.get')), { count: 3, data: 'changed', data2: 'value2', list: ['a', 'b'] });
    assert.equal(assertResult(await call('app.option.get', { option: 'data' })), 'changed');
    assert.equal(assertResult(await call('app.option.get', { option: 'missing' })), null);
    assert.deepEqual(assertResult(await call('app.option.get', {}, ann.id)), { count: 3, data: 'changed', data2: 'value2', list: ['a', 'b'] }, 'any user of the app reads them');
    assert.deepEqual(assertResult(await call('app.option.get', {}, 1, other)), [], 'another application has its own');
  });

  it('a form-encoded app.option.set stores strings', async () => {
    const token = (await issueTokens(portalCtx(p), other, 1, other.scope, portalEndpoints(portalCtx(p)))).access_token;
    const a = await request(`${p.http}/rest/app.option.set.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `auth=${token}&options[n]=5&options[flag]=Y`,
    });
    assert.equal(assertResult(a), true);
    assert.deepEqual(assertResult(await call('app.option.get', {}, 1, other)), { flag: 'Y', n: '5' });
  });

  it('app.option.set: options required, administrators only, nothing changes on refusal', async () => {
    for (const options of [undefined, {}, [], 'text']) {
      const a = await call('app.option.set', options === undefined ? {} : { options });
      // (no params at all: the params themselves are the options, and they are empty)
      assert.deepEqual({ status: a.status, body: a.body }, NO_OPTIONS, JSON.stringify(options));
    }
    assertError(await call('app.option.set', { options: { data: 'by Ann' } }, ann.id), [403, 'ACCESS_DENIED', 'Access denied! Administrator authorization required']);
    assert.equal(assertResult(await call('app.option.get', { option: 'data' })), 'changed');
  });

  it('user.option.* keep keys per application and user', async () => {
    assert.deepEqual(assertResult(await call('user.option.get', {}, ann.id)), []);
    assert.equal(assertResult(await call('user.option.set', { options: { theme: 'dark', size: 12 } }, ann.id)), true);
    assert.equal(assertResult(await call('user.option.set', { options: { theme: 'light' } })), true);
    assert.deepEqual(assertResult(await call('user.option.get', {}, ann.id)), { size: 12, theme: 'dark' });
    assert.equal(assertResult(await call('user.option.get', { option: 'theme' })), 'light');
    assert.equal(assertResult(await call('user.option.get', { option: 'size' })), null);
    assert.deepEqual(assertResult(await call('user.option.get', {}, ann.id, other)), []);
    const a = await call('user.option.set', { options: {} }, ann.id);
    assert.deepEqual({ status: a.status, body: a.body }, NO_OPTIONS);
    assert.equal(assertResult(await call('user.option.set', { lang: 'de' }, ann.id)), true, 'without `options` the params are the options');
    assert.equal(assertResult(await call('user.option.get', { option: 'lang' }, ann.id)), 'de');
  });

  it('the option methods need an application: webhooks and sessions are refused', async () => {
    for (const method of ['app.option.get', 'app.option.set', 'user.option.get', 'user.option.set']) {
      assertError(await callJson(p.adminHook, method, { options: { a: 1 } }), NO_APP, method);
      assertError(await sessionCall(p, method, { options: { a: 1 } }), NO_APP, `${method} (session)`);
    }
  });

  it('the options live on across a restart and go with a clean uninstall', async () => {
    await p.server.close();
    const again = await startPortal({ dataDir: p.dataDir });
    p = again;
    assert.equal(assertResult(await call('app.option.get', { option: 'data' })), 'changed');
    assert.equal(assertResult(await call('user.option.get', { option: 'theme' }, ann.id)), 'dark');
    await uninstallApp(portalCtx(p), other.client_id, false);
    const keep = await p.server.core.store.db.selectFrom('app_options').select('name').where('app_id', '=', other.id).execute();
    assert.equal(keep.length, 2, 'a plain uninstall keeps the data');
    await uninstallApp(portalCtx(p), app.client_id, true);
    const left = await p.server.core.store.db.selectFrom('user_options').select('name').where('app_id', '=', app.id).execute();
    assert.deepEqual(left, []);
  });

  it('feature.get answers Y or N and needs CODE', async () => {
    assert.deepEqual(assertResult(await callJson(p.adminHook, 'feature.get', { CODE: 'rest_offline_extended' })), { value: 'Y' });
    assert.deepEqual(assertResult(await callJson(p.adminHook, 'feature.get', { code: 'rest_auth_connector' })), { value: 'N' });
    assert.deepEqual(assertResult(await callJson(p.adminHook, 'feature.get', { CODE: 'no_such_feature' })), { value: 'N' });
    assertError(await callJson(p.adminHook, 'feature.get', {}), [400, 'CODE_EMPTY', "CODE can't be empty"]);
  });

  it('im.revision.get answers the IM revisions; b24jssdk reads it', async () => {
    const r = assertResult(await callJson(p.adminHook, 'im.revision.get'));
    assert.deepEqual(Object.keys(r), ['rest', 'web', 'mobile', 'desktop', 'im_revision_mobile']);
    assert.ok(Object.values(r).every((v) => Number.isInteger(v)));
    assert.equal(r.im_revision_mobile, r.mobile);
    assert.deepEqual(r, { ...assertResult(await callJson(p.adminHook, 'imbot.v2.Revision.get')), im_revision_mobile: r.mobile });
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
    const answer = await hook.actions.v2.call.make<any>({ method: 'im.revision.get', params: {} });
    assert.deepEqual(answer.getData()!.result, r);
  });
});
