import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { until } from './helpers/events.js';
import { launchBrowser, SHOTS_DIR, type TestBrowser } from './helpers/browser.js';
import { addPerson, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

/*
 * The web messenger's notifications, forwards, bot reactions and APP_ID buttons, in Debian's
 * Chromium against a portal started here; plus the HTTP answers behind them (the forward params
 * of im.dialog.messages.get, the refusals of /__web/app-button).
 */

type Obj = Record<string, any>;
const APP = 'web-extras';

describe('web messenger: notifications, forwards, reactions and app buttons', () => {
  let p: TestPortal;
  let tb: TestBrowser;
  let page: Page;
  let ann: Person;
  let helperId = 0;
  let v2: { botId: number; botToken: string };

  const asHelper = async (method: string, params: Obj) => {
    const a = await callJson(p.adminHook, method, { CLIENT_ID: APP, BOT_ID: helperId, ...params });
    assert.equal(a.status, 200, `${method}: ${a.text}`);
    return a.body.result;
  };
  const asV2 = async (method: string, params: Obj) => {
    const a = await v2call(p, method, { botId: v2.botId, botToken: v2.botToken, ...params });
    assert.equal(a.status, 200, `${method}: ${JSON.stringify(a.body)}`);
    return a.body.result;
  };
  const counter = () => page.getByTestId('notify-counter');

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann', { lastName: 'Lee' });
    helperId = (await callJson(p.adminHook, 'imbot.register', { CLIENT_ID: APP, CODE: 'helper', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'Helper' } })).body.result;
    v2 = await registerV2Bot(p, { code: 'fwd', name: 'Forwarder' });
    tb = await launchBrowser();
    page = await tb.context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${p.http}/`);
    await page.locator('.picker .person', { hasText: 'Ann Lee' }).click();
    await page.locator('.topbar .me', { hasText: 'Ann Lee' }).waitFor();
  });

  after(async () => {
    await tb?.close();
    await p.stop();
  });

  it('notifications from bots and apps: unread counter, live arrival, panel, mark read', async () => {
    assert.equal(await counter().count(), 0, 'no counter without notifications');
    const first = await callJson(p.adminHook, 'im.notify', { USER_ID: ann.id, MESSAGE: '[b]Build 7[/b] finished', ATTACH: [{ MESSAGE: 'All [i]green[/i]' }] });
    assert.equal(first.status, 200, first.text);
    await page.getByTestId('notify-counter').filter({ hasText: '1' }).waitFor();

    await page.getByRole('button', { name: /^Notifications/ }).click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    const n1 = panel.locator(`.notify[data-id="${first.body.result}"]`);
    await n1.waitFor();
    assert.equal(await n1.locator('.notify-text b').textContent(), 'Build 7');
    assert.equal(await n1.locator('.attach .att-message i').textContent(), 'green');
    assert.equal(await n1.getAttribute('class'), 'notify unread');

    // one arriving while the panel is open shows up at once
    const second = await callJson(p.adminHook, 'im.notify.system.add', { USER_ID: ann.id, MESSAGE: 'Disk almost full' });
    await panel.locator(`.notify[data-id="${second.body.result}"]`, { hasText: 'Disk almost full' }).waitFor();
    await counter().filter({ hasText: '2' }).waitFor();
    await page.screenshot({ path: join(SHOTS_DIR, 'notifications.png') });

    await n1.getByRole('button', { name: 'Mark as read' }).click();
    await panel.locator(`.notify[data-id="${first.body.result}"]:not(.unread)`).waitFor();
    await counter().filter({ hasText: '1' }).waitFor();
    await panel.getByRole('button', { name: 'Mark all as read' }).click();
    await counter().waitFor({ state: 'detached' });
    const got = await callJson(ann.hook, 'im.notify.get', {});
    assert.equal(got.body.result.total_unread_count, 0, 'read through the public methods');
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('a confirm notification: pressing its button answers the module (im.notify.confirm)', async () => {
    const res = await fetch(`${p.http}/__control/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ user_id: ann.id, message: 'Join the group "Ops"?', buttons: [{ title: 'Accept', value: 'Y', type: 'accept' }, { title: 'Decline', value: 'N', type: 'cancel' }] }),
    });
    const { id } = (await res.json()) as { id: number };
    await counter().filter({ hasText: '1' }).waitFor();
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const n = page.getByRole('dialog', { name: 'Notifications' }).locator(`.notify[data-id="${id}"]`);
    await n.getByRole('button', { name: 'Accept' }).click();
    await n.getByRole('button', { name: 'Accept' }).waitFor({ state: 'detached' });
    await counter().waitFor({ state: 'detached' });
    const replies = (await (await fetch(`${p.http}/__control/notifications?user_id=${ann.id}`, { headers: { 'x-imbot-control-token': p.server.controlToken } })).json()) as Obj;
    assert.deepEqual(replies.replies.map((r: Obj) => [r.notify_id, r.kind, r.value]), [[id, 'confirm', 'Y']]);
    await page.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: 'Close' }).click();
  });

  it('a forwarded message shows "Forwarded from …", from the portal\'s forward params', async () => {
    const original = await callJson(ann.hook, 'im.message.add', { DIALOG_ID: v2.botId, MESSAGE: 'the plan for Monday' });
    assert.equal(original.status, 200, original.text);
    const sent = await asV2('imbot.v2.Chat.Message.send', { dialogId: String(ann.id), fields: { forwardIds: { '9b2b4b0e-6a59-4d0b-9a39-2f6f0f1d2a11': original.body.result } } });
    const copyId = Number(Object.values(sent.uuidMap)[0]);
    // over HTTP: the params a portal's messenger reads
    const page1 = await callJson(ann.hook, 'im.dialog.messages.get', { DIALOG_ID: v2.botId });
    const copy = page1.body.result.messages.find((m: Obj) => m.id === copyId);
    assert.equal(copy.params.FORWARD_ID, original.body.result);
    assert.equal(copy.params.FORWARD_USER_ID, ann.id);
    assert.equal(copy.params.FORWARD_CONTEXT_ID, `${ann.id}:${v2.botId}/${original.body.result}`);
    const plain = page1.body.result.messages.find((m: Obj) => m.id === original.body.result);
    assert.equal(plain.params.FORWARD_ID, undefined, 'the original is no forward');

    await page.goto(`${p.http}/#/im/${v2.botId}`);
    const shown = page.locator(`.message[data-id="${copyId}"]`);
    await shown.locator('.forwarded', { hasText: 'Forwarded from Ann Lee' }).waitFor();
    assert.equal(await shown.locator('.msg-text').textContent(), 'the plan for Monday');
    assert.equal(await page.locator(`.message[data-id="${original.body.result}"] .forwarded`).count(), 0);
  });

  it('reactions a bot sets appear live; a person\'s own reaction is the like', async () => {
    const target = await callJson(ann.hook, 'im.message.add', { DIALOG_ID: v2.botId, MESSAGE: 'react to this' });
    const id = target.body.result as number;
    const msg = page.locator(`.message[data-id="${id}"]`);
    await msg.waitFor();
    await asV2('imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'fire' });
    await msg.locator('.reaction[data-reaction="fire"]', { hasText: 'fire 1' }).waitFor();
    await asV2('imbot.v2.Chat.Message.Reaction.add', { messageId: id, reaction: 'faceWithTearsOfJoy' });
    await msg.locator('.reaction[data-reaction="faceWithTearsOfJoy"]', { hasText: 'face with tears of joy 1' }).waitFor();
    // the like stays the like button, not a chip
    await msg.getByRole('button', { name: 'Like' }).click();
    await msg.locator('.like[aria-pressed="true"]', { hasText: '1' }).waitFor();
    assert.equal(await msg.locator('.reaction[data-reaction="like"]').count(), 0);
    await asV2('imbot.v2.Chat.Message.Reaction.delete', { messageId: id, reaction: 'fire' });
    await msg.locator('.reaction[data-reaction="fire"]').waitFor({ state: 'detached' });
  });

  it('an APP_ID keyboard button opens its chat app with CONTEXT=button, the message and APP_PARAMS', async () => {
    const hash = 'abcdefabcdefabcdefabcdefabcdef12';
    const appId = await asHelper('imbot.app.register', { CODE: 'orderform', HIDDEN: 'Y', IFRAME: 'https://example.com/order', HASH: hash, IFRAME_WIDTH: 320, IFRAME_HEIGHT: 240, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Order form' }] });
    const putter = await asHelper('imbot.app.register', { CODE: 'putter', HIDDEN: 'Y', JS_METHOD: 'PUT', JS_PARAM: '/order 7', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Put order' }] });
    const messageId = await asHelper('imbot.message.add', {
      DIALOG_ID: ann.id,
      MESSAGE: 'Your order',
      KEYBOARD: [{ TEXT: 'Open the form', APP_ID: appId, APP_PARAMS: 'order=7' }, { TEXT: 'Put it', APP_ID: putter }],
    });
    await page.goto(`${p.http}/#/im/${helperId}`);
    const msg = page.locator(`.message[data-id="${messageId}"]`);
    await msg.getByRole('button', { name: 'Open the form' }).click();
    const frame = page.getByRole('dialog', { name: 'Order form' }).locator('iframe');
    await frame.waitFor();
    const src = new URL(String(await frame.getAttribute('src')));
    assert.equal(`${src.origin}${src.pathname}`, 'https://example.com/order');
    assert.equal(src.searchParams.get('CONTEXT'), 'button');
    assert.equal(src.searchParams.get('MESSAGE_ID'), String(messageId));
    assert.equal(src.searchParams.get('BUTTON_PARAMS'), 'order=7');
    assert.equal(src.searchParams.get('APP_ID'), String(appId));
    assert.equal(src.searchParams.get('DIALOG_ID'), String(helperId));
    assert.equal(src.searchParams.get('USER_ID'), String(ann.id));
    await page.getByRole('button', { name: 'Close app' }).click();
    await frame.waitFor({ state: 'detached' });
    // a JS app behind a button does what it does from the input area
    await msg.getByRole('button', { name: 'Put it' }).click();
    const input = page.getByRole('textbox', { name: 'Message', exact: true });
    await until(async () => (await input.inputValue()) === '/order 7', 'the app puts its text into the input');
  });

  it('/__web/app-button opens only a button the message carries, in a dialog one may open', async () => {
    const login = await fetch(`${p.http}/__web/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: ann.id }) });
    const cookie = String(login.headers.get('set-cookie')).split(';')[0];
    const { sessid } = (await login.json()) as { sessid: string };
    const ask = async (query: string) => {
      const r = await fetch(`${p.http}/__web/app-button?${query}&sessid=${sessid}`, { headers: { cookie } });
      return { status: r.status, body: (await r.json()) as Obj };
    };
    const appId = await asHelper('imbot.app.register', { CODE: 'another', JS_METHOD: 'SEND', JS_PARAM: '/ping', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Another' }] });
    const plain = await asHelper('imbot.message.add', { DIALOG_ID: ann.id, MESSAGE: 'no buttons' });
    assert.deepEqual((await ask(`dialog=${helperId}&message=${plain}&app=${appId}`)).body.error, 'BUTTON_NOT_FOUND');
    const withButton = await asHelper('imbot.message.add', { DIALOG_ID: ann.id, MESSAGE: 'one', KEYBOARD: [{ TEXT: 'Go', APP_ID: appId }] });
    const ok = await ask(`dialog=${helperId}&message=${withButton}&app=${appId}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.app.action, { kind: 'send', value: '/ping' });
    // the message through another dialog, a message that does not exist, a dialog not one's own
    assert.equal((await ask(`dialog=${v2.botId}&message=${withButton}&app=${appId}`)).body.error, 'MESSAGE_NOT_FOUND');
    assert.equal((await ask(`dialog=${helperId}&message=999999&app=${appId}`)).status, 404);
    const bob = await addPerson(p, 'Bob');
    const chat = (await callJson(bob.hook, 'im.chat.add', { TITLE: 'Private', USERS: [] })).body.result;
    assert.deepEqual(await ask(`dialog=chat${chat}&message=${withButton}&app=${appId}`), { status: 403, body: { error: 'ACCESS_ERROR', error_description: 'You do not have access to the specified dialog' } });
    assert.equal((await ask(`message=${withButton}&app=${appId}`)).body.error, 'DIALOG_ID_EMPTY');
    // without the session's sessid: not signed in
    const r = await fetch(`${p.http}/__web/app-button?dialog=${helperId}&message=${withButton}&app=${appId}`, { headers: { cookie } });
    assert.equal(r.status, 401);
    // the app is gone: the button opens nothing
    await asHelper('imbot.app.unregister', { APP_ID: appId });
    assert.equal((await ask(`dialog=${helperId}&message=${withButton}&app=${appId}`)).body.error, 'CHAT_APP_ID_ERROR');
  });
});
