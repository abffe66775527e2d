import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { extname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { checkPassword, createSession, deleteSession, sessionByCookie, type UiSession } from '../auth/sessions.js';
import { chatAppForButton, chatAppPanel, type DialogKind } from '../bots/chat-app-panel.js';
import { commandsForChat } from '../bots/commands.js';
import { memberIds, resolveDialog } from '../im/chats.js';
import { parseDialogId, type DialogRef } from '../im/dialogs.js';
import { getMessage, isDeleted, parseParams } from '../im/messages.js';
import { createUser, EXTERNAL_USER_TYPES, fullName, getUser } from '../im/users.js';
import { VISITOR_AUTH_ID } from '../openlines/sessions.js';
import { listActiveUsersExcept, listContacts } from '../store/repos/users.js';
import { ID_MAX } from '../util/php.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import type { PushHub } from './push.js';

/** The built single-page app (`npm run build` writes web/ here); dist/src/server → dist/web. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Requests from this machine. In the `dev` profile they may sign in as anyone (the people
 * picker); from anywhere else, and always under `cloud`, a password is needed (docs/SECURITY.md).
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function body(raw: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

const send = (reply: FastifyReply, status: number, payload: unknown) =>
  reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(phpJson(payload));

const deny = (reply: FastifyReply, status: number, error: string, description: string) => send(reply, status, { error, error_description: description });

/**
 * The web messenger and console: the app at `/` (browsers; API clients still get the JSON
 * description), its assets, and `/__web/*` — sign-in, sign-out, the session, people for the
 * picker and the push stream. Everything else the app does goes through /rest/ (im.*, session
 * auth) and /__control/ (the console, with the control token) like any other client.
 */
export function registerWebRoutes(app: FastifyInstance, core: RestCore, hub: PushHub, controlToken: string): void {
  const db = core.store.db;
  const pickerAllowed = (req: FastifyRequest) => core.profile === 'dev' && isLoopback(req.raw.socket.remoteAddress);
  const assets = new Map<string, Buffer>();
  const asset = async (name: string): Promise<Buffer | null> => {
    const cached = assets.get(name);
    if (cached) return cached;
    try {
      const bytes = await readFile(join(WEB_DIR, name));
      assets.set(name, bytes);
      return bytes;
    } catch {
      return null;
    }
  };

  app.get('/', async (req, reply) => {
    if ((req.headers.accept ?? '').includes('text/html')) {
      const page = await asset('index.html');
      if (page) return reply.header('content-type', TYPES['.html']).header('cache-control', 'no-cache').send(page);
    }
    return reply.header('content-type', 'application/json; charset=utf-8').send(
      phpJson({ server: 'imbot-server', domain: core.portal.domain, rest: `${core.portal.baseUrl}/rest/` }),
    );
  });

  app.get('/assets/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const type = TYPES[extname(name)];
    const bytes = /^[\w.-]+$/.test(name) && type ? await asset(name) : null;
    if (!bytes) return deny(reply, 404, 'NOT_FOUND', 'Not found');
    return reply.header('content-type', type).header('cache-control', 'no-cache').send(bytes);
  });

  /** The signed-in session: the cookie, and for anything but reading it, the matching sessid too. */
  const sessionOf = async (req: FastifyRequest, needSessid: boolean): Promise<UiSession | null> => {
    const session = await sessionByCookie(db, core.clock, cookieValue(req.headers.cookie, 'PHPSESSID'));
    if (!session || !needSessid) return session;
    const given = (req.query as Record<string, unknown>).sessid ?? body(req.body).sessid ?? req.headers['x-bitrix-csrf-token'];
    return given === session.sessid ? session : null;
  };

  const me = async (session: UiSession) => {
    const u = await getUser(db, session.userId);
    if (!u) throw new Error(`the session's user ${session.userId} is gone`);
    return { sessid: session.sessid, user: { id: u.id, name: u.name, last_name: u.last_name, is_admin: !!u.is_admin } };
  };

  const signIn = async (req: FastifyRequest, reply: FastifyReply, userId: number) => {
    const session = await createSession(db, core.clock, userId);
    const secure = (req.raw.socket as TLSSocket).encrypted ? '; Secure' : '';
    reply.header('set-cookie', `PHPSESSID=${session.id}; Path=/; HttpOnly; SameSite=Strict${secure}`);
    return send(reply, 200, await me(session));
  };

  app.get('/__web/config', async (req, reply) =>
    send(reply, 200, { profile: core.profile, picker: pickerAllowed(req), portal: core.portal.domain }),
  );

  app.get('/__web/session', async (req, reply) => {
    const session = await sessionOf(req, false);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    return send(reply, 200, await me(session));
  });

  app.get('/__web/people', async (req, reply) => {
    if (!pickerAllowed(req)) return deny(reply, 403, 'ACCESS_DENIED', 'The people picker is open only to this machine in the dev profile; sign in with a password');
    const rows = await listActiveUsersExcept(db, EXTERNAL_USER_TYPES);
    return send(reply, 200, { people: rows.map((r) => ({ ...r, is_admin: !!r.is_admin })) });
  });

  app.post('/__web/people', async (req, reply) => {
    if (!pickerAllowed(req)) return deny(reply, 403, 'ACCESS_DENIED', 'The people picker is open only to this machine in the dev profile');
    const b = body(req.body);
    const name = typeof b.name === 'string' ? b.name.trim() : '';
    const lastName = typeof b.last_name === 'string' ? b.last_name.trim() : '';
    if (!name || name.length > 100 || lastName.length > 100) return deny(reply, 400, 'NAME_ERROR', 'A person needs a name (up to 100 characters)');
    const id = await createUser(db, core.clock, { name, lastName });
    return send(reply, 200, { id, name, last_name: lastName });
  });

  app.post('/__web/login', async (req, reply) => {
    const b = body(req.body);
    if (b.user_id !== undefined) {
      if (!pickerAllowed(req)) return deny(reply, 403, 'ACCESS_DENIED', 'Signing in without a password works only from this machine in the dev profile');
      const wanted = typeof b.user_id === 'number' && Number.isSafeInteger(b.user_id) && b.user_id > 0 && b.user_id <= ID_MAX ? b.user_id : 0;
      const user = wanted ? await getUser(db, wanted) : undefined;
      if (!user || !user.active || (EXTERNAL_USER_TYPES as readonly string[]).includes(user.external_auth_id)) return deny(reply, 400, 'USER_NOT_FOUND', 'User not found');
      return signIn(req, reply, user.id);
    }
    if (typeof b.login !== 'string' || typeof b.password !== 'string' || !b.login || !b.password) {
      return deny(reply, 400, 'INVALID_CREDENTIALS', 'Enter your login (or e-mail) and password');
    }
    const userId = await checkPassword(db, b.login, b.password);
    if (userId === null) return deny(reply, 401, 'INVALID_CREDENTIALS', 'Incorrect login or password');
    return signIn(req, reply, userId);
  });

  /** Everyone a signed-in person can start a chat with: people and (non-network) bots. */
  app.get('/__web/contacts', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    // people and bots; open-line visitors are nobody's contacts
    const rows = await listContacts(db, session.userId, [VISITOR_AUTH_ID]);
    return send(reply, 200, {
      contacts: rows.map((r) => ({ id: r.id, name: fullName(r), work_position: r.work_position, bot: r.external_auth_id === 'bot' })),
    });
  });

  /** The "/" list of a dialog: the commands of the bots in it (or of the bot it is with) and common ones. */
  app.get('/__web/commands', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    const ref = parseDialogId((req.query as Record<string, unknown>).dialog);
    if (!ref) return deny(reply, 400, 'DIALOG_ID_EMPTY', 'Dialog ID can\'t be empty');
    const { access, chatId } = await resolveDialog(db, ref, session.userId);
    if (!access) return deny(reply, 403, 'ACCESS_ERROR', 'You do not have access to the specified dialog');
    const members = chatId !== null ? await memberIds(db, chatId) : ref.kind === 'user' ? [ref.userId] : [];
    return send(reply, 200, { commands: await commandsForChat(db, members, core.portal.languageId) });
  });

  /** Who is looking at which dialog, as the chat-app panel needs it. */
  const viewer = async (userId: number, ref: DialogRef, raw: unknown) => {
    const me = await getUser(db, userId);
    const other = ref.kind === 'user' ? await getUser(db, ref.userId) : undefined;
    const dialog: DialogKind = ref.kind === 'user' ? (other?.external_auth_id === 'bot' ? 'bot' : 'person') : 'chat';
    return { userId, isAdmin: !!me?.is_admin, dialogId: String(raw), dialog, domain: core.portal.domain, languageId: core.portal.languageId };
  };

  /** The chat apps of the input area for a dialog (src/bots/chat-app-panel.ts). */
  app.get('/__web/apps', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    const raw = (req.query as Record<string, unknown>).dialog;
    const ref = parseDialogId(raw);
    if (!ref) return deny(reply, 400, 'DIALOG_ID_EMPTY', 'Dialog ID can\'t be empty');
    const { access } = await resolveDialog(db, ref, session.userId);
    if (!access) return deny(reply, 403, 'ACCESS_ERROR', 'You do not have access to the specified dialog');
    return send(reply, 200, { apps: await chatAppPanel(db, await viewer(session.userId, ref, raw)) });
  });

  /**
   * The app a message's KEYBOARD or MENU button opens (`APP_ID` + `APP_PARAMS`): only for a
   * button that message really carries, in a dialog the person may open; the answer is what the
   * page does (src/bots/chat-app-panel.ts, chatAppForButton).
   */
  app.get('/__web/app-button', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    const q = req.query as Record<string, unknown>;
    const ref = parseDialogId(q.dialog);
    if (!ref) return deny(reply, 400, 'DIALOG_ID_EMPTY', 'Dialog ID can\'t be empty');
    const { access, chatId } = await resolveDialog(db, ref, session.userId);
    if (!access) return deny(reply, 403, 'ACCESS_ERROR', 'You do not have access to the specified dialog');
    const messageId = Number(q.message);
    const appId = Number(q.app);
    const message = Number.isSafeInteger(messageId) && messageId > 0 && messageId <= ID_MAX ? await getMessage(db, messageId) : undefined;
    if (!message || message.chat_id !== chatId || isDeleted(message)) return deny(reply, 404, 'MESSAGE_NOT_FOUND', 'Message not found');
    const params = parseParams(message);
    const buttons = [params.KEYBOARD, params.MENU].flatMap((v) => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []));
    const button = buttons.find((b) => b && typeof b === 'object' && Number((b as Record<string, unknown>).APP_ID) === appId && appId > 0) as Record<string, unknown> | undefined;
    if (!button) return deny(reply, 404, 'BUTTON_NOT_FOUND', 'The message has no button for this app');
    const found = await chatAppForButton(db, await viewer(session.userId, ref, q.dialog), appId, messageId, typeof button.APP_PARAMS === 'string' ? button.APP_PARAMS : '');
    if (!found) return deny(reply, 404, 'CHAT_APP_ID_ERROR', 'App not found');
    return send(reply, 200, { app: found });
  });

  app.post('/__web/logout', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    await deleteSession(db, session.id);
    hub.end(session.userId);
    reply.header('set-cookie', 'PHPSESSID=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    return send(reply, 200, { result: true });
  });

  /** The console's key to /__control/*: handed to administrators' sessions only (docs/SECURITY.md). */
  app.get('/__web/console', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    const user = await getUser(db, session.userId);
    if (!user?.is_admin) return deny(reply, 403, 'ACCESS_DENIED', 'The console is for administrators');
    return send(reply, 200, { control_token: controlToken });
  });

  app.get('/__web/push', async (req, reply) => {
    const session = await sessionOf(req, true);
    if (!session) return deny(reply, 401, 'NO_AUTH_FOUND', 'Not signed in');
    reply.hijack();
    await hub.attach(session.userId, reply.raw);
  });
}
