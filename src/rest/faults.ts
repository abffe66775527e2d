import { OperationNodeTransformer, type KyselyPlugin, type PluginTransformQueryArgs, type RootOperationNode } from 'kysely';

// The plan of scripted faults is the harness's (harness/faults.ts); what a `store_failure` does
// to a call's writes is the pipeline's, here.

/** Thrown by the store when a scripted fault makes a write fail, as a database error would. */
export class StoreFailure extends Error {
  constructor(method: string) {
    super(`scripted store failure during ${method}`);
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
