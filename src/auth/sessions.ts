import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { deleteSessionRow, deleteSessionsOf, findPasswordByLogin, findSessionWithUser, insertSession, replacePasswordHash } from '../store/repos/sessions.js';

/** A browser session: the PHPSESSID cookie value and the `sessid` CSRF token sent with each call. */
export interface UiSession {
  id: string;
  sessid: string;
  userId: number;
  expiresAt: number;
}

/** How long a browser session lives without being used (a portal's default is 24 minutes idle; we keep a day). */
export const SESSION_TTL_MS = 86_400_000;

export async function createSession(db: Db, clock: Clock, userId: number): Promise<UiSession> {
  const now = clock.now();
  const session = { id: randomBytes(16).toString('hex'), sessid: randomBytes(16).toString('hex'), userId, expiresAt: now + SESSION_TTL_MS };
  await insertSession(db, { id: session.id, sessid: session.sessid, user_id: userId, created_at: now, expires_at: session.expiresAt });
  return session;
}

/** The live session behind a cookie value, its user still active; null otherwise. */
export async function sessionByCookie(db: Db, clock: Clock, id: string | null): Promise<UiSession | null> {
  if (!id) return null;
  const row = await findSessionWithUser(db, id);
  if (!row || !row.active || Number(row.expires_at) <= clock.now()) return null;
  return { id: row.id, sessid: row.sessid, userId: row.user_id, expiresAt: Number(row.expires_at) };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await deleteSessionRow(db, id);
}

/*
 * Passwords (the `cloud` sign-in): scrypt from node:crypto with a random 16-byte salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the cost can be raised later without breaking old hashes.
 */
const COST = { N: 16384, r: 8, p: 1 };
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Shortest password `user password` accepts. */
export const MIN_PASSWORD_LENGTH = 8;

export async function setPassword(db: Db, clock: Clock, userId: number, password: string): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  const hash = await hashPassword(password);
  const now = clock.now();
  await replacePasswordHash(db, userId, hash, now);
  // A new password ends every session signed in with the old one.
  await deleteSessionsOf(db, userId);
}

/**
 * The active person (never a bot) with this login or e-mail whose password matches; null
 * otherwise. An unknown login costs the same scrypt work, so timing does not tell logins apart.
 */
export async function checkPassword(db: Db, login: string, password: string): Promise<number | null> {
  const row = await findPasswordByLogin(db, login);
  const ok = await verifyPassword(password, row?.hash ?? DUMMY_HASH);
  return row && ok ? row.id : null;
}

const DUMMY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LEN).toString('base64')}`;
