export {
  UploadSessions,
  DEFAULT_UPLOAD_SESSION_EXPIRY,
  DEFAULT_PRESIGNED_EXPIRY,
  type UploadSessionsOptions,
  type SessionCaller,
  type SessionWriteCaller,
} from './upload-sessions';
export { UPLOAD_SESSION_NAMESPACE, type UploadSessionInput } from './session-record';
export { streamHash } from './content-hash';
