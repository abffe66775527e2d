import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, appState, installApp, isScriptOnly, listApps, uninstallApp, updateAppVersion } from '../../apps/apps.js';
import { appByClientId, type AppRow } from '../../auth/oauth.js';
import type { DomainCtx } from '../../context.js';
import { eventPublisher } from '../../events/publisher.js';
import type { RestCore } from '../../rest/pipeline.js';
import { jsonBody, sendError, sendJson } from './reply.js';

/**
 * /__control/apps: the portal administrator's side of local applications, as the CLI's `app`
 * commands do it but on the running server (its clock, its address):
 *
 *   GET  /__control/apps → {"apps": [{id, client_id, name, scope, version, state, script_only}]} (no secrets)
 *   POST /__control/apps/{client_id}/install → {"client_id", "outcome": installed|reinstalled|awaiting_finish|finished, "state"}
 *        (an installed app is reinstalled: ONAPPINSTALL again with fresh tokens)
 *   POST /__control/apps/{client_id}/update {"version": N} → {"client_id", "version", "previous_version", "sent_to": [urls]}
 *        (ONAPPUPDATE with VERSION, PREVIOUS_VERSION, LANGUAGE_ID and a new application_token)
 *   POST /__control/apps/{client_id}/uninstall {"clean"?: bool} → {"client_id", "bots": [unregistered ids]}
 *
 * An unknown client id answers 404 APP_NOT_FOUND; a refused change 400 INVALID_APP and changes
 * nothing (one unit of work per call, its events committed with it). Registered inside the control gate.
 */
export function registerAppRoutes(app: FastifyInstance, core: RestCore): void {
  const inUnit = <T>(fn: (ctx: DomainCtx) => Promise<T>): Promise<T> => {
    const run = () =>
      core.store.transaction((trx, unit) =>
        fn({ db: trx, clock: core.clock, portal: core.portal, profile: core.profile, events: eventPublisher, cache: core.store.cache, files: core.files, handlerNet: core.handlerNet, afterCommit: (f) => unit.afterCommit(f) }),
      );
    // like a REST call: a reset or restore never runs under it
    return core.gate ? core.gate.enter().then(() => run().finally(() => core.gate!.leave())) : run();
  };
  const view = (a: AppRow) => ({ id: a.id, client_id: a.client_id, name: a.name, scope: a.scope, version: a.version, state: appState(a), script_only: isScriptOnly(a) });

  /** Runs a change on a known app; AppError → 400 INVALID_APP. */
  const change = async <T>(reply: FastifyReply, clientId: string, fn: (ctx: DomainCtx) => Promise<T>, answer: (r: T, after: AppRow) => unknown) => {
    if (!(await appByClientId(core.store.db, clientId))) return sendError(reply, 404, 'APP_NOT_FOUND', `No application ${clientId}`);
    try {
      const r = await inUnit(fn);
      return sendJson(reply, 200, answer(r, (await appByClientId(core.store.db, clientId))!));
    } catch (err) {
      if (err instanceof AppError) return sendError(reply, 400, 'INVALID_APP', err.message);
      throw err;
    }
  };

  app.get('/__control/apps', async (_req, reply) => sendJson(reply, 200, { apps: (await listApps(core.store.db)).map(view) }));

  app.post<{ Params: { clientId: string } }>('/__control/apps/:clientId/install', async (req, reply) => {
    const { clientId } = req.params;
    return change(reply, clientId, (ctx) => installApp(ctx, clientId), (outcome, after) => ({ client_id: clientId, outcome, state: appState(after) }));
  });

  app.post<{ Params: { clientId: string } }>('/__control/apps/:clientId/update', async (req, reply) => {
    const { clientId } = req.params;
    const b = jsonBody(req.body);
    const version = b?.version;
    if (!b || typeof version !== 'number' || !Number.isSafeInteger(version) || version <= 0) {
      return sendError(reply, 400, 'INVALID_APP', 'Expected {"version": N}, N a positive integer');
    }
    return change(reply, clientId, (ctx) => updateAppVersion(ctx, clientId, version), (r) => ({
      client_id: clientId,
      version: r.version,
      previous_version: r.previousVersion,
      sent_to: r.sentTo,
    }));
  });

  app.post<{ Params: { clientId: string } }>('/__control/apps/:clientId/uninstall', async (req, reply) => {
    const { clientId } = req.params;
    const b = jsonBody(req.body);
    if (!b || (b.clean !== undefined && typeof b.clean !== 'boolean')) return sendError(reply, 400, 'INVALID_APP', 'Expected {"clean"?: true|false}');
    return change(reply, clientId, (ctx) => uninstallApp(ctx, clientId, b.clean === true), (r) => ({ client_id: clientId, bots: r.bots }));
  });
}
