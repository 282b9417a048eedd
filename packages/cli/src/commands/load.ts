import { createReadStream, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { OnDuplicate } from '@specstar/core';
import { openApp, type AppOptions } from '../context';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { progressFor } from '../progress';

export const ON_DUPLICATE: readonly OnDuplicate[] = ['overwrite', 'skip', 'raise_error'];

export interface LoadOptions extends AppOptions {
  onDuplicate: OnDuplicate;
  json?: boolean;
}

/** Loads an archive into the registered models; progress is the share of the archive's bytes read. */
export async function loadCommand(input: string, options: LoadOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  try {
    const file = path.resolve(input);
    if (!existsSync(file)) throw new CliError(`Archive ${file} does not exist`, EXIT.usage);
    const size = statSync(file).size;
    const progress = progressFor(options.json === true);
    progress.start(`load ${path.basename(file)}`, size, 'bytes');
    let stats;
    try {
      stats = await spec.load(createReadStream(file), {
        onDuplicate: options.onDuplicate,
        onProgress: (p) => progress.update(p.bytesRead),
      });
    } finally {
      progress.stop();
    }
    if (options.json) {
      out.json({ input: file, models: stats });
      return;
    }
    for (const [name, s] of Object.entries(stats)) out.line(`${name}: ${s.loaded} loaded, ${s.skipped} skipped of ${s.total}`);
  } finally {
    await spec.close();
  }
}
