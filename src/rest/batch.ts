import { RestError, SystemErrors } from './errors.js';
import { parseStr, phpBool, phpString, upperKeys, type PhpValue } from './php.js';
import type { MethodCall, MethodSpec } from './registry.js';

/**
 * `batch` (settings/how-to-call-rest-api/batch.md): up to 50 commands `"method?query"`, run in order through the whole
 * pipeline with the caller's credentials (each one authenticated, scope-checked, limited and
 * timed on its own), later commands referring to earlier answers with `$result[cmd][…]`,
 * `$next[cmd]`, `$total[cmd]`, `$time[cmd][…]` and `$error[cmd][…]`.
 */

export const BATCH_MAX_LENGTH = 50;

export const BatchErrors = {
  lengthExceeded: () => new RestError('ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'),
  methodNotAllowed: () => new RestError('ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage'),
};

/** Never allowed as a command (files and, since rest 24.0.0, nested batches); specs can add `batch: false`. */
const NOT_IN_BATCH = new Set(['batch', 'download', 'upload']);

/** The names `$…[…]` references may use, each an accumulator keyed by command id. */
const ACCUMULATORS = ['result', 'next', 'total', 'time', 'error'] as const;
type Accumulators = Map<string, Map<string, unknown>>;

type CommandAnswer = { ok: true; result: unknown; next: number | null; total: number | null; time: unknown } | { ok: false; error: Record<string, unknown> };

async function batch(call: MethodCall): Promise<Record<string, unknown>> {
  const P = upperKeys(call.params);
  const halt = phpBool(P.HALT);
  const acc: Accumulators = new Map();
  const put = (name: string, key: string, value: unknown) => {
    if (!acc.has(name)) acc.set(name, new Map());
    acc.get(name)!.set(key, value);
  };
  const commands = Array.isArray(P.CMD) ? P.CMD.map((v, i) => [String(i), v] as const) : P.CMD && typeof P.CMD === 'object' ? Object.entries(P.CMD) : [];
  let count = 0;
  for (const [key, command] of commands) {
    const answer = count++ < BATCH_MAX_LENGTH ? await runCommand(call, command, acc) : failed(BatchErrors.lengthExceeded());
    if (!answer.ok) {
      put('error', key, answer.error);
      if (halt) break;
      continue;
    }
    put('result', key, answer.result);
    if (answer.next !== null) put('next', key, answer.next);
    if (answer.total !== null) put('total', key, answer.total);
    put('time', key, answer.time);
  }
  return {
    result: phpArray(acc.get('result')),
    result_error: phpArray(acc.get('error')),
    result_total: phpArray(acc.get('total')),
    result_next: phpArray(acc.get('next')),
    result_time: phpArray(acc.get('time')),
  };
}

function failed(err: RestError): CommandAnswer {
  return { ok: false, error: err.body() };
}

/** `parse_url`: the path is the method, the query (before any `#`) its parameters. */
async function runCommand(call: MethodCall, command: unknown, acc: Accumulators): Promise<CommandAnswer> {
  const text = phpString(command);
  const hash = text.indexOf('#');
  const url = hash < 0 ? text : text.slice(0, hash);
  const q = url.indexOf('?');
  const method = q < 0 ? url : url.slice(0, q);
  if (NOT_IN_BATCH.has(method.toLowerCase()) || call.registry.get(method)?.batch === false) return failed(BatchErrors.methodNotAllowed());
  if (!call.subcall) throw new Error('batch needs the pipeline to provide subcall');
  try {
    // a command over the input caps fails on its own, like any other command error
    const params = substitute(parseStr(q < 0 ? '' : url.slice(q + 1)), acc) as Record<string, unknown>;
    const out = await call.subcall(method, params);
    return { ok: true, ...out };
  } catch (err) {
    if (!(err instanceof RestError)) return failed(SystemErrors.internal());
    // A command's scope is checked by the batch item itself, which throws a bare
    // `insufficient_scope` without a text (settings/how-to-call-rest-api/batch.md shows `""`).
    if (err.code === 'insufficient_scope') return failed(new RestError(err.code, '', err.status));
    return failed(err);
  }
}

/** Reference substitution over values and keys, recursively (`processBatchStructure`). */
function substitute(value: PhpValue, acc: Accumulators): unknown {
  if (typeof value === 'string') return resolve(value, acc);
  if (Array.isArray(value)) return value.map((v) => substitute(v, acc));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      const key = resolve(k, acc);
      out[typeof key === 'string' || typeof key === 'number' ? String(key) : k] = substitute(v, acc);
    }
    return out;
  }
  return value;
}

/**
 * `processBatchElement`: each `$name[seg][seg]…` (up to whitespace) walks into the accumulator;
 * a missing segment stops the walk where it is. A whole-value reference takes the found value with
 * its type; an embedded one is replaced only when the found value is a string.
 */
function resolve(text: string, acc: Accumulators): unknown {
  if (!text.includes('$')) return text;
  const names = ACCUMULATORS.filter((n) => acc.has(n));
  if (names.length === 0) return text;
  let out: unknown = text;
  for (const m of text.matchAll(new RegExp(`\\$(${names.join('|')})(\\S*)`, 'gi'))) {
    const segments = [...m[2].matchAll(/\[([^\]]+)\]/g)].map((s) => s[1]);
    if (segments.length === 0) continue;
    let found: unknown = acc.get(m[1].toLowerCase());
    for (const seg of segments) {
      const next = child(found, seg);
      if (next === undefined || next === null) break;
      found = next;
    }
    if (m[0] === text) out = found instanceof Map ? phpArray(found) : found;
    else if (typeof found === 'string' && typeof out === 'string') out = out.split(m[0]).join(found);
  }
  return out;
}

/** `isset($r[$key]) ? $r[$key]` over maps, lists, objects and strings (a string index is a character). */
function child(node: unknown, seg: string): unknown {
  if (node instanceof Map) return node.get(seg);
  if (typeof node === 'string') return /^\d+$/.test(seg) && Number(seg) < node.length ? node[Number(seg)] : undefined;
  if (Array.isArray(node)) return /^(0|[1-9]\d*)$/.test(seg) ? node[Number(seg)] : undefined;
  if (node && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, seg)) return (node as Record<string, unknown>)[seg];
  return undefined;
}

/** A PHP array as JSON: `[]` when empty, a list when keyed exactly 0..n-1, otherwise an object. */
function phpArray(map: Map<string, unknown> | undefined): unknown {
  if (!map || map.size === 0) return [];
  const keys = [...map.keys()];
  if (keys.every((k, i) => k === String(i))) return [...map.values()];
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of map) out[k] = v;
  return out;
}

export const batchMethods: MethodSpec[] = [{ name: 'batch', scope: '_global', batch: false, handler: batch }];
