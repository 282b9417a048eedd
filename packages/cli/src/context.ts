import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { SpecStar, type ResourceManager } from '@specstar/core';
import { CliError, EXIT, messageOf } from './errors';

/** Options every storage command takes. */
export interface AppOptions {
  backend: string;
  models: string;
}

type Register = (spec: SpecStar) => unknown;

function registerOf(loaded: unknown, file: string): Register {
  if (typeof loaded === 'function') return loaded as Register;
  const exported = loaded as { register?: unknown; default?: unknown } | null;
  if (typeof exported?.register === 'function') return exported.register as Register;
  if (typeof exported?.default === 'function') return exported.default as Register;
  const inner = exported?.default as { register?: unknown } | undefined;
  if (typeof inner?.register === 'function') return inner.register as Register;
  throw new CliError(`Models module ${file} does not export a function register(spec) (as module.exports, register or default)`, EXIT.config);
}

/**
 * The app's registry: the backend config file (`${ENV}` expanded by core) and the models module's
 * register(spec). Every problem with either is a CliError with exit code 3, raised before any write.
 */
export async function openApp(options: AppOptions): Promise<SpecStar> {
  const backendFile = path.resolve(options.backend);
  if (!existsSync(backendFile)) throw new CliError(`Backend config ${backendFile} does not exist (--backend)`, EXIT.config);
  const modelsFile = path.resolve(options.models);
  if (!existsSync(modelsFile)) throw new CliError(`Models module ${modelsFile} does not exist (--models)`, EXIT.config);
  let loaded: unknown;
  try {
    // oxlint-disable-next-line typescript/no-require-imports -- the models module is the user's, named at run time.
    loaded = require(modelsFile);
  } catch (error) {
    throw new CliError(`Models module ${modelsFile} cannot be loaded: ${messageOf(error)}`, EXIT.config);
  }
  const register = registerOf(loaded, modelsFile);
  // The module is checked first: a bad one is refused before the backend touches the disk.
  const spec = new SpecStar();
  try {
    await spec.configure({ backend: backendFile });
  } catch (error) {
    throw new CliError(`Backend config ${backendFile}: ${messageOf(error)}`, EXIT.config);
  }
  try {
    await register(spec);
  } catch (error) {
    throw new CliError(`Models module ${modelsFile}: register(spec) failed: ${messageOf(error)}`, EXIT.config);
  }
  if (spec.resourceManagers.size === 0) throw new CliError(`Models module ${modelsFile} registered no model`, EXIT.config);
  return spec;
}

/** The manager of a model named on the command line; an unknown name is a usage error listing the known ones. */
export function managerOf(spec: SpecStar, name: string, option: string): ResourceManager {
  const manager = spec.resourceManagers.get(name);
  if (!manager) {
    const known = [...spec.resourceManagers.keys()].join(', ');
    throw new CliError(`Unknown model '${name}' (${option}); the models module registers: ${known}`, EXIT.usage);
  }
  return manager;
}
