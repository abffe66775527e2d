import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { control, startReceiver, type Receiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Answer, type Expected, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

// imbot.v2.File.* and im.v2.File.* (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/, api-reference/chat-bots/chat-bots-v2/im.v2/files/, entities.md#file): upload = store + attach
// + post one message carrying `FILE_ID`, seen by v1 and by events; download = a token link on
// /rest/download.json serving the same bytes.

type Obj = Record<string, any>;

const E = {
  noToken: [400, 'BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'] as Expected,
  noBotId: [400, 'BOT_ID_REQUIRED', 'botId is required'] as Expected,
  noBot: [400, 'BOT_NOT_FOUND', 'Bot not found'] as Expected,
  ownership: [400, 'BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'] as Expected,
  empty: [400, 'FILE_EMPTY', 'File name and content are required'] as Expected,
  invalid: [400, 'FILE_INVALID_CONTENT', 'Invalid base64 content'] as Expected,
  tooLarge: [400, 'FILE_TOO_LARGE', 'File size exceeds maximum allowed'] as Expected,
  chatNotFound: [400, 'CHAT_NOT_FOUND', 'CHAT_NOT_FOUND'] as Expected,
  accessDenied: [400, 'ACCESS_DENIED', 'ACCESS_DENIED'] as Expected,
  fileNotFound: [400, 'FILE_NOT_FOUND', 'File not found'] as Expected,
  fileAccess: [400, 'FILE_ACCESS_ERROR', 'File access error'] as Expected,
  botFolder: [400, 'FILE_FOLDER_ERROR', 'Could not resolve chat folder'] as Expected,
  botUpload: [400, 'FILE_UPLOAD_FAILED', 'File upload failed'] as Expected,
  imFolder: [400, 'FOLDER_ERROR', 'Could not get chat folder'] as Expected,
  imUpload: [400, 'UPLOAD_FAILED', 'File upload failed'] as Expected,
  badLink: [403, 'ACCESS_DENIED', 'Download link is invalid or has expired'] as Expected,
  goneFile: [404, 'FILE_NOT_FOUND', 'File not found'] as Expected,
};

/** The File keys (api-reference/chat-bots/chat-bots-v2/entities.md#file) imbot.v2 answers with, and the ones only im.v2.File.upload adds. */
const BOT_FILE_KEYS = ['authorId', 'authorName', 'chatId', 'date', 'extension', 'id', 'image', 'isTranscribable', 'isVideoNote', 'isVoiceNote', 'name', 'size', 'type'];
const IM_ONLY_KEYS = ['mediaUrl', 'progress', 'status', 'urlDownload', 'urlPreview', 'urlShow', 'viewerAttrs'];

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');

/** A PNG header saying 3×2 (the rest need not be a valid image). */
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0, 3, 0, 0, 0, 2]), Buffer.alloc(16)]);

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET over http or https (trusting the portal's CA), raw bytes. */
function fetchRaw(url: string, ca?: Buffer): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    };
    const req = url.startsWith('https:') ? httpsGet(url, { ca }, done) : httpGet(url, done);
    req.on('error', reject);
  });
}

/** A portal with server options (a lowered size limit), possibly on an existing data dir (a restart). */
function startFilesPortal(maxFileSize?: number, dataDir?: string): Promise<TestPortal> {
  // chat files in the data dir on both engines: these tests look at the stored bytes there
  return startPortal({ maxFileSize, dataDir, files: 'dir' });
}

