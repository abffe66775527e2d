import busboy from 'busboy';
import { parseStr, type PhpArray } from '../rest/php.js';

/**
 * The parameter array exactly as the real server builds it (rest-core.md a.3): query and form
 * fields merged; for a POST without form fields, the raw body is JSON-decoded when the content
 * type says JSON (a decode failure silently gives nothing) and otherwise `parse_str`-ed (BX24.js
 * sends forms as text/plain); body keys then replace query keys at the top level.
 */
export async function requestParams(rawQuery: string, contentType: string | undefined, body: Buffer | undefined): Promise<PhpArray> {
  const query = parseStr(rawQuery);
  if (!body || body.length === 0) return query;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let fromBody: PhpArray;
  if (type === 'multipart/form-data') fromBody = await multipartParams(contentType!, body);
  else if (type === 'application/json') fromBody = jsonParams(body);
  else fromBody = parseStr(body.toString('utf8'));
  return { ...query, ...fromBody };
}

function jsonParams(body: Buffer): PhpArray {
  try {
    const value = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object') return Array.isArray(value) ? (Object.fromEntries(value.map((v, i) => [String(i), v])) as PhpArray) : value;
  } catch {
    // PHP's json_decode failure yields an empty array; the call goes on without body params.
  }
  return {};
}

/**
 * multipart/form-data: fields keep PHP bracket names; an uploaded file becomes the REST file
 * convention `[fileName, base64Content]`, so methods see uploads exactly like base64 parameters.
 */
function multipartParams(contentType: string, body: Buffer): Promise<PhpArray> {
  return new Promise((resolve) => {
    const pairs: string[] = [];
    const files: { name: string; value: [string, string] }[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' } as busboy.BusboyConfig);
    } catch {
      resolve({});
      return;
    }
    parser.on('field', (name, value) => pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => files.push({ name, value: [info.filename ?? '', Buffer.concat(chunks).toString('base64')] }));
    });
    parser.on('close', () => {
      const out = parseStr(pairs.join('&'));
      for (const f of files) {
        // File fields use the same bracket names; put each where its name points.
        const marker = `__file${files.indexOf(f)}`;
        const placed = parseStr(`${encodeURIComponent(f.name)}=${marker}`);
        mergeFile(out, placed, marker, f.value);
      }
      resolve(out);
    });
    parser.on('error', () => resolve({}));
    parser.end(body);
  });
}

function mergeFile(target: any, placed: any, marker: string, value: [string, string]): void {
  for (const [k, v] of Object.entries(placed)) {
    if (v === marker) target[k] = value;
    else if (v && typeof v === 'object') {
      if (!target[k] || typeof target[k] !== 'object') target[k] = {};
      mergeFile(target[k], v, marker, value);
    }
  }
}
