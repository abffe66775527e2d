/**
 * Download links of chat files: `https://{portal}/rest/download.json?token=imbot%7C…` (from
 * imbot.v2.File.download) and `…?token=im%7C…` (im.v2.File.download, the `files` of
 * im.dialog.messages.get / .search, disk.file.get, the im.disk.* answers), the shape of
 * api-reference/chat-bots/chat-bots-v2/imbot.v2/files/file-download.md.
 *
 * A link is signed, not stored: handing one out writes nothing, so the methods that list files
 * stay reads. The token carries the file id, the user it was issued to and its expiry, sealed
 * with an HMAC under the portal's `download_secret` setting (made once by the bootstrap, shared
 * by every process on the store). The MAC also covers the file's storage key, which is random per
 * upload: a link never opens another file that later gets the same id (after a reset or restore).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DomainCtx } from '../context.js';
import { cachedRead } from '../context.js';
import { readPortalSetting } from '../store/repos/portal.js';
import { findFile, type FileRow } from '../store/repos/files.js';

/**
 * How long a download link works, on the portal clock. The docs call the link one-time with
 * "reuse not guaranteed"; here it may be fetched any number of times for an hour (long enough to
 * hand it to another system, short enough that clients cannot treat it as permanent). Access is
 * checked when the link is issued, not again when it is fetched.
 */
export const DOWNLOAD_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Who asked: `imbot` links come from imbot.v2.File.download, `im` links from im.v2 and im.*. */
export type LinkPrefix = 'imbot' | 'im';
const PREFIXES: readonly string[] = ['imbot', 'im'];

/** The portal setting holding the signing key (never shown, never logged). */
export const DOWNLOAD_SECRET_SETTING = 'download_secret';

/** A new signing key (the bootstrap stores it once per portal). */
export function newDownloadSecret(): string {
  return randomBytes(32).toString('base64url');
}

async function secretOf(ctx: Pick<DomainCtx, 'db' | 'cache'>): Promise<string> {
  const secret = await cachedRead(ctx, 'portal:download-secret', ['portal'], () => readPortalSetting(ctx.db, DOWNLOAD_SECRET_SETTING));
  // The bootstrap writes it at every start (src/portal/bootstrap.ts); a store without it was never started.
  if (!secret) throw new Error('the portal has no download secret (it was never started by a server)');
  return secret;
}

function mac(secret: string, prefix: string, body: string, storageKey: string): Buffer {
  return createHmac('sha256', secret).update(`${prefix}|${body}|${storageKey}`).digest().subarray(0, 24);
}

/** A link to `file` for `userId`, valid for DOWNLOAD_TOKEN_TTL_MS. Reads only. */
export async function issueDownloadLink(ctx: Pick<DomainCtx, 'db' | 'cache' | 'clock' | 'portal'>, file: FileRow, userId: number, prefix: LinkPrefix): Promise<string> {
  const body = `${file.id}.${userId}.${ctx.clock.now() + DOWNLOAD_TOKEN_TTL_MS}`;
  const sealed = Buffer.concat([Buffer.from(`${body}.`), mac(await secretOf(ctx), prefix, body, file.storage_key)]).toString('base64url');
  return `${ctx.portal.baseUrl}/rest/download.json?token=${encodeURIComponent(`${prefix}|${sealed}`)}`;
}

/**
 * The file a token opens: null for a token that is malformed, forged, expired, or names a file
 * that is gone (as a revoked link); `{file}` otherwise. Reads only.
 */
export async function redeemDownloadToken(ctx: Pick<DomainCtx, 'db' | 'cache' | 'clock'>, token: string): Promise<{ file: FileRow } | null> {
  const bar = token.indexOf('|');
  const prefix = token.slice(0, bar);
  if (bar < 0 || !PREFIXES.includes(prefix)) return null;
  const sealed = token.slice(bar + 1);
  const raw = Buffer.from(sealed, 'base64url');
  // one spelling only (Node's decoder skips stray characters and ignores the last one's spare bits)
  if (raw.toString('base64url') !== sealed) return null;
  // "<fileId>.<userId>.<expiresAt>." then 24 bytes of MAC
  if (raw.length <= 24) return null;
  const head = raw.subarray(0, raw.length - 24).toString('latin1');
  const m = /^([1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})\.([1-9][0-9]{0,15})\.$/.exec(head);
  if (!m) return null;
  const [fileId, expiresAt] = [Number(m[1]), Number(m[3])];
  if (expiresAt <= ctx.clock.now()) return null;
  const file = await findFile(ctx.db, fileId);
  if (!file) return null;
  const expected = mac(await secretOf(ctx), prefix, `${m[1]}.${m[2]}.${m[3]}`, file.storage_key);
  return timingSafeEqual(expected, raw.subarray(raw.length - 24)) ? { file } : null;
}
