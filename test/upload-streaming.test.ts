import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PNG_1X1 } from './helpers/chats.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';

/*
 * Multipart uploads are streamed (docs/SECURITY.md, "Uploads"): a file part goes to a temp file
 * under <data>/uploads-tmp as it arrives and is moved into the file store by the method that
 * takes it (disk.folder.uploadfile, the upload link); whatever a request leaves there is removed
 * when it ends, answered or aborted. Memory is read in the server's own process (this one).
 */

const MB = 1024 * 1024;

// the garbage collector, without asking the runner for --expose-gc
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (opts?: { type: 'major' | 'minor' }) => void;
const collectGarbage = (type: 'major' | 'minor' = 'major') => gc({ type });
const couldNotSave = [400, 'ERROR_COULD_NOT_SAVE_FILE', 'Could not save file'] as [number, string, string];

/** Every file under `dir` (the spool's per-process folders included). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Waits (bounded) until `check` holds; the bound is a safety net, not a timing assertion. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await sleep(50);
  }
  assert.fail(`never happened: ${what}`);
}

interface Streamed {
  status: number;
  body: any;
  /** the largest RSS seen while the request ran, minus the RSS before it */
  rssGrowth: number;
}

/**
 * POSTs a multipart form whose file part of `size` bytes is generated as it is sent (one 64 KiB
 * block in seven variants), so the client side holds no more than those blocks. `abortAfter`:
 * the socket is destroyed once that many file bytes are written. RSS is sampled meanwhile.
 */
function postStreamed(url: string, fields: Record<string, string>, fileField: string, fileName: string, size: number, opts: { abortAfter?: number; onSent?: (abort: () => void) => void } = {}): Promise<Streamed & { sha256: string }> {
  const boundary = `----imbot${randomBytes(8).toString('hex')}`;
  let head = '';
  for (const [k, v] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + size + Buffer.byteLength(tail);
  const block = Buffer.alloc(64 * 1024, 'imbot-upload-');
  // a few distinct blocks, made once: sending allocates nothing per chunk
  const blocks = Array.from({ length: 7 }, (_, i) => {
    const b = Buffer.from(block);
    b.writeUInt32BE(i, 0);
    return b;
  });
  const hash = createHash('sha256');
  collectGarbage();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  // Chunks already passed on are garbage that V8 collects when it likes (external memory may
  // reach tens of MB before it does): a young-generation GC before each sample measures what the
  // server holds, not what it has not yet collected.
  const sampler = setInterval(() => {
    collectGarbage('minor');
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearInterval(sampler);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), rssGrowth: peak - baseline, sha256: hash.digest('hex') });
      });
    });
    req.on('error', (err) => {
      clearInterval(sampler);
      if (opts.abortAfter !== undefined) resolve({ status: 0, body: null, rssGrowth: peak - baseline, sha256: '' });
      else reject(err);
    });
    req.write(head);
    let sent = 0;
    let n = 0;
    const pump = () => {
      while (sent < size) {
        if (opts.abortAfter !== undefined && sent >= opts.abortAfter) {
          opts.onSent?.(() => req.destroy());
          return;
        }
        const chunk = blocks[n++ % blocks.length]!.subarray(0, Math.min(block.length, size - sent));
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(tail);
    };
    pump();
  });
}

