export { mount } from './mount';
export { createRouter } from './router';
export { GLOBAL_ROUTES, MODEL_ROUTES, ROUTE_FAMILIES } from './route-table/table';
export { MIGRATE_ROUTES } from './route-table/migrate-routes';
export type { MigrateProgress, MigrateResult } from './routes/migrate';
export type {
  GlobalRouteDeclaration,
  ModelDocContext,
  RouteDeclaration,
  RouteDoc,
  RouteMethod,
  RouteOptions,
} from './route-table/declaration';
export type { GlobalHandler, ModelHandler, RouteKit } from './routes/kit';
export { pathParam, sendRecord } from './routes/kit';
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
export { crossSiteGuard, type AllowedOrigins } from './cross-site';
export { checkReadiness, type Readiness } from './health';
export { stderrLogger, type Logger, type LogFn } from './logger';
export {
  closeGracefully,
  shutdownOnSignals,
  type GracefulCloseOptions,
  type GracefulCloseResult,
  type SignalShutdownOptions,
} from './shutdown';
