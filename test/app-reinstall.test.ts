import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppRow } from '../src/auth/oauth.js';
import { control, runCli, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { installScriptApp, restWithAuth, type InstallAuth } from './helpers/oauth.js';
import { startPortal, type TestPortal } from './helpers/server.js';

// App lifecycle events a portal sends besides the first install: `app install` of an installed
// app reinstalls it (ONAPPINSTALL again with fresh tokens; bots and handlers stay, so the example
// bots' "delete the old bot on reinstall" branch finds its bot), `app update --version N` sends
// ONAPPUPDATE (api-reference/common/events/on-app-update.md) — through the CLI and /__control/apps.

describe('app reinstall and update: ONAPPINSTALL again, ONAPPUPDATE', () => {
  let p: TestPortal;
  let r: Receiver;
  let app: AppRow;
  let first: InstallAuth;
  let botId: number;
  const cli = (...args: string[]) => runCli(...args, '--data', p.dataDir);
  const at = (path: string, event: string) => (h: Hit) => h.url === path && h.form.event === event;
  const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    ({ app, auth: first } = await installScriptApp(p, r, '/install'));
    const reg = await restWithAuth(p, 'imbot.register', first.access_token, { CODE: 'echo', EVENT_HANDLER: `${r.base}/bot`, 'PROPERTIES[NAME]': 'Echo' });
    assert.equal(reg.status, 200, reg.text);
    botId = reg.body.result;
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('app install of an installed app (CLI) sends ONAPPINSTALL again with a fresh pair; the old bot is still listed', async () => {
    const out = await cli('app', 'install', app.client_id);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${app.client_id}: reinstalled (ONAPPINSTALL sent again with fresh tokens)\n`);
    const hits = await r.waitFor(2, at('/install', 'ONAPPINSTALL'));
    const again = hits[1]!;
    const auth = again.form.auth as InstallAuth;
    assert.notEqual(auth.access_token, first.access_token);
    assert.notEqual(auth.refresh_token, first.refresh_token);
    assert.equal(auth.application_token, first.application_token, 'the installation keeps its application_token');
    assert.deepEqual(again.form.data, { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
    assert.deepEqual([auth.domain, auth.client_endpoint, auth.user_id], [p.server.core.portal.domain, `${p.server.core.portal.baseUrl}/rest/`, '1']);
    // the reinstalled app's new token sees its old bot (the "delete the old bot" branch), the old token still works
    const list = await restWithAuth(p, 'imbot.bot.list', auth.access_token);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.result[String(botId)]?.CODE, 'echo');
    assert.equal((await restWithAuth(p, 'user.current', first.access_token)).status, 200);
    assert.equal((await cli('app', 'list')).stdout.split('\t')[2], 'installed');
  });

  it('POST /__control/apps/{client_id}/install reinstalls too', async () => {
    const a = await ctl(`apps/${app.client_id}/install`, {});
    assert.deepEqual(a, { status: 200, body: { client_id: app.client_id, outcome: 'reinstalled', state: 'installed' } });
    const hits = await r.waitFor(3, at('/install', 'ONAPPINSTALL'));
    assert.notEqual((hits[2]!.form.auth as InstallAuth).access_token, (hits[1]!.form.auth as InstallAuth).access_token);
    const listed = await ctl('apps');
    assert.deepEqual(listed.body.apps, [{ id: app.id, client_id: app.client_id, name: 'Test app', scope: 'imbot,im,user', version: 1, state: 'installed', script_only: true }]);
  });

  it('app update --version 2 (CLI): ONAPPUPDATE at the install URL with VERSION, PREVIOUS_VERSION, a fresh pair and a new application_token', async () => {
    const out = await cli('app', 'update', app.client_id, '--version', '2');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${app.client_id}: updated from version 1 to 2 (ONAPPUPDATE sent to ${r.base}/install)\n`);
    const [hit] = await r.waitFor(1, at('/install', 'ONAPPUPDATE'));
    assert.deepEqual(hit!.form.data, { VERSION: '2', PREVIOUS_VERSION: '1', LANGUAGE_ID: 'en' });
    const auth = hit!.form.auth as InstallAuth;
    assert.deepEqual(Object.keys(auth), [
      'access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token',
    ]);
    assert.notEqual(auth.application_token, first.application_token, 'an update brings a new application_token');
    assert.equal((await restWithAuth(p, 'user.current', auth.access_token)).status, 200);
    const info = await restWithAuth(p, 'app.info', auth.access_token);
    assert.equal(info.body.result.VERSION, 2);

    // the bot's events now carry the new application_token
    const person = await restWithAuth(p, 'imbot.message.add', auth.access_token, { BOT_ID: String(botId), DIALOG_ID: '1', MESSAGE: 'v2' });
    assert.equal(person.status, 200, person.text);
    const hook = `${p.adminHook}/im.message.add.json?DIALOG_ID=${botId}&MESSAGE=after%20update`;
    assert.equal((await fetch(hook)).status, 200);
    const [event] = await r.waitFor(1, at('/bot', 'ONIMBOTMESSAGEADD'));
    assert.equal((event!.form.auth as InstallAuth).application_token, auth.application_token);
  });

  it('POST /__control/apps/{client_id}/update goes to the handlers the app bound for ONAPPUPDATE', async () => {
    const token = (await r.waitFor(1, at('/install', 'ONAPPUPDATE')))[0]!.form.auth as InstallAuth;
    const bound = await restWithAuth(p, 'event.bind', token.access_token, { event: 'ONAPPUPDATE', handler: `${r.base}/updated` });
    assert.equal(bound.status, 200, bound.text);
    const a = await ctl(`apps/${app.client_id}/update`, { version: 3 });
    assert.deepEqual(a, { status: 200, body: { client_id: app.client_id, version: 3, previous_version: 2, sent_to: [`${r.base}/updated`] } });
    const [hit] = await r.waitFor(1, at('/updated', 'ONAPPUPDATE'));
    assert.deepEqual(hit!.form.data, { VERSION: '3', PREVIOUS_VERSION: '2', LANGUAGE_ID: 'en' });
    assert.equal(r.hits.filter(at('/install', 'ONAPPUPDATE')).length, 1, 'not at the install URL once the app bound a handler');
  });

  it('refusals change nothing: a version that is not higher, an unknown app, a bad body', async () => {
    const same = await cli('app', 'update', app.client_id, '--version', '3');
    assert.deepEqual([same.code, same.stderr], [1, `error: application ${app.client_id} is at version 3: an update goes to a higher version\n`]);
    const bad = await cli('app', 'update', app.client_id, '--version', 'x');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /a version is a positive integer/);
    assert.deepEqual(await ctl(`apps/${app.client_id}/update`, { version: 2 }), {
      status: 400,
      body: { error: 'INVALID_APP', error_description: `application ${app.client_id} is at version 3: an update goes to a higher version` },
    });
    assert.deepEqual(await ctl(`apps/${app.client_id}/update`, { version: '4' }), { status: 400, body: { error: 'INVALID_APP', error_description: 'Expected {"version": N}, N a positive integer' } });
    assert.deepEqual(await ctl('apps/local.nope/install', {}), { status: 404, body: { error: 'APP_NOT_FOUND', error_description: 'No application local.nope' } });
    assert.deepEqual(await ctl('apps/local.nope/update', { version: 9 }), { status: 404, body: { error: 'APP_NOT_FOUND', error_description: 'No application local.nope' } });
    assert.equal((await ctl('apps')).body.apps[0].version, 3);
    assert.equal(r.hits.filter((h) => h.form.event === 'ONAPPUPDATE').length, 2);
  });

  it('an uninstalled app cannot be updated; installing it again is a fresh install', async () => {
    const un = await ctl(`apps/${app.client_id}/uninstall`, { clean: false });
    assert.deepEqual(un, { status: 200, body: { client_id: app.client_id, bots: [botId] } });
    await r.waitFor(1, at('/install', 'ONAPPUNINSTALL'));
    assert.deepEqual(await ctl(`apps/${app.client_id}/update`, { version: 4 }), { status: 400, body: { error: 'INVALID_APP', error_description: `application ${app.client_id} is not installed` } });
    assert.deepEqual((await ctl(`apps/${app.client_id}/install`, {})).body, { client_id: app.client_id, outcome: 'installed', state: 'installed' });
    const hits = await r.waitFor(4, at('/install', 'ONAPPINSTALL'));
    assert.deepEqual(hits[3]!.form.data, { VERSION: '3', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' });
  });
});
