import { OperationNodeTransformer, type KyselyPlugin, type PluginTransformQueryArgs, type RootOperationNode } from 'kysely';

/** Thrown by the store when a scripted fault makes a write fail, as a database error would. */
export class StoreFailure extends Error {
  constructor(method: string) {
    super(`scripted store failure during ${method}`);
  }
}

/**
 * `store_failure`: every write of the call fails inside its transaction (the method answers its
 * own "can't be done" error). `internal_error`: the call crashes before the method runs (the
 * client gets 500 INTERNAL_SERVER_ERROR, as after any unexpected failure on a portal).
 */
export type FaultKind = 'store_failure' | 'internal_error';
export const FAULT_KINDS: readonly FaultKind[] = ['store_failure', 'internal_error'];

export interface ArmedFault {
  /** lower-case method name the fault applies to */
  method: string;
  kind: FaultKind;
  /** how many more calls it affects */
  remaining: number;
}

/**
 * Scripted faults, so bot developers can test the error paths a live portal produces only by
 * accident. A `store_failure` makes every write of the next N calls of a method fail inside the
 * call's transaction: the method answers its own "can't be done" error and nothing is changed.
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

  /** Consumes one use of a fault of `kind` armed for `method`, if any. */
  take(method: string, kind: FaultKind): boolean {
    const f = this.faults.find((x) => x.method === method && x.kind === kind && x.remaining > 0);
    if (!f) return false;
    f.remaining -= 1;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return true;
  }
}

/** A Kysely plugin that lets reads through and fails every write. */
export class FailWritesPlugin implements KyselyPlugin {
  constructor(private readonly method: string) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const kind = args.node.kind;
    if (kind !== 'SelectQueryNode' && kind !== 'RawNode') throw new StoreFailure(this.method);
    return new OperationNodeTransformer().transformNode(args.node);
  }

  async transformResult(args: { result: any }) {
    return args.result;
  }
}
