import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { callJson, request, startPortal, type TestPortal, assertError, assertResult, type Expected, addPerson, sessionCall } from './helpers/server.js';

// imbot.app.register / unregister / update (api-reference/chats/outdated/create-app/),
// keyboard/menu buttons opening a chat app (api-reference/chats/messages/keyboards.md), chat apps on imbot.unregister (api-reference/chat-bots/outdated/bots/imbot-unregister.md step 6),
// and imbot.dialog.vote (undocumented).

type Params = Record<string, unknown>;

const H = 'http://127.0.0.1:9/apps';
const APP = 'apps-app';
const E = {
  session: [403, 'WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.'] as Expected,
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  code: [400, 'CODE_ERROR', "App code isn't specified"] as Expected,
  https: [400, 'IFRAME_HTTPS', 'Iframe params must be HTTPS site'] as Expected,
  hash: [400, 'HASH_ERROR', "Hash can't be empty"] as Expected,
  params: [400, 'PARAMS_ERROR', "Iframe or JS method isn't specified"] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  botOfOtherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  lang: [400, 'LANG_ERROR', "Lang set can't be empty"] as Expected,
  notFound: [400, 'CHAT_APP_ID_ERROR', 'App not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'App was installed by another rest application'] as Expected,
  cantDelete: [400, 'WRONG_REQUEST', "App can't be deleted"] as Expected,
  cantUpdate: [400, 'WRONG_REQUEST', "Command can't be updated"] as Expected,
  voteMessage: [400, 'MESSAGE_ID_EMPTY', "Message ID can't be empty"] as Expected,
  voteDialog: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  voteAccess: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
  voteNothing: [400, 'WITHOUT_CHANGES', 'Action completed without changes'] as Expected,
};
const LANG = [{ LANGUAGE_ID: 'EN', TITLE: 'Echo', DESCRIPTION: 'Send help', COPYRIGHT: 'Me' }];
const HASH = 'd1ab17949a572b0979d8db0d5b349cd2';
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** `undefined` overrides drop a key from the JSON body. */
const body = (base: Params, over: Params): Params => ({ ...base, ...over });

describe('chat apps (imbot.app.*)', () => {
  let p: TestPortal;
  let person: { id: number; hook: string };
  let bot: number;
  let otherBot: number;
  let foreignBot: number;
  const db = () => p.server.core.store.db;

  const call = (method: string, params: Params, hook = p.adminHook) => callJson(hook, method, params);
  const control = async (path: string, params: Params) => {
    const a = await request(`${p.http}/__control/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify(params),
    });
    assert.equal(a.status, 200, a.text);
    return a.body;
  };
  const failNextWrite = (method: string) => control('faults', { method, kind: 'store_failure', times: 1 });
  const asSession = (method: string, params: Params) => sessionCall(p, method, params);
  const newPerson = (name: string) => addPerson(p, name);
  const registerBot = async (code: string, clientId: string) =>
    assertResult(
      await call('imbot.register', { CODE: code, CLIENT_ID: clientId, EVENT_HANDLER: H, PROPERTIES: { NAME: code } }),
      `register ${code}`,
    ) as number;
  const jsApp = (code: string, over: Params = {}) =>
    body({ BOT_ID: bot, CODE: code, JS_METHOD: 'SEND', JS_PARAM: '/help', LANG, CLIENT_ID: APP }, over);
  const iframeApp = (code: string, over: Params = {}) =>
    body({ BOT_ID: bot, CODE: code, IFRAME: 'https://example.com/app.php', HASH, LANG, CLIENT_ID: APP }, over);
  const register = async (params: Params) => assertResult(await call('imbot.app.register', params), `register ${params.CODE}`) as number;
  const stored = (id: number) => db().selectFrom('chat_apps').selectAll().where('id', '=', id).executeTakeFirst();
  const storedLangs = (id: number) =>
    db()
      .selectFrom('chat_app_langs')
      .select(['language_id', 'title', 'description', 'copyright'])
      .where('chat_app_id', '=', id)
      .orderBy('language_id')
      .execute();

  before(async () => {
    p = await startPortal();
    person = await newPerson('Pat');
    bot = await registerBot('appbot', APP);
    otherBot = await registerBot('appbot2', APP);
    foreignBot = await registerBot('foreignapps', 'foreign-app');
  });
  after(() => p.stop());

  describe('imbot.app.register', () => {
    it('refuses browser sessions first', async () => {
      assertError(await asSession('imbot.app.register', jsApp('s', { CODE: undefined })), E.session);
    });

    const cases: [string, () => Params, Expected][] = [
      ['no CLIENT_ID', () => jsApp('x', { CLIENT_ID: undefined }), E.noClient],
      ['ACCESS_DENIED before CODE_ERROR', () => jsApp('x', { CLIENT_ID: '', CODE: undefined }), E.noClient],
      ['CODE missing', () => jsApp('x', { CODE: undefined }), E.code],
      ['CODE empty', () => jsApp('x', { CODE: '' }), E.code],
      ['CODE "0"', () => jsApp('x', { CODE: '0' }), E.code],
      ['CODE_ERROR before IFRAME_HTTPS', () => iframeApp('x', { CODE: undefined, IFRAME: 'http://example.com/' }), E.code],
      ['IFRAME over http', () => iframeApp('x', { IFRAME: 'http://example.com/app' }), E.https],
      ['IFRAME with an upper-case scheme', () => iframeApp('x', { IFRAME: 'HTTPS://example.com/app' }), E.https],
      ['IFRAME without a host', () => iframeApp('x', { IFRAME: 'https:///app' }), E.https],
      ['IFRAME scheme-relative', () => iframeApp('x', { IFRAME: '//example.com/app' }), E.https],
      ['IFRAME not a URL', () => iframeApp('x', { IFRAME: 'app.php' }), E.https],
      ['IFRAME_HTTPS before HASH_ERROR', () => iframeApp('x', { IFRAME: 'ftp://example.com', HASH: undefined }), E.https],
      ['HASH missing', () => iframeApp('x', { HASH: undefined }), E.hash],
      ['HASH "0"', () => iframeApp('x', { HASH: '0' }), E.hash],
      ['HASH_ERROR before BOT_ID_ERROR', () => iframeApp('x', { HASH: '', BOT_ID: undefined }), E.hash],
      ['neither JS nor IFRAME', () => jsApp('x', { JS_METHOD: undefined, JS_PARAM: undefined }), E.params],
      ['unknown JS_METHOD', () => jsApp('x', { JS_METHOD: 'OPEN' }), E.params],
      ['JS_METHOD is case-sensitive', () => jsApp('x', { JS_METHOD: 'send' }), E.params],
      ['JS_PARAM missing', () => jsApp('x', { JS_PARAM: undefined }), E.params],
      ['SEND without a /command', () => jsApp('x', { JS_PARAM: 'help' }), E.params],
      ['SEND with a one-letter command', () => jsApp('x', { JS_PARAM: '/h' }), E.params],
      ['PUT without a /command', () => jsApp('x', { JS_METHOD: 'PUT', JS_PARAM: 'hello there' }), E.params],
      ['CALL without a number', () => jsApp('x', { JS_METHOD: 'CALL', JS_PARAM: 'call me' }), E.params],
      ['SUPPORT with a short code', () => jsApp('x', { JS_METHOD: 'SUPPORT', JS_PARAM: 'abc123' }), E.params],
      // a JS pair whose parameter fails its pattern does not fall back to IFRAME (nor check it)
      ['a failing JS pair hides IFRAME', () => iframeApp('x', { JS_METHOD: 'SEND', JS_PARAM: 'help', IFRAME: 'http://insecure' }), E.params],
      ['PARAMS_ERROR before BOT_ID_ERROR', () => jsApp('x', { JS_METHOD: undefined, BOT_ID: 999_999 }), E.params],
      ['BOT_ID missing', () => jsApp('x', { BOT_ID: undefined }), E.noBot],
      ['BOT_ID 0', () => jsApp('x', { BOT_ID: 0 }), E.noBot],
      ['BOT_ID of nobody', () => jsApp('x', { BOT_ID: 999_999 }), E.noBot],
      ['BOT_ID of a person', () => jsApp('x', { BOT_ID: 1 }), E.noBot],
      ['bot of another app', () => jsApp('x', { BOT_ID: -1 }), E.botOfOtherApp],
      ['APP_ID_ERROR before LANG_ERROR', () => jsApp('x', { BOT_ID: -1, LANG: undefined }), E.botOfOtherApp],
      ['LANG missing', () => jsApp('x', { LANG: undefined }), E.lang],
      ['LANG empty', () => jsApp('x', { LANG: [] }), E.lang],
    ];
    for (const [label, params, expected] of cases) {
      it(`rejects: ${label}`, async () => {
        const given = params(); // built when the test runs, once the bots exist
        const P = given.BOT_ID === -1 ? { ...given, BOT_ID: foreignBot } : given;
        assertError(await call('imbot.app.register', P), expected, label);
      });
    }

    it('registers JS commands: the first match of the pattern becomes the JS', async () => {
      const cases: [Params, string][] = [
        [{ JS_METHOD: 'SEND', JS_PARAM: 'say /echo hello world, please' }, "BXIM.sendMessage('/echo hello world');"],
        [{ JS_METHOD: 'PUT', JS_PARAM: '/help' }, "BXIM.putMessage('/help');"],
        [{ JS_METHOD: 'CALL', JS_PARAM: 'phone: +1 (555) 123-45#6' }, "BXIM.phoneTo(' +1 (555) 123-45#6');"],
        [{ JS_METHOD: 'SUPPORT', JS_PARAM: `line ${'A1'.repeat(16)}` }, `BXIM.openMessenger('networkLines${'A1'.repeat(16)}');`],
      ];
      for (const [i, [over, js]] of cases.entries()) {
        const id = await register(jsApp(`js${i}`, over));
        assert.equal(typeof id, 'number');
        const row = await stored(id);
        assert.equal(row?.js, js, String(over.JS_METHOD));
        assert.deepEqual(
          { iframe: row?.iframe, w: row?.iframe_width, h: row?.iframe_height, popup: row?.iframe_popup },
          { iframe: '', w: 350, h: 250, popup: 'N' },
          'a JS app keeps the portal\'s default window',
        );
        assert.match(row!.hash, /^[0-9a-f]{32}$/, 'JS apps get a generated hash');
      }
    });

    it('stores the defaults and the LANG rows the portal keeps', async () => {
      const id = await register(
        jsApp('defaults', {
          LANG: [
            { LANGUAGE_ID: 'DE', TITLE: 'Echo DE' },
            { LANGUAGE_ID: 'en', TITLE: 'Echo EN', DESCRIPTION: 'd', COPYRIGHT: 'c' },
            { LANGUAGE_ID: 'en', TITLE: 'second en is dropped' },
            { LANGUAGE_ID: 'eng', TITLE: 'too long a language' },
            { LANGUAGE_ID: 'fr' },
            { TITLE: 'no language' },
            { LANGUAGE_ID: 'it', TITLE: 'x'.repeat(256) },
          ],
        }),
      );
      const row = await stored(id);
      assert.deepEqual(
        { bot: row?.bot_id, app: row?.app_id, code: row?.code, context: row?.context, hidden: row?.hidden, ext: row?.extranet_support, live: row?.livechat_support, icon: row?.icon },
        { bot, app: `custom${APP}`, code: 'defaults', context: 'all', hidden: 'N', ext: 'N', live: 'N', icon: '' },
      );
      assert.deepEqual(await storedLangs(id), [
        { language_id: 'de', title: 'Echo DE', description: '', copyright: '' },
        { language_id: 'en', title: 'Echo EN', description: 'd', copyright: 'c' },
      ]);
    });

    it('registers IFRAME apps: page URL ready for parameters, sizes clamped, hash cut to 32', async () => {
      const plain = await stored(await register(iframeApp('frame1', { HASH: `${HASH}tail`, CONTEXT: 'BOT-admin', IFRAME_POPUP: 'Y', HIDDEN: 'Y', EXTRANET_SUPPORT: 'Y', LIVECHAT_SUPPORT: 'Y' })));
      assert.deepEqual(
        { iframe: plain?.iframe, js: plain?.js, w: plain?.iframe_width, h: plain?.iframe_height, popup: plain?.iframe_popup, hash: plain?.hash, context: plain?.context },
        { iframe: 'https://example.com/app.php?', js: '', w: 320, h: 250, popup: 'Y', hash: HASH, context: 'bot-admin' },
      );
      assert.deepEqual([plain?.hidden, plain?.extranet_support, plain?.livechat_support], ['Y', 'Y', 'Y']);
      const small = await stored(await register(iframeApp('frame2', { IFRAME: 'https://example.com/a?x=1', IFRAME_WIDTH: 100, IFRAME_HEIGHT: '10' })));
      assert.deepEqual([small?.iframe, small?.iframe_width, small?.iframe_height], ['https://example.com/a?x=1&', 250, 50]);
      const big = await stored(await register(iframeApp('frame3', { IFRAME_WIDTH: '400', IFRAME_HEIGHT: 300, IFRAME_POPUP: 'y' })));
      assert.deepEqual([big?.iframe_width, big?.iframe_height, big?.iframe_popup], [400, 300, 'N']);
    });

    it('JS wins over IFRAME when both are given', async () => {
      const row = await stored(await register(iframeApp('both', { JS_METHOD: 'SEND', JS_PARAM: '/help', IFRAME: 'http://not-checked' })));
      assert.deepEqual([row?.js, row?.iframe], ["BXIM.sendMessage('/help');", '']);
    });

    it('keeps a valid ICON_FILE and ignores an invalid one', async () => {
      const withIcon = await stored(await register(jsApp('icon1', { ICON_FILE: PNG })));
      assert.equal(withIcon?.icon, `data:image/png;base64,${PNG}`);
      const pair = await stored(await register(jsApp('icon2', { ICON_FILE: ['icon.png', PNG] })));
      assert.equal(pair?.icon, `data:image/png;base64,${PNG}`);
      const bad = await stored(await register(jsApp('icon3', { ICON_FILE: 'bm90IGFuIGltYWdl' })));
      assert.equal(bad?.icon, '');
    });

    it('is idempotent on (BOT_ID, CODE): the first registration stays as it was', async () => {
      const id = await register(jsApp('same'));
      const again = await register(iframeApp('same', { CONTEXT: 'CHAT', LANG: [{ LANGUAGE_ID: 'de', TITLE: 'Neu' }] }));
      assert.equal(again, id);
      const row = await stored(id);
      assert.deepEqual([row?.js, row?.context], ["BXIM.sendMessage('/help');", 'all']);
      assert.deepEqual((await storedLangs(id)).map((l) => l.language_id), ['en']);
      const ofOtherBot = await register(jsApp('same', { BOT_ID: otherBot }));
      assert.notEqual(ofOtherBot, id, 'the same code on another bot is another app');
    });

    it('takes top-level names in any case and form-encoded bodies', async () => {
      const form = new URLSearchParams({
        bot_id: String(bot),
        code: 'form',
        js_method: 'SEND',
        js_param: '/menu',
        'LANG[0][LANGUAGE_ID]': 'en',
        'LANG[0][TITLE]': 'Menu',
        client_id: APP,
      });
      const a = await request(`${p.adminHook}/imbot.app.register`, { method: 'POST', body: form });
      const row = await stored(assertResult(a, 'form'));
      assert.equal(row?.js, "BXIM.sendMessage('/menu');");
      assert.deepEqual((await storedLangs(row!.id)).map((l) => l.title), ['Menu']);
    });

    it('a failed store answers WRONG_REQUEST with the var_export dump and creates nothing', async () => {
      const before = await db().selectFrom('chat_apps').select('id').execute();
      await failNextWrite('imbot.app.register');
      const a = await call('imbot.app.register', jsApp('dump', { LANG: [{ LANGUAGE_ID: 'en', TITLE: "It's" }] }));
      const dump = [
        "App can't be registeredarray (",
        `  'APP_ID' => 'custom${APP}',`,
        `  'BOT_ID' => ${bot},`,
        "  'CODE' => 'dump',",
        "  'ICON_ID' => 0,",
        "  'HASH' => '',",
        "  'CONTEXT' => 'ALL',",
        "  'HIDDEN' => 'N',",
        "  'JS' => 'BXIM.sendMessage(\\'/help\\');',",
        "  'IFRAME' => '',",
        "  'IFRAME_HEIGHT' => 0,",
        "  'IFRAME_WIDTH' => 0,",
        "  'IFRAME_POPUP' => 'N',",
        "  'EXTRANET_SUPPORT' => 'N',",
        "  'LIVECHAT_SUPPORT' => 'N',",
        "  'MODULE_ID' => 'rest',",
        "  'LANG' => ",
        '  array (',
        '    0 => ',
        '    array (',
        "      'LANGUAGE_ID' => 'en',",
        "      'TITLE' => 'It\\'s',",
        '    ),',
        '  ),',
        ')',
      ].join('\n');
      assertError(a, [400, 'WRONG_REQUEST', dump]);
      assert.deepEqual(await db().selectFrom('chat_apps').select('id').execute(), before);
    });

    it('a value the table cannot hold answers WRONG_REQUEST with the dump (IFRAME fields as sent)', async () => {
      const code = 'c'.repeat(256);
      const a = await call('imbot.app.register', iframeApp(code, { IFRAME_WIDTH: '400', IFRAME_HEIGHT: 20, CONTEXT: 'chat', HIDDEN: 'Y' }));
      const dump = [
        "App can't be registeredarray (",
        `  'APP_ID' => 'custom${APP}',`,
        `  'BOT_ID' => ${bot},`,
        `  'CODE' => '${code}',`,
        "  'ICON_ID' => 0,",
        `  'HASH' => '${HASH}',`,
        "  'CONTEXT' => 'chat',",
        "  'HIDDEN' => 'Y',",
        "  'JS' => '',",
        "  'IFRAME' => 'https://example.com/app.php',",
        "  'IFRAME_HEIGHT' => 50,",
        "  'IFRAME_WIDTH' => '400',",
        "  'IFRAME_POPUP' => 'N',",
        "  'EXTRANET_SUPPORT' => 'N',",
        "  'LIVECHAT_SUPPORT' => 'N',",
        "  'MODULE_ID' => 'rest',",
        "  'LANG' => ",
        '  array (',
        '    0 => ',
        '    array (',
        "      'LANGUAGE_ID' => 'EN',",
        "      'TITLE' => 'Echo',",
        "      'DESCRIPTION' => 'Send help',",
        "      'COPYRIGHT' => 'Me',",
        '    ),',
        '  ),',
        ')',
      ].join('\n');
      assertError(a, [400, 'WRONG_REQUEST', dump]);
    });
  });

  describe('imbot.app.unregister', () => {
    let foreignApp: number;
    before(async () => {
      foreignApp = await register(jsApp('foreign', { BOT_ID: foreignBot, CLIENT_ID: 'foreign-app' }));
    });

    it('refuses browser sessions', async () => {
      assertError(await asSession('imbot.app.unregister', { APP_ID: foreignApp }), E.session);
    });

    const cases: [string, Params, Expected][] = [
      ['no CLIENT_ID', { APP_ID: -1 }, E.noClient],
      ['ACCESS_DENIED before CHAT_APP_ID_ERROR', { APP_ID: 999_999 }, E.noClient],
      ['APP_ID missing', { CLIENT_ID: APP }, E.notFound],
      ['APP_ID of nothing', { APP_ID: 999_999, CLIENT_ID: APP }, E.notFound],
      ['APP_ID not a canonical integer', { APP_ID: '0-1', CLIENT_ID: APP }, E.notFound],
      ['app of another application', { APP_ID: -1, CLIENT_ID: APP }, E.otherApp],
    ];
    for (const [label, params, expected] of cases) {
      it(`rejects: ${label}`, async () => {
        const P = params.APP_ID === -1 ? { ...params, APP_ID: foreignApp } : params;
        assertError(await call('imbot.app.unregister', P), expected, label);
      });
    }

    it('a failed store answers WRONG_REQUEST and keeps the app', async () => {
      const id = await register(jsApp('keep'));
      await failNextWrite('imbot.app.unregister');
      assertError(await call('imbot.app.unregister', { APP_ID: id, CLIENT_ID: APP }), E.cantDelete);
      assert.ok(await stored(id));
      assert.equal((await storedLangs(id)).length, 1);
    });

    it('deletes the app and its language rows; a second call finds nothing', async () => {
      const id = await register(jsApp('gone'));
      assert.equal(assertResult(await call('imbot.app.unregister', { APP_ID: String(id), CLIENT_ID: APP })), true);
      assert.equal(await stored(id), undefined);
      assert.deepEqual(await storedLangs(id), []);
      assertError(await call('imbot.app.unregister', { APP_ID: id, CLIENT_ID: APP }), E.notFound);
      assert.ok(await stored(foreignApp), 'other apps stay');
    });
  });

  describe('imbot.app.update', () => {
    let foreignApp: number;
    before(async () => {
      foreignApp = await register(jsApp('foreign-u', { BOT_ID: foreignBot, CLIENT_ID: 'foreign-app' }));
    });
    const update = (id: number, fields: Params, over: Params = {}) => call('imbot.app.update', { APP_ID: id, FIELDS: fields, CLIENT_ID: APP, ...over });
    const updated = async (id: number, fields: Params, over: Params = {}) => {
      assert.equal(assertResult(await update(id, fields, over), 'update'), true);
      return (await stored(id))!;
    };

    it('refuses browser sessions', async () => {
      assertError(await asSession('imbot.app.update', { APP_ID: foreignApp, FIELDS: { IFRAME: 'http://x' } }), E.session);
    });

    it('checks in the order ACCESS_DENIED, CHAT_APP_ID_ERROR, APP_ID_ERROR, IFRAME_HTTPS', async () => {
      const own = await register(jsApp('order'));
      const bad = { IFRAME: 'http://example.com/' };
      assertError(await update(999_999, bad, { CLIENT_ID: undefined }), E.noClient, 'no CLIENT_ID');
      assertError(await update(999_999, bad), E.notFound, 'unknown APP_ID');
      assertError(await call('imbot.app.update', { FIELDS: bad, CLIENT_ID: APP }), E.notFound, 'APP_ID missing');
      assertError(await update(foreignApp, bad), E.otherApp, 'app of another application');
      assertError(await update(own, bad), E.https, 'IFRAME over http');
      assertError(await update(own, { IFRAME: 'https://' }), E.https, 'IFRAME without a host');
    });

    it('a failed store answers "Command can\'t be updated" (sic) and changes nothing', async () => {
      const id = await register(jsApp('fail-u'));
      await failNextWrite('imbot.app.update');
      assertError(await update(id, { CONTEXT: 'CHAT', LANG: [{ LANGUAGE_ID: 'de', TITLE: 'x' }] }), E.cantUpdate);
      assert.equal((await stored(id))?.context, 'all');
      assert.deepEqual((await storedLangs(id)).map((l) => l.language_id), ['en']);
    });

    it('answers true with nothing to change, and ignores fields outside FIELDS', async () => {
      const id = await register(jsApp('nothing'));
      const before = await stored(id);
      assert.deepEqual(await updated(id, {}), before);
      assert.deepEqual(await updated(id, {}, { CONTEXT: 'CHAT', IFRAME: 'https://example.com/' }), before);
      assert.equal(assertResult(await call('imbot.app.update', { APP_ID: id, FIELDS: 'CONTEXT=CHAT', CLIENT_ID: APP })), true);
      assert.deepEqual(await stored(id), before);
    });

    it('an IFRAME replaces the JS command, a JS command replaces the IFRAME', async () => {
      const id = await register(jsApp('swap'));
      let row = await updated(id, { IFRAME: 'https://example.com/p?a=1', IFRAME_WIDTH: 100, IFRAME_HEIGHT: '500', IFRAME_POPUP: 'Y' });
      assert.deepEqual([row.iframe, row.js, row.iframe_width, row.iframe_height, row.iframe_popup], ['https://example.com/p?a=1&', '', 250, 500, 'Y']);
      row = await updated(id, { JS_METHOD: 'CALL', JS_PARAM: '+49 30 1234', IFRAME: 'http://ignored' });
      assert.deepEqual([row.js, row.iframe], ["BXIM.phoneTo('+49 30 1234');", '']);
    });

    it('a JS pair failing its pattern changes no page and skips the IFRAME check', async () => {
      const id = await register(jsApp('failing-js'));
      const row = await updated(id, { JS_METHOD: 'SEND', JS_PARAM: 'no slash', IFRAME: 'http://insecure' });
      assert.deepEqual([row.js, row.iframe], ["BXIM.sendMessage('/help');", '']);
    });

    it('updates context (lower-cased), hash, flags and replaces LANG', async () => {
      const id = await register(iframeApp('fields'));
      const row = await updated(id, {
        CONTEXT: 'LINES-admin',
        HASH: 'new-hash',
        HIDDEN: 'Y',
        EXTRANET_SUPPORT: 'Y',
        LIVECHAT_SUPPORT: 'yes',
        IFRAME_POPUP: 'N',
        LANG: [{ LANGUAGE_ID: 'DE', TITLE: 'Hallo', COPYRIGHT: 'c' }, { LANGUAGE_ID: 'fr' }],
        ICON_FILE: PNG,
      });
      assert.deepEqual(
        [row.context, row.hash, row.hidden, row.extranet_support, row.livechat_support, row.iframe_popup, row.icon],
        ['lines-admin', 'new-hash', 'Y', 'Y', 'N', 'N', ''],
      );
      assert.deepEqual(await storedLangs(id), [{ language_id: 'de', title: 'Hallo', description: '', copyright: 'c' }]);
      const flagsOff = await updated(id, { HIDDEN: 'N', CONTEXT: '', HASH: '' });
      assert.deepEqual([flagsOff.hidden, flagsOff.context, flagsOff.hash], ['N', 'lines-admin', 'new-hash'], 'empty CONTEXT/HASH are not changes');
    });

    it('a value the table cannot hold leaves the row as it was but still answers true (LANG is replaced)', async () => {
      const id = await register(jsApp('overlong'));
      const row = await updated(id, { HASH: 'h'.repeat(33), CONTEXT: 'CHAT', LANG: [{ LANGUAGE_ID: 'de', TITLE: 'Neu' }] });
      assert.deepEqual([row.hash.length, row.context], [32, 'all']);
      assert.deepEqual((await storedLangs(id)).map((l) => l.title), ['Neu']);
    });
  });

  describe('buttons and the bot lifecycle', () => {
    it('keyboard buttons and menu items carry APP_ID and APP_PARAMS', async () => {
      const appId = await register(iframeApp('context-app', { HIDDEN: 'Y' }));
      const messageId = assertResult(
        await call('imbot.message.add', {
          BOT_ID: bot,
          CLIENT_ID: APP,
          DIALOG_ID: String(person.id),
          MESSAGE: 'open the app',
          KEYBOARD: [{ TEXT: 'Open App', APP_ID: appId, APP_PARAMS: 'order=5' }],
          MENU: [{ TEXT: 'Open App', APP_ID: String(appId) }],
        }),
      );
      const history = assertResult(await callJson(person.hook, 'im.dialog.messages.get', { DIALOG_ID: String(bot), LIMIT: 10 }));
      const m = history.messages.find((x: any) => x.id === messageId);
      assert.deepEqual(
        { APP_ID: m.params.KEYBOARD[0].APP_ID, APP_PARAMS: m.params.KEYBOARD[0].APP_PARAMS, TEXT: m.params.KEYBOARD[0].TEXT },
        { APP_ID: appId, APP_PARAMS: 'order=5', TEXT: 'Open App' },
      );
      assert.equal(m.params.MENU[0].APP_ID, appId);
    });

    it('imbot.unregister deletes the bot\'s chat apps and nobody else\'s', async () => {
      const doomed = await registerBot('doomed', APP);
      const a1 = await register(jsApp('d1', { BOT_ID: doomed }));
      const a2 = await register(iframeApp('d2', { BOT_ID: doomed }));
      const kept = await register(jsApp('kept', { BOT_ID: otherBot }));
      assert.equal(assertResult(await call('imbot.unregister', { BOT_ID: doomed, CLIENT_ID: APP })), true);
      assert.deepEqual(await db().selectFrom('chat_apps').select('id').where('bot_id', '=', doomed).execute(), []);
      assert.deepEqual(await db().selectFrom('chat_app_langs').select('chat_app_id').where('chat_app_id', 'in', [a1, a2]).execute(), []);
      assert.ok(await stored(kept));
      assertError(await call('imbot.app.unregister', { APP_ID: a1, CLIENT_ID: APP }), E.notFound);
    });
  });
});

describe('imbot.dialog.vote', () => {
  let p: TestPortal;
  let pat: { id: number; hook: string };
  let chatOfOthers: number;
  let messageId: number;

  const vote = (params: Params, hook = pat.hook) => callJson(hook, 'imbot.dialog.vote', params);

  before(async () => {
    p = await startPortal();
    const db = p.server.core.store.db;
    const patId = await createUser(db, p.server.clock, { name: 'Pat' });
    const hook = await addWebhook(db, p.server.clock, { userId: patId, scope: SERVED_SCOPES.join(',') });
    pat = { id: patId, hook: `${p.http}/rest/${patId}/${hook.code}` };
    const quinn = await createUser(db, p.server.clock, { name: 'Quinn' });
    chatOfOthers = assertResult(await callJson(p.adminHook, 'im.chat.add', { TITLE: 'Closed', USERS: [quinn] }));
    messageId = assertResult(await callJson(pat.hook, 'im.message.add', { DIALOG_ID: '1', MESSAGE: 'rate me' }));
  });
  after(() => p.stop());

  const cases: [string, () => Params, Expected][] = [
    ['MESSAGE_ID missing', () => ({ DIALOG_ID: '1' }), E.voteMessage],
    ['MESSAGE_ID_EMPTY before DIALOG_ID_EMPTY', () => ({}), E.voteMessage],
    ['DIALOG_ID missing', () => ({ MESSAGE_ID: messageId }), E.voteDialog],
    ['DIALOG_ID malformed', () => ({ MESSAGE_ID: messageId, DIALOG_ID: 'chat' }), E.voteDialog],
    ['a chat the caller is not in', () => ({ MESSAGE_ID: messageId, DIALOG_ID: `chat${chatOfOthers}` }), E.voteAccess],
    ['a user who does not exist', () => ({ MESSAGE_ID: messageId, DIALOG_ID: '999999' }), E.voteAccess],
    // no open-line session (and no network bot) exists here, so nothing can be rated
    ['a message of an ordinary dialog', () => ({ MESSAGE_ID: messageId, DIALOG_ID: '1', RATING: 'dislike' }), E.voteNothing],
    ['MESSAGE_ID "0" is present, so it passes the first check', () => ({ MESSAGE_ID: '0', DIALOG_ID: '1' }), E.voteNothing],
  ];
  for (const [label, params, expected] of cases) {
    it(`answers: ${label}`, async () => {
      assertError(await vote(params()), expected, label);
    });
  }

  it('needs no CLIENT_ID and accepts browser sessions (it acts as the calling user)', async () => {
    const s = await request(`${p.http}/__control/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ user_id: pat.id }),
    });
    const a = await request(`${p.http}/rest/imbot.dialog.vote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `PHPSESSID=${s.body.PHPSESSID}` },
      body: JSON.stringify({ MESSAGE_ID: messageId, DIALOG_ID: '1', sessid: s.body.sessid }),
    });
    assertError(a, E.voteNothing);
  });
});
