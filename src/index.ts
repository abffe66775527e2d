/**
 * The `imbot-server` package entry: the server itself (startServer) and its options. The testing
 * API is `imbot-server/testing`.
 */
export { startServer, type ServerOptions, type RunningServer } from './server/listen.js';
export type { Profile } from './context.js';
export type { SeedInput } from './harness/seed/schema.js';
export { startPortal, type Portal, type StartPortalOptions } from './testing/index.js';
