/**
 * The shape every route is declared in, once: how it is matched (method, path, `when`,
 * `enabled`), what runs before its handler (cross-site guard, JSON body), the handler, and its
 * OpenAPI operation. The Express router, the 404/405 answers and the OpenAPI paths are all
 * derived from these declarations, so a route cannot be served without being documented or the
 * reverse. Built-in routes, the templates an app adds with the `routes` option, and custom
 * actions are declared the same way.
 */
import type { SpecStar } from '@specstar/core';
import type { ErrorStatus } from '../openapi/components';
import type { JsonObject } from '../openapi/model-schemas';
import type { HttpOptions } from '../options';
import type { GlobalHandler, ModelHandler, RouteKit } from '../routes/kit';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The OpenAPI operation of a route (the `tags` and the error responses are filled in from it). */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Base of the operationId; made unique across the document (`_2`, `_3`… on a clash). */
  operationId: string;
  deprecated?: boolean;
  /** Parameter objects or `$ref`s, in order. */
  parameters: JsonObject[];
  requestBody?: JsonObject;
  /** Response objects by status: the 200 and any other non-error answer (307, 503…). */
  responses: Record<string, JsonObject>;
  /** Error statuses; each becomes a `$ref` to the shared error response. */
  errors: ErrorStatus[];
  /** Errors about one resource: 410 is added next to 404 when soft-deleted reads answer 410. */
  itemScoped?: boolean;
  /** `x-…` members of the operation (custom actions: `x-specstar-create-action`, …). */
  extensions?: JsonObject;
}

/** What a model route's OpenAPI operation may depend on. */
export interface ModelDocContext {
  /** Registered model name: the path segment and the tag. */
  model: string;
  /** `$ref`s of the model schema and of its resource envelope. */
  data: JsonObject;
  envelope: JsonObject;
  /** Document paths of `/{model}` and `/{model}/{resource_id}`, under the mount prefix. */
  collection: string;
  item: string;
  /** The model has Binary fields. */
  hasBinary: boolean;
  /** Component names the document allocated for custom actions (their inputs, their 202 bodies). */
  actionComponents?: ActionComponentNames;
}

/** Component names of what custom action operations refer to. */
export interface ActionComponentNames {
  /** The input schema of each action that declares one, by action. */
  inputs: ReadonlyMap<object, string>;
  jobRedirect: string;
  taskAccepted: string;
}

/** A route served once per registered model; `path` starts with `/{model}`. */
export interface RouteDeclaration {
  /** Unique route name; `routes.replace` addresses a route by it. */
  name: string;
  /** The family `routes.disable` switches off together (default: the name). */
  family?: string;
  method: RouteMethod;
  /**
   * OpenAPI-style template, e.g. `/{model}/{resource_id}/blobs/{file_id}`; each `{name}` matches
   * exactly one non-empty segment and is `req.params[name]`.
   */
  path: string;
  /** Parse a JSON (`application/json`, `application/*+json`) body into `req.body` first. */
  jsonBody?: boolean;
  /** Run the cross-site write guard first (default: every method but GET). */
  crossSiteGuard?: boolean;
  /** Serves only the models this accepts; for the others the path does not exist (404/405). */
  when?: (spec: SpecStar, model: string) => boolean;
  /** Registered only when the options allow it (default: always). */
  enabled?: (options: HttpOptions) => boolean;
  handler: (kit: RouteKit) => ModelHandler;
  doc: (ctx: ModelDocContext) => RouteDoc;
  /**
   * Documented only for the models this accepts (default: every model it serves). Only the
   * per-model blob download uses it: served for every model, documented where Binary fields exist.
   */
  documented?: (ctx: ModelDocContext) => boolean;
  /**
   * Component schemas its operation refers to (`#/components/schemas/<name>`), in the document
   * while the route is in the table; the names are reserved before any model is named.
   */
  schemas?: Readonly<Record<string, JsonObject>>;
}

/** A route outside `/{model}`: health, relationships, global backup, blobs. */
export interface GlobalRouteDeclaration {
  name: string;
  family?: string;
  method: RouteMethod;
  path: string;
  crossSiteGuard?: boolean;
  /** Parse a JSON (`application/json`, `application/*+json`) body into `req.body` first. */
  jsonBody?: boolean;
  enabled?: (options: HttpOptions) => boolean;
  handler: (kit: RouteKit) => GlobalHandler;
  /** The OpenAPI tag of the operation. */
  tag: string;
  doc: () => RouteDoc;
}

/**
 * The `routes` option of `mount` / `createRouter` / `openapi`: switch built-in route families
 * off, replace one route's handler, or add templates served for every model.
 */
export interface RouteOptions {
  /** Families not served: gone from the router (404/405) and from the OpenAPI document. */
  disable?: readonly string[];
  /**
   * New handlers of per-model routes, by route name (`read`, `create`, … or an added template's);
   * the route keeps its path, guards, body parsing and OpenAPI entry.
   */
  replace?: Readonly<Record<string, (kit: RouteKit) => ModelHandler>>;
  /**
   * Templates served per model (or the `when` subset), documented after the built-in paths of
   * each model. Where two routes of one method fit a request, the narrower one serves it
   * (`GET /{model}/search` beside `GET /{model}/{resource_id}`: the literal wins, in either
   * direction); the same path twice, or paths that cross, is a startup error naming both.
   */
  add?: readonly RouteDeclaration[];
}

/** The family of a route. */
export const familyOf = (route: { name: string; family?: string }): string => route.family ?? route.name;

/** Whether the route runs the cross-site guard. */
export const isGuarded = (route: { method: RouteMethod; crossSiteGuard?: boolean }): boolean => route.crossSiteGuard ?? route.method !== 'GET';
