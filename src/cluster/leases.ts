/**
 * Who sends an application's events (its outbox lane) right now. A lane is sent by one node at
 * a time: the node takes a lease before it reads the lane's rows, keeps renewing it while the
 * lane runs, and gives it up when the lane has nothing more to send. A node that dies stops
 * renewing; its leases expire and the next node to scan the outbox takes the lane over (rows it
 * sent but had not recorded are sent again with the same event id: at least once).
 */
export interface LaneLeases {
  /** whether other nodes may take lanes (false: one node, every lane is its own) */
  readonly shared: boolean;
  /** Takes (or keeps) the lane for this node; false when another node holds it. */
  acquire(lane: string): Promise<boolean>;
  /** Whether this node still holds the lane (false once a renewal found it lost). */
  holds(lane: string): boolean;
  /** Gives the lane up (only if this node holds it). */
  release(lane: string): Promise<void>;
  /** Gives every lane up (shutdown). */
  releaseAll(): Promise<void>;
}

/** One node: every lane is its own. */
export class LocalLeases implements LaneLeases {
  readonly shared = false;

  async acquire(): Promise<boolean> {
    return true;
  }

  holds(): boolean {
    return true;
  }

  async release(): Promise<void> {}

  async releaseAll(): Promise<void> {}
}
