import type { FastifyInstance } from 'fastify';
import type { RequestLog } from '../../rest/request-log.js';
import type { PortalStateControl } from '../../harness/portal-state.js';
import { registerRequestRoutes } from './requests-route.js';
import { registerSnapshotRoutes } from './snapshots-route.js';
import { registerSeedRoutes } from './seed-route.js';
import type { RestCore } from '../../rest/pipeline.js';
import type { CallGate } from '../../rest/quiesce.js';

export interface HarnessParts {
  requests: RequestLog;
  state: PortalStateControl;
  adminWebhookUrl: () => string;
  core: RestCore;
  gate: CallGate;
}

/**
 * The developer's harness under /__control (request log, reset, snapshots): registered in one
 * place, behind the control token checked for every /__control URL.
 */
export function registerHarnessRoutes(app: FastifyInstance, parts: HarnessParts): void {
  registerRequestRoutes(app, parts.requests);
  registerSnapshotRoutes(app, parts.state, parts.adminWebhookUrl);
  registerSeedRoutes(app, parts.core, parts.gate);
}
