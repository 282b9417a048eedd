/**
 * Request bodies that carry files (http-api §1.3): the multipart part named `file` (busboy),
 * or for archive imports a raw `application/octet-stream` body (D15). Either way the route
 * gets a byte stream that is never buffered whole and fails with 413 past a size limit.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpError, RequestValidationError } from './errors';

/** The part every upload route reads (§1.3). */
export const FILE_PART = 'file';

/** Counts bytes and fails the stream with 413 once more than `limit` went through. */
class SizeLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) callback(tooLarge(this.limit));
    else callback(null, chunk);
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
  failure(): unknown;
  /** Stops reading the request; Node discards what is left once the response is sent. */
  release(): void;
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
  const limiter = new SizeLimit(limit);
  let failure: unknown;
  limiter.on('error', (error: unknown) => {
    failure ??= error;
  });
  req.on('error', (error) => limiter.destroy(error));
  req.pipe(limiter);
  return {
    stream: limiter,
    contentType: undefined,
    bytes: () => limiter.bytes,
    failure: () => failure,
    release: () => {
      req.unpipe(limiter);
      req.resume();
    },
  };
}

/**
 * Opens the multipart part `file`: resolves as soon as it starts (its bytes are read later,
 * by whoever consumes the stream); 422 when the body ends without one, 400 for a malformed body.
 */
function multipartSource(req: Request, limit: number): Promise<UploadSource> {
  return new Promise<UploadSource>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // Parts other than `file` are drained; the caps bound how many a body may carry.
      parser = busboy({ headers: req.headers, limits: { files: 20, fields: 100, parts: 1000 } });
    } catch (error) {
      reject(new HttpError(400, `Malformed multipart body: ${(error as Error).message}`));
      return;
    }
    const limiter = new SizeLimit(limit);
    let found = false;
    let failure: unknown;
    limiter.on('error', (error: unknown) => {
      failure ??= error;
    });
    const release = (): void => {
      req.unpipe(parser);
      req.resume();
    };
    const fail = (error: unknown): void => {
      if (!found) {
        release();
        reject(error);
      } else if (!limiter.destroyed) limiter.destroy(error as Error);
    };
    parser.on('file', (name, file, info) => {
      if (name !== FILE_PART || found) {
        file.resume();
        return;
      }
      found = true;
      file.on('error', (error) => fail(new HttpError(400, `Malformed multipart body: ${error.message}`)));
      file.pipe(limiter);
      resolve({ stream: limiter, contentType: info.mimeType, bytes: () => limiter.bytes, failure: () => failure, release });
    });
    parser.on('error', (error: Error) => fail(new HttpError(400, `Malformed multipart body: ${error.message}`)));
    parser.on('close', () => {
      if (!found) reject(missingFile());
    });
    req.on('error', (error) => fail(error));
    req.pipe(parser);
  });
}

export interface SourceOptions {
  /** Largest accepted file, in bytes. */
  limit: number;
  /** Also accept a raw `application/octet-stream` body (archive imports, D15). */
  raw: boolean;
}

/** The uploaded file of a request, per §1.3. Other body types: 422 without raw, else 415. */
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
