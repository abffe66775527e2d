import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { AppRow } from '../src/auth/oauth.js';
import { VENDOR_OAUTH_HOSTS } from '../src/server/listen.js';
import { startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp, refreshParams, restWithAuth } from './helpers/oauth.js';
import { startPortal, type TestPortal } from './helpers/server.js';

/*
 * `serve --oauth-alias`: clients that hard-wire the vendor's token server (CRest and b24phpsdk:
 * https://oauth.bitrix.info/oauth/token/, b24pysdk: https://oauth.bitrix24.tech) refresh their
 * tokens here once a hosts-file line maps the name to this machine. The test resolves the name
 * to 127.0.0.1 inside the client instead of touching the hosts file.
 */

interface Reply {
  status: number;
  body: any;
}

/** GET over HTTPS to `host` (resolved to 127.0.0.1), checking the certificate against the portal's CA. */
function viaName(host: string, port: number, path: string, ca: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host,
        port,
        path,
        ca,
        servername: host,
        lookup: (_name, opts, cb) => {
          if ((opts as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
          else (cb as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('OAuth alias: the vendor token server names served by the portal', () => {
  let p: TestPortal;
  let r: Receiver;
  let app: AppRow;
  let refresh: string;
  let ca: Buffer;

  before(async () => {
    p = await startPortal({ oauthAliases: [...VENDOR_OAUTH_HOSTS], oauthPort: 0 });
    r = await startReceiver();
    const installed = await installScriptApp(p, r, '/install');
    app = installed.app;
    refresh = installed.auth.refresh_token;
    ca = readFileSync(p.server.caPath);
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('refreshes at https://oauth.bitrix.info/oauth/token/ and answers as the vendor server: its name as server, the portal as client endpoint', async () => {
    const port = portOf(p.https);
    const a = await viaName('oauth.bitrix.info', port, `/oauth/token/?${new URLSearchParams(refreshParams(app, refresh))}`, ca);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.domain, `oauth.bitrix.info:${port}`); // as reached: on port 443, the bare name
    assert.equal(a.body.server_endpoint, `https://oauth.bitrix.info:${port}/rest/`);
    assert.equal(a.body.client_endpoint, `${p.https}/rest/`);
    assert.notEqual(a.body.refresh_token, refresh);
    refresh = a.body.refresh_token;
    // the new access token works on the portal
    const call = await restWithAuth(p, 'app.info', a.body.access_token);
    assert.equal(call.status, 200, JSON.stringify(call.body));
  });

  it('takes the double slash the PHP SDK builds (`//oauth/token/`) and the b24pysdk host, on the further port', async () => {
    const port = p.server.oauthPort!;
    assert.ok(port > 0 && port !== portOf(p.https));
    const a = await viaName('oauth.bitrix24.tech', port, `//oauth/token/?${new URLSearchParams(refreshParams(app, refresh))}`, ca);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.domain, `oauth.bitrix24.tech:${port}`);
    assert.equal(a.body.client_endpoint, `${p.https}/rest/`);
    refresh = a.body.refresh_token;
  });

  it('a spent refresh token gets the token server\'s invalid_grant under the alias too', async () => {
    const a = await viaName('oauth.bitrix.info', portOf(p.https), `/oauth/token/?${new URLSearchParams(refreshParams(app, 'spent-or-unknown'))}`, ca);
    assert.equal(a.status, 400);
    assert.equal(a.body.error, 'invalid_grant');
  });
});

describe('OAuth alias: off by default', () => {
  it('without --oauth-alias the certificate does not carry the vendor names (a client refuses the handshake)', async () => {
    const p = await startPortal();
    try {
      const ca = readFileSync(p.server.caPath);
      await assert.rejects(viaName('oauth.bitrix.info', portOf(p.https), '/oauth/token/', ca), (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.equal(p.server.oauthPort, undefined);
    } finally {
      await p.stop();
    }
  });
});
