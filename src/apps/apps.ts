import { randomBytes } from 'node:crypto';
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import { deleteAppOptions } from '../store/repos/options.js';
import { deleteApp, findApp, insertApp, listApps as listAppRows, revokeAppTokens, updateApp } from '../store/repos/apps.js';
import { deleteAppBindings, deleteBindingsById, listAppEventBindings, replaceAppEventBinding } from '../store/repos/event-bindings.js';
import { listBotIdsOf } from '../store/repos/bots.js';
import { getUser } from '../im/users.js';
import { parseScopes } from '../auth/scopes.js';
import {
  appByClientId,
  bareEventAuth,
  botEventAuth,
  eventAuth,
  issueTokens,
  portalEndpoints,
  userMayUse,
  type AppRow,
} from '../auth/oauth.js';
import { unregisterBot } from '../bots/lifecycle.js';
import { setOAuthEventAuth, type BindingRow } from '../events/emit.js';
import { appEventAuth, toOfflineQueue, writeOutbox } from '../events/app-events.js';
import { dropQueue } from '../events/offline-queue.js';
import { randomCode } from '../util/random.js';

/**
 * Local applications (local-integrations/local-apps.md, settings/app-installation/**, settings/app-uninstallation.md):
 * adding, installing (a script-only app at once, with ONAPPINSTALL to its install URL; an app with
 * a UI once its installation is finished), uninstalling (ONAPPUNINSTALL without tokens, its bots
 * unregistered with ONIMBOTDELETE, its event bindings removed) and removing.
 */
export class AppError extends Error {}

export interface NewApp {
  name: string;
  scope: string;
  /** the app's page; an app without one is "script only" and installed at once */
  handlerUrl?: string;
  /** where ONAPPINSTALL is POSTed (script-only apps) */
  installUrl?: string;
  /** where ONAPPUNINSTALL is POSTed (default: the install URL) */
  uninstallUrl?: string;
  /** where /oauth/authorize/ sends the user back (default: the handler URL) */
  redirectUri?: string;
  clientId?: string;
  clientSecret?: string;
  /** comma list of user ids allowed to use the app ('' = everyone) */
  access?: string;
  /** the user ONAPPINSTALL's tokens are issued for (default 1, the administrator) */
  installUserId?: number;
  /** false: added but not installed (default: installed at once) */
  install?: boolean;
}

export const isScriptOnly = (app: Pick<AppRow, 'handler_url'>) => app.handler_url === '';

/** `local.<14 hex>.<8 digits>`, the shape of a portal's local-app client id. */
function newClientId(): string {
  const digits = Array.from(randomBytes(8), (b) => String(b % 10)).join('');
  return `local.${randomBytes(7).toString('hex')}.${digits}`;
}

export async function addApp(ctx: DomainCtx, input: NewApp): Promise<AppRow> {
  const clientId = input.clientId ?? newClientId();
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(clientId)) throw new AppError('a client id is 1-128 letters, digits, ".", "_" or "-"');
  if (await appByClientId(ctx.db, clientId)) throw new AppError(`an application with client id ${clientId} already exists`);
  const scope = parseScopes(input.scope).join(',');
  if (!scope) throw new AppError('an application needs at least one scope');
  const access = (input.access ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (access.some((s) => !/^\d+$/.test(s))) throw new AppError('--access is a comma list of user ids');
  const installUserId = input.installUserId ?? 1;
  if (!(await getUser(ctx.db, installUserId))) {
    throw new AppError(`user ${installUserId} does not exist`);
  }
  for (const url of [input.handlerUrl, input.installUrl, input.uninstallUrl, input.redirectUri]) {
    if (url && !/^https?:\/\/[^/]+/i.test(url)) throw new AppError(`not an http(s) URL: ${url}`);
  }
  await insertApp(ctx.db, {
      client_id: clientId,
      client_secret: input.clientSecret ?? randomCode(50),
      name: input.name,
      scope,
      handler_url: input.handlerUrl ?? '',
      install_url: input.installUrl ?? '',
      uninstall_url: input.uninstallUrl ?? input.installUrl ?? '',
      redirect_uri: input.redirectUri ?? input.handlerUrl ?? '',
      access: access.join(','),
      install_user_id: installUserId,
      active: 0,
      installed: 0,
      created_at: ctx.clock.now(),
  });
  if (input.install !== false) await installApp(ctx, clientId);
  return (await appByClientId(ctx.db, clientId))!;
}

export type InstallOutcome = 'installed' | 'awaiting_finish' | 'finished' | 'reinstalled';

