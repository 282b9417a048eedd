import { parseQb } from '@specstar/core';
import { managerOf, openApp, type AppOptions } from '../context';
import { CliError, EXIT, messageOf } from '../errors';
import type { Output } from '../output';

export interface CountOptions extends AppOptions {
  model: string;
  qb?: string;
  json?: boolean;
}

/** Prints the number of resources of a model matching --qb (all of them without it). */
export async function countCommand(options: CountOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  try {
    const rm = managerOf(spec, options.model, '--model');
    let query;
    if (options.qb !== undefined) {
      try {
        query = rm.query(parseQb(options.qb));
      } catch (error) {
        throw new CliError(`Invalid --qb expression: ${messageOf(error)}`, EXIT.usage);
      }
    }
    const count = await rm.count(query);
    if (options.json) out.json({ model: rm.name, count });
    else out.line(String(count));
  } finally {
    await spec.close();
  }
}
