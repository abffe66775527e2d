/**
 * Lets the harness change the whole portal (reset, restore) between calls, never under one:
 * every REST request enters and leaves; `exclusive` makes new requests wait, waits for the ones
 * in flight to finish, runs, then lets the waiting ones through.
 */
export class CallGate {
  private inFlight = 0;
  private closed: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  async enter(): Promise<void> {
    while (this.closed) await this.closed;
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.closed) await this.closed;
    let open!: () => void;
    this.closed = new Promise<void>((r) => (open = r));
    try {
      if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
      this.drained = null;
      return await fn();
    } finally {
      this.closed = null;
      open();
    }
  }
}
