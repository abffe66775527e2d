import { phpJson } from '../rest/php.js';
import type { CallOutput } from '../rest/pipeline.js';
import { timeBlock } from '../rest/time.js';

/** The operating-time limiter's numbers for the `time` block (issue: limits); 0 while it is off. */
export interface OperatingInfo {
  operating: number;
  operatingResetAt: number;
}

/**
 * The success envelope: `result`, lifted `next`/`total`, and a `time` block with all eight keys
 * (the PHP and Python SDKs index six of them unconditionally; b24jssdk reads the last two).
 */
export function successBody(out: CallOutput, startMs: number, finishMs: number, op: OperatingInfo): Record<string, unknown> {
  const body: Record<string, unknown> = { result: out.result };
  if (out.next !== null) body.next = out.next;
  if (out.total !== null) body.total = out.total;
  body.time = timeBlock(startMs, finishMs, out.processing, op);
  return body;
}

export type Transport = 'json' | 'xml';

export function render(body: unknown, transport: Transport): { type: string; payload: string } {
  if (transport === 'xml') return { type: 'text/xml; charset=utf-8', payload: toXml(body) };
  return { type: 'application/json; charset=utf-8', payload: phpJson(body) };
}

/** `CDataXML::xmlspecialchars`. */
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** `.xml` transport: `<response>` root, arrays recursively, integer keys as `<item>`. */
function toXml(body: unknown): string {
  const node = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    // PHP writes scalars as strings: true is "1", false (like null) is empty.
    if (typeof value === 'boolean') return value ? '1' : '';
    if (typeof value !== 'object') return escapeXml(String(value));
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return entries.map(([k, v]) => {
      const tag = /^\d+$/.test(k) || !/^[A-Za-z_][\w.-]*$/.test(k) ? 'item' : k;
      return `<${tag}>${node(v)}</${tag}>`;
    }).join('');
  };
  return `<?xml version="1.0" encoding="utf-8"?><response>${node(body)}</response>`;
}
