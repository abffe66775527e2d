import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { parseStr } from '../src/rest/php.js';
import { until } from './helpers/events.js';
import { launchBrowser, SHOTS_DIR, type TestBrowser } from './helpers/browser.js';
import { callJson, startPortal, type TestPortal } from './helpers/server.js';
import { registerV2Bot } from './helpers/v2.js';

/*
 * The web messenger and console in a real browser (Debian's Chromium, headless) against a portal
 * started here. Two test bots answer: a v1 echo bot behind a tiny HTTP handler, and a v2
 * fetch-mode bot that polls imbot.v2.Event.get. Every check is on the DOM; Playwright's
 * auto-waiting assertions wait for the page to show what the server pushed.
 */

type Obj = Record<string, any>;
const APP = 'web-echo';

describe('web messenger and console in Chromium', () => {
  let p: TestPortal;
  let tb: TestBrowser;
  let page: Page;
  let echo: Server;
  let echoId = 0;
  let v2: { botId: number; botToken: string };
  let polling = true;
  /** the v2 bot stops reading its queue while set (`parked` tells that it has) */
  let paused = false;
  let parked = false;
  let poller: Promise<void>;
  const received: Obj[] = [];
  /** resolves the echo bot's pending "slow" answer */
  let releaseSlow: () => void = () => undefined;
  const slowGate = new Promise<void>((r) => (releaseSlow = r));

  const asBot = async (method: string, params: Obj) => {
    const a = await callJson(p.adminHook, method, { CLIENT_ID: APP, BOT_ID: echoId, ...params });
    assert.equal(a.status, 200, `${method}: ${a.text}`);
    return a.body.result;
  };

  /** The v1 echo bot: answers each message, shows typing for "slow", answers button presses. */
  async function onEvent(form: Obj): Promise<void> {
    received.push(form);
    const data = form.data as Obj;
    const dialog = data.PARAMS.DIALOG_ID;
    if (form.event === 'ONIMCOMMANDADD') {
      const cmd = Object.values(data.COMMAND as Obj)[0] as Obj;
      await asBot('imbot.message.add', { DIALOG_ID: dialog, MESSAGE: cmd.COMMAND === 'ping' ? 'pong' : `You picked ${cmd.COMMAND_PARAMS}` });
      return;
    }
    if (form.event !== 'ONIMBOTMESSAGEADD') return;
    const text = String(data.PARAMS.MESSAGE);
    if (text === 'slow') {
      await asBot('imbot.chat.sendTyping', { DIALOG_ID: dialog });
      await slowGate;
      await asBot('imbot.message.add', { DIALOG_ID: dialog, MESSAGE: 'done: slow' });
    } else if (text === 'rich') {
      await asBot('imbot.message.add', {
        DIALOG_ID: dialog,
        MESSAGE: '[b]bold[/b] [i]italic[/i] [s]gone[/s] [url=https://example.com/docs]the docs[/url][br]second line [USER=1]Admin[/USER]',
        ATTACH: {
          ID: 1,
          COLOR: '#ff0000',
          BLOCKS: [
            { MESSAGE: 'Attached [b]text[/b]' },
            { GRID: [{ NAME: 'Status', VALUE: 'Green', DISPLAY: 'LINE' }, { NAME: 'Owner', VALUE: 'Ann', DISPLAY: 'LINE' }] },
            { DELIMITER: { SIZE: 200, COLOR: '#c8c8c8' } },
            { LINK: { NAME: 'Ticket 42', LINK: 'https://example.com/t/42', DESC: 'An open ticket' } },
          ],
        },
        KEYBOARD: [
          { TEXT: 'Red', COMMAND: 'pick', COMMAND_PARAMS: 'red', BG_COLOR: '#ff0000', TEXT_COLOR: '#ffffff' },
          { TEXT: 'Blue', COMMAND: 'pick', COMMAND_PARAMS: 'blue' },
          { TYPE: 'NEWLINE' },
          { TEXT: 'Off', COMMAND: 'pick', COMMAND_PARAMS: 'off', DISABLED: 'Y' },
          { TEXT: 'Put it', ACTION: 'PUT', ACTION_VALUE: 'from the button' },
        ],
        MENU: [{ TEXT: 'Menu & pick', COMMAND: 'pick', COMMAND_PARAMS: 'menu' }],
      });
    } else {
      await asBot('imbot.message.add', { DIALOG_ID: dialog, MESSAGE: `Echo: ${text}` });
    }
  }

  /** The v2 fetch-mode bot: reads its queue and answers each person's message. */
  async function pollV2(): Promise<void> {
    let offset = 0;
    while (polling) {
      parked = paused;
      if (paused) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const a = await callJson(p.adminHook, 'imbot.v2.Event.get', { botId: v2.botId, botToken: v2.botToken, offset });
      const page = a.body?.result;
      if (!page) {
        await new Promise((r) => setTimeout(r, 100)); // the portal was reset: the bot comes back with a restore
        continue;
      }
      for (const e of page.events) {
        if (e.type === 'ONIMBOTV2MESSAGEADD' && e.data.user?.bot !== true) {
          await callJson(p.adminHook, 'imbot.v2.Chat.Message.send', {
            botId: v2.botId,
            botToken: v2.botToken,
            dialogId: e.data.chat.dialogId ?? String(e.data.user.id),
            fields: { message: `v2 got: ${e.data.message.text}` },
          });
        }
      }
      offset = page.nextOffset;
      if (!page.events.length) await new Promise((r) => setTimeout(r, 100));
    }
  }

  before(async () => {
    p = await startPortal();
    echo = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end('ok');
        const form = JSON.parse(JSON.stringify(parseStr(Buffer.concat(chunks).toString('utf8'))));
        onEvent(form).catch((err) => console.error('echo bot:', err));
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const handler = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`;
    const reg = await callJson(p.adminHook, 'imbot.register', { CLIENT_ID: APP, CODE: 'echo', EVENT_HANDLER: handler, PROPERTIES: { NAME: 'Echo' } });
    echoId = reg.body.result;
    await asBot('imbot.command.register', { COMMAND: 'pick', EVENT_COMMAND_ADD: handler, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Pick a colour', PARAMS: 'colour' }] });
    await asBot('imbot.command.register', { COMMAND: 'ping', EVENT_COMMAND_ADD: handler, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Are you there?' }] });
    await asBot('imbot.command.register', { COMMAND: 'pinsecret', HIDDEN: 'Y', EVENT_COMMAND_ADD: handler, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Hidden' }] });
    v2 = await registerV2Bot(p, { code: 'fetchy', name: 'Fetchy' });
    poller = pollV2();
    tb = await launchBrowser();
    page = await tb.context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => console.error('page error:', e));
  });

  after(async () => {
    polling = false;
    releaseSlow();
    await poller;
    await tb?.close();
    echo?.closeAllConnections();
    await new Promise<void>((r) => echo.close(() => r()));
    await p.stop();
  });

  const messageInput = () => page.getByRole('textbox', { name: 'Message', exact: true });

  it('signs in through the people picker after adding a person', async () => {
    await page.goto(`${p.http}/`);
    await page.getByLabel('First name').fill('Ann');
    await page.getByLabel('Last name').fill('Lee');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.picker .person', { hasText: 'Ann Lee' }).click();
    await page.locator('.topbar .me', { hasText: 'Ann Lee' }).waitFor();
  });

  it('opens a chat with the echo bot, sends a message and sees the reply arrive live', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.locator('.dialog .person', { hasText: 'Echo' }).click();
    await page.waitForURL(new RegExp(`#/im/${echoId}$`));
    await messageInput().fill('hello');
    await messageInput().press('Enter');
    await page.locator('.message.mine', { hasText: 'hello' }).waitFor();
    await page.locator('.message', { hasText: 'Echo: hello' }).waitFor();
    // the recent list shows the chat with its last message
    await page.locator(`.recent-item[data-dialog="${echoId}"] .recent-last`, { hasText: 'Echo: hello' }).waitFor();
  });

  it('shows "typing…" while the bot prepares its answer', async () => {
    await messageInput().fill('slow');
    await messageInput().press('Enter');
    await page.locator('.typing', { hasText: 'Echo is typing…' }).waitFor();
    releaseSlow();
    await page.locator('.message', { hasText: 'done: slow' }).waitFor();
    await page.locator('.typing', { hasText: /^$/ }).waitFor();
  });

  it('renders BB-code, ATTACH and KEYBOARD as the portal does', async () => {
    await messageInput().fill('rich');
    await messageInput().press('Enter');
    const msg = page.locator('.message', { has: page.locator('.keyboard') }).last();
    await msg.waitFor();
    const text = msg.locator('.msg-text');
    assert.equal(await text.locator('b').first().textContent(), 'bold');
    assert.equal(await text.locator('i').first().textContent(), 'italic');
    assert.equal(await text.locator('s').first().textContent(), 'gone');
    assert.equal(await text.locator('a[href="https://example.com/docs"]').textContent(), 'the docs');
    assert.equal(await text.locator('br').count(), 1);
    assert.equal(await text.locator('a.bb-user[data-id="1"]').textContent(), 'Admin');
    const attach = msg.locator('.attach');
    assert.equal(await attach.evaluate((el) => getComputedStyle(el).borderLeftColor), 'rgb(255, 0, 0)');
    assert.equal(await attach.locator('.att-message b').textContent(), 'text');
    assert.deepEqual(await attach.locator('.att-grid-name').allTextContents(), ['Status', 'Owner']);
    assert.deepEqual(await attach.locator('.att-grid-value').allTextContents(), ['Green', 'Ann']);
    assert.equal(await attach.locator('hr.att-delimiter').count(), 1);
    assert.equal(await attach.locator('.att-link a[href="https://example.com/t/42"]').textContent(), 'Ticket 42');
    assert.equal(await attach.locator('.att-desc').textContent(), 'An open ticket');
    const rows = msg.locator('.keyboard .kb-row');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.nth(0).locator('button').allTextContents(), ['Red', 'Blue']);
    const red = rows.nth(0).getByRole('button', { name: 'Red' });
    assert.equal(await red.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 0, 0)');
    assert.equal(await rows.nth(1).getByRole('button', { name: 'Off' }).isDisabled(), true);
    // ACTION PUT puts its value into the input
    await rows.nth(1).getByRole('button', { name: 'Put it' }).click();
    assert.equal(await messageInput().inputValue(), 'from the button');
    await messageInput().fill('');
    await page.screenshot({ path: join(SHOTS_DIR, 'messenger.png') });
  });

  it('a COMMAND button sends ONIMCOMMANDADD to the bot and its answer renders', async () => {
    const msg = page.locator('.message', { has: page.locator('.keyboard') }).last();
    await msg.getByRole('button', { name: 'Red' }).click();
    await page.locator('.message', { hasText: 'You picked red' }).waitFor();
    const press = received.find((f) => f.event === 'ONIMCOMMANDADD');
    assert.ok(press, 'the bot received ONIMCOMMANDADD');
    const cmd = Object.values(press.data.COMMAND as Obj)[0] as Obj;
    assert.equal(cmd.COMMAND, 'pick');
    assert.equal(cmd.COMMAND_PARAMS, 'red');
    assert.equal(cmd.COMMAND_CONTEXT, 'KEYBOARD');
  });

  it('shows the bot’s edits and deletes live', async () => {
    const hello = page.locator('.message', { hasText: 'Echo: hello' });
    const id = Number(await hello.getAttribute('data-id'));
    await asBot('imbot.message.update', { MESSAGE_ID: id, MESSAGE: 'Echo: hello, edited' });
    // bots edit without the "edited" mark, as on a portal
    await page.locator(`.message[data-id="${id}"]`, { hasText: 'Echo: hello, edited' }).waitFor();
    await asBot('imbot.message.delete', { MESSAGE_ID: id });
    await page.locator(`.message[data-id="${id}"].deleted`).waitFor();
  });

  it('a v2 fetch-mode bot answers', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.locator('.dialog .person', { hasText: 'Fetchy' }).click();
    await page.waitForURL(new RegExp(`#/im/${v2.botId}$`));
    await messageInput().fill('ping');
    await messageInput().press('Enter');
    await page.locator('.message', { hasText: 'v2 got: ping' }).waitFor();
  });

  it('a MENU item runs its command', async () => {
    await page.locator(`.recent-item[data-dialog="${echoId}"]`).click();
    const msg = page.locator('.message', { has: page.locator('.keyboard') }).last();
    await msg.getByLabel('Message menu').click();
    await msg.getByRole('menuitem', { name: 'Menu & pick' }).click();
    await page.locator('.message', { hasText: 'You picked menu' }).waitFor();
  });

  it('typing "/" lists the chat’s commands (hidden ones not), and choosing one sends it', async () => {
    const input = messageInput();
    await input.fill('/');
    const list = page.getByRole('listbox', { name: 'Commands' });
    await list.waitFor();
    assert.deepEqual(await list.locator('b').allTextContents(), ['/pick', '/ping']);
    await input.fill('/pi');
    await input.press('ArrowDown');
    assert.equal(await list.getByRole('option', { selected: true }).locator('b').textContent(), '/ping');
    await input.press('Enter');
    await page.locator('.message.mine', { hasText: '/ping' }).waitFor();
    await page.locator('.message', { hasText: 'pong' }).waitFor();
    // a command with parameters is put into the input to be completed
    await input.fill('/pic');
    await input.press('Enter');
    assert.equal(await input.inputValue(), '/pick ');
    await input.fill('');
  });

  it('chat apps (imbot.app.register) appear in the input area and do what the portal does', async () => {
    await asBot('imbot.app.register', { CODE: 'pinger', JS_METHOD: 'SEND', JS_PARAM: '/ping from app', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Ping it' }] });
    await asBot('imbot.app.register', { CODE: 'putter', JS_METHOD: 'PUT', JS_PARAM: '/pick green', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Pick green' }] });
    const hash = '0123456789abcdef0123456789abcdef';
    const framed = await asBot('imbot.app.register', { CODE: 'framed', IFRAME: 'https://example.com/app', HASH: hash, IFRAME_WIDTH: 300, IFRAME_HEIGHT: 200, LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Framed' }] });
    await asBot('imbot.app.register', { CODE: 'secret', HIDDEN: 'Y', JS_METHOD: 'SEND', JS_PARAM: '/ping hidden', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Hidden app' }] });
    await asBot('imbot.app.register', { CODE: 'groups', CONTEXT: 'CHAT', JS_METHOD: 'SEND', JS_PARAM: '/ping group', LANG: [{ LANGUAGE_ID: 'en', TITLE: 'Group app' }] });
    // the panel is read when a chat opens
    await page.locator(`.recent-item[data-dialog="${v2.botId}"]`).click();
    await page.locator(`.recent-item[data-dialog="${echoId}"]`).click();
    const bar = page.getByRole('toolbar', { name: 'Chat apps' });
    await bar.waitFor();
    // the bar can show before the opened chat's panel has arrived: wait for its buttons, then compare
    const offered = () => bar.getByRole('button').allTextContents();
    await until(async () => (await offered()).length === 3, 'the chat apps panel of the opened chat');
    assert.deepEqual(await offered(), ['Ping it', 'Pick green', 'Framed'], 'hidden and group-only apps are not offered here');

    await bar.getByRole('button', { name: 'Pick green' }).click();
    assert.equal(await messageInput().inputValue(), '/pick green');
    await messageInput().fill('');
    const pongs = await page.locator('.message', { hasText: 'pong' }).count();
    await bar.getByRole('button', { name: 'Ping it' }).click();
    await page.locator('.message.mine', { hasText: '/ping from app' }).waitFor();
    await until(async () => (await page.locator('.message', { hasText: 'pong' }).count()) > pongs, 'the bot answers the command the app sent');

    await bar.getByRole('button', { name: 'Framed' }).click();
    const frame = page.getByRole('dialog', { name: 'Framed' }).locator('iframe');
    await frame.waitFor();
    const src = new URL(String(await frame.getAttribute('src')));
    const ann = await page.locator('.topbar .me').getAttribute('data-user');
    const domain = p.server.core.portal.domain;
    const md5 = (x: string) => createHash('md5').update(x).digest('hex');
    assert.equal(`${src.origin}${src.pathname}`, 'https://example.com/app');
    assert.deepEqual(Object.fromEntries(src.searchParams), {
      BOT_ID: String(echoId), BOT_CODE: 'echo', APP_ID: String(framed), APP_CODE: 'framed', DOMAIN: domain, DOMAIN_HASH: md5(domain + hash),
      USER_ID: ann, USER_HASH: md5(ann + hash), DIALOG_ID: String(echoId), CONTEXT: 'textarea', LANG: 'en', IS_CHROME: 'N', MESSAGE_ID: '0', BUTTON_PARAMS: '',
    });
    assert.deepEqual([await frame.getAttribute('width'), await frame.getAttribute('height')], ['300', '200']);
    await page.getByRole('button', { name: 'Close app' }).click();
    await frame.waitFor({ state: 'detached' });
  });

  it('replies to a message and likes it', async () => {
    const pong = page.locator('.message', { hasText: 'pong' }).last();
    const pongId = await pong.getAttribute('data-id');
    await pong.getByRole('button', { name: 'Reply' }).click();
    await page.locator('.replying', { hasText: 'pong' }).waitFor();
    await messageInput().fill('a reply');
    await messageInput().press('Enter');
    const reply = page.locator('.message.mine', { hasText: 'a reply' });
    await reply.locator(`.reply-quote[data-reply="${pongId}"]`, { hasText: 'pong' }).waitFor();
    await pong.getByRole('button', { name: 'Like' }).click();
    await pong.locator('.like[aria-pressed="true"]', { hasText: '1' }).waitFor();
  });

  it('uploads a file; an image is shown and can be downloaded', async () => {
    // a 1×1 PNG
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    await page.getByLabel('Send a file').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    const file = page.locator('.message.mine .file', { has: page.locator('.file-link', { hasText: 'dot.png' }) });
    await file.waitFor();
    const img = file.locator('img.file-image');
    await until(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth === 1), 'the image loads');
    const href = await file.locator('.file-link').getAttribute('href');
    const bytes = Buffer.from(await (await fetch(`${p.http}${href}`)).arrayBuffer());
    assert.deepEqual(bytes, png);
  });

  it('creates a group chat, renames it, adds and removes members (bots included)', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('radio', { name: 'Group' }).check();
    await page.getByLabel('Chat title').fill('Team');
    await page.locator('.dialog label.person', { hasText: 'Echo' }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Create group chat' }).click();
    await page.waitForURL(/#\/im\/chat\d+$/);
    await page.locator('.chat-head h2', { hasText: 'Team' }).waitFor();
    await page.getByRole('button', { name: 'Members' }).click();
    const dialog = page.getByRole('dialog', { name: 'Chat settings' });
    await dialog.locator(`.member[data-user="${echoId}"]`).waitFor();
    await dialog.getByLabel('Chat title').fill('Team 2');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await page.locator('.chat-head h2', { hasText: 'Team 2' }).waitFor();
    await dialog.getByLabel('Person or bot to add').selectOption({ label: 'Fetchy (bot)' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.locator(`.member[data-user="${v2.botId}"]`).waitFor();
    await dialog.getByRole('button', { name: 'Remove Echo' }).click();
    await dialog.locator(`.member[data-user="${echoId}"]`).waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('a bot turning the text field off disables the input', async () => {
    const ann = Number(await page.locator('.topbar .me').getAttribute('data-user'));
    await page.locator(`.recent-item[data-dialog="${v2.botId}"]`).click();
    assert.equal(await messageInput().isEnabled(), true);
    const off = await callJson(p.adminHook, 'imbot.v2.Chat.TextField.enabled', { botId: v2.botId, botToken: v2.botToken, dialogId: String(ann), enabled: false });
    assert.equal(off.status, 200, off.text);
    await until(() => messageInput().isDisabled(), 'the input is disabled');
  });

  it('the console shows the ONIMCOMMANDADD delivery and resends it', async () => {
    // the console is for administrators: sign out, sign in as the admin
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('.picker .person', { hasText: 'Admin' }).click();
    await page.getByRole('link', { name: 'Console' }).click();
    await page.getByRole('tab', { name: 'Event deliveries' }).click();
    const row = page.locator('tr[data-event="ONIMCOMMANDADD"]').first();
    await row.locator('.status', { hasText: 'delivered' }).waitFor();
    const attempts = await row.locator('.attempts').textContent();
    if (attempts !== '1') {
      const log = await (await fetch(`${p.http}/__control/events?event=ONIMCOMMANDADD&limit=3`, { headers: { 'x-imbot-control-token': p.server.controlToken } })).json();
      assert.fail(`attempts ${attempts}: ${JSON.stringify(log.events.map((e: Obj) => ({ id: e.id, status: e.status, tries: e.tries })))}`);
    }
    await row.getByRole('button', { name: 'ONIMCOMMANDADD' }).click();
    await page.locator('pre.body', { hasText: 'data[COMMAND]' }).first().waitFor();
    const before = received.filter((f) => f.event === 'ONIMCOMMANDADD').length;
    await row.getByRole('button', { name: 'Resend' }).click();
    await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
    // the handler gets the same event again, and the log counts the second attempt
    await until(() => received.filter((f) => f.event === 'ONIMCOMMANDADD').length > before, 'the resent event arrives');
    await until(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await row.locator('.attempts').textContent()) === '2';
    }, 'the console shows the second attempt');
    await page.getByRole('tab', { name: 'Bots' }).click();
    await page.locator(`tr[data-bot="${echoId}"]`, { hasText: '/pick' }).waitFor();
    await page.locator(`tr[data-bot="${v2.botId}"]`, { hasText: 'fetch' }).waitFor();
    await page.getByRole('tab', { name: 'Event deliveries' }).click();
    await page.locator('tr[data-event="ONIMCOMMANDADD"]').first().waitFor();
    await page.screenshot({ path: join(SHOTS_DIR, 'console.png') });
  });

  it('the console cancels a pending delivery, and all pending ones at once', async () => {
    // a bot whose handler refuses connections: its deliveries wait for retries
    const reg = await callJson(p.adminHook, 'imbot.register', { CLIENT_ID: 'down-app', CODE: 'down', EVENT_HANDLER: 'http://127.0.0.1:1/down', PROPERTIES: { NAME: 'Down' } });
    assert.equal(reg.status, 200, reg.text);
    const sent = await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: reg.body.result, MESSAGE: 'anyone there?' });
    assert.equal(sent.status, 200, sent.text);
    const pending = page.locator('tr[data-status="pending"]', { hasText: '127.0.0.1:1/down' });
    await until(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await pending.count()) === 2;
    }, 'both deliveries to the down bot wait for a retry');
    const id = Number(await pending.first().getAttribute('data-delivery'));
    await pending.first().getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('status').filter({ hasText: `Delivery ${id} cancelled` }).waitFor();
    await page.locator(`tr[data-delivery="${id}"][data-status="cancelled"]`).waitFor();
    assert.equal(await page.locator(`tr[data-delivery="${id}"]`).getByRole('button', { name: 'Cancel' }).count(), 0);
    await page.getByRole('button', { name: 'Cancel all pending' }).click();
    await page.getByRole('status').filter({ hasText: /^Cancelled \d+ pending deliver(y|ies)$/ }).waitFor();
    await page.locator('tr[data-status="pending"]').first().waitFor({ state: 'detached' });
    const log = await (await fetch(`${p.http}/__control/events?limit=500`, { headers: { 'x-imbot-control-token': p.server.controlToken } })).json();
    const down = log.events.filter((e: Obj) => e.handler_url.includes('127.0.0.1:1/down'));
    assert.deepEqual(down.map((e: Obj) => e.status), ['cancelled', 'cancelled']);
  });

  it('the console lists the events waiting in a v2 fetch bot’s queue', async () => {
    paused = true;
    await until(() => parked, 'the v2 bot stops reading');
    const sent = await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: v2.botId, MESSAGE: 'queued for fetchy' });
    assert.equal(sent.status, 200, sent.text);
    await page.getByRole('tab', { name: 'Bots' }).click();
    const row = page.locator(`tr[data-bot="${v2.botId}"]`);
    const toggle = row.locator('.queue button');
    await toggle.waitFor();
    assert.match(String(await toggle.textContent()), /^[1-9]\d* queued$/);
    await toggle.click();
    const item = row.locator('.queue-events li', { hasText: 'ONIMBOTV2MESSAGEADD' }).last();
    await item.locator('pre.body', { hasText: 'queued for fetchy' }).waitFor();
    paused = false;
    // once the bot reads (and acknowledges) its queue, the console shows it empty
    await until(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await row.locator('.queue button').textContent()) === '0 queued';
    }, 'the queue drains');
  });

  it('the console shows the request log, filtered, and follows new calls', async () => {
    await page.getByRole('tab', { name: 'Requests' }).click();
    await page.getByLabel('Method filter').fill('im.message.add');
    await page.getByLabel('Method filter').press('Enter');
    const rows = page.locator('tr[data-request]');
    await rows.first().waitFor();
    assert.deepEqual([...new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-method'))))], ['im.message.add']);
    const top = Number(await rows.first().getAttribute('data-request'));
    await page.getByLabel('Follow').check();
    const sent = await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: echoId, MESSAGE: 'followed call' });
    assert.equal(sent.status, 200, sent.text);
    // no refresh: following adds the new call on top
    await until(async () => Number(await rows.first().getAttribute('data-request')) > top, 'the new call appears on top');
    await rows.first().getByRole('button', { name: 'im.message.add' }).click();
    await page.locator('tr.detail pre.body', { hasText: 'followed call' }).waitFor();
    await page.getByLabel('Follow').uncheck();
    await page.getByLabel('errors only').check();
    await page.getByLabel('Method filter').fill('');
    await page.getByLabel('Method filter').press('Enter');
    await until(async () => (await rows.count()) > 0 && (await rows.evaluateAll((els) => els.every((e) => Number(e.getAttribute('data-status')) >= 400))), 'only failed calls are listed');
  });

  it('the console takes a snapshot, resets the portal and restores the snapshot', async () => {
    await page.getByRole('tab', { name: 'Snapshots' }).click();
    await page.getByLabel('Snapshot name').fill('base');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot base taken' }).waitFor();
    const row = page.locator('tr[data-snapshot="base"]');
    await row.waitFor();
    assert.ok(Number(await row.locator('td').nth(2).textContent()) > 0, 'the snapshot holds rows');
    await page.getByRole('button', { name: 'Reset portal…' }).click();
    await page.getByRole('button', { name: 'Really reset everything?' }).click();
    await page.getByRole('status').filter({ hasText: 'The portal was reset to its first start' }).waitFor();
    const people = await (await fetch(`${p.http}/__web/people`)).json();
    assert.deepEqual(people.people.map((x: Obj) => x.id), [1], 'only the first-start administrator is left');
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').filter({ hasText: 'Restored base' }).waitFor();
    const back = await (await fetch(`${p.http}/__web/people`)).json();
    assert.ok(back.people.some((x: Obj) => x.name === 'Ann' && x.last_name === 'Lee'), 'the restore brings the people back');
    await page.getByLabel('Snapshot name').fill('spare');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.locator('tr[data-snapshot="spare"]').getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-snapshot="spare"]').waitFor({ state: 'detached' });
    await page.screenshot({ path: join(SHOTS_DIR, 'console-snapshots.png') });
  });

  it('works on a 390-px-wide phone screen: list, then chat, then back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('.picker .person', { hasText: 'Ann Lee' }).click();
    await page.locator('.recent').waitFor();
    assert.equal(await page.locator('.chat').isVisible(), false);
    await page.locator('.recent-item').first().click();
    await messageInput().waitFor();
    assert.equal(await page.locator('.sidebar').isVisible(), false);
    const box = await page.locator('.composer').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, 'the composer fits the screen');
    await page.screenshot({ path: join(SHOTS_DIR, 'phone.png') });
    await page.getByRole('link', { name: 'Back to chats' }).click();
    await page.locator('.recent').waitFor();
  });
});
