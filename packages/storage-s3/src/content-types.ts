/**
 * A blob's content type on an S3 object. Stores keep whatever content type they are given (the
 * API's download routes sanitise it when serving), but S3 carries it as a header, and Node
 * refuses to send a header holding CR, LF or other control characters. Such a type goes into
 * user metadata, percent-encoded, and the object gets the fallback type; one stored without a
 * type is marked so, because S3 answers every object with some Content-Type.
 */

const NO_CONTENT_TYPE = 'specstar-no-content-type';
const ENCODED_CONTENT_TYPE = 'specstar-content-type';
const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

/** Printable ASCII, space and tab: what a header value (and S3's Content-Type) can carry as is. */
const HEADER_SAFE = /^[\t\x20-\x7e]*$/;

export interface ObjectContentType {
  contentType: string;
  metadata?: Record<string, string>;
}

/** Whether `contentType` can be sent as a header (a signed header of a presigned PUT, say). */
export function isHeaderSafe(contentType: string): boolean {
  return HEADER_SAFE.test(contentType);
}

/** The Content-Type and metadata an object gets for a blob of this content type. */
export function objectContentType(contentType: string | undefined): ObjectContentType {
  if (contentType === undefined) return { contentType: FALLBACK_CONTENT_TYPE, metadata: { [NO_CONTENT_TYPE]: '1' } };
  if (isHeaderSafe(contentType)) return { contentType };
  return { contentType: FALLBACK_CONTENT_TYPE, metadata: { [ENCODED_CONTENT_TYPE]: encodeURIComponent(contentType) } };
}

/** The blob's content type, read back from an object's Content-Type and metadata. */
export function blobContentType(headers: { ContentType?: string; Metadata?: Record<string, string> }): string | undefined {
  const metadata = headers.Metadata ?? {};
  if (metadata[NO_CONTENT_TYPE] !== undefined) return undefined;
  const encoded = metadata[ENCODED_CONTENT_TYPE];
  if (encoded !== undefined) {
    try {
      return decodeURIComponent(encoded);
    } catch {
      // Not ours (edited by hand?): the header is the best answer left.
    }
  }
  return headers.ContentType === '' ? undefined : headers.ContentType;
}
