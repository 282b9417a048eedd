/**
 * The routes of job models with a message queue: rerun and logs. Other models (and job models
 * without a queue) do not have these paths: 404.
 */
import type { SpecStar } from '@specstar/core';
import { ref } from '../openapi/components';
import { ETAG_HEADER, ok } from '../openapi/operation';
import { resourceIdParameter } from '../openapi/parameters';
import { hasMessageQueue, readJobLogs, rerunRoute } from '../routes/jobs';
import type { RouteDeclaration } from './declaration';

const hasQueue = (spec: SpecStar, model: string): boolean => hasMessageQueue(spec.resourceManagers.get(model));

export const JOB_ROUTES: readonly RouteDeclaration[] = [
  {
    name: 'rerun',
    family: 'jobs',
    method: 'POST',
    path: '/{model}/{resource_id}/rerun',
    handler: (kit) => rerunRoute(kit),
    when: hasQueue,
    doc: ({ model }) => ({
      summary: `Run a finished ${model} again`,
      description:
        'Only a `completed` or `failed` job: it becomes `pending` with `retries` 0 and `errmsg` and `artifact` null ' +
        '(payload and settings kept) in a new revision, and is queued again. A `pending` or `processing` job is a 400.',
      operationId: `rerun_${model}`,
      parameters: [resourceIdParameter()],
      responses: { '200': ok('The revision written', ref('RevisionInfo'), ETAG_HEADER) },
      errors: [400, 403, 404, 409],
      itemScoped: true,
    }),
  },
  {
    name: 'jobLogs',
    family: 'jobs',
    method: 'GET',
    path: '/{model}/{resource_id}/logs',
    handler: () => readJobLogs,
    when: hasQueue,
    doc: ({ model }) => ({
      summary: `Read the log of a ${model}'s latest run`,
      description:
        'One line per entry, `<UTC ISO-8601 time> [<LEVEL>] <message>`, joined by newlines; each run replaces the ' +
        'previous log. Needs the `get` permission on the job.',
      operationId: `read_${model}_logs`,
      parameters: [resourceIdParameter()],
      responses: {
        '200': { description: 'The log text', content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } },
        '204': { description: 'The job has no log (it never ran, or the run logged nothing)' },
      },
      errors: [400, 403, 404],
      itemScoped: true,
    }),
  },
];
