import { parseQb, type ResourceManager, type ResourceMeta } from '@specstar/core';
import { managerOf, openApp, type AppOptions } from '../context';
import { CliError, EXIT, messageOf } from '../errors';
import type { Output } from '../output';
import { progressFor } from '../progress';

/** Metas fetched per search page under --qb. */
const PAGE = 500;

export interface MigrateOptions extends AppOptions {
  model: string;
  qb?: string;
  execute?: boolean;
  json?: boolean;
}

/** Every meta of the model (deleted included), or the matches of --qb, a page at a time. */
async function* metasOf(rm: ResourceManager, qb: string | undefined): AsyncGenerator<ResourceMeta> {
  if (qb === undefined) {
    yield* rm.storage.iterMetas();
    return;
  }
  let query;
  try {
    query = rm.query(parseQb(qb));
  } catch (error) {
    throw new CliError(`Invalid --qb expression: ${messageOf(error)}`, EXIT.usage);
  }
  for (let offset = 0; ; offset += PAGE) {
    const page = await rm.storage.search({ ...query, limit: PAGE, offset });
    yield* page;
    if (page.length < PAGE) return;
  }
}

/**
 * Brings the current revisions of a model to its schema version. A dry run (the default) lists
 * what is behind; --execute migrates each one, reporting failures per resource without stopping.
 */
export async function migrateCommand(options: MigrateOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  try {
    const rm = managerOf(spec, options.model, '--model');
    const target = rm.migration?.hasMigration ? rm.migration.version : undefined;
    if (target === undefined) throw new CliError(`Model '${rm.name}' has no migration (its schema defines no steps)`, EXIT.usage);
    const progress = progressFor(options.json === true);
    progress.start(`${options.execute ? 'migrate' : 'check'} ${rm.name}`, await rm.count(), 'resources');
    let matched = 0;
    const pending: string[] = [];
    const failed: Array<{ resource_id: string; error: string }> = [];
    try {
      for await (const meta of metasOf(rm, options.qb)) {
        matched++;
        if (meta.schema_version !== target) {
          pending.push(meta.resource_id);
          if (options.execute) {
            try {
              await rm.migrate(meta.resource_id);
            } catch (error) {
              failed.push({ resource_id: meta.resource_id, error: messageOf(error) });
            }
          }
        }
        progress.update(matched);
      }
    } finally {
      progress.stop();
    }
    const migrated = options.execute ? pending.length - failed.length : 0;
    if (options.json) {
      out.json({ model: rm.name, target_version: target, dry_run: !options.execute, matched, pending: pending.length, migrated, failed });
    } else {
      for (const failure of failed) out.line(`${failure.resource_id}: ${failure.error}`);
      out.line(
        options.execute
          ? `Migrated ${migrated} of ${pending.length} resource(s) of '${rm.name}' to ${target} (${failed.length} failed, ${matched} checked)`
          : `Dry run: ${pending.length} of ${matched} resource(s) of '${rm.name}' are behind ${target}; run again with --execute to migrate them`,
      );
    }
    if (failed.length > 0) throw new CliError(`${failed.length} resource(s) of '${rm.name}' failed to migrate`, EXIT.failure);
  } finally {
    await spec.close();
  }
}