describe('v2 files', () => {
  let p: TestPortal;
  let ca: Buffer;
  let anna: Person;
  let bob: Person;
  let carl: Person;
  let bot: { botId: number; botToken: string };
  let other: { botId: number; botToken: string };
  /** anna, bob and the bot */
  let chatId: number;
  /** anna and carl only */
  let foreignChatId: number;

  const asBot = (method: string, params: Obj = {}, who = bot) => v2call(p, method, { botId: who.botId, botToken: who.botToken, ...params });
  const upload = (dialogId: unknown, fields: unknown, extra: Obj = {}) => asBot('imbot.v2.File.upload', { dialogId, fields, ...extra });
  const imUpload = (who: Person, dialogId: unknown, fields: unknown) => callJson(who.hook, 'im.v2.File.upload', { dialogId, fields });
  const db = () => p.server.core.store.db;
  const fileCount = async () => (await db().selectFrom('files').select('id').execute()).length;
  const messageCount = async () => (await db().selectFrom('messages').select('id').execute()).length;
  const storedBytes = () => (existsSync(join(p.dataDir, 'files')) ? readdirSync(join(p.dataDir, 'files'), { recursive: true }).length : 0);

  /** Runs `call`, asserts its error, and that it left no file, message or stored bytes behind. */
  async function refuses(call: () => Promise<{ status: number; body: any }>, expected: Expected, label: string): Promise<void> {
    const before = [await fileCount(), await messageCount(), storedBytes()];
    const a = await call();
    assertError({ status: a.status, body: a.body } as Answer, expected, label);
    assert.deepEqual([await fileCount(), await messageCount(), storedBytes()], before, `${label}: nothing changed`);
  }

  async function groupChat(owner: Person, users: number[]): Promise<number> {
    return assertResult(await callJson(owner.hook, 'im.chat.add', { TITLE: 'Files', USERS: users }), 'im.chat.add');
  }

  before(async () => {
    p = await startFilesPortal();
    ca = readFileSync(p.server.caPath);
    anna = await addPerson(p, 'Anna');
    bob = await addPerson(p, 'Bob');
    carl = await addPerson(p, 'Carl');
    bot = await registerV2Bot(p, { code: 'file_bot' });
    other = await registerV2Bot(p, { code: 'other_bot' });
    chatId = await groupChat(anna, [bob.id, bot.botId]);
    foreignChatId = await groupChat(anna, [carl.id]);
  });
  after(() => p.stop());

  it('imbot.v2.File.upload posts the file into a group chat; v1 sees the message with FILE_ID', async () => {
    const bytes = randomBytes(70_000);
    const res = assertResult(await upload(`chat${chatId}`, { name: 'Report.PDF', content: b64(bytes), message: 'Here is the report' }) as Answer, 'upload');
    assert.deepEqual(Object.keys(res).sort(), ['chatId', 'dialogId', 'file', 'messageId']);
    assert.equal(res.chatId, chatId);
    assert.equal(res.dialogId, `chat${chatId}`);
    assert.deepEqual(Object.keys(res.file).sort(), BOT_FILE_KEYS, 'OutputFilter strips the im.v2-only fields');
    assert.deepEqual(
      { ...res.file, id: 0, date: '' },
      { id: 0, chatId, date: '', type: 'file', name: 'Report.PDF', extension: 'pdf', size: 70_000, image: false, authorId: bot.botId, authorName: 'file_bot', isTranscribable: false, isVideoNote: false, isVoiceNote: false },
    );
    assert.match(res.file.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

    const history = assertResult(await callJson(anna.hook, 'im.dialog.messages.get', { DIALOG_ID: `chat${chatId}` }), 'history');
    const msg = history.messages.find((m: Obj) => m.id === res.messageId);
    assert.ok(msg, 'the file message is in the v1 history');
    assert.equal(msg.author_id, bot.botId);
    assert.equal(msg.text, 'Here is the report');
    assert.deepEqual(msg.params, { FILE_ID: [res.file.id] });
  });

  it('File.download hands out an imbot| link that serves the identical bytes over HTTPS and HTTP', async () => {
    // 3 MB: well over the 1 MB every non-REST route accepts.
    const bytes = randomBytes(3 * 1024 * 1024);
    const up = assertResult(await upload(`chat${chatId}`, { name: 'data.bin', content: b64(bytes) }) as Answer, 'upload');
    const res = assertResult(await asBot('imbot.v2.File.download', { fileId: up.file.id }) as Answer, 'download');
    assert.deepEqual(Object.keys(res), ['downloadUrl']);
    assert.match(res.downloadUrl, new RegExp(`^${p.https}/rest/download\\.json\\?token=imbot%7C[A-Za-z0-9_-]+$`));

    const got = await fetchRaw(res.downloadUrl, ca);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(bytes), 'same bytes');
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal(got.headers['content-length'], String(bytes.length));
    assert.equal(got.headers['content-disposition'], `attachment; filename="data.bin"; filename*=UTF-8''data.bin`);
    const overHttp = await fetchRaw(res.downloadUrl.replace(p.https, p.http));
    assert.ok(overHttp.body.equals(bytes), 'the link works on the HTTP port too');
  });

  it('uploads into a 1:1 dialog open the chat; dialogId is the user from the bot side', async () => {
    const res = assertResult(await upload(String(anna.id), { name: 'pic.png', content: b64(PNG) }) as Answer, 'upload');
    assert.equal(res.dialogId, String(anna.id));
    assert.deepEqual({ type: res.file.type, image: res.file.image, extension: res.file.extension }, { type: 'image', image: { height: 2, width: 3 }, extension: 'png' });
    const history = assertResult(await callJson(anna.hook, 'im.dialog.messages.get', { DIALOG_ID: String(bot.botId) }), 'history');
    assert.equal(history.chat_id, res.chatId);
    assert.deepEqual(history.messages[0].params, { FILE_ID: [res.file.id] });
    assert.equal(history.messages[0].text, '');
    const link = assertResult(await asBot('imbot.v2.File.download', { fileId: res.file.id }) as Answer, 'download').downloadUrl;
    const got = await fetchRaw(link.replace(p.https, p.http));
    assert.equal(got.headers['content-type'], 'image/png');
    assert.ok(got.body.equals(PNG));
  });

  it('UPPER_CASE aliases and a form-encoded body work; dialogId is accepted and ignored by download', async () => {
    const form = new URLSearchParams({ BOT_ID: String(bot.botId), BOT_TOKEN: bot.botToken, DIALOG_ID: `chat${chatId}`, 'fields[name]': 'a+b.txt', 'fields[content]': b64('a+b?') });
    const a = await request(`${p.adminHook}/imbot.v2.File.upload`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const up = assertResult(a, 'form upload');
    assert.equal(up.file.name, 'a+b.txt');
    const res = assertResult(await v2call(p, 'imbot.v2.File.download', { BOT_ID: bot.botId, BOT_TOKEN: bot.botToken, FILE_ID: up.file.id, dialogId: 'chat999999' }) as Answer, 'download');
    const got = await fetchRaw(res.downloadUrl.replace(p.https, p.http));
    assert.equal(got.body.toString(), 'a+b?');
    assert.equal(got.headers['content-type'], 'text/plain; charset=utf-8');
  });

  it('im.v2.File.upload posts as the person with the full File; im| links; v1 history shows it', async () => {
    const bytes = Buffer.from('name;value\nx;1\n');
    const a = await imUpload(anna, `chat${chatId}`, { name: 'Ünïcode "list".csv', content: b64(bytes), message: 'see [b]this[/b]' });
    const res = assertResult(a, 'im upload');
    assert.deepEqual(Object.keys(res.file).sort(), [...BOT_FILE_KEYS, ...IM_ONLY_KEYS].sort());
    const link = res.file.urlDownload;
    assert.match(link, new RegExp(`^${p.https}/rest/download\\.json\\?token=im%7C`));
    assert.deepEqual(
      { ...res.file, id: 0, date: '', urlShow: '', urlDownload: '', viewerAttrs: { ...res.file.viewerAttrs, src: '', unifiedLink: '', objectId: '' } },
      {
        id: 0, chatId, date: '', type: 'file', name: 'Ünïcode "list".csv', extension: 'csv', size: bytes.length, image: false, status: 'done', progress: 100,
        authorId: anna.id, authorName: 'Anna', urlPreview: '', urlShow: '', urlDownload: '',
        viewerAttrs: { viewer: '', viewerType: 'document', src: '', objectId: '', viewerGroupBy: String(chatId), imChatId: chatId, title: 'Ünïcode "list".csv', unifiedLink: '', actions: '[{"type":"download"}]' },
        mediaUrl: { preview: { '250': '' } }, isTranscribable: false, isVideoNote: false, isVoiceNote: false,
      },
    );
    assert.deepEqual([res.chatId, res.dialogId], [chatId, `chat${chatId}`]);
    const got = await fetchRaw(link.replace(p.https, p.http));
    assert.ok(got.body.equals(bytes));
    assert.equal(got.headers['content-disposition'], `attachment; filename="_n_code _list_.csv"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22list%22.csv`);

    const history = assertResult(await callJson(bob.hook, 'im.dialog.messages.get', { DIALOG_ID: `chat${chatId}` }), 'history');
    const msg = history.messages.find((m: Obj) => m.id === res.messageId);
    assert.deepEqual([msg.author_id, msg.text, msg.params], [anna.id, 'see [b]this[/b]', { FILE_ID: [res.file.id] }]);

    const dl = assertResult(await callJson(bob.hook, 'im.v2.File.download', { dialogId: `chat${chatId}`, fileId: res.file.id }), 'im download');
    assert.match(dl.downloadUrl, /\/rest\/download\.json\?token=im%7C/);
    assert.ok((await fetchRaw(dl.downloadUrl, ca)).body.equals(bytes));
    // A person's 1:1 dialog: dialogId is the other person.
    const direct = assertResult(await imUpload(bob, String(carl.id), { name: 'x.txt', content: b64('x') }), 'direct');
    assert.equal(direct.dialogId, String(carl.id));
    assertResult(await callJson(carl.hook, 'im.v2.File.download', { dialogId: String(bob.id), fileId: direct.file.id }), 'carl reads it from his side');
  });

  it('a person\'s upload raises the message events: v1 ONIMBOTMESSAGEADD and v2 ONIMBOTV2MESSAGEADD with FILE_ID', async () => {
    const r: Receiver = await startReceiver();
    try {
      const v1 = assertResult(
        await callJson(p.adminHook, 'imbot.register', { CODE: 'v1_files', CLIENT_ID: 'v1files', EVENT_MESSAGE_ADD: `${r.base}/v1`, EVENT_WELCOME_MESSAGE: `${r.base}/v1`, EVENT_BOT_DELETE: `${r.base}/v1`, PROPERTIES: { NAME: 'V1' } }),
        'imbot.register',
      );
      const up = assertResult(await imUpload(anna, String(v1), { name: 'for-v1.txt', content: b64('hello v1') }), 'upload to v1 bot');
      const [hit] = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD');
      assert.equal((hit!.form as Obj).data.PARAMS.MESSAGE_ID, String(up.messageId));

      const fetchBot = await registerV2Bot(p, { code: 'fetch_files' });
      const up2 = assertResult(await imUpload(anna, String(fetchBot.botId), { name: 'for-v2.txt', content: b64('hello v2') }), 'upload to v2 bot');
      const page = assertResult((await asBot('imbot.v2.Event.get', {}, fetchBot)) as Answer, 'Event.get');
      const ev = page.events.find((e: Obj) => e.type === 'ONIMBOTV2MESSAGEADD' && e.data.message.id === up2.messageId);
      assert.ok(ev, `no ONIMBOTV2MESSAGEADD in ${JSON.stringify(page.events.map((e: Obj) => e.type))}`);
      assert.deepEqual(ev.data.message.params, { FILE_ID: [up2.file.id] });
    } finally {
      await r.close();
    }
  });

  it('an OAuth app\'s bot uploads and downloads without botToken', async () => {
    const r = await startReceiver();
    try {
      const { auth } = await installScriptApp(p, r, '/install');
      const oauth = (method: string, params: Obj) => callJson(`${p.http}/rest`, method, { ...params, auth: auth.access_token });
      const reg = assertResult(await oauth('imbot.v2.Bot.register', { fields: { code: 'oauth_files', properties: { name: 'OAuth files' } } }), 'register');
      const botId = reg.bot.id;
      const up = assertResult(await oauth('imbot.v2.File.upload', { botId, dialogId: String(anna.id), fields: { name: 'o.txt', content: b64('oauth') } }), 'upload');
      const dl = assertResult(await oauth('imbot.v2.File.download', { botId, fileId: up.file.id }), 'download');
      assert.equal((await fetchRaw(dl.downloadUrl.replace(p.https, p.http))).body.toString(), 'oauth');
      assertError(await callJson(p.adminHook, 'imbot.v2.File.download', { botId, botToken: 'not-the-app', fileId: up.file.id }), E.ownership);
    } finally {
      await r.close();
    }
  });

  it('imbot.v2.File.upload errors, in order, change nothing', async () => {
    const good = { name: 'a.txt', content: b64('abc') };
    const dialog = `chat${chatId}`;
    await refuses(() => v2call(p, 'imbot.v2.File.upload', { botId: bot.botId, dialogId: dialog, fields: good }), E.noToken, 'no botToken');
    await refuses(() => v2call(p, 'imbot.v2.File.upload', { botToken: bot.botToken, dialogId: dialog, fields: good }), E.noBotId, 'no botId');
    await refuses(() => upload(dialog, good, { botId: 999_999 }), E.noBot, 'unknown bot');
    await refuses(() => upload(dialog, good, { botToken: other.botToken }), E.ownership, 'another owner');
    for (const [label, d] of [['no dialogId', undefined], ['unknown chat', 'chat999999'], ['unknown user', '999999'], ['malformed', 'chat'], ['workgroup', 'sg1']] as const) {
      await refuses(() => upload(d, good), E.chatNotFound, label);
    }
    await refuses(() => upload(`chat${foreignChatId}`, good), E.accessDenied, 'not a member');
    await refuses(() => upload(String(bot.botId), good), E.accessDenied, 'its own 1:1 dialog');
    const gone = await addPerson(p, 'Gone');
    await db().updateTable('users').set({ active: 0 }).where('id', '=', gone.id).execute();
    await refuses(() => upload(String(gone.id), good), E.accessDenied, 'a deactivated user');
    // The dialog is checked before the fields.
    await refuses(() => upload('chat999999', {}), E.chatNotFound, 'dialog before fields');
    for (const [label, fields] of [
      ['no fields', undefined],
      ['fields not an object', 'x'],
      ['no name', { content: good.content }],
      ['empty name', { name: '', content: good.content }],
      ['name "0" (PHP empty)', { name: '0', content: good.content }],
      ['no content', { name: 'a.txt' }],
      ['empty content', { name: 'a.txt', content: '' }],
      ['content "0"', { name: 'a.txt', content: '0' }],
      ['content an empty array', { name: 'a.txt', content: [] }],
      ['name an object', { name: { a: 1 }, content: good.content }],
    ] as const) {
      await refuses(() => upload(dialog, fields), E.empty, label);
    }
    for (const [label, content] of [
      ['data: prefix', `data:text/plain;base64,${good.content}`],
      ['characters outside the alphabet', 'YWJj!'],
      ['a lone trailing character', 'YWJjZ'],
      ['padding in the middle', 'YQ==YWJj'],
      ['three padding characters', 'YQ==='],
      ['padding not completing a quad', 'YWJ=='],
      ['URL-safe alphabet', 'a-_b'],
      ['not a string', ['a.txt', good.content]],
    ] as const) {
      await refuses(() => upload(dialog, { name: 'a.txt', content }), E.invalid, label);
    }
  });

  it('Base64 the way PHP strict base64_decode takes it: whitespace skipped, padding optional', async () => {
    for (const content of ['YW Jj\nZA', 'YWJjZA', 'YWJjZA==']) {
      const up = assertResult(await upload(`chat${chatId}`, { name: 'ws.txt', content }) as Answer, JSON.stringify(content));
      assert.equal(up.file.size, 4);
      const dl = assertResult(await asBot('imbot.v2.File.download', { fileId: up.file.id }) as Answer, 'download');
      assert.equal((await fetchRaw(dl.downloadUrl.replace(p.https, p.http))).body.toString(), 'abcd');
    }
  });

  it('im.v2.File.upload errors change nothing', async () => {
    const good = { name: 'a.txt', content: b64('abc') };
    await refuses(() => imUpload(anna, undefined, good), E.chatNotFound, 'no dialogId');
    await refuses(() => imUpload(anna, 'chat999999', good), E.chatNotFound, 'unknown chat');
    await refuses(() => imUpload(anna, '999999', good), E.chatNotFound, 'unknown user');
    await refuses(() => imUpload(bob, `chat${foreignChatId}`, good), E.accessDenied, 'not a member');
    await refuses(() => imUpload(anna, `chat${chatId}`, { name: 'a.txt' }), E.empty, 'no content');
    await refuses(() => imUpload(anna, `chat${chatId}`, { name: 'a.txt', content: 'data:;base64,YWJj' }), E.invalid, 'data: prefix');
  });

  it('a chat folder that cannot be made answers FILE_FOLDER_ERROR / FOLDER_ERROR', async () => {
    const fresh = await groupChat(anna, [bot.botId]);
    mkdirSync(join(p.dataDir, 'files'), { recursive: true });
    const blocker = join(p.dataDir, 'files', String(fresh));
    writeFileSync(blocker, 'not a folder');
    try {
      await refuses(() => upload(`chat${fresh}`, { name: 'a.txt', content: b64('abc') }), E.botFolder, 'imbot');
      await refuses(() => imUpload(anna, `chat${fresh}`, { name: 'a.txt', content: b64('abc') }), E.imFolder, 'im');
    } finally {
      rmSync(blocker);
    }
    assertResult(await upload(`chat${fresh}`, { name: 'a.txt', content: b64('abc') }) as Answer, 'works once the folder can be made');
  });

  it('a store failure answers FILE_UPLOAD_FAILED / UPLOAD_FAILED and leaves no bytes behind', async () => {
    const token = p.server.controlToken;
    for (const [method, call, expected] of [
      ['imbot.v2.File.upload', () => upload(`chat${chatId}`, { name: 'a.txt', content: b64('abc') }), E.botUpload],
      ['im.v2.File.upload', () => imUpload(anna, `chat${chatId}`, { name: 'a.txt', content: b64('abc') }), E.imUpload],
    ] as const) {
      assert.equal((await control(p.http, token, 'faults', { method, kind: 'store_failure' })).status, 200);
      await refuses(call, expected, method);
    }
  });

  it('imbot.v2.File.download errors', async () => {
    const mine = assertResult(await upload(`chat${chatId}`, { name: 'a.txt', content: b64('abc') }) as Answer, 'upload');
    const theirs = assertResult(await imUpload(anna, `chat${foreignChatId}`, { name: 'b.txt', content: b64('abc') }), 'foreign upload');
    const dl = (params: Obj) => v2call(p, 'imbot.v2.File.download', params) as Promise<Answer>;
    assertError(await dl({ botId: bot.botId, fileId: mine.file.id }), E.noToken, 'no botToken');
    assertError(await dl({ botToken: bot.botToken, fileId: mine.file.id }), E.noBotId, 'no botId');
    assertError(await dl({ botId: 999_999, botToken: bot.botToken, fileId: mine.file.id }), E.noBot, 'unknown bot');
    assertError(await dl({ botId: bot.botId, botToken: other.botToken, fileId: mine.file.id }), E.ownership, 'another owner');
    assertError(await dl({ botId: bot.botId, botToken: bot.botToken }), E.fileNotFound, 'no fileId');
    assertError(await dl({ botId: bot.botId, botToken: bot.botToken, fileId: 999_999 }), E.fileNotFound, 'unknown file');
    assertError(await dl({ botId: bot.botId, botToken: bot.botToken, fileId: theirs.file.id }), E.fileAccess, 'a chat the bot is not in');
  });

  it('im.v2.File.download needs the file\'s dialog and membership', async () => {
    const up = assertResult(await imUpload(anna, `chat${foreignChatId}`, { name: 'b.txt', content: b64('abc') }), 'upload');
    const dl = (who: Person, params: Obj) => callJson(who.hook, 'im.v2.File.download', params);
    assertError(await dl(anna, { dialogId: `chat${foreignChatId}`, fileId: 999_999 }), E.fileNotFound, 'unknown file');
    assertError(await dl(anna, { dialogId: `chat${foreignChatId}` }), E.fileNotFound, 'no fileId');
    assertError(await dl(anna, { fileId: up.file.id }), E.accessDenied, 'no dialogId');
    assertError(await dl(anna, { dialogId: `chat${chatId}`, fileId: up.file.id }), E.accessDenied, 'another dialog of hers');
    assertError(await dl(bob, { dialogId: `chat${foreignChatId}`, fileId: up.file.id }), E.accessDenied, 'not a member');
    assertResult(await dl(carl, { DIALOG_ID: `chat${foreignChatId}`, FILE_ID: up.file.id }), 'a member, UPPER_CASE names');
  });

  it('download links: reusable for an hour on the portal clock, and nothing else opens a file', async () => {
    const up = assertResult(await upload(`chat${chatId}`, { name: 'a.txt', content: b64('secret') }) as Answer, 'upload');
    const link: string = assertResult(await asBot('imbot.v2.File.download', { fileId: up.file.id }) as Answer, 'download').downloadUrl.replace(p.https, p.http);
    const token = decodeURIComponent(new URL(link).searchParams.get('token')!);
    const open = async (url: string) => {
      const got = await fetchRaw(url);
      return { status: got.status, body: got.body.toString() };
    };
    const refused = async (url: string, [status, error, error_description]: Expected, label: string) => {
      const got = await fetchRaw(url);
      assert.equal(got.headers['content-type'], 'application/json; charset=utf-8', label);
      assert.deepEqual({ status: got.status, ...JSON.parse(got.body.toString()) }, { status, error, error_description }, label);
    };
    const base = `${p.http}/rest/download.json`;
    assert.deepEqual(await open(link), { status: 200, body: 'secret' });
    assert.deepEqual(await open(link), { status: 200, body: 'secret' }, 'reused within the hour');
    await refused(base, E.badLink, 'no token');
    await refused(`${base}?token=`, E.badLink, 'empty token');
    await refused(`${base}?token=imbot%7C`, E.badLink, 'prefix only');
    await refused(`${base}?token=${encodeURIComponent(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))}`, E.badLink, 'tampered');
    await refused(`${base}?token=${encodeURIComponent(token.replace(/^imbot\|/, 'im|'))}`, E.badLink, 'other prefix');
    const post = await request(link, { method: 'POST' });
    assert.equal(post.status, 404, 'only GET serves files; POST is a REST call to an unknown method');

    await control(p.http, p.server.controlToken, 'clock', { advance_ms: 59 * 60_000 });
    assert.deepEqual(await open(link), { status: 200, body: 'secret' }, 'still valid after 59 minutes');
    await control(p.http, p.server.controlToken, 'clock', { advance_ms: 60_000 });
    await refused(link, E.badLink, 'expired after an hour');

    // A live link whose bytes are gone.
    const again = assertResult(await asBot('imbot.v2.File.download', { fileId: up.file.id }) as Answer, 'download').downloadUrl.replace(p.https, p.http);
    const row = await db().selectFrom('files').select('storage_key').where('id', '=', up.file.id).executeTakeFirstOrThrow();
    rmSync(join(p.dataDir, 'files', row.storage_key));
    await refused(again, E.goneFile, 'bytes gone');
  });
});

describe('v2 files: size limit and the orphan sweep', () => {
  let p: TestPortal;
  let anna: Person;
  let bot: { botId: number; botToken: string };

  before(async () => {
    p = await startFilesPortal(30);
    anna = await addPerson(p, 'Anna');
    bot = await registerV2Bot(p, { code: 'small_bot' });
  });
  after(() => p.stop());

  it('FILE_TOO_LARGE above the limit, judged on the Base64 length before decoding', async () => {
    const up = (content: string) => v2call(p, 'imbot.v2.File.upload', { botId: bot.botId, botToken: bot.botToken, dialogId: String(anna.id), fields: { name: 'a.bin', content } });
    assertResult((await up(b64(Buffer.alloc(30, 1)))) as Answer, 'exactly the limit (40 Base64 characters)');
    assertError((await up(b64(Buffer.alloc(31, 1)))) as Answer, E.tooLarge, 'one byte over');
    assertError((await up('!'.repeat(41))) as Answer, E.tooLarge, 'too long is reported before invalid');
    assertError(await callJson(anna.hook, 'im.v2.File.upload', { dialogId: String(bot.botId), fields: { name: 'a.bin', content: b64(Buffer.alloc(31)) } }), E.tooLarge, 'im.v2');
  });

  it('a restart removes bytes no file row refers to and keeps the rest', async () => {
    const up = assertResult(await callJson(anna.hook, 'im.v2.File.upload', { dialogId: String(bot.botId), fields: { name: 'keep.txt', content: b64('keep') } }), 'upload');
    const folder = join(p.dataDir, 'files', String(up.chatId));
    const kept = readdirSync(folder).sort();
    writeFileSync(join(folder, 'deadbeef'), 'orphan');
    writeFileSync(join(folder, 'cafe.part'), 'unfinished');
    const dataDir = p.dataDir;
    const hookPath = anna.hook.slice(p.http.length);
    await p.server.close();
    p = await startFilesPortal(30, dataDir);
    anna = { ...anna, hook: `${p.http}${hookPath}` }; // new ports after the restart
    assert.equal(kept.length, 2, 'the two uploads of this suite');
    assert.deepEqual(readdirSync(folder).sort(), kept, 'only the referenced files are left');
    const dl = assertResult(await callJson(anna.hook, 'im.v2.File.download', { dialogId: String(bot.botId), fileId: up.file.id }), 'download');
    assert.equal((await fetchRaw(dl.downloadUrl.replace(p.https, p.http))).body.toString(), 'keep');
  });
});
