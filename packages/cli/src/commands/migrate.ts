import { parseQb, type QueryInput, type ResourceManager } from '@specstar/core';
import { managerOf, openApp, type AppOptions } from '../context';
import { CliError, EXIT, messageOf } from '../errors';
import type { Output } from '../output';
import { progressFor } from '../progress';

export interface MigrateOptions extends AppOptions {
  model: string;
  qb?: string;
  execute?: boolean;
  json?: boolean;
}

/** The --qb matches, all of them (not the first page a search would default to). */
function queryOf(rm: ResourceManager, qb: string | undefined): QueryInput | undefined {
  if (qb === undefined) return undefined;
  try {
    return { ...rm.query(parseQb(qb)), limit: Number.MAX_SAFE_INTEGER, offset: 0 };
  } catch (error) {
    throw new CliError(`Invalid --qb expression: ${messageOf(error)}`, EXIT.usage);
  }
}

/**
 * Brings the current revisions of a model to its schema version. A dry run (the default) lists
 * what is behind (converting each in memory, so a step that would fail is reported); --execute
 * migrates each one, reporting failures per resource without stopping.
 */
export async function migrateCommand(options: MigrateOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  try {
    const rm = managerOf(spec, options.model, '--model');
    const target = rm.migration?.hasMigration ? rm.migration.version : undefined;
    if (target === undefined) throw new CliError(`Model '${rm.name}' has no migration (its schema defines no steps)`, EXIT.usage);
    const query = queryOf(rm, options.qb);
    const progress = progressFor(options.json === true);
    let started = false;
    const result = await rm
      .migrateMany({
        query,
        dryRun: options.execute !== true,
        onProgress: ({ done, resources }) => {
          if (!started) progress.start(`${options.execute ? 'migrate' : 'check'} ${rm.name}`, resources, 'resources');
          started = true;
          progress.update(done);
        },
      })
      .finally(() => progress.stop());
    const matched = result.total;
    const pending = result.success + result.failed;
    const failed = result.errors.map(({ resource_id, error }) => ({ resource_id, error }));
    const migrated = options.execute ? result.success : 0;
    if (options.json) {
      out.json({ model: rm.name, target_version: target, dry_run: !options.execute, matched, pending, migrated, failed });
    } else {
      for (const failure of failed) out.line(`${failure.resource_id}: ${failure.error}`);
      out.line(
        options.execute
          ? `Migrated ${migrated} of ${pending} resource(s) of '${rm.name}' to ${target} (${failed.length} failed, ${matched} checked)`
          : `Dry run: ${pending} of ${matched} resource(s) of '${rm.name}' are behind ${target}${failed.length > 0 ? ` (${failed.length} would fail)` : ''}; run again with --execute to migrate them`,
      );
    }
    if (failed.length > 0) throw new CliError(`${failed.length} resource(s) of '${rm.name}' ${options.execute ? 'failed' : 'would fail'} to migrate`, EXIT.failure);
  } finally {
    await spec.close();
  }
}
