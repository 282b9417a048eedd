/**
 * Extension points of a manager's write pipeline. A write runs: prepare (defaults, type
 * validation) → before-event handlers → prepare-value steps → encode, validate, hash and the
 * constraint pre-check → commit → constraint post-check → after-create hooks (creates only).
 * The registry adds the blob-extraction step to models with Binary fields; work that must follow
 * a new resource (a job queue enqueueing it) is an after-create hook.
 */
import type { IStorage, ResourceMeta, RevisionInfo } from '@specstar/interfaces';
import type { OperationContext } from '../context';
import type { CompiledModel } from '../model';

/** The manager as pipeline steps see it. */
export interface PipelineManager {
  readonly name: string;
  readonly model: CompiledModel;
  readonly storage: IStorage;
  decodeData(bytes: Uint8Array): unknown;
}

/** What a prepare-value step is told about the write it is part of. */
export interface WriteStepContext {
  readonly manager: PipelineManager;
  /** The write's user and clock; reading `user` throws when the write has none. */
  readonly op: OperationContext;
  /** The meta the write replaces (update, modify); undefined on create. */
  readonly current: ResourceMeta | undefined;
}

/** Turns the value about to be encoded into the value to store (e.g. Binary bytes → blob refs). */
export type PrepareValueStep = (value: unknown, ctx: WriteStepContext) => unknown;

/** A resource that has just been created: its first revision is committed and checked. */
export interface CreatedResource {
  readonly manager: PipelineManager;
  readonly info: RevisionInfo;
  /** The stored value (after the prepare-value steps). */
  readonly data: unknown;
  readonly op: OperationContext;
}

/** Runs after a create has committed; a hook that throws makes the create reject (the resource stays). */
export type AfterCreateHook = (created: CreatedResource) => void | Promise<void>;

export interface WritePipeline {
  /** Run in order on every written value, before constraint checks and encoding. */
  prepareValue?: PrepareValueStep[];
  /** Run in order after every create. */
  afterCreate?: AfterCreateHook[];
}

/** Runs the steps in order; synchronous results stay synchronous until a step returns a promise. */
export function runPrepareSteps(steps: readonly PrepareValueStep[], value: unknown, ctx: WriteStepContext): unknown {
  let result = value;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (result instanceof Promise) result = result.then((v) => step(v, ctx));
    else result = step(result, ctx);
  }
  return result;
}

/** Runs the after-create hooks in order, then resolves to the created revision. */
export async function runAfterCreate(hooks: readonly AfterCreateHook[], created: CreatedResource): Promise<RevisionInfo> {
  for (const hook of hooks) await hook(created);
  return created.info;
}
