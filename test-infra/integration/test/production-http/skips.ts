// Route cases that do not run on the production composition, by file and title (`it.each`
// titles as written, before their placeholders are filled), each with why. Every global download
// (`GET /blobs/{file_id}`) answers 307 to a presigned S3 URL there, as http-api.md says a store
// with direct URLs does; cases that expect the bytes from that route are memory-store cases.
const GLOBAL_DOWNLOAD_REDIRECTS = 'GET /blobs/{file_id} answers 307 to a presigned S3 URL on this composition; the case expects the bytes (200)';

export const SKIPPED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'routes-blob-access.test.ts': {
    'the uploader reads their blob; anyone else gets the 404 of an unknown blob': GLOBAL_DOWNLOAD_REDIRECTS,
    'inline bytes make the writer an uploader': GLOBAL_DOWNLOAD_REDIRECTS,
    'after a purge the blob stays readable by its uploader only': GLOBAL_DOWNLOAD_REDIRECTS,
    '%s: any caller reads and references any blob, as before': GLOBAL_DOWNLOAD_REDIRECTS,
    // The presigned URL answers as an attachment instead (testkit blob case 'a direct URL … serves the bytes as an attachment').
    '%s is served with nosniff, a sandboxing CSP and disposition %s': GLOBAL_DOWNLOAD_REDIRECTS,
  },
  'routes-blobs.test.ts': {
    '200 with the bytes, the stored Content-Type (text gets utf-8), Content-Length and nosniff': GLOBAL_DOWNLOAD_REDIRECTS,
    // The S3 store also refuses a CR/LF content type at put (Node will not send it as a header).
    'a stored content type that is not a media type (or could split the header) is served as application/octet-stream': GLOBAL_DOWNLOAD_REDIRECTS,
    'works under a prefix like every route': GLOBAL_DOWNLOAD_REDIRECTS,
    '307 to the store URL when it offers one; 500 `Blob data missing` when a store returns no bytes':
      'builds its registry on a memory factory subclass with a fake blob store: nothing of the composition runs',
  },
};

export function skipReason(testPath: string | undefined, title: string): string | undefined {
  const file = testPath?.split(/[\\/]/).pop() ?? '';
  return SKIPPED[file]?.[title];
}
