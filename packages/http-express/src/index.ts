export { mount } from './mount';
export { createRouter, MODEL_ROUTES, type RouteEntry, type RouteMethod } from './router';
export { openapi } from './openapi';
export { docsRouter } from './docs';
export type { DependencyProvider, HttpOptions } from './options';
export {
  HttpError,
  RequestValidationError,
  errorHandler,
  errorResponse,
  type ErrorMappingOptions,
  type ErrorResponse,
  type ValidationIssue,
} from './errors';
export { etagOf, parseIfMatch, type IfMatch, type IfMatchCandidate } from './wire';
export { ANONYMOUS } from './dependencies';
