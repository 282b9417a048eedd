/**
 * `Schema`: a model's target schema version, an optional validator and a migration graph.
 * Steps form chains; `plus` starts a parallel chain. Paths are found
 * breadth-first over literal and regex edges, in declaration order, and cached.
 */
import { ConfigurationError, MigrationError, ValidationError } from '@specstar/interfaces';
import type { IMigration, Validator } from '@specstar/interfaces';
import { isBytes } from '../codec';
import type { DataCodec } from '../codec';
import { compileModel } from '../model';
import type { CompiledModel, JsonSchema } from '../model';

/** Returns the migrated value, or a promise of it. */
export type MigrationFn = (value: any) => unknown;

export interface StepOptions {
  /** Target version of the step; inferred when omitted (see `Schema.step`). */
  to?: string;
  /** Schema of the data the step accepts: given → typed step (plain value), else raw step (bytes). */
  source?: JsonSchema;
}

/** One edge of a resolved migration path, from a concrete stored version to a concrete target. */
export interface MigrationEdge {
  readonly from: string | null;
  readonly to: string;
  readonly fn: MigrationFn;
  readonly source?: JsonSchema;
  /** The step's `from` when it was declared as a pattern. */
  readonly pattern?: RegExp;
}

interface DeclaredStep {
  readonly from: string | null | RegExp;
  readonly fn: MigrationFn;
  readonly to?: string;
  readonly source?: JsonSchema;
  /** Anchored copy of a regex `from`, so that only full matches count. */
  readonly fullMatch?: RegExp;
}

/** A step with its target resolved. */
interface ResolvedStep {
  readonly step: DeclaredStep;
  readonly to: string;
}

/** Source schemas compile once, however many paths use them. */
const compiledSources = new WeakMap<JsonSchema, CompiledModel>();

function describeVersion(version: string | null | RegExp): string {
  if (version === null) return 'null';
  if (version instanceof RegExp) return `regex ${String(version)}`;
  return `'${version}'`;
}

export class Schema {
  readonly model: JsonSchema | null;
  readonly version: string;
  readonly validator?: Validator;
  private readonly chains: DeclaredStep[][] = [];
  private legacy?: IMigration;
  private resolved?: ResolvedStep[];
  private readonly pathCache = new Map<string | null, Map<string, MigrationEdge[]>>();

  constructor(model: JsonSchema | null, version: string, options: { validator?: Validator } = {}) {
    if (typeof version !== 'string' || version === '') {
      throw new ConfigurationError(`Schema version must be a non-empty string, got ${JSON.stringify(version)}`);
    }
    if (model !== null && (typeof model !== 'object' || Array.isArray(model))) {
      throw new ConfigurationError('Schema model must be a JSON Schema object or null');
    }
    this.model = model;
    this.version = version;
    if (options.validator !== undefined) this.validator = options.validator;
  }

  /** Wraps a legacy single-function migration; `migrate` delegates to it entirely. */
  static fromLegacy(migration: IMigration): Schema {
    if (typeof migration?.migrate !== 'function') {
      throw new ConfigurationError('A legacy migration needs a migrate(data, storedVersion) method');
    }
    if (typeof migration.schema_version !== 'string' || migration.schema_version === '') {
      throw new ConfigurationError('A legacy migration needs a non-empty string schema_version (its target version)');
    }
    const schema = new Schema(null, migration.schema_version);
    schema.legacy = migration;
    return schema;
  }

  get schemaVersion(): string {
    return this.version;
  }

  get hasMigration(): boolean {
    return this.legacy !== undefined || this.chains.length > 0;
  }

  get hasValidator(): boolean {
    return this.validator !== undefined;
  }

  /**
   * Appends a step to the current chain. Without `to`, a step targets the next step's `from`
   * in its chain (which must be a literal version), and the last step targets `version`.
   */
  step(from: string | null | RegExp, fn: MigrationFn, options: StepOptions = {}): this {
    const declared = this.declare(from, fn, options);
    const current = this.chains[this.chains.length - 1];
    if (current) current.push(declared);
    else this.chains.push([declared]);
    this.invalidate();
    return this;
  }

