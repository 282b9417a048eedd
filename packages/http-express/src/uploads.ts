/**
 * Request bodies that carry files: the multipart part named `file` (busboy),
 * or for archive imports a raw `application/octet-stream` body. Either way the route
 * gets a byte stream that is never buffered whole and fails with 413 past a size limit.
 */
import { Transform, finished, type Readable, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError, RequestValidationError } from './errors';

/** The part every upload route reads. */
export const FILE_PART = 'file';

/**
 * How far the upload stream lags behind the body: the last bytes are passed on only once the
 * body is known to be whole. An archive's closing records sit in its last bytes, so a body that
 * turns out truncated or malformed fails before the loader writes its final section (and a
 * small archive, wholly). Bounded memory per request.
 */
const TAIL_HOLD_BYTES = 64 * 1024;

/**
 * The upload's byte stream: counts bytes, fails with 413 once more than `limit` went through,
 * and holds back the last TAIL_HOLD_BYTES until the source ends.
 */
class UploadStream extends Transform {
  bytes = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(tooLarge(this.limit));
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    for (let first = this.held[0]; first !== undefined && this.heldBytes - first.length >= TAIL_HOLD_BYTES; first = this.held[0]) {
      this.held.shift();
      this.heldBytes -= first.length;
      this.push(first);
    }
    callback();
  }
  override _flush(callback: TransformCallback): void {
    for (const chunk of this.held) this.push(chunk);
    this.held = [];
    this.heldBytes = 0;
    callback();
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${limit} bytes`);
}

function missingFile(): RequestValidationError {
  return new RequestValidationError([{ type: 'missing', loc: ['body', FILE_PART], msg: 'Field required', input: null }]);
}

export interface UploadSource {
  /** The file's bytes; errors with the HttpError that stopped it (413, malformed multipart). */
  stream: Readable;
  /** The part's Content-Type (busboy reports `text/plain` when the part sends none); raw bodies: undefined. */
  contentType: string | undefined;
  /** Bytes delivered so far. */
  bytes(): number;
  /** The error that stopped the body, if one did: it explains a failure better than the reader's. */
  failure(): Error | undefined;
  /**
   * Reads and discards whatever the consumer left unread, and settles once the whole body has
   * arrived intact: rejects with the body's failure (truncated or malformed multipart, a second
   * `file` part, over the limit). Call it after a consumer that may stop early succeeded.
   */
  finished(): Promise<void>;
  /** Stops reading the request; Node discards what is left once the response is sent. */
  release(): void;
}

/** See UploadSource.finished. Works whether or not an async iterator already attached to the stream. */
function drainToEnd(stream: Readable, failure: () => Error | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    finished(stream, (error) => (error ? reject(failure() ?? error) : resolve()));
    const drain = (): void => {
      while (stream.read() !== null);
    };
    stream.on('readable', drain);
    drain();
  });
}

function isMultipart(req: Request): boolean {
  return req.is('multipart/form-data') === 'multipart/form-data';
}

/** Whether a raw body is an archive body: `application/octet-stream`, or no body type at all. */
function isRawArchive(req: Request): boolean {
  return req.get('Content-Type') === undefined || req.is('application/octet-stream') === 'application/octet-stream';
}

function declaredLength(req: Request): number | undefined {
  const header = req.get('Content-Length');
  const length = header === undefined ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** A raw request body as the source. */
function rawSource(req: Request, limit: number): UploadSource {
  const limiter = new UploadStream(limit);
  let failure: Error | undefined;
  limiter.on('error', (error: Error) => {
    failure ??= error;
  });
  // A client that goes away mid-body: the request errors ('aborted') or just closes.
  const aborted = (): void => {
    if (!req.complete && !limiter.destroyed) limiter.destroy(abortedBody());
  };
  req.on('error', aborted);
  req.on('close', aborted);
  req.pipe(limiter);
  return {
    stream: limiter,
    contentType: undefined,
    bytes: () => limiter.bytes,
    failure: () => failure,
    finished: () => drainToEnd(limiter, () => failure),
    release: () => {
      req.unpipe(limiter);
      req.resume();
    },
  };
}

function malformed(error: Error): HttpError {
  return new HttpError(400, `Malformed multipart body: ${error.message}`);
}

function abortedBody(): HttpError {
  return new HttpError(400, 'Request aborted before its body ended');
}

function duplicateFile(): HttpError {
  return new HttpError(400, `Multipart body has more than one '${FILE_PART}' part: send exactly one`);
}

// Parts other than `file` are drained unread; these caps bound what a body may make busboy do.
// Fields are never used, so their values are kept tiny (busboy buffers them whole).
const MULTIPART_LIMITS = { files: 20, fields: 100, parts: 1000, fieldSize: 1024, headerPairs: 100 };

/**
 * Opens the multipart part `file`: resolves as soon as it starts (its bytes are read later,
 * by whoever consumes the stream); 422 when the body ends without one, 400 for a malformed body.
 * The part's stream ends only once the whole body has parsed cleanly, so a body that turns out
 * truncated, malformed, or with a second `file` part fails the stream (400) instead of ending it.
 */
function multipartSource(req: Request, limit: number): Promise<UploadSource> {
  return new Promise<UploadSource>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: MULTIPART_LIMITS });
    } catch (error) {
      reject(malformed(error as Error));
      return;
    }
    const limiter = new UploadStream(limit);
    let found = false;
    let partEnded = false;
    let bodyParsed = false;
    let failure: Error | undefined;
    limiter.on('error', (error: Error) => {
      failure ??= error;
    });
    const release = (): void => {
      req.unpipe(parser);
      req.resume();
    };
    const fail = (error: Error): void => {
      failure ??= error;
      if (!found) {
        release();
        reject(error);
      } else if (!limiter.destroyed && !limiter.writableEnded) limiter.destroy(error);
    };
    // End the part's stream once both its bytes are through and the body has parsed cleanly.
    const maybeEnd = (): void => {
      if (partEnded && bodyParsed && failure === undefined && !limiter.destroyed) limiter.end();
    };
    parser.on('file', (name, file, info) => {
      // A part stream errors when the body ends inside it; unheard, that error kills the process.
      file.on('error', (error) => fail(malformed(error)));
      if (name !== FILE_PART || found) {
        if (name === FILE_PART) fail(duplicateFile());
        file.resume();
        return;
      }
      found = true;
      file.on('end', () => {
        partEnded = true;
        maybeEnd();
      });
      file.pipe(limiter, { end: false });
      resolve({
        stream: limiter,
        contentType: info.mimeType,
        bytes: () => limiter.bytes,
        failure: () => failure,
        finished: () => drainToEnd(limiter, () => failure),
        release,
      });
    });
    parser.on('error', (error: Error) => fail(malformed(error)));
    parser.on('finish', () => {
      bodyParsed = true;
      if (!found) reject(missingFile());
      else maybeEnd();
    });
    // A client that goes away mid-body: the request errors ('aborted') or just closes; busboy,
    // no longer fed, would never report it.
    const aborted = (): void => {
      if (!req.complete) fail(abortedBody());
    };
    req.on('error', aborted);
    req.on('close', aborted);
    req.pipe(parser);
  });
}

export interface SourceOptions {
  /** Largest accepted file, in bytes. */
  limit: number;
  /** Also accept a raw `application/octet-stream` body (archive imports). */
  raw: boolean;
}

/** The uploaded file of a request: the multipart part `file`, or a raw body when allowed. Other body types: 422 without raw, else 415. */
export async function openUpload(req: Request, options: SourceOptions): Promise<UploadSource> {
  const length = declaredLength(req);
  if (isMultipart(req)) {
    // Multipart framing adds a little; a declared length far beyond the limit is refused unread.
    if (length !== undefined && length > options.limit + 64 * 1024) throw tooLarge(options.limit);
    return multipartSource(req, options.limit);
  }
  if (!options.raw) throw missingFile();
  if (!isRawArchive(req)) {
    throw new HttpError(415, "Unsupported Media Type: send the archive as multipart/form-data (part 'file') or as application/octet-stream");
  }
  if (length !== undefined && length > options.limit) throw tooLarge(options.limit);
  return rawSource(req, options.limit);
}

/** Reads a whole upload into memory (blob uploads: the store takes bytes), within the limit. */
export async function readAll(source: UploadSource): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of source.stream) chunks.push(chunk as Buffer);
  } catch (error) {
    source.release();
    throw source.failure() ?? error;
  }
  const data = Buffer.concat(chunks);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// ---- whole forms (custom actions) -----------------------------------------------------

/** One uploaded file of a form, read into memory. */
export interface FormFile {
  data: Uint8Array;
  /** The part's Content-Type (busboy reports `text/plain` when the part sends none). */
  contentType: string;
  filename: string | undefined;
}

/** A multipart form: text fields and files by part name, each in body order. */
export interface FormContent {
  fields: Map<string, string[]>;
  files: Map<string, FormFile[]>;
}

export interface FormLimits {
  /** Bytes of all files together; more → 413. */
  files: number;
  /** Bytes of one text field; more → 413. */
  field: number;
}

function append<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Reads a whole `multipart/form-data` body: every text field and every file (into memory, the
 * files within `limits.files` bytes together). 413 past a limit or past MULTIPART_LIMITS' part
 * counts, 400 for a malformed or aborted body.
 */
export function readForm(req: Request, limits: FormLimits): Promise<FormContent> {
  return new Promise<FormContent>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { ...MULTIPART_LIMITS, fieldSize: limits.field, fileSize: limits.files + 1 } });
    } catch (error) {
      reject(malformed(error as Error));
      return;
    }
    const form: FormContent = { fields: new Map(), files: new Map() };
    let fileBytes = 0;
    let reading = 0;
    let parsed = false;
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      if (failure) return;
      failure = error;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    const maybeDone = (): void => {
      if (parsed && reading === 0 && !failure) resolve(form);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new HttpError(413, `Form field '${name}' is larger than the limit of ${limits.field} bytes`));
      else append(form.fields, name, value);
    });
    parser.on('file', (name, file, info) => {
      reading++;
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => {
        fileBytes += chunk.length;
        if (fileBytes > limits.files) fail(tooLarge(limits.files));
        else if (!failure) chunks.push(chunk);
      });
      file.on('error', (error: Error) => fail(malformed(error)));
      file.on('end', () => {
        reading--;
        const data = Buffer.concat(chunks);
        append(form.files, name, { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), contentType: info.mimeType, filename: info.filename });
        maybeDone();
      });
    });
    const tooMany = (): void => fail(new HttpError(413, 'Multipart body has too many parts'));
    parser.on('partsLimit', tooMany);
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('error', (error: Error) => fail(malformed(error)));
    parser.on('finish', () => {
      parsed = true;
      maybeDone();
    });
    const aborted = (): void => {
      if (!req.complete) fail(abortedBody());
    };
    req.on('error', aborted);
    req.on('close', aborted);
    req.pipe(parser);
  });
}
