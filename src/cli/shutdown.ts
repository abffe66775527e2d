/**
 * How `serve` stops on SIGINT/SIGTERM: exit code 0 after the server has closed.
 *
 * The handlers are installed before the server starts, not after its banner: a supervisor (or a
 * test) that sends SIGTERM the moment it reads the banner could otherwise reach the process in
 * the instant between the banner's write and the handlers' installation, and the default action
 * would end it by the signal instead of with 0. A signal during start-up waits for the start to
 * finish, then closes; a second signal while closing changes nothing (it used to find no handler
 * left and end the process by the signal).
 */
export function stopOnSignals(started: Promise<{ close(): Promise<void>; shutdown?(): Promise<void> }>, exit: (code: number) => void = (code) => process.exit(code)): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    started.then(
      // a server leaves gracefully where it can (listen.ts shutdown(): not ready, calls in flight
      // finished, delivery stopped and its lanes released, pools closed)
      (server) => (server.shutdown ? server.shutdown() : server.close()).then(() => exit(0), () => exit(1)),
      // the start failed: the command reports that itself and exits 1
      () => undefined,
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
