/**
 * The `paths` of the document, derived from the route table: per model, every route that serves
 * it (and is documented for it), then the global routes. Methods of one path share its item, in
 * table order.
 */
import type { SpecStar } from '@specstar/core';
import type { ModelDocContext } from '../route-table/declaration';
import type { RouteTable } from '../route-table/table';
import type { JsonObject } from './model-schemas';
import { operationObject } from './operation';

export interface PathsContext {
  /** Normalised mount prefix ('' or '/api'). */
  prefix: string;
  /** Soft-deleted resources answer 410 instead of 404. */
  withGone: boolean;
  /** A document-wide unique operation id for an action. */
  operationId: (action: string) => string;
}

function addOperation(paths: Record<string, JsonObject>, path: string, method: string, operation: JsonObject): void {
  const item = (paths[path] ??= {});
  item[method.toLowerCase()] = operation;
}

/** The path items of one model's routes. */
export function modelPaths(paths: Record<string, JsonObject>, table: RouteTable, spec: SpecStar, model: ModelDocContext, ctx: PathsContext): void {
  for (const route of table.model) {
    if (route.when && !route.when(spec, model.model)) continue;
    if (route.documented && !route.documented(model)) continue;
    const doc = route.doc(model);
    const path = ctx.prefix + route.path.replace('{model}', model.model);
    addOperation(paths, path, route.method, operationObject(doc, model.model, ctx.operationId(doc.operationId), ctx.withGone));
  }
}

/** The path items of the global routes. */
export function globalPaths(paths: Record<string, JsonObject>, table: RouteTable, ctx: PathsContext): void {
  for (const route of table.global) {
    const doc = route.doc();
    addOperation(paths, ctx.prefix + route.path, route.method, operationObject(doc, route.tag, ctx.operationId(doc.operationId), false));
  }
}