  /** Closes the current chain and starts a new, parallel one with this step. */
  plus(from: string | null | RegExp, fn: MigrationFn, options: StepOptions = {}): this {
    this.chains.push([this.declare(from, fn, options)]);
    this.invalidate();
    return this;
  }

  private declare(from: string | null | RegExp, fn: MigrationFn, options: StepOptions): DeclaredStep {
    if (this.legacy) throw new ConfigurationError('A Schema wrapping a legacy migration cannot take steps');
    if (!(from === null || typeof from === 'string' || from instanceof RegExp)) {
      throw new ConfigurationError(`A migration step's from must be a version string, null or a RegExp, got ${typeof from}`);
    }
    if (typeof fn !== 'function') {
      throw new ConfigurationError(`The migration step from ${describeVersion(from)} needs a function`);
    }
    const { to, source } = options;
    if (to !== undefined && (typeof to !== 'string' || to === '')) {
      throw new ConfigurationError(`The migration step from ${describeVersion(from)} has an invalid 'to': ${JSON.stringify(to)}`);
    }
    if (source !== undefined && (source === null || typeof source !== 'object' || Array.isArray(source))) {
      throw new ConfigurationError(`The migration step from ${describeVersion(from)} has a 'source' that is not a JSON Schema object`);
    }
    // Stateful flags (g, y) would make test() depend on the previous call.
    const fullMatch = from instanceof RegExp ? new RegExp(`^(?:${from.source})$`, from.flags.replace(/[gy]/g, '')) : undefined;
    return { from, fn, ...(to !== undefined && { to }), ...(source !== undefined && { source }), ...(fullMatch && { fullMatch }) };
  }

  private invalidate(): void {
    this.resolved = undefined;
    this.pathCache.clear();
  }

  /**
   * Target inference per chain. step() always appends to the last chain and plus() opens a
   * new one, so walking the chains in order walks the steps in declaration order.
   */
  private resolve(): ResolvedStep[] {
    if (this.resolved) return this.resolved;
    const resolved: ResolvedStep[] = [];
    for (const chain of this.chains) {
      chain.forEach((step, i) => {
        const next = chain[i + 1];
        let to: string;
        if (step.to !== undefined) to = step.to;
        else if (next === undefined) to = this.version;
        else if (typeof next.from === 'string') to = next.from;
        else {
          const found = next.from === null ? 'null' : `a regex (${String(next.from)})`;
          throw new MigrationError(
            `Migration step from ${describeVersion(step.from)}: cannot infer target version because the next step's from is ` +
              `${found}; give the step an explicit 'to'`,
          );
        }
        resolved.push({ step, to });
      });
    }
    this.resolved = resolved;
    return resolved;
  }

  /** Outgoing edges of a version, in declaration order. Regexes never match null. */
  private edgesFrom(version: string | null, steps: ResolvedStep[]): MigrationEdge[] {
    const edges: MigrationEdge[] = [];
    for (const { step, to } of steps) {
      if (step.fullMatch) {
        if (version !== null && version !== to && step.fullMatch.test(version)) {
          edges.push(this.edge(version, to, step));
        }
      } else if (step.from === version) {
        edges.push(this.edge(version, to, step));
      }
    }
    return edges;
  }

  private edge(from: string | null, to: string, step: DeclaredStep): MigrationEdge {
    return {
      from,
      to,
      fn: step.fn,
      ...(step.source !== undefined && { source: step.source }),
      ...(step.from instanceof RegExp && { pattern: step.from }),
    };
  }

  /**
   * The shortest chain of steps from `from` to `to` (default: this schema's version); ties go
   * to the earliest declared. Same version → []. Unreachable → MigrationError "No migration path …".
   */
  findPath(from: string | null, to: string = this.version): MigrationEdge[] {
    if (from === to) return [];
    if (this.legacy) {
      if (to !== this.version) throw this.noPath(from, to);
      const legacy = this.legacy;
      return [{ from, to, fn: (data: Uint8Array) => legacy.migrate(data, from) }];
    }
    const cached = this.pathCache.get(from)?.get(to);
    if (cached) return [...cached];
    const steps = this.resolve();
    const reachedBy = new Map<string | null, { edge: MigrationEdge; previous: string | null }>();
    const visited = new Set<string | null>([from]);
    const queue: (string | null)[] = [from];
    for (let head = 0; head < queue.length; head++) {
      const version = queue[head] as string | null;
      for (const edge of this.edgesFrom(version, steps)) {
        if (visited.has(edge.to)) continue;
        visited.add(edge.to);
        reachedBy.set(edge.to, { edge, previous: version });
        if (edge.to === to) {
          const path = this.tracePath(reachedBy, from, to);
          let byTarget = this.pathCache.get(from);
          if (!byTarget) this.pathCache.set(from, (byTarget = new Map()));
          byTarget.set(to, path);
          return [...path];
        }
        queue.push(edge.to);
      }
    }
    throw this.noPath(from, to);
  }

