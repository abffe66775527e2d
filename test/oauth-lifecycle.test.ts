import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { runCli, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { refreshParams, restWithAuth, tokenGet, type InstallAuth } from './helpers/oauth.js';
import { callJson, errorOf, startPortal, type TestPortal } from './helpers/server.js';

// The whole life of a local app through the CLI and HTTP: app add (script-only, ONAPPINSTALL) →
// imbot.register with the app's token → ONIMBOTMESSAGEADD with per-bot tokens → app uninstall
// (ONIMBOTDELETE, ONAPPUNINSTALL without tokens, bot and bindings gone) → app remove.

describe('OAuth app lifecycle through the CLI', () => {
  let p: TestPortal;
  let r: Receiver;
  let cli: (...args: string[]) => ReturnType<typeof runCli>;
  let clientId: string;
  let clientSecret: string;
  let install: InstallAuth;
  let botId: number;
  let person: number;
  let personHook: string;

  const eventAt = (path: string, event: string) => (h: Hit) => h.url === path && h.form.event === event;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    // the CLI describes the portal at the address the running server recorded in the store
    cli = (...args) => runCli(...args, '--data', p.dataDir);
    const db = p.server.core.store.db;
    person = await createUser(db, p.server.clock, { name: 'Svetlana', lastName: 'Ivanova', gender: 'F' });
    personHook = `${p.http}/rest/${person}/${(await addWebhook(db, p.server.clock, { userId: person, scope: SERVED_SCOPES.join(',') })).code}`;
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('app add prints client_id and client_secret; the install URL receives ONAPPINSTALL', async () => {
    const out = await cli('app', 'add', '--name', 'Echo', '--scope', 'imbot,im,user', '--install-url', `${r.base}/install`, '--client-secret', 'LJSl0lNB76B5YY6u0YVQ3AW0DrVADcRTwVr4y99PXU1BWQybWK');
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0]!, /^client_id: local\.[0-9a-f]{14}\.\d{8}$/);
    clientId = lines[0]!.slice('client_id: '.length);
    clientSecret = lines[1]!.slice('client_secret: '.length);
    assert.equal(clientSecret, 'LJSl0lNB76B5YY6u0YVQ3AW0DrVADcRTwVr4y99PXU1BWQybWK');
    assert.equal(lines[2], `state: installed (ONAPPINSTALL sent to ${r.base}/install)`);
    const [hit] = await r.waitFor(1, eventAt('/install', 'ONAPPINSTALL'));
    install = hit!.form.auth as InstallAuth;
    assert.equal(install.domain, p.server.core.portal.domain);
    assert.equal(install.user_id, '1');

    const list = await cli('app', 'list');
    assert.equal(list.stdout, `1\t${clientId}\tinstalled\timbot,im,user\tscript-only\tEcho\n`);
  });

  it('a bot registered with the app token belongs to the app; its events carry the per-bot token block and full auth', async () => {
    p.server.clock.freeze(); // so `ts` and `expires` come from one instant
    const reg = await restWithAuth(p, 'imbot.register', install.access_token, {
      CODE: 'echo', CLIENT_ID: 'ignored', EVENT_HANDLER: `${r.base}/bot`, 'PROPERTIES[NAME]': 'Echo',
    });
    assert.equal(reg.status, 200, reg.text);
    botId = reg.body.result;
    const owner = await p.server.core.store.db.selectFrom('bots').select('app_id').where('bot_id', '=', botId).executeTakeFirstOrThrow();
    assert.equal(owner.app_id, clientId);

    assert.equal((await callJson(personHook, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'Hello' })).status, 200);
    const [hit] = await r.waitFor(1, eventAt('/bot', 'ONIMBOTMESSAGEADD'));
    const data = hit!.form.data as any;
    const bot = data.BOT[String(botId)];
    const { domain, baseUrl, memberId } = p.server.core.portal;
    const block = {
      access_token: bot.access_token, expires: bot.expires, expires_in: '3600', scope: 'imbot,im,user', domain,
      server_endpoint: `${baseUrl}/rest/`, status: 'L', client_endpoint: `${baseUrl}/rest/`, member_id: memberId,
      refresh_token: bot.refresh_token, user_id: String(botId), client_id: clientId, application_token: install.application_token,
    };
    assert.deepEqual(bot, { ...block, AUTH: block, BOT_ID: String(botId), BOT_CODE: 'echo' });
    assert.equal(Number(bot.expires), Number(hit!.form.ts) + 3600); // the portal clock is frozen
    assert.equal(data.PARAMS.MESSAGE, 'Hello');
    const auth = hit!.form.auth as Record<string, string>;
    assert.deepEqual(Object.keys(auth), [
      'access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token',
    ]);
    assert.equal(auth.user_id, String(person));
    assert.equal(auth.application_token, install.application_token);

    // the bot's pair is a real pair: it calls REST as the bot and refreshes at the token server
    const answer = await restWithAuth(p, 'imbot.message.add', bot.access_token, { DIALOG_ID: String(person), MESSAGE: 'Hi!' });
    assert.equal(answer.status, 200, answer.text);
    const renewed = await tokenGet(p, { ...refreshParams({ client_id: clientId, client_secret: clientSecret } as any, bot.refresh_token) });
    assert.equal(renewed.status, 200, renewed.text);
    assert.equal(renewed.body.user_id, botId);
    // the person's pair from the top-level auth works too
    assert.equal((await restWithAuth(p, 'user.current', auth.access_token)).body.result.ID, String(person));
    // the CLI times what it writes with the wall clock, which the portal clock must not lag behind
    p.server.clock.unfreeze();
  });

  it('app uninstall --clean: ONIMBOTDELETE, ONAPPUNINSTALL without tokens, bot and bindings gone, tokens dead', async () => {
    const out = await cli('app', 'uninstall', clientId, '--clean');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${clientId}: uninstalled, bots ${botId} unregistered\n`);

    const { domain, baseUrl, memberId } = p.server.core.portal;
    const bare = { domain, client_endpoint: `${baseUrl}/rest/`, server_endpoint: `${baseUrl}/rest/`, member_id: memberId, application_token: install.application_token };
    const [deleted] = await r.waitFor(1, eventAt('/bot', 'ONIMBOTDELETE'));
    assert.deepEqual(deleted!.form.data, { BOT_ID: String(botId), BOT_CODE: 'echo' });
    assert.deepEqual(deleted!.form.auth, bare);
    const [gone] = await r.waitFor(1, eventAt('/install', 'ONAPPUNINSTALL'));
    assert.deepEqual(Object.keys(gone!.form), ['event', 'event_handler_id', 'data', 'ts', 'auth']);
    assert.deepEqual(gone!.form.data, { LANGUAGE_ID: 'en', CLEAN: '1' });
    assert.deepEqual(gone!.form.auth, bare);

    const list = await callJson(p.adminHook, 'imbot.bot.list');
    assert.equal(Object.keys(list.body.result).includes(String(botId)), false);
    const app = await p.server.core.store.db.selectFrom('apps').select('id').where('client_id', '=', clientId).executeTakeFirstOrThrow();
    assert.deepEqual(await p.server.core.store.db.selectFrom('event_bindings').select('id').where('app_id', '=', app.id).execute(), []);
    assert.deepEqual(errorOf(await restWithAuth(p, 'user.current', install.access_token)), {
      status: 401, error: 'APPLICATION_NOT_FOUND', error_description: 'Application not found',
    });
    assert.equal((await cli('app', 'list')).stdout, `1\t${clientId}\tnot installed\timbot,im,user\tscript-only\tEcho\n`);
  });

  it('app remove: the client id becomes unknown to the token server; CLI errors are one line', async () => {
    assert.equal((await cli('app', 'remove', clientId)).stdout, `${clientId}: removed\n`);
    assert.deepEqual(errorOf(await tokenGet(p, { grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: install.refresh_token })), {
      status: 200, error: 'WRONG_CLIENT', error_description: 'Wrong client',
    });
    assert.equal((await cli('app', 'list')).stdout, '');
    const missing = await cli('app', 'install', clientId);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `error: no application ${clientId}\n`);
  });
});
