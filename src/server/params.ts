import busboy from 'busboy';
import { INPUT_CAPS, InputErrors, capJson } from '../rest/input-limits.js';
import { parseStr, PhpParams, type PhpArray } from '../rest/php.js';

/**
 * The parameter array exactly as the real server builds it (settings/how-to-call-rest-api/data-encoding.md; the portal's behaviour; the page is silent on the details): query and form
 * fields merged; for a POST without form fields, the raw body is JSON-decoded when the content
 * type says JSON (a decode failure silently gives nothing) and otherwise `parse_str`-ed (BX24.js
 * sends forms as text/plain); body keys then replace query keys at the top level. Every source
 * is held to the input caps (src/rest/input-limits.ts) and every container is prototype-less.
 */
export function queryParams(rawQuery: string): PhpArray {
  return parseStr(rawQuery);
}

export async function requestParams(query: PhpArray, contentType: string | undefined, body: Buffer | undefined): Promise<PhpArray> {
  if (!body || body.length === 0) return query;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let fromBody: PhpArray;
  if (type === 'multipart/form-data') fromBody = await multipartParams(contentType!, body);
  else if (type === 'application/json') fromBody = jsonParams(body);
  else fromBody = parseStr(body.toString('utf8'));
  return Object.assign(Object.create(null) as PhpArray, query, fromBody);
}

function jsonParams(body: Buffer): PhpArray {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    // PHP's json_decode failure yields an empty array; the call goes on without body params.
    return Object.create(null);
  }
  if (!value || typeof value !== 'object') return Object.create(null);
  return Object.assign(Object.create(null), capJson(value)) as PhpArray;
}

/**
 * multipart/form-data: fields keep PHP bracket names; an uploaded file becomes the REST file
 * convention `[fileName, base64Content]`, so methods see uploads exactly like base64 parameters.
 * Files are placed after all fields, as PHP merges $_FILES after $_POST.
 */
function multipartParams(contentType: string, body: Buffer): Promise<PhpArray> {
  return new Promise((resolve, reject) => {
    const params = new PhpParams();
    const files: { name: string; value: [string, string] }[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        // one past each cap, so going over is seen (busboy would silently truncate)
        limits: { fieldSize: Infinity, fieldNameSize: INPUT_CAPS.maxKeyLength + 1, parts: INPUT_CAPS.maxVars + 1, fields: INPUT_CAPS.maxVars + 1, files: INPUT_CAPS.maxVars + 1 },
      } as busboy.BusboyConfig);
    } catch {
      resolve(Object.create(null));
      return;
    }
    let failure: unknown = null;
    const fail = (err: unknown) => {
      failure ??= err;
    };
    parser.on('partsLimit', () => fail(InputErrors.tooManyParams()));
    parser.on('field', (name, value, info) => {
      if (failure) return;
      try {
        if (info.nameTruncated) throw InputErrors.nameTooLong();
        params.add(name, value);
      } catch (err) {
        fail(err);
      }
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      // a form cut short inside a file part errors the part's stream too; the parser's own
      // 'error' below answers it (without this listener the process would crash)
      stream.on('error', () => {});
      stream.on('data', (c: Buffer) => {
        if (!failure) chunks.push(c);
      });
      stream.on('end', () => {
        if (name.length > INPUT_CAPS.maxKeyLength) fail(InputErrors.nameTooLong());
        else files.push({ name, value: [info.filename ?? '', Buffer.concat(chunks).toString('base64')] });
      });
    });
    parser.on('close', () => {
      try {
        if (failure) throw failure;
        for (const f of files) params.add(f.name, f.value);
        resolve(params.result());
      } catch (err) {
        reject(err);
      }
    });
    parser.on('error', () => (failure ? reject(failure) : resolve(Object.create(null))));
    parser.end(body);
  });
}
