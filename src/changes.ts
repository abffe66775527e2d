/**
 * What changed in a chat, as a hint for live clients (the web messenger's push channel).
 *
 * A change carries no content: a client that hears one re-reads the chat through the public API
 * (im.dialog.messages.get, im.recent.list, …), so the API stays the only source of truth and a
 * change can never show someone more than the API would. Domain code reports changes through
 * `ctx.changes`; the REST pipeline holds them until the call's transaction commits and hands them
 * to the server's ChangePublisher, which sends each to the chat's members. A cluster fans the
 * publisher out across nodes (one implementation of this interface per transport).
 */
export type ChangeKind =
  /** a message was added, edited, deleted, liked or reacted to */
  | 'message'
  /** the chat itself: title, colour, members, text field, … */
  | 'chat'
  /** someone started typing (or another input action) */
  | 'typing'
  /** someone's read mark moved */
  | 'read'
  /**
   * a person's notifications changed (added, read, answered, deleted): `chatId` is their
   * notification chat (0 before they have one), `alsoUsers` the person; re-read with im.notify.get
   */
  | 'notify';

export interface ChatChange {
  chatId: number;
  kind: ChangeKind;
  /** people to tell besides the chat's current members (e.g. one who was just removed) */
  alsoUsers?: number[];
  /** who caused it (the typing person, the author) */
  userId?: number;
}

/** Where domain code reports changes; never throws, never waits. */
export interface ChangeSink {
  publish(change: ChatChange): void;
}

/** Reports a change when the context has a sink (CLI and domain tests have none). */
export function reportChange(ctx: { changes?: ChangeSink }, change: ChatChange): void {
  ctx.changes?.publish(change);
}

/** Changes of one REST call, handed on only when its transaction committed. */
export class PendingChanges implements ChangeSink {
  private items: ChatChange[] = [];

  publish(change: ChatChange): void {
    this.items.push(change);
  }

  /** A mark to roll back to when a part of the call (a batch command's savepoint) fails. */
  mark(): number {
    return this.items.length;
  }

  rollbackTo(mark: number): void {
    this.items.length = Math.min(this.items.length, mark);
  }

  /** Hands everything on, once (duplicates of the same chat and kind collapsed). */
  flush(to: ChangeSink | undefined): void {
    const items = this.items;
    this.items = [];
    if (!to) return;
    const seen = new Set<string>();
    for (const c of items) {
      const key = `${c.chatId}:${c.kind}:${c.userId ?? ''}:${(c.alsoUsers ?? []).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      to.publish(c);
    }
  }
}
