/**
 * Custom actions in the route table: `POST /{model}/<path>` for create actions and
 * `POST /{model}/{resource_id}/<path>` for update actions, one declaration per action, served
 * only for the action's model. An action path that a template route would shadow (or that would
 * shadow one: `count`, `restore`, `revision-list`, …, any method) is refused at startup, as are
 * two actions of one model that match the same requests.
 */
import { ConfigurationError } from '@specstar/interfaces';
import type { CustomAction, SpecStar } from '@specstar/core';
import { actionDoc } from '../openapi/actions';
import { actionRoute } from '../routes/actions';
import type { RouteDeclaration } from './declaration';
import { overlaps, parsePath, strictlyNarrower, type Pattern } from './patterns';

/** A template route as the checks see it. */
export interface TemplateRoute {
  name: string;
  method: string;
  path: string;
  pattern: Pattern;
}

export interface ActionRouteEntry {
  declaration: RouteDeclaration;
  /** With the action's model name in place of `{model}`: narrower than any template, for yields and 405s. */
  pattern: Pattern;
}

/** The declared path of an action's route. */
export function actionRoutePath(action: Pick<CustomAction, 'kind' | 'path'>): string {
  return action.kind === 'create' ? `/{model}/${action.path}` : `/{model}/{resource_id}/${action.path}`;
}

const describe = (action: CustomAction, path: string): string => `Custom ${action.kind} action '${action.path}' of model '${action.resourceName ?? '?'}' (POST ${path})`;

function declare(action: CustomAction, model: string, path: string): RouteDeclaration {
  return {
    name: `${action.kind}Action:${model}:${action.path}`,
    method: 'POST',
    path,
    jsonBody: true,
    when: (_spec: SpecStar, name: string) => name === model && action.isBound,
    handler: (kit) => actionRoute(kit, action),
    doc: (ctx) => actionDoc(action, ctx),
  };
}

/**
 * The routes of the registry's bound actions (an action whose model is not registered yet has
 * none), checked against the template routes — served or not, whatever their method.
 */
export function actionRoutes(actions: readonly CustomAction[], templates: readonly TemplateRoute[]): ActionRouteEntry[] {
  const entries: Array<ActionRouteEntry & { action: CustomAction; model: string }> = [];
  for (const action of actions) {
    const model = action.resourceName;
    if (model === undefined || !action.isBound) continue;
    const path = actionRoutePath(action);
    const generic = parsePath(path).pattern;
    for (const template of templates) {
      // Only a strictly broader template (`POST /{model}/{action}`) leaves the action its requests.
      if (overlaps(generic, template.pattern) && !strictlyNarrower(generic, template.pattern)) {
        throw new ConfigurationError(
          `${describe(action, path)} is shadowed by the route '${template.name}' (${template.method} ${template.path}); give the action another path`,
        );
      }
    }
    const pattern: Pattern = [model, ...generic.slice(1)];
    for (const other of entries) {
      if (other.model !== model || !overlaps(pattern, other.pattern)) continue;
      if (strictlyNarrower(pattern, other.pattern) || strictlyNarrower(other.pattern, pattern)) continue;
      throw new ConfigurationError(`${describe(action, path)} matches the same requests as ${describe(other.action, other.declaration.path)}; give one of them another path`);
    }
    entries.push({ declaration: declare(action, model, path), pattern, action, model });
  }
  return entries.map(({ declaration, pattern }) => ({ declaration, pattern }));
}