/**
 * Installs the app on the portal. A script-only app is installed at once and gets ONAPPINSTALL
 * (with the installing user's tokens, refresh_token included) at its install URL. An app with a UI
 * stays "installation not finished" (app.info INSTALLED=false, no events delivered) until this is
 * called again — the `installFinish` its setup page would send.
 *
 * An installed app is reinstalled, as a portal's "Reinstall" does: ONAPPINSTALL again with a
 * fresh pair for the installing user. The app keeps its bots, event handlers, options and
 * application_token (the example bots' "if this is a reinstall, delete the old bot" branch finds
 * its bot in imbot.bot.list); tokens issued before stay valid until they expire. An app with a
 * UI goes back to "installation not finished" until its setup page finishes again.
 */
export async function installApp(ctx: DomainCtx, clientId: string): Promise<InstallOutcome> {
  const app = await appByClientId(ctx.db, clientId);
  if (!app) throw new AppError(`no application ${clientId}`);
  const scriptOnly = isScriptOnly(app);
  if (app.active && app.installed) {
    if (!scriptOnly) {
      await updateApp(ctx.db, app.id, { installed: 0 });
      return 'reinstalled';
    }
    await sendInstall(ctx, app);
    return 'reinstalled';
  }
  if (app.active) {
    await updateApp(ctx.db, app.id, { installed: 1 });
    return 'finished';
  }
  await updateApp(ctx.db, app.id, { active: 1, installed: scriptOnly ? 1 : 0, application_token: randomBytes(16).toString('hex') });
  const fresh = (await appByClientId(ctx.db, clientId))!;
  if (!scriptOnly) return 'awaiting_finish';
  await sendInstall(ctx, fresh);
  return 'installed';
}

/** ONAPPINSTALL to the install URL (settings/app-installation/local-apps/installation-callback.md), with a fresh pair. */
async function sendInstall(ctx: DomainCtx, app: AppRow): Promise<void> {
  if (!app.install_url) return;
  const binding = await bind(ctx, app, 'ONAPPINSTALL', app.install_url);
  const tokens = await issueTokens(ctx, app, app.install_user_id, app.scope, portalEndpoints(ctx));
  const data = { VERSION: app.version, ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: ctx.portal.languageId };
  await enqueue(ctx, app, binding, data, eventAuth(tokens, app, ctx, true));
}

export interface UpdateOutcome {
  previousVersion: number;
  version: number;
  /** the handler URLs ONAPPUPDATE was written for (online ones) */
  sentTo: string[];
}

/**
 * A new version of an installed app (api-reference/common/events/on-app-update.md): the version
 * moves up, the app gets a new application_token (ONAPPUPDATE carries it; events after it carry
 * it too), and ONAPPUPDATE goes out with data {VERSION, PREVIOUS_VERSION, LANGUAGE_ID} and the
 * installing user's fresh pair (refresh_token included, as for ONAPPINSTALL). It goes to the
 * handlers the app bound for ONAPPUPDATE with `event.bind` (an offline one queues it); an app that
 * bound none hears it at its install URL, where it heard ONAPPINSTALL. Bots, handlers and options
 * stay. An app whose installation is not finished gets no events, as before.
 */
export async function updateAppVersion(ctx: DomainCtx, clientId: string, version: number): Promise<UpdateOutcome> {
  const app = await appByClientId(ctx.db, clientId);
  if (!app) throw new AppError(`no application ${clientId}`);
  if (!app.active) throw new AppError(`application ${clientId} is not installed`);
  if (!Number.isSafeInteger(version) || version <= app.version) {
    throw new AppError(`application ${clientId} is at version ${app.version}: an update goes to a higher version`);
  }
  await updateApp(ctx.db, app.id, { version, application_token: randomBytes(16).toString('hex') });
  const fresh = (await appByClientId(ctx.db, clientId))!;
  const outcome: UpdateOutcome = { previousVersion: app.version, version, sentTo: [] };
  if (!fresh.installed) return outcome;
  const data = { VERSION: version, PREVIOUS_VERSION: app.version, LANGUAGE_ID: ctx.portal.languageId };
  const bound = await appBindings(ctx.db, fresh, 'ONAPPUPDATE');
  // the install URL stands in through a binding made for this one send (the body still carries
  // an event_handler_id); it goes again at once, so it never counts as a handler the app bound
  const standIn = !bound.length && fresh.install_url ? await bind(ctx, fresh, 'ONAPPUPDATE', fresh.install_url) : null;
  for (const binding of standIn ? [standIn] : bound) {
    if (binding.event_type === 'offline') {
      await toOfflineQueue(ctx, binding, data, fresh.install_user_id);
      continue;
    }
    await enqueue(ctx, fresh, binding, data, await appEventAuth(ctx, fresh, binding, fresh.install_user_id));
    outcome.sentTo.push(binding.handler_url);
  }
  if (standIn) await deleteBindingsById(ctx.db, [standIn.id]);
  return outcome;
}

