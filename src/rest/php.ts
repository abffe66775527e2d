/**
 * PHP semantics the real server applies to every request and response, reproduced so that
 * clients see exactly what a portal would do with their input.
 */

import { INPUT_CAPS, InputErrors, type InputCaps } from './input-limits.js';


export { ID_MAX, ID_MIN, idval, inIdRange, intval, phpBool, phpEmpty } from '../util/php.js';
import { inIdRange } from '../util/php.js';

export type PhpValue = string | number | boolean | null | PhpValue[] | { [key: string]: PhpValue };
export type PhpArray = { [key: string]: PhpValue };

/**
 * PHP `parse_str`: `a[b][c]=v`, `a[]=v` (append), top-level `.`/space in names become `_`,
 * every scalar stays a string, later keys overwrite earlier ones. Hand-written because `qs`
 * compacts sparse indices (`a[5]=x` → `["x"]`) and keeps dots, both unlike PHP. Every container
 * is prototype-less, so `__proto__` or `constructor` are ordinary keys as in PHP; over a cap
 * (src/rest/input-limits.ts) the whole input is refused with a 400.
 */
export function parseStr(input: string, caps: InputCaps = INPUT_CAPS): PhpArray {
  const params = new PhpParams(caps);
  if (input) for (const pair of input.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    params.add(decodeComponent(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? '' : decodeComponent(pair.slice(eq + 1)));
  }
  return params.result();
}

/** One PHP array under construction: its entries and the index `[]` appends at next. */
class PhpNode {
  readonly entries = new Map<string, unknown>();
  /** one past the largest integer key so far (PHP's nNextFreeElement), kept as keys are set */
  next = 0;

  set(key: string, value: unknown): void {
    this.entries.set(key, value);
    if (INT_KEY.test(key)) this.next = Math.max(this.next, Number(key) + 1);
  }
}

const INT_KEY = /^(0|-?[1-9][0-9]*)$/;

/**
 * The parameter array built one `name=value` at a time (query and form pairs, multipart fields
 * and files), counted against the caps as it goes; appends cost O(1).
 */
export class PhpParams {
  private readonly root = new PhpNode();
  private count = 0;

  constructor(private readonly caps: InputCaps = INPUT_CAPS) {}

  /** `name` as PHP reads a request variable name; `value` is a string, or a file's `[name, base64]`. */
  add(name: string, value: unknown): void {
    if (++this.count > this.caps.maxVars) throw InputErrors.tooManyParams();
    const path = splitKey(name, this.caps.maxDepth);
    // Deeper than max_input_nesting_level: PHP drops the whole variable, silently.
    if (path === 'too deep') this.root.entries.delete(baseName(name));
    if (!path || path === 'too deep') return;
    if (name.length > this.caps.maxKeyLength) throw InputErrors.nameTooLong();
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const key = seg === null ? String(node.next) : seg;
      if (i === path.length - 1) {
        node.set(key, value);
        return;
      }
      let child = node.entries.get(key);
      if (!(child instanceof PhpNode)) {
        child = new PhpNode();
        node.set(key, child);
      }
      node = child as PhpNode;
    }
  }

  result(): PhpArray {
    const out = fromNode(this.root);
    return Array.isArray(out) ? (Object.assign(Object.create(null), out) as PhpArray) : (out as PhpArray);
  }
}

function decodeComponent(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // PHP's urldecode never fails: decode what is valid, keep the rest verbatim.
    return plus.replace(/%[0-9a-fA-F]{2}/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

/** Splits `a[b][]` into ['a', 'b', null]; null means "append". Null for an empty base. */
function splitKey(key: string, maxSegments: number): (string | null)[] | null | 'too deep' {
  const open = key.indexOf('[');
  let base = open < 0 ? key : key.slice(0, open);
  const segments: (string | null)[] = [];
  if (open >= 0) {
    let at = open;
    while (key[at] === '[') {
      const close = key.indexOf(']', at);
      if (close < 0) break;
      if (segments.length === maxSegments) return base ? 'too deep' : null;
      const seg = key.slice(at + 1, close);
      segments.push(seg === '' ? null : seg);
      at = close + 1;
    }
    if (segments.length === 0) base = key; // a lone '[' is part of the name
  }
  base = normalBase(base);
  if (base === '') return null;
  return [base, ...segments];
}

/** PHP's top-level name: leading spaces dropped, ` `, `.` and `[` turned into `_`. */
function normalBase(base: string): string {
  return base.replace(/^ +/, '').replace(/[ .[]/g, '_');
}

function baseName(key: string): string {
  const open = key.indexOf('[');
  return normalBase(open < 0 ? key : key.slice(0, open));
}

function fromNode(node: unknown): PhpValue {
  if (!(node instanceof PhpNode)) return node as PhpValue;
  const keys = [...node.entries.keys()];
  if (keys.every((k, i) => k === String(i))) return keys.map((k) => fromNode(node.entries.get(k)));
  // A prototype-less object, so a field named `__proto__` stays an ordinary key as in PHP.
  const out: PhpArray = Object.create(null);
  for (const k of keys) out[k] = fromNode(node.entries.get(k));
  return out;
}

/**
 * The integer key `$array[$v]` looks up in PHP, or null when `$v` names no integer key: numbers
 * are truncated, booleans are 0/1, and only canonical decimal strings ("39", not "039", " 39" or
 * "39abc") become integers. Handlers that read `$bots[$arParams['BOT_ID']]` match ids this way.
 */
export function phpIntKey(v: unknown): number | null {
  let key: number | null = null;
  if (typeof v === 'number') key = Number.isFinite(v) ? Math.trunc(v) : null;
  else if (typeof v === 'boolean') key = v ? 1 : 0;
  else if (typeof v === 'string' && /^(0|-?[1-9]\d*)$/.test(v)) key = Number(v);
  // the arrays looked up are rows by id: a key past the id columns' range names none
  return key !== null && inIdRange(key) ? key : null;
}

/** A string parameter as PHP code would see it after `(string)` on a scalar; arrays give ''. */
export function phpString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v === true) return '1';
  return '';
}

export function isPhpArray(v: unknown): v is PhpArray | PhpValue[] {
  return typeof v === 'object' && v !== null;
}

/** `array_change_key_case($params, CASE_UPPER)`: top level only, later duplicates win. */
export function upperKeys(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(params)) out[k.toUpperCase()] = v;
  return out;
}

/** A PHP array keyed by ids: `[]` when empty (PHP never emits `{}`), an object otherwise. */
export function assocOrEmpty<T>(entries: Iterable<[string | number, T]>): Record<string, T> | [] {
  const out: Record<string, T> = {};
  let any = false;
  for (const [k, v] of entries) {
    out[String(k)] = v;
    any = true;
  }
  return any ? out : [];
}

// the wire's JSON encoding lives in util/ (domain code stores text in it too)
export { phpEscapeJson, phpJson } from '../util/php-json.js';
