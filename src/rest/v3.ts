/**
 * REST 3.0 (`/rest/api/…`, api-reference/departments/index.md): errors are
 * `{"error": {"code", "message", "validation"?: [{"message", "field"}]}}`
 * (_includes/error-info-v3.md), parameters come from a JSON body only, with their JSON types.
 */
import { RestError } from './errors.js';

export interface ValidationItem {
  message: string;
  field: string;
}

export class RestV3Error extends RestError {
  constructor(
    code: string,
    message: string,
    status = 400,
    readonly validation?: ValidationItem[],
  ) {
    super(code, message, status);
  }

  override body(): Record<string, unknown> {
    return { error: { code: this.code, message: this.description, ...(this.validation ? { validation: this.validation } : {}) } };
  }
}

const P = 'BITRIX_REST_V3_EXCEPTION_';

export const V3Codes = {
  validation: `${P}VALIDATION_REQUESTVALIDATIONEXCEPTION`,
  accessDenied: `${P}ACCESSDENIEDEXCEPTION`,
  insufficientScope: `${P}INSUFFICIENTSCOPEEXCEPTION`,
  entityNotFound: `${P}ENTITYNOTFOUNDEXCEPTION`,
  unknownProperty: `${P}UNKNOWNDTOPROPERTYEXCEPTION`,
  invalidSelect: `${P}INVALIDSELECTEXCEPTION`,
  invalidPagination: `${P}INVALIDPAGINATIONEXCEPTION`,
  invalidJson: `${P}INVALIDJSONEXCEPTION`,
  methodNotFound: `${P}METHODNOTFOUNDEXCEPTION`,
  fieldNotFound: 'BITRIX_REST_V3_REALISATION_EXCEPTION_FIELDNOTFOUNDEXCEPTION',
} as const;

export const V3Errors = {
  validation: (message: string, items: ValidationItem[]) => new RestV3Error(V3Codes.validation, message, 400, items),
  accessDenied: (text = 'Access denied') => new RestV3Error(V3Codes.accessDenied, text, 403),
  // 403, as the portal's InsufficientScopeException (the pages show no status)
  insufficientScope: () => new RestV3Error(V3Codes.insufficientScope, 'Insufficient access rights: required scope is missing', 403),
  // 404 and the code of the portal's MethodNotFoundException; the text is ours (its phrase is not published)
  methodNotFound: (method: string) => new RestV3Error(V3Codes.methodNotFound, `Method \`${method}\` not found`, 404),
  entityNotFound: (text: string) => new RestV3Error(V3Codes.entityNotFound, text, 400),
  invalidJson: () => new RestV3Error(V3Codes.invalidJson, 'Invalid JSON in the request body', 400),
};

/**
 * A classic error met on the REST 3.0 route (authentication, an unknown method, limits) in the
 * REST 3.0 shape: the scope refusal becomes INSUFFICIENTSCOPEEXCEPTION, an unknown method
 * METHODNOTFOUNDEXCEPTION, the rest keep their code, text and status.
 */
export function asV3(err: RestError, method: string): RestError {
  if (err instanceof RestV3Error) return err;
  if (err.code === 'insufficient_scope') return V3Errors.insufficientScope();
  if (err.code === 'ERROR_METHOD_NOT_FOUND') return V3Errors.methodNotFound(method);
  return new RestV3Error(err.code, err.description, err.status);
}

/** JSON's integer (or a string of digits, as a form would send it), else undefined. */
export function asInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** JSON's boolean (or the usual spellings of one); undefined for anything else. */
export function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true' || v === 'Y') return true;
  if (v === 0 || v === '0' || v === 'false' || v === 'N' || v === '') return false;
  return undefined;
}

/** A list of ids: a JSON array (or an object of them, as PHP forms give arrays) of integers. */
export function asIntList(v: unknown): number[] | undefined {
  const list = Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : undefined;
  if (!list) return undefined;
  const out: number[] = [];
  for (const x of list) {
    const n = asInt(x);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/** Renders a value inside an error text the way PHP's json_encode would (`{"limit":"abc"}`). */
export function jsonText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
