/** OpenAPI shapes of the upload-session routes (http-api §4.7, §9.17). */
import type { JsonObject } from './model-schemas';

const nullableInteger = (minimum: number, description: string): JsonObject => ({ type: ['integer', 'null'], minimum, description });

export function uploadSessionSchemas(): { BlobUploadSession: JsonObject; BlobUploadSessionCreate: JsonObject } {
  return {
    BlobUploadSession: {
      type: 'object',
      description: 'An upload session (http-api §4.7): a blob sent in numbered parts (`proxy`) or with one presigned PUT (`single_put`).',
      properties: {
        upload_id: { type: 'string' },
        file_id: { type: 'string', description: '`""` until finalized' },
        status: { type: 'string', enum: ['pending', 'uploading', 'uploaded', 'finalized', 'aborted'] },
        upload_method: { type: 'string', enum: ['proxy', 'single_put'] },
        upload_url: {
          type: 'string',
          description: 'proxy: `/blobs/upload-sessions/{upload_id}/content` (without the mount prefix); single_put: a presigned PUT URL',
        },
        content_type: { type: 'string' },
        size: nullableInteger(0, 'The total size the client declared'),
        uploaded_size: { type: 'integer', minimum: 0, description: 'Bytes staged so far' },
        total_parts: nullableInteger(1, 'The part count the client declared'),
        parts_received: { type: 'array', items: { type: 'integer', minimum: 1 }, description: 'Part numbers staged, sorted' },
        expires_at: { type: ['string', 'null'], format: 'date-time', description: 'After this instant the session is void; null: no expiry' },
      },
      required: ['upload_id', 'file_id', 'status', 'upload_method', 'upload_url', 'size', 'uploaded_size', 'total_parts', 'parts_received', 'expires_at'],
    },
    BlobUploadSessionCreate: {
      type: 'object',
      description: 'All fields optional; `{}` (or no body) is valid.',
      properties: {
        content_type: { type: ['string', 'null'], description: 'Stored as the blob’s content type (default `application/octet-stream`)' },
        size: nullableInteger(0, 'The total size; finalize refuses parts of another total'),
        total_parts: nullableInteger(1, 'The part count; finalize refuses another count'),
      },
    },
  };
}

export const uploadIdParameter = (): JsonObject => ({ name: 'upload_id', in: 'path', required: true, description: 'The session id', schema: { type: 'string' } });

export const partNumberParameter = (): JsonObject => ({
  name: 'part_number',
  in: 'query',
  required: true,
  description: 'The part’s number, from 1; parts may arrive in any order',
  schema: { type: 'integer', minimum: 1, maximum: 10000 },
});