async function sha256Of(url: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const hash = createHash('sha256');
      let size = 0;
      res.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      res.on('end', () => resolve({ sha256: hash.digest('hex'), size }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('multipart uploads are streamed to disk', () => {
  let p: TestPortal;
  let ann: Person;
  let folder: number;
  let spoolDir: string;
  let filesDir: string;
  const local = (url: string) => url.replace(/^https:\/\/[^/]+/, p.http);

  before(async () => {
    // The data-dir file store on both engines: what is measured here is the request side (the
    // part spooled to disk, then renamed into place). The database file store (the default on
    // PostgreSQL) is fed from the spooled file a chunk at a time, see test/store/file-stores.
    p = await startPortal({ maxFileSize: 128 * MB, files: 'dir' });
    ann = await addPerson(p, 'Ann Lee');
    const chat = assertResult(await callJson(ann.hook, 'im.chat.add', { TITLE: 'Uploads', USERS: [1] }));
    folder = assertResult(await callJson(ann.hook, 'im.disk.folder.get', { CHAT_ID: chat })).ID;
    spoolDir = join(p.dataDir, 'uploads-tmp');
    filesDir = join(p.dataDir, 'files');
  });
  after(() => p.stop());

  it('a 100 MB file part to disk.folder.uploadfile: stored intact, RSS grows far less than the body, no temp file left', async () => {
    const size = 100 * MB;
    // The first uploads of a process pay for what any upload needs once (code, an allocator arena
    // for each thread of the pool that writes files: ~20-25 MB, not growing with the size);
    // measured after a warm-up long enough to bring every pool thread in.
    const warm = await postStreamed(`${ann.hook}/disk.folder.uploadfile`, { id: String(folder) }, 'fileContent', 'warm.bin', 16 * MB);
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
    const up = await postStreamed(`${ann.hook}/disk.folder.uploadfile`, { id: String(folder) }, 'fileContent', 'big.bin', size);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.deepEqual([up.body.result.NAME, up.body.result.SIZE], ['big.bin', String(size)]);
    assert.ok(up.rssGrowth < size / 4, `RSS grew by ${(up.rssGrowth / MB).toFixed(1)} MB for a ${size / MB} MB body`);
    const got = await sha256Of(local(up.body.result.DOWNLOAD_URL));
    assert.deepEqual(got, { sha256: up.sha256, size }, 'the stored bytes are the sent bytes');
    await until(() => filesUnder(spoolDir).length === 0, 'the spool is empty');
  });

  it('the upload link takes a streamed part too', async () => {
    const link = assertResult(await callJson(ann.hook, 'disk.folder.uploadfile', { id: folder }));
    const up = await postStreamed(local(link.uploadUrl), {}, link.field, 'linked.bin', 3 * MB);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.deepEqual([up.body.result.NAME, up.body.result.SIZE], ['linked.bin', String(3 * MB)]);
    assert.deepEqual(await sha256Of(local(up.body.result.DOWNLOAD_URL)), { sha256: up.sha256, size: 3 * MB });
    await until(() => filesUnder(spoolDir).length === 0, 'the spool is empty');
  });

  it('an upload cut off by the client leaves no temp file and no stored file', async () => {
    const stored = filesUnder(filesDir).length;
    const size = 20 * MB;
    let abort: (() => void) | undefined;
    const cut = postStreamed(`${ann.hook}/disk.folder.uploadfile`, { id: String(folder) }, 'fileContent', 'cut.bin', size, {
      abortAfter: 8 * MB,
      onSent: (a) => {
        abort = a;
      },
    });
    await until(() => abort !== undefined && filesUnder(spoolDir).length > 0, 'the part is being spooled');
    // the client goes away in the middle of the file part
    abort!();
    const answer = await cut;
    assert.equal(answer.status, 0, 'no answer: the connection is gone');
    await until(() => filesUnder(spoolDir).length === 0, 'the spool is empty after the abort');
    assert.equal(filesUnder(filesDir).length, stored, 'nothing reached the file store');
    assertResult(await callJson(ann.hook, 'server.time'), 'the server still answers');
  });

  it('a file part over the size limit is refused with the method\'s error and leaves nothing', async () => {
    // counts the stored files in the data dir (on PostgreSQL they would be in the database)
    const small = await startPortal({ maxFileSize: 1 * MB, files: 'dir' });
    try {
      const bob = await addPerson(small, 'Bob Stone');
      const chat = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'Small', USERS: [1] }));
      const dir = assertResult(await callJson(bob.hook, 'im.disk.folder.get', { CHAT_ID: chat })).ID;
      const over = await postStreamed(`${bob.hook}/disk.folder.uploadfile`, { id: String(dir) }, 'fileContent', 'over.bin', 1 * MB + 1);
      assertError({ status: over.status, body: over.body, text: '' } as never, couldNotSave);
      const exact = await postStreamed(`${bob.hook}/disk.folder.uploadfile`, { id: String(dir) }, 'fileContent', 'exact.bin', 1 * MB);
      assert.equal(exact.status, 200, JSON.stringify(exact.body));
      await until(() => filesUnder(join(small.dataDir, 'uploads-tmp')).length === 0, 'the spool is empty');
      assert.equal(filesUnder(join(small.dataDir, 'files')).length, 1, 'only the file within the limit is stored');
    } finally {
      await small.stop();
    }
  });

  it('methods that are not uploads still read a file part as Base64 (an avatar), and the request log shows its size only', async () => {
    const chat = assertResult(await callJson(p.adminHook, 'im.chat.add', { TITLE: 'Avatar', USERS: [ann.id] }));
    const form = new FormData();
    form.append('CHAT_ID', String(chat));
    form.append('AVATAR', new Blob([Buffer.from(PNG_1X1, 'base64')]), 'dot.png');
    const set = await request(`${p.adminHook}/im.chat.updateAvatar`, { method: 'POST', body: form });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.result, true);
    const notImage = new FormData();
    notImage.append('CHAT_ID', String(chat));
    notImage.append('AVATAR', new Blob([Buffer.from('plain text')]), 'dot.png');
    const refused = await request(`${p.adminHook}/im.chat.updateAvatar`, { method: 'POST', body: notImage });
    assert.equal(refused.status, 400, 'the part\'s bytes were read: they are not an image');

    const big = new FormData();
    big.append('id', String(folder));
    big.append('fileContent', new Blob([Buffer.alloc(1000, 1)]), 'logged.bin');
    assert.equal((await request(`${ann.hook}/disk.folder.uploadfile`, { method: 'POST', body: big })).status, 200);
    const log = await request(`${p.http}/__control/requests?method=disk.folder.uploadfile`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    const text = JSON.stringify(log.body);
    assert.ok(text.includes('[uploaded file, 1000 bytes]'), text.slice(0, 2000));
    assert.ok(!text.includes('uploads-tmp'), 'no temp path in the log');
  });

  it('the spool folder of a process that is gone is removed at start', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    // a pid that is not running: beyond the kernel's pid range
    const stale = join(spoolDir, `${host}-4999999`);
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'left-over'), 'x');
    const other = join(spoolDir, 'another-host-1');
    mkdirSync(other, { recursive: true });
    const again = await startPortal({ dataDir: p.dataDir });
    try {
      assert.ok(!existsSync(stale), 'the dead process\'s folder is gone');
      assert.ok(existsSync(other), 'another host\'s folder is left alone');
      assert.ok(statSync(spoolDir).isDirectory());
    } finally {
      await again.server.close(); // the data dir stays: it is the first portal's
    }
  });
});