  private tracePath(
    reachedBy: Map<string | null, { edge: MigrationEdge; previous: string | null }>,
    from: string | null,
    to: string,
  ): MigrationEdge[] {
    const path: MigrationEdge[] = [];
    let version: string | null = to;
    while (version !== from) {
      const link = reachedBy.get(version);
      if (!link) break; // unreachable by construction: every visited version has a link
      path.unshift(link.edge);
      version = link.previous;
    }
    return path;
  }

  private noPath(from: string | null, to: string): MigrationError {
    return new MigrationError(`No migration path from ${describeVersion(from)} to ${describeVersion(to)}`);
  }

  /**
   * Runs the path from `storedVersion` to this schema's version on stored bytes and returns
   * the migrated plain value (the manager validates and encodes it). Same version → the
   * decoded value, unchanged.
   */
  async migrate(data: Uint8Array, storedVersion: string | null, codec: DataCodec): Promise<unknown> {
    if (this.legacy) {
      try {
        return await this.legacy.migrate(data, storedVersion);
      } catch (error) {
        throw this.stepFailure(storedVersion, this.version, error);
      }
    }
    if (storedVersion === this.version) return this.decode(codec, data, storedVersion);
    const path = this.findPath(storedVersion);
    let value: unknown = data;
    for (const edge of path) {
      let input: unknown;
      if (edge.source !== undefined) {
        input = isBytes(value) ? this.decode(codec, value, edge.from) : value;
        this.checkSource(edge, input);
      } else {
        input = isBytes(value) ? value : this.encode(codec, value, edge.from);
      }
      try {
        value = await edge.fn(input);
      } catch (error) {
        throw this.stepFailure(edge.from, edge.to, error);
      }
      if (value === undefined) {
        throw new MigrationError(`Migration step from ${describeVersion(edge.from)} to '${edge.to}' returned undefined`);
      }
    }
    // A raw last step may hand back bytes; the migrated data is always the plain form.
    return isBytes(value) ? this.decode(codec, value, this.version) : value;
  }

  private checkSource(edge: MigrationEdge, input: unknown): void {
    const source = edge.source as JsonSchema;
    let compiled = compiledSources.get(source);
    try {
      compiled ??= compileModel(source);
    } catch (error) {
      throw new MigrationError(
        `The source schema of the migration step from ${describeVersion(edge.from)} does not compile: ${(error as Error).message}`,
        { cause: error },
      );
    }
    compiledSources.set(source, compiled);
    try {
      compiled.validate(input);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const fields = error.issues.map((issue) => issue.path || '/').join(', ');
      throw new MigrationError(
        `Data stored at version ${describeVersion(edge.from)} does not match the source schema of the step to '${edge.to}'` +
          (fields ? ` (fields: ${fields})` : `: ${error.message}`),
        { cause: error },
      );
    }
  }

  private decode(codec: DataCodec, bytes: Uint8Array, version: string | null): unknown {
    try {
      return codec.decode(bytes);
    } catch (error) {
      throw new MigrationError(`Cannot decode data at version ${describeVersion(version)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private encode(codec: DataCodec, value: unknown, version: string | null): Uint8Array {
    try {
      return codec.encode(value);
    } catch (error) {
      throw new MigrationError(`Cannot re-encode data at version ${describeVersion(version)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private stepFailure(from: string | null, to: string, error: unknown): MigrationError {
    if (error instanceof MigrationError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new MigrationError(`Migration step from ${describeVersion(from)} to '${to}' failed: ${message}`, { cause: error });
  }
}
