import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { B24OAuth, EnumAppStatus } from '@bitrix24/b24jssdk';
import type { AppRow } from '../src/auth/oauth.js';
import { startReceiver, type Receiver } from './helpers/events.js';
import { advance, installScriptApp, refreshParams, restWithAuth, tokenPost, type InstallAuth } from './helpers/oauth.js';
import { errorOf, startPortal, type TestPortal } from './helpers/server.js';

// Real OAuth clients against the token server and REST: the JS SDK's B24OAuth (plain HTTP, endpoints
// verbatim) and a CRest-style PHP client (install callback, form bodies with auth, refresh on
// expired_token). Time moves through the control API only.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('OAuth clients: b24jssdk B24OAuth and a CRest-style PHP client', () => {
  let p: TestPortal;
  let r: Receiver;
  let app: AppRow;
  let auth: InstallAuth;
  let installBody: string;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    const installed = await installScriptApp(p, r, '/install');
    ({ app, auth } = installed);
    installBody = installed.hit.raw;
    p.server.clock.freeze(); // expiries below are exact
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('B24OAuth calls, gets expired_token after the clock passes expiry, refreshes at /oauth/token/ and retries', async () => {
    // An app of its own, so the PHP client below keeps its install pair.
    const sdkApp = await installScriptApp(p, r, '/sdk');
    const own = await tokenPost(p, refreshParams(sdkApp.app, sdkApp.auth.refresh_token));
    assert.equal(own.status, 200, own.text);
    const b24 = new B24OAuth(
      {
        applicationToken: sdkApp.app.application_token,
        userId: own.body.user_id,
        memberId: own.body.member_id,
        accessToken: own.body.access_token,
        refreshToken: own.body.refresh_token,
        expires: own.body.expires,
        expiresIn: own.body.expires_in,
        scope: own.body.scope,
        domain: own.body.domain,
        clientEndpoint: own.body.client_endpoint,
        serverEndpoint: own.body.server_endpoint,
        status: EnumAppStatus.Local,
      },
      { clientId: sdkApp.app.client_id, clientSecret: sdkApp.app.client_secret },
    );
    b24.offClientSideWarning();
    const refreshed: any[] = [];
    b24.setCallbackRefreshAuth(async ({ b24OAuthParams }) => {
      refreshed.push({ ...b24OAuthParams });
    });
    const call = async (method: string) => (await b24.actions.v2.call.make<any>({ method, params: {} })).getData()!.result;

    assert.equal((await call('user.current')).ID, '1');
    assert.equal(refreshed.length, 0);

    await advance(p, 3600_000);
    assert.equal(errorOf(await restWithAuth(p, 'user.current', own.body.access_token)).error, 'expired_token');
    assert.equal((await call('user.current')).ID, '1');
    assert.equal(refreshed.length, 1);
    assert.notEqual(refreshed[0].accessToken, own.body.access_token);
    assert.notEqual(refreshed[0].refreshToken, own.body.refresh_token);
    assert.equal(refreshed[0].expires, Math.floor(p.server.clock.now() / 1000) + 3600);
    assert.equal(refreshed[0].serverEndpoint, `${p.http}/rest/`);
    // the SDK's old refresh token is spent; its new access token works
    assert.equal(errorOf(await tokenPost(p, refreshParams(sdkApp.app, own.body.refresh_token))).error, 'invalid_grant');
    assert.equal((await restWithAuth(p, 'profile', refreshed[0].accessToken)).status, 200);
  });

  it('a CRest-style PHP client installs from ONAPPINSTALL, calls with form bodies and refreshes on expired_token', async () => {
    const run = (params: Record<string, unknown>) =>
      new Promise<any>((done, fail) => {
        const args = [resolve(repoRoot, 'test/clients/crest_oauth.php'), p.server.caPath, p.https, app.client_id, app.client_secret, 'im.message.add'];
        const child = spawn('php', args, { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
        child.on('error', fail);
        child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`php exited ${code}: ${err}`))));
        child.stdin.end(JSON.stringify({ install: installBody, params }));
      });

    await advance(p, 3600_000); // the install pair has expired by now
    const a = await run({ DIALOG_ID: 1, MESSAGE: 'from CRest' });
    assert.equal(a.installed, true);
    assert.equal(a.refreshed, true);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(typeof a.body.result, 'number');
    assert.deepEqual(Object.keys(a.settings), ['access_token', 'refresh_token', 'domain', 'application_token', 'client_endpoint']);
    assert.equal(a.settings.application_token, app.application_token);
    assert.equal(a.settings.client_endpoint, `${p.https}/rest/`);
    assert.notEqual(a.settings.refresh_token, auth.refresh_token);
  });
});
