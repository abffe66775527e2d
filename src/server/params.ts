import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { readAllBytes, SpooledFile, type FileBytes } from '../files/spool.js';
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

/**
 * How a method gets the file parts of a multipart body: `spooled` — as SpooledFile handles, the
 * bytes left on disk for the file store to take (upload methods, the upload link); `inline` — as
 * Base64 text, exactly like a Base64 file parameter (every other method: its body is under the
 * 4 MiB limit, and avatars, icons and the like all read the REST file convention).
 */
export type FileParts = 'spooled' | 'inline';

export async function requestParams(query: PhpArray, contentType: string | undefined, body: Buffer | MultipartForm | undefined, files: FileParts = 'inline'): Promise<PhpArray> {
  if (body instanceof MultipartForm) return Object.assign(Object.create(null) as PhpArray, query, await body.params(files));
  if (!body || body.length === 0) return query;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let fromBody: PhpArray;
  if (type === 'multipart/form-data') fromBody = await (await readMultipart(contentType!, body, memoryPart)).params(files);
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
 * A multipart/form-data body as read (by readMultipart): fields keep PHP bracket names; a file
 * part becomes the REST file convention `[fileName, content]`, so methods see uploads like
 * Base64 parameters. Files are placed after all fields, as PHP merges $_FILES after $_POST. A
 * form over a cap keeps its error until the call asks for the parameters.
 */
export class MultipartForm {
  constructor(
    private readonly fields: PhpParams,
    private readonly files: { name: string; filename: string; content: FileBytes }[],
    private readonly failure: unknown,
  ) {}

  /** A form the parser could not read (bad boundary, cut short): no parameters, as PHP gives. */
  static empty(): MultipartForm {
    return new MultipartForm(new PhpParams(), [], null);
  }

  async params(mode: FileParts): Promise<PhpArray> {
    if (this.failure) throw this.failure;
    for (const f of this.files) {
      const content = mode === 'spooled' && f.content instanceof SpooledFile ? f.content : (await readAllBytes(f.content)).toString('base64');
      this.fields.add(f.name, [f.filename, content]);
    }
    this.files.length = 0;
    return this.fields.result();
  }
}

/** Where a file part's bytes go: memory (small bodies already in memory) or the upload spool. */
export type PartSink = (part: Readable) => Promise<FileBytes>;

const memoryPart: PartSink = async (part) => {
  const chunks: Buffer[] = [];
  for await (const c of part) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/**
 * Reads a multipart body, from memory or as it arrives, each file part into `sink`. Over a cap
 * (parameters, name length) the rest of the form is read but nothing more is kept. A form busboy
 * cannot read gives an empty form; a body that stops arriving (the client went away, the body
 * limit) rejects with the stream's error.
 */
export function readMultipart(contentType: string, input: Buffer | Readable, sink: PartSink): Promise<MultipartForm> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      // one past each cap, so going over is seen (busboy would silently truncate)
      limits: { fieldSize: Infinity, fieldNameSize: INPUT_CAPS.maxKeyLength + 1, parts: INPUT_CAPS.maxVars + 1, fields: INPUT_CAPS.maxVars + 1, files: INPUT_CAPS.maxVars + 1 },
    } as busboy.BusboyConfig);
  } catch {
    if (!Buffer.isBuffer(input)) input.resume();
    return Promise.resolve(MultipartForm.empty());
  }
  const fields = new PhpParams();
  const files: { name: string; filename: string; content: FileBytes }[] = [];
  const writes: Promise<unknown>[] = [];
  let failure: unknown = null;
  const fail = (err: unknown) => {
    failure ??= err;
  };
  parser.on('partsLimit', () => fail(InputErrors.tooManyParams()));
  parser.on('field', (name, value, info) => {
    if (failure) return;
    try {
      if (info.nameTruncated) throw InputErrors.nameTooLong();
      fields.add(name, value);
    } catch (err) {
      fail(err);
    }
  });
  parser.on('file', (name, part, info) => {
    // a form cut short inside a file part errors the part's stream too; the form's own error
    // answers it (without this listener the process would crash)
    part.on('error', () => {});
    if (name.length > INPUT_CAPS.maxKeyLength) fail(InputErrors.nameTooLong());
    if (failure) {
      part.resume();
      return;
    }
    writes.push(
      sink(part).then(
        (content) => files.push({ name, filename: info.filename ?? '', content }),
        () => {}, // the form's own outcome tells what happened
      ),
    );
  });
  const read = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    parser.on('close', () => settle());
    if (Buffer.isBuffer(input)) {
      parser.on('error', () => {
        parser.destroy();
        settle(MALFORMED);
      });
      parser.end(input);
      return;
    }
    // A form busboy cannot read: the rest of the body is read and dropped, so the call can still
    // be answered (destroying the request would take the connection with it).
    parser.on('error', () => {
      input.unpipe(parser);
      input.resume();
      parser.destroy(); // ends a file part it was in the middle of
      settle(MALFORMED);
    });
    // The body stopped arriving: the client went away, or a body limit cut it (its 413).
    const gone = (err?: unknown) => {
      const reason = err ?? Object.assign(new Error('request body cut short'), { code: 'ECONNRESET' });
      parser.destroy();
      settle(reason);
    };
    input.on('error', gone);
    input.on('close', () => {
      if (!input.readableEnded) gone();
    });
    input.pipe(parser);
  });
  return read.then(
    async () => {
      await Promise.all(writes);
      return new MultipartForm(fields, files, failure);
    },
    async (err) => {
      await Promise.allSettled(writes);
      if (err !== MALFORMED) throw err;
      return failure ? new MultipartForm(fields, [], failure) : MultipartForm.empty();
    },
  );
}

const MALFORMED = Symbol('malformed form');
