import { parseQb, type PruneResult, type QueryInput, type RetentionPolicy } from '@specstar/core';
import { ValidationError } from '@specstar/interfaces';
import { managerOf, openApp, type AppOptions } from '../context';
import { CliError, EXIT, messageOf } from '../errors';
import type { Output } from '../output';

export interface PruneCommandOptions extends AppOptions {
  model: string;
  id?: string;
  qb?: string;
  keepLast?: number;
  keepNewerThan?: string;
  dryRun?: boolean;
  json?: boolean;
}

function keptText(kept: PruneResult['kept']): string {
  const parts = Object.entries(kept).map(([reason, count]) => `${reason} ${count}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/**
 * Applies revision retention to one resource (--id), the matches of --qb, or every resource
 * of the model: the model's `retention` policy, or the one --keep-last / --keep-newer-than give.
 * --dry-run reports what would go and deletes nothing.
 */
export async function pruneCommand(options: PruneCommandOptions, out: Output): Promise<void> {
  if (options.id !== undefined && options.qb !== undefined) throw new CliError('Pass either --id or --qb, not both', EXIT.usage);
  const spec = await openApp(options);
  try {
    const rm = managerOf(spec, options.model, '--model');
    let target: string | QueryInput = {};
    if (options.id !== undefined) target = options.id;
    else if (options.qb !== undefined) {
      try {
        target = rm.query(parseQb(options.qb));
      } catch (error) {
        throw new CliError(`Invalid --qb expression: ${messageOf(error)}`, EXIT.usage);
      }
    }
    let retention: RetentionPolicy | undefined;
    if (options.keepLast !== undefined || options.keepNewerThan !== undefined) {
      retention = {};
      if (options.keepLast !== undefined) retention.keepLast = options.keepLast;
      if (options.keepNewerThan !== undefined) retention.keepNewerThan = options.keepNewerThan;
    }
    let result: PruneResult;
    try {
      result = await rm.prune(target, { dryRun: options.dryRun === true, retention });
    } catch (error) {
      // A policy that keeps nothing names its field; the options map to them one to one.
      if (error instanceof ValidationError) throw new CliError(messageOf(error).replace('retention.keepLast', '--keep-last').replace('retention.keepNewerThan', '--keep-newer-than'), EXIT.usage);
      throw error;
    }
    if (options.json) {
      out.json({ model: rm.name, dry_run: result.dryRun, resources: result.resources, pruned: result.pruned, kept: result.kept });
      return;
    }
    out.line(
      result.dryRun
        ? `Dry run: would prune ${result.pruned} revision(s) of ${result.resources} resource(s) of '${rm.name}'; kept: ${keptText(result.kept)}`
        : `Pruned ${result.pruned} revision(s) of ${result.resources} resource(s) of '${rm.name}'; kept: ${keptText(result.kept)}`,
    );
  } finally {
    await spec.close();
  }
}
