/**
 * The upload-session routes (http-api §9.17), in the `blobs` family and served while
 * `blobs.upload` allows uploads. Every method but GET runs the cross-site guard.
 */
import { ref } from '../openapi/components';
import { json } from '../openapi/operation';
import { partNumberParameter, uploadIdParameter } from '../openapi/upload-sessions';
import { blobRouteEnabled, type HttpOptions } from '../options';
import {
  abortUploadSession,
  createUploadSession,
  finalizeUploadSession,
  putUploadSessionPart,
  readUploadSession,
} from '../routes/upload-sessions';
import type { GlobalRouteDeclaration } from './declaration';

const enabled = (options: HttpOptions): boolean => blobRouteEnabled(options, 'upload');
const SESSION = (description: string) => ({ description, content: json(ref('BlobUploadSession')) });
const ONLY_UPLOADER = 'Where a permission checker is configured, a session exists only for the user who created it (anyone else gets 404).';

export const UPLOAD_SESSION_ROUTES: readonly GlobalRouteDeclaration[] = [
  {
    name: 'createUploadSession',
    family: 'blobs',
    method: 'POST',
    path: '/blobs/upload-sessions',
    jsonBody: true,
    enabled,
    handler: (kit) => createUploadSession(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Start an upload session',
      description:
        'For a blob sent in parts (`proxy`: PUT each part to `upload_url`, then finalize) or, where the blob store is ' +
        'configured for it, with one presigned PUT to `upload_url` (`single_put`). Sessions expire at `expires_at`. ' +
        ONLY_UPLOADER,
      operationId: 'create_upload_session',
      parameters: [],
      requestBody: { required: false, content: json(ref('BlobUploadSessionCreate')) },
      responses: { '200': SESSION('The new session (`pending`)') },
      errors: [422, 501],
    }),
  },
  {
    name: 'readUploadSession',
    family: 'blobs',
    method: 'GET',
    path: '/blobs/upload-sessions/{upload_id}',
    enabled,
    handler: (kit) => readUploadSession(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Read an upload session',
      description: `Its status, the parts received and the bytes staged. ${ONLY_UPLOADER}`,
      operationId: 'read_upload_session',
      parameters: [uploadIdParameter()],
      responses: { '200': SESSION('The session') },
      errors: [404],
    }),
  },
  {
    name: 'uploadSessionPart',
    family: 'blobs',
    method: 'PUT',
    path: '/blobs/upload-sessions/{upload_id}/content',
    enabled,
    handler: (kit) => putUploadSessionPart(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Send one part of a proxy upload session',
      description:
        'Multipart part `file` holds the bytes of part `part_number`. Parts may arrive in any order and in parallel; a ' +
        'part below the next expected contiguous one is a retry and is ignored, a later part sent again replaces the ' +
        'earlier copy. All parts together may hold at most the blob upload limit (413). 409 once the session is ' +
        'finalized, aborted or expired; 501 for a `single_put` session.',
      operationId: 'upload_session_part',
      parameters: [uploadIdParameter(), partNumberParameter()],
      requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('BlobUpload') } } },
      responses: { '200': SESSION('The session (`uploading`) with the part counted') },
      errors: [400, 404, 409, 413, 422, 501],
    }),
  },
  {
    name: 'finalizeUploadSession',
    family: 'blobs',
    method: 'POST',
    path: '/blobs/upload-sessions/{upload_id}/finalize',
    enabled,
    handler: (kit) => finalizeUploadSession(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Finalize an upload session into a blob',
      description:
        'proxy: the parts, concatenated in part order, become one content-addressed blob (`file_id` = its hash). 409 ' +
        'when nothing was uploaded, parts are missing, the count or size differs from the declared one, or the session ' +
        'is finalized, aborted or expired. single_put: the uploaded object becomes the blob `upload_id` (409 until it ' +
        'was uploaded). The caller is recorded as the blob’s uploader.',
      operationId: 'finalize_upload_session',
      parameters: [uploadIdParameter()],
      responses: { '200': { description: 'The stored blob, without data', content: json(ref('Binary')) } },
      errors: [404, 409, 413, 501],
    }),
  },
  {
    name: 'abortUploadSession',
    family: 'blobs',
    method: 'POST',
    path: '/blobs/upload-sessions/{upload_id}/abort',
    enabled,
    handler: (kit) => abortUploadSession(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Abort an upload session',
      description: 'Drops the staged parts; the session stays readable as `aborted`. Aborting twice is fine; a finalized session is 409.',
      operationId: 'abort_upload_session',
      parameters: [uploadIdParameter()],
      responses: { '204': { description: 'Aborted' } },
      errors: [404, 409],
    }),
  },
];
