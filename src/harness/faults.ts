/**
 * The scripted faults of the developer's harness (`/__control/faults`, `imbot-server faults`):
 * what can be armed and the plan that hands them out. The REST pipeline (rest/pipeline.ts) asks
 * it before each call, the delivery worker (events/worker.ts) before each event, and a cluster
 * shares its state (cluster/bridges.ts); it imports none of them.
 */

/**
 * What a scripted fault does.
 *
 * REST calls (matched by `method`, `*` = every method):
 * - `store_failure`: the call's writes fail inside its transaction (the method answers its own
 *   "can't be done" error) — from the first one, or from the one after the first `after` writes,
 *   which lets a call write and then fail (what a rollback has to undo).
 * - `internal_error`: the call crashes before the method runs (500 INTERNAL_SERVER_ERROR).
 * - `error`: the call answers a portal error instead of running — one of the portal's own (its
 *   status and text, e.g. `QUERY_LIMIT_EXCEEDED` 503 "Too many requests", `expired_token` 401), or
 *   any code with the status and description given.
 * - `latency`: the call waits `ms` (real time) before it runs, then runs as usual.
 *
 * Event deliveries (matched by `event`, e.g. ONIMBOTMESSAGEADD; absent = every event):
 * - `event_drop`: the event is not sent and never will be (one attempt, recorded as failed).
 * - `event_delay`: the event goes out `ms` (real time) late; its app's later events wait behind it.
 * - `event_duplicate`: the event is POSTed twice in a row (same `X-Imbot-Event-Id` and attempt).
 * - `event_reorder`: the event is sent after the next event of its application instead of before.
 */
export type FaultKind = 'store_failure' | 'internal_error' | 'error' | 'latency' | 'event_drop' | 'event_delay' | 'event_duplicate' | 'event_reorder';
export const REST_FAULT_KINDS = ['store_failure', 'internal_error', 'error', 'latency'] as const;
export const EVENT_FAULT_KINDS = ['event_drop', 'event_delay', 'event_duplicate', 'event_reorder'] as const;
export const FAULT_KINDS: readonly FaultKind[] = [...REST_FAULT_KINDS, ...EVENT_FAULT_KINDS];
export type EventFaultKind = (typeof EVENT_FAULT_KINDS)[number];
export const isEventFault = (kind: FaultKind): kind is EventFaultKind => (EVENT_FAULT_KINDS as readonly string[]).includes(kind);

export interface ArmedFault {
  id: number;
  kind: FaultKind;
  /** REST kinds: lower-case method name, or `*` */
  method?: string;
  /** event kinds: upper-case event name; absent = any event */
  event?: string;
  /** how many more calls/events it affects; null = until removed */
  remaining: number | null;
  /** the chance each matching call/event is affected (1 = every one); a miss does not count */
  probability: number;
  /** `store_failure` only: writes of each affected call that succeed before the first failing one */
  after: number;
  /** `latency`, `event_delay`: milliseconds */
  ms?: number;
  /** `error`: the answer */
  error?: { code: string; description: string; status: number };
}

export type FaultInput = Omit<ArmedFault, 'id'>;

/** A fault as POST /__control/faults takes it (README, "Faults"). */
export interface FaultSpec {
  kind: FaultKind;
  /** REST kinds: the method, or `*` for every method */
  method?: string;
  /** event kinds: the event (e.g. ONIMBOTMESSAGEADD); absent = every event */
  event?: string;
  /** how many calls/events it hits (default 1; null = until removed, the default with `probability`) */
  times?: number | null;
  /** the chance each matching call/event is hit (default 1) */
  probability?: number;
  /** store_failure: writes that succeed first */
  after?: number;
  /** latency, event_delay: milliseconds */
  ms?: number;
  /** error: the error code (the portal's own status and text unless given) */
  error?: string;
  status?: number;
  description?: string;
}

/**
 * Scripted faults, so bot developers can test the error paths a live portal produces only by
 * accident. Each REST call and each event delivery asks for a fault of each kind that can hit it;
 * a fault is used up after `remaining` hits, or stays until removed (`remaining: null`).
 */
export class FaultPlan {
  private faults: ArmedFault[] = [];
  private nextId = 1;
  private eventFaults = 0;
  /** Called after every change, uses included (a cluster hands the new state to the other nodes). */
  onChange?: (state: FaultPlanState) => void;

  constructor(private readonly random: () => number = Math.random) {}

  arm(fault: FaultInput): ArmedFault {
    const armed: ArmedFault = { ...fault, id: this.nextId++, method: fault.method?.toLowerCase(), event: fault.event?.toUpperCase() };
    this.faults.push(armed);
    this.count();
    return { ...armed };
  }

  list(): ArmedFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Removes one fault; false if there is none with that id. */
  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    this.count();
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
    this.count();
  }

  /** Whether any event fault is armed (the delivery worker's fast path skips the lookup when not). */
  hasEventFaults(): boolean {
    return this.eventFaults > 0;
  }

  /** Consumes one use of a fault of `kind` armed for `method`, if any hits this call, and returns it. */
  take(method: string, kind: FaultKind): ArmedFault | undefined {
    if (this.faults.length === 0) return undefined;
    return this.use((f) => f.kind === kind && (f.method === method || f.method === '*'));
  }

  /**
   * The event fault (of any event kind) that hits this delivery of `event`, consumed; or none.
   * `canReorder`: another event of the same application is ready to go right after this one
   * (without it an `event_reorder` fault waits for a delivery it can act on).
   */
  takeEvent(event: string, canReorder: boolean): ArmedFault | undefined {
    if (this.eventFaults === 0) return undefined;
    return this.use((f) => isEventFault(f.kind) && (f.event === undefined || f.event === event) && (canReorder || f.kind !== 'event_reorder'));
  }

  private use(match: (f: ArmedFault) => boolean): ArmedFault | undefined {
    const f = this.faults.find((x) => match(x) && (x.remaining === null || x.remaining > 0));
    if (!f) return undefined;
    if (f.probability < 1 && this.random() >= f.probability) return undefined;
    if (f.remaining !== null) {
      f.remaining -= 1;
      if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
      this.count();
    }
    return { ...f };
  }

  private count(): void {
    this.eventFaults = this.faults.filter((f) => isEventFault(f.kind)).length;
    this.onChange?.(this.state());
  }

  /** The armed faults and the next id, as another node takes them. */
  state(): FaultPlanState {
    return { faults: this.list(), nextId: this.nextId };
  }

  /** Takes another node's state (without calling onChange). */
  load(state: FaultPlanState): void {
    if (!Array.isArray(state?.faults) || typeof state.nextId !== 'number') return;
    this.faults = state.faults.map((f) => ({ ...f }));
    // ids stay unique even when two nodes armed one at the same moment
    this.nextId = Math.max(state.nextId, this.nextId);
    this.eventFaults = this.faults.filter((f) => isEventFault(f.kind)).length;
  }
}

export interface FaultPlanState {
  faults: ArmedFault[];
  nextId: number;
}