/**
 * Uninstalls the app: every bot it owns is unregistered (ONIMBOTDELETE, sent while its bindings
 * still exist), ONAPPUNINSTALL goes out without tokens with data[CLEAN], then its event bindings
 * are removed and its tokens stop working (APPLICATION_NOT_FOUND until a reinstall, invalid
 * afterwards).
 */
export async function uninstallApp(ctx: DomainCtx, clientId: string, clean: boolean): Promise<{ bots: number[] }> {
  const app = await appByClientId(ctx.db, clientId);
  if (!app) throw new AppError(`no application ${clientId}`);
  if (!app.active) throw new AppError(`application ${clientId} is not installed`);
  const bots = await listBotIdsOf(ctx.db, app.client_id);
  for (const botId of bots) await unregisterBot(ctx, botId);
  for (const binding of await uninstallTargets(ctx, app)) {
    await enqueue(ctx, app, binding, { LANGUAGE_ID: ctx.portal.languageId, CLEAN: clean ? 1 : 0 }, bareEventAuth(ctx, app));
  }
  await deleteAppBindings(ctx.db, app.id);
  await dropQueue(ctx, app.id);
  // CLEAN: the application's data goes too (settings/app-uninstallation.md)
  if (clean) await deleteAppOptions(ctx.db, app.id);
  await revokeAppTokens(ctx.db, app.id);
  await updateApp(ctx.db, app.id, { active: 0, installed: 0 });
  return { bots };
}

/** Deletes the app (uninstalling it first when installed); its client id becomes unknown. */
export async function removeApp(ctx: DomainCtx, clientId: string): Promise<void> {
  const app = await appByClientId(ctx.db, clientId);
  if (!app) throw new AppError(`no application ${clientId}`);
  if (app.active) await uninstallApp(ctx, clientId, true);
  await deleteApp(ctx.db, app.id);
}

export function listApps(db: Db): Promise<AppRow[]> {
  return listAppRows(db);
}

/** What `app list` and the README call an app's state. */
export function appState(app: AppRow): string {
  if (!app.active) return 'not installed';
  return app.installed ? 'installed' : 'installation not finished';
}

function appBindings(db: Db, app: AppRow, event: string): Promise<BindingRow[]> {
  return listAppEventBindings(db, app.id, event);
}

/**
 * Where ONAPPUNINSTALL goes: the handlers the app bound for it with `event.bind` (online ones; an
 * offline queue dies with the app). Only when it bound none does the app's `--uninstall-url`
 * (default: its install URL) stand in, through a binding made for this one send so the body
 * still carries an event_handler_id.
 */
async function uninstallTargets(ctx: DomainCtx, app: AppRow): Promise<BindingRow[]> {
  const bound = (await appBindings(ctx.db, app, 'ONAPPUNINSTALL')).filter((b) => b.event_type === 'online');
  if (bound.length || !app.uninstall_url) return bound;
  return [await bind(ctx, app, 'ONAPPUNINSTALL', app.uninstall_url)];
}

/** The app's one online binding for an app event (as `event.bind` would make it). */
async function bind(ctx: DomainCtx, app: AppRow, event: string, url: string): Promise<BindingRow> {
  return replaceAppEventBinding(ctx.db, { appId: app.id, token: app.client_id }, event, url, ctx.clock.now());
}

/** An app event into the outbox (the app's lane), so the worker delivers it durably and in order. */
function enqueue(ctx: DomainCtx, app: AppRow, binding: BindingRow, data: Record<string, unknown>, auth: Record<string, string>): Promise<void> {
  // due at once whatever the server's clock says: the CLI writes these with its own clock
  return writeOutbox(ctx, { binding, lane: app.client_id, data, auth, dueNow: true });
}

async function bindingApp(ctx: DomainCtx, binding: BindingRow): Promise<AppRow | undefined> {
  const app = await findApp(ctx.db, binding.app_id);
  return app?.active ? app : undefined;
}

// The OAuth side of bot events (api-reference/chat-bots/outdated/events/index.md): a fresh pair for the bot user in data[BOT][id],
// the triggering user's pair in the top-level auth, the app's own application_token everywhere.
setOAuthEventAuth({
  async botTokens(ctx, binding, botId) {
    const app = await bindingApp(ctx, binding);
    if (!app) return null;
    return botEventAuth(await issueTokens(ctx, app, botId, app.scope, portalEndpoints(ctx)), app, ctx);
  },
  async userAuth(ctx, binding, userId, withRefresh) {
    const app = await bindingApp(ctx, binding);
    if (!app || !userMayUse(app, userId)) return null;
    return eventAuth(await issueTokens(ctx, app, userId, app.scope, portalEndpoints(ctx)), app, ctx, withRefresh);
  },
  async appAuth(ctx, binding) {
    const app = await findApp(ctx.db, binding.app_id);
    return app ? bareEventAuth(ctx, app) : null;
  },
});
