import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { control, runCli } from './helpers/events.js';
import { addPerson, assertError, callJson, request, startPortal, type Answer, type TestPortal } from './helpers/server.js';

/*
 * The web messenger's server side over plain HTTP: the page and its assets at `/`, the sign-in
 * rules of each profile, password sessions, sign-out, the console token and the push stream.
 */

interface Signed {
  cookie: string;
  sessid: string;
  user: { id: number; is_admin: boolean };
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function login(p: TestPortal, body: Record<string, unknown>): Promise<Answer & { signed?: Signed }> {
  const a = await request(`${p.http}/__web/login`, json(body));
  const cookie = a.headers.get('set-cookie')?.split(';')[0];
  return { ...a, signed: a.status === 200 && cookie ? { cookie, sessid: a.body.sessid, user: a.body.user } : undefined };
}

/** An im.* call with the session: cookie plus `sessid`. */
function asSession(p: TestPortal, s: Signed, method: string, params: Record<string, unknown> = {}, sessid = s.sessid): Promise<Answer> {
  return request(`${p.http}/rest/${method}.json`, { ...json({ ...params, sessid }), headers: { 'content-type': 'application/json', cookie: s.cookie } });
}

/** Reads server-sent `change` frames from the push stream as they come. */
async function openPush(p: TestPortal, s: Signed) {
  const controller = new AbortController();
  const res = await fetch(`${p.http}/__web/push?sessid=${s.sessid}`, { headers: { cookie: s.cookie }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  let buffer = '';
  const frames: { event: string; data: any }[] = [];
  return {
    /** the next frame of `event` (the `ready` frame first) */
    async next(event = 'change'): Promise<any> {
      for (;;) {
        const i = frames.findIndex((f) => f.event === event);
        if (i >= 0) return frames.splice(i, 1)[0]!.data;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += new TextDecoder().decode(value);
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const ev = /^event: (.*)$/m.exec(raw)?.[1];
          const data = /^data: (.*)$/m.exec(raw)?.[1];
          if (ev && data) frames.push({ event: ev, data: JSON.parse(data) });
        }
      }
    },
    close: () => controller.abort(),
  };
}

describe('web: the page and its assets', () => {
  let p: TestPortal;
  before(async () => (p = await startPortal()));
  after(() => p.stop());

  it('serves the app to browsers and the JSON description to API clients', async () => {
    const page = await request(`${p.http}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<script type="module" src="\/assets\/app.js">/);
    const api = await request(`${p.http}/`);
    assert.equal(api.body.server, 'imbot-server');
    const js = await request(`${p.http}/assets/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.ok(js.text.length > 1000);
    assertError(await request(`${p.http}/assets/nope.js`), [404, 'NOT_FOUND', 'Not found']);
    assertError(await request(`${p.http}/assets/..%2Fpackage.json`), [404, 'NOT_FOUND', 'Not found']);
  });

  it('dev: the picker lists people (never bots) and adds one; sign-in as anyone from this machine', async () => {
    const added = await request(`${p.http}/__web/people`, json({ name: 'Zoe', last_name: 'Quinn' }));
    assert.equal(added.status, 200, added.text);
    assertError(await request(`${p.http}/__web/people`, json({ name: '  ' })), [400, 'NAME_ERROR', 'A person needs a name (up to 100 characters)']);
    await callJson(p.adminHook, 'imbot.register', { CLIENT_ID: 'x', CODE: 'b', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'Botty' } });
    const people = (await request(`${p.http}/__web/people`)).body.people;
    assert.deepEqual(people.map((u: any) => u.name), ['Admin', 'Zoe']);
    const a = await login(p, { user_id: added.body.id });
    assert.equal(a.status, 200, a.text);
    assert.match(a.headers.get('set-cookie') ?? '', /^PHPSESSID=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.equal(a.signed!.user.id, added.body.id);
    // the session is a normal im.* caller
    const me = await asSession(p, a.signed!, 'user.current');
    assert.equal(me.body.result.ID, String(added.body.id));
    // a bot cannot be signed in as
    const botId = people.length + 1;
    assertError(await request(`${p.http}/__web/login`, json({ user_id: botId })), [400, 'USER_NOT_FOUND', 'User not found']);
  });

  it('the session resumes after a reload, needs its sessid for calls, and ends with sign-out', async () => {
    const { signed } = await login(p, { user_id: 1 });
    const again = await request(`${p.http}/__web/session`, { headers: { cookie: signed!.cookie } });
    assert.equal(again.body.sessid, signed!.sessid);
    assertError(await asSession(p, signed!, 'user.current', {}, 'wrong'), [401, 'NO_AUTH_FOUND', 'Wrong authorization data']);
    assertError(await request(`${p.http}/__web/logout`, { ...json({ sessid: 'wrong' }), headers: { 'content-type': 'application/json', cookie: signed!.cookie } }), [401, 'NO_AUTH_FOUND', 'Not signed in']);
    const out = await request(`${p.http}/__web/logout`, { ...json({ sessid: signed!.sessid }), headers: { 'content-type': 'application/json', cookie: signed!.cookie } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assertError(await request(`${p.http}/__web/session`, { headers: { cookie: signed!.cookie } }), [401, 'NO_AUTH_FOUND', 'Not signed in']);
    assert.equal((await asSession(p, signed!, 'user.current')).status, 401);
  });

  it('hands the control token to administrators only', async () => {
    const admin = (await login(p, { user_id: 1 })).signed!;
    const c = await request(`${p.http}/__web/console?sessid=${admin.sessid}`, { headers: { cookie: admin.cookie } });
    assert.equal(c.body.control_token, p.server.controlToken);
    assertError(await request(`${p.http}/__web/console`, { headers: { cookie: admin.cookie } }), [401, 'NO_AUTH_FOUND', 'Not signed in']);
    const zoe = (await login(p, { user_id: 2 })).signed!;
    assertError(await request(`${p.http}/__web/console?sessid=${zoe.sessid}`, { headers: { cookie: zoe.cookie } }), [403, 'ACCESS_DENIED', 'The console is for administrators']);
    const bots = await control(p.http, p.server.controlToken, 'bots');
    assert.equal(bots.body.bots[0].name, 'Botty');
    assert.equal(bots.body.bots[0].api_version, 1);
    const handlers = bots.body.bots[0].handlers;
    assert.ok(handlers.some((h: any) => h.event === 'ONIMBOTMESSAGEADD' && h.url === 'http://127.0.0.1:9/h?CLIENT_ID=x'), JSON.stringify(handlers));
  });
});

describe('web: the push stream', () => {
  let p: TestPortal;
  before(async () => (p = await startPortal()));
  after(() => p.stop());

  it('tells a member of each committed change in their chats, and nothing of others or of rolled-back writes', async () => {
    const ann = await addPerson(p, 'Ann');
    const bob = await addPerson(p, 'Bob');
    const cid = await addPerson(p, 'Cid');
    const s = (await login(p, { user_id: ann.id })).signed!;
    const push = await openPush(p, s);
    await push.next('ready');
    // Bob writes to Cid: Ann hears nothing of it; a failed write to Ann publishes nothing either
    await callJson(bob.hook, 'im.message.add', { DIALOG_ID: String(cid.id), MESSAGE: 'not for Ann' });
    await control(p.http, p.server.controlToken, 'faults', { method: 'im.message.add', kind: 'store_failure', times: 1 });
    assert.equal((await callJson(bob.hook, 'im.message.add', { DIALOG_ID: String(ann.id), MESSAGE: 'lost' })).status, 400);
    const group = await callJson(bob.hook, 'im.chat.add', { TITLE: 'Team', USERS: [ann.id] });
    const chatId = group.body.result;
    assert.deepEqual(await push.next(), { chatId, kind: 'chat', userId: null });
    const sent = await callJson(bob.hook, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'hello team' });
    assert.equal(sent.status, 200);
    assert.deepEqual(await push.next(), { chatId, kind: 'message', userId: bob.id });
    await callJson(bob.hook, 'im.chat.updateTitle', { CHAT_ID: chatId, TITLE: 'Team 2' });
    assert.deepEqual(await push.next(), { chatId, kind: 'chat', userId: null });
    // the session reading the chat moves its read mark
    await asSession(p, s, 'im.dialog.read', { DIALOG_ID: `chat${chatId}` });
    assert.deepEqual(await push.next(), { chatId, kind: 'read', userId: ann.id });
    // someone else typing (im.dialog.writing) reaches Ann; her own typing does not come back to her
    await asSession(p, s, 'im.dialog.writing', { DIALOG_ID: `chat${chatId}` });
    await callJson(bob.hook, 'im.dialog.writing', { DIALOG_ID: `chat${chatId}` });
    assert.deepEqual(await push.next('change'), { chatId, kind: 'typing', userId: bob.id });
    push.close();
  });

  it('tells a person when their notifications change (notify), and nobody else', async () => {
    const dee = await addPerson(p, 'Dee');
    const eve = await addPerson(p, 'Eve');
    const s = (await login(p, { user_id: dee.id })).signed!;
    const other = (await login(p, { user_id: eve.id })).signed!;
    const push = await openPush(p, s);
    const eves = await openPush(p, other);
    await push.next('ready');
    await eves.next('ready');
    const sent = await callJson(p.adminHook, 'im.notify', { USER_ID: dee.id, MESSAGE: 'Build finished' });
    assert.equal(sent.status, 200, sent.text);
    const hint = await push.next();
    assert.equal(hint.kind, 'notify');
    assert.equal(hint.userId, dee.id);
    assert.equal(hint.chatId, (await asSession(p, s, 'im.notify.get')).body.result.chat_id, "the person's notification chat");
    // reading it (a session call, as the messenger makes it) is a change too
    await asSession(p, s, 'im.notify.read', { ID: sent.body.result, ONLY_CURRENT: 'Y' });
    assert.equal((await push.next()).kind, 'notify');
    // a notification refused (no such person) publishes nothing; Eve's own one reaches Eve only
    await control(p.http, p.server.controlToken, 'faults', { method: 'im.notify', kind: 'store_failure', times: 1 });
    assert.equal((await callJson(p.adminHook, 'im.notify', { USER_ID: dee.id, MESSAGE: 'lost' })).status, 500);
    await callJson(p.adminHook, 'im.notify', { USER_ID: eve.id, MESSAGE: 'for Eve' });
    assert.deepEqual({ ...(await eves.next()), chatId: 0 }, { chatId: 0, kind: 'notify', userId: eve.id });
    await callJson(p.adminHook, 'im.notify.read.all', {});
    await asSession(p, s, 'im.notify.read.all');
    assert.deepEqual({ ...(await push.next()), chatId: 0 }, { chatId: 0, kind: 'notify', userId: dee.id }, 'the next hint Dee gets is her own read-all, not the rolled-back one');
    push.close();
    eves.close();
  });

  it('lists a dialog’s commands for the "/" menu, only to someone who can open it', async () => {
    const ann = (await login(p, { user_id: 2 })).signed!;
    const get = (dialog: string) => request(`${p.http}/__web/commands?sessid=${ann.sessid}&dialog=${dialog}`, { headers: { cookie: ann.cookie } });
    assertError(await get('chat999'), [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog']);
    assertError(await get('x'), [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"]);
    const bot = (await callJson(p.adminHook, 'imbot.register', { CLIENT_ID: 'c', CODE: 'cmd', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'Cmd' } })).body.result;
    for (const [COMMAND, HIDDEN] of [['open', 'N'], ['secret', 'Y']]) {
      await callJson(p.adminHook, 'imbot.command.register', { CLIENT_ID: 'c', BOT_ID: bot, COMMAND, HIDDEN, EVENT_COMMAND_ADD: 'http://127.0.0.1:9/h', LANG: [{ LANGUAGE_ID: 'en', TITLE: `T ${COMMAND}`, PARAMS: 'p' }] });
    }
    assert.deepEqual((await get(String(bot))).body.commands, [{ botId: bot, command: 'open', title: 'T open', params: 'p' }]);
  });

  it('refuses a stream without a session', async () => {
    assertError(await request(`${p.http}/__web/push`), [401, 'NO_AUTH_FOUND', 'Not signed in']);
  });
});

describe('web: cloud sign-in with passwords', () => {
  let p: TestPortal;
  before(async () => (p = await startPortal({ profile: 'cloud' })));
  after(() => p.stop());

  it('has no people picker, even from this machine', async () => {
    assert.equal((await request(`${p.http}/__web/config`)).body.picker, false);
    assertError(await request(`${p.http}/__web/people`), [403, 'ACCESS_DENIED', 'The people picker is open only to this machine in the dev profile; sign in with a password']);
    assertError(await request(`${p.http}/__web/login`, json({ user_id: 1 })), [403, 'ACCESS_DENIED', 'Signing in without a password works only from this machine in the dev profile']);
  });

  it('signs in with a password set by `user add --password` and `user password`', async () => {
    const added = await runCli('user', 'add', '--data', p.dataDir, '--name', 'Pat', '--login', 'pat', '--email', 'pat@example.com', '--password', 'correct horse');
    assert.equal(added.code, 0, added.stderr);
    const id = Number(added.stdout.trim());
    const short = await runCli('user', 'password', '--data', p.dataDir, String(id), '--password', 'short');
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /at least 8 characters/);

    assertError(await request(`${p.http}/__web/login`, json({ login: 'pat', password: 'wrong horse' })), [401, 'INVALID_CREDENTIALS', 'Incorrect login or password']);
    assertError(await request(`${p.http}/__web/login`, json({ login: 'nobody', password: 'correct horse' })), [401, 'INVALID_CREDENTIALS', 'Incorrect login or password']);
    assertError(await request(`${p.http}/__web/login`, json({ login: 'pat' })), [400, 'INVALID_CREDENTIALS', 'Enter your login (or e-mail) and password']);
    const byLogin = await login(p, { login: 'pat', password: 'correct horse' });
    assert.equal(byLogin.signed!.user.id, id);
    const byEmail = await login(p, { login: 'pat@example.com', password: 'correct horse' });
    assert.equal(byEmail.status, 200);
    assert.equal((await asSession(p, byLogin.signed!, 'user.current')).body.result.ID, String(id));

    // a new password ends the old sessions
    const changed = await runCli('user', 'password', '--data', p.dataDir, String(id), '--password', 'battery staple');
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal((await asSession(p, byLogin.signed!, 'user.current')).status, 401);
    assert.equal((await login(p, { login: 'pat', password: 'correct horse' })).status, 401);
    assert.equal((await login(p, { login: 'pat', password: 'battery staple' })).status, 200);
  });
});
