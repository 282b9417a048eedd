import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { finished } from 'node:stream/promises';
import type { DumpProgress } from '@specstar/core';
import { managerOf, openApp, type AppOptions } from '../context';
import { progressFor } from '../progress';
import type { Output } from '../output';

export interface DumpOptions extends AppOptions {
  model?: string[];
  output: string;
  json?: boolean;
}

type Counts = Omit<DumpProgress, 'model'>;

/**
 * Dumps the models (all, or those of --model) to an archive. The archive is written to
 * `<output>.partial` and renamed when complete, so a failed dump leaves no archive behind.
 */
export async function dumpCommand(options: DumpOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  try {
    const names = options.model ?? [...spec.resourceManagers.keys()];
    const managers = names.map((name) => managerOf(spec, name, '--model'));
    const totals = new Map<string, number>();
    for (const rm of managers) totals.set(rm.name, await rm.count({ limit: Number.MAX_SAFE_INTEGER }));

    const file = path.resolve(options.output);
    const partial = `${file}.partial`;
    const counts: Record<string, Counts> = {};
    for (const name of names) counts[name] = { resources: 0, revisions: 0, blobs: 0 };
    const progress = progressFor(options.json === true);
    let current: string | undefined;
    const onProgress = (p: DumpProgress): void => {
      if (p.model !== current) {
        progress.stop();
        current = p.model;
        progress.start(`dump ${p.model}`, totals.get(p.model) ?? 0, 'resources');
      }
      counts[p.model] = { resources: p.resources, revisions: p.revisions, blobs: p.blobs };
      progress.update(p.resources);
    };
    const stream = createWriteStream(partial);
    try {
      await spec.dump(stream, Object.fromEntries(names.map((name) => [name, null])), { onProgress });
      stream.end();
      await finished(stream);
      renameSync(partial, file);
    } catch (error) {
      stream.destroy();
      rmSync(partial, { force: true });
      throw error;
    } finally {
      progress.stop();
    }
    const bytes = statSync(file).size;
    if (options.json) {
      out.json({ output: file, bytes, models: counts });
      return;
    }
    const sum = (key: keyof Counts): number => Object.values(counts).reduce((total, c) => total + c[key], 0);
    out.line(`Dumped ${sum('resources')} resources (${sum('revisions')} revisions, ${sum('blobs')} blobs) of ${names.length} model(s) to ${file} (${bytes} bytes)`);
  } finally {
    await spec.close();
  }
}
