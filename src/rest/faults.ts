import { OperationNodeTransformer, type KyselyPlugin, type PluginTransformQueryArgs, type RootOperationNode } from 'kysely';

/** Thrown by the store when a scripted fault makes a write fail, as a database error would. */
export class StoreFailure extends Error {
  constructor(method: string) {
    super(`scripted store failure during ${method}`);
  }
}

/**
 * `store_failure`: the call's writes fail inside its transaction (the method answers its own
 * "can't be done" error) — from the first one, or from the one after the first `after` writes,
 * which lets a call write and then fail (what a rollback has to undo). `internal_error`: the
 * call crashes before the method runs (the client gets 500 INTERNAL_SERVER_ERROR, as after any
 * unexpected failure on a portal).
 */
export type FaultKind = 'store_failure' | 'internal_error';
export const FAULT_KINDS: readonly FaultKind[] = ['store_failure', 'internal_error'];

export interface ArmedFault {
  /** lower-case method name the fault applies to */
  method: string;
  kind: FaultKind;
  /** how many more calls it affects */
  remaining: number;
  /** `store_failure` only: writes of each affected call that succeed before the first failing one */
  after: number;
}

/**
 * Scripted faults, so bot developers can test the error paths a live portal produces only by
 * accident. A `store_failure` makes the writes of the next N calls of a method fail (all of them,
 * or all after the first `after`) inside the call's transaction: the method answers its own
 * "can't be done" error and nothing is changed, not even what it wrote before the failure.
 */
export class FaultPlan {
  private faults: ArmedFault[] = [];

  arm(fault: ArmedFault): void {
    this.faults.push({ ...fault, method: fault.method.toLowerCase() });
  }

  list(): ArmedFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Consumes one use of a fault of `kind` armed for `method`, if any, and returns it. */
  take(method: string, kind: FaultKind): ArmedFault | undefined {
    const f = this.faults.find((x) => x.method === method && x.kind === kind && x.remaining > 0);
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return { ...f };
  }
}

/**
 * A Kysely plugin for one call: reads pass, the first `after` writes pass, every later write
 * fails. One instance per call, so each call of a `times: N` fault counts its own writes.
 */
export class FailWritesPlugin implements KyselyPlugin {
  private writes = 0;

  constructor(
    private readonly method: string,
    private readonly after = 0,
  ) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const kind = args.node.kind;
    if (kind !== 'SelectQueryNode' && kind !== 'RawNode' && ++this.writes > this.after) throw new StoreFailure(this.method);
    return new OperationNodeTransformer().transformNode(args.node);
  }

  async transformResult(args: { result: any }) {
    return args.result;
  }
}
