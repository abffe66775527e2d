/**
 * Application data (api-reference/common/settings/*): keys an application keeps on the portal,
 * for itself (app.option.*) or per user (user.option.*). Values keep the types the call sent
 * (a form sends strings, JSON may send numbers, booleans or arrays) and come back as stored.
 */
import type { DomainCtx } from '../context.js';
import { readOptions, writeOptions, type OptionOwner } from '../store/repos/options.js';

export type { OptionOwner } from '../store/repos/options.js';

/** Every stored key, in name order. */
export async function allOptions(ctx: DomainCtx, owner: OptionOwner): Promise<[string, unknown][]> {
  return (await readOptions(ctx.db, owner)).map((r) => [r.name, JSON.parse(r.value) as unknown]);
}

/** One key's value, or null when it was never set. */
export async function oneOption(ctx: DomainCtx, owner: OptionOwner, name: string): Promise<unknown> {
  const [row] = await readOptions(ctx.db, owner, name);
  return row ? (JSON.parse(row.value) as unknown) : null;
}

export async function setOptions(ctx: DomainCtx, owner: OptionOwner, values: Record<string, unknown>): Promise<void> {
  await writeOptions(ctx.db, owner, Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));
}
