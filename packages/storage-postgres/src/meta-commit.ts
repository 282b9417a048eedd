/**
 * The steps of a conditional meta write inside a PostgreSQL transaction, shared by
 * PostgresStorage (meta and revision in one transaction) and PostgresMetaStore (meta here,
 * payload elsewhere): take the advisory locks of the claimed unique values, check them, and
 * write the meta row under its expectation. Both take the same lock keys for the same table, so
 * the two kinds of writer exclude each other too.
 */
import { createHash } from 'node:crypto';
import {
  ResourceConflictError,
  ResourceIDNotFoundError,
  RevisionMismatchError,
  UniqueConstraintError,
  type ResourceMeta,
  type WriteExpectation,
} from '@specstar/interfaces';
import { uniqueClaims } from '@specstar/core/adapter';
import type { Exec, MetaTable } from './meta-store';
import type { SqlValue } from './meta-rows';

/** JSON with object keys sorted: equal jsonb values (key order ignored) give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A signed 64-bit advisory lock key (decimal text) for one claimed value. */
function lockKey(table: string, field: string, value: unknown): string {
  const digest = createHash('sha256').update(`specstar:unique\0${table}\0${field}\0${canonicalJson(value)}`).digest();
  return digest.readBigInt64BE(0).toString();
}

export interface Claim {
  field: string;
  value: unknown;
  key: string;
}

/** The values a write claims with their lock keys, sorted by key so two claimants cannot deadlock. */
export function claimsOf(write: { meta: ResourceMeta; unique?: readonly string[] }, table: string): Claim[] {
  return uniqueClaims(write)
    .map(({ field, value }) => ({ field, value, key: lockKey(table, field, value) }))
    .sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : BigInt(a.key) > BigInt(b.key) ? 1 : 0));
}

/**
 * Takes the transaction-scoped lock of every claim, then refuses with UniqueConstraintError when
 * another live meta holds one. The check runs in a later statement than the lock, so (under READ
 * COMMITTED) it sees whatever the previous holder of the lock committed.
 */
export async function takeClaims(tx: Exec, metaSql: string, claims: readonly Claim[], resourceId: string): Promise<void> {
  if (claims.length === 0) return;
  await tx.unsafe(`SELECT ${claims.map((_, i) => `pg_advisory_xact_lock($${i + 1}::bigint)`).join(', ')}`, claims.map((c) => c.key));
  for (const claim of claims) {
    const rows = await tx.unsafe(
      `SELECT resource_id FROM ${metaSql} WHERE indexed_data @> $1::text::jsonb AND (indexed_data -> $2::text) = $3::text::jsonb ` +
        `AND NOT is_deleted AND resource_id <> $4::text ORDER BY resource_id LIMIT 1`,
      [JSON.stringify({ [claim.field]: claim.value }), claim.field, JSON.stringify(claim.value), resourceId],
      { prepare: true },
    );
    const holder = (rows[0] as { resource_id: string } | undefined)?.resource_id;
    if (holder !== undefined) throw new UniqueConstraintError(claim.field, claim.value, holder);
  }
}

/**
 * Writes the meta row under its expectation: upsert, insert-if-absent, or compare-and-set on
 * current_revision_id (a concurrent writer of the same row waits for this transaction, then
 * re-checks against what it committed). Throws the refusal; a refused write changed nothing.
 */
export async function writeMetaRow(tx: Exec, metas: MetaTable, row: SqlValue[], resourceId: string, expect: WriteExpectation | undefined): Promise<void> {
  if (expect === undefined) return metas.putRow(tx, row);
  if ('absent' in expect) {
    if (await metas.insertRow(tx, row)) return;
    throw new ResourceConflictError(`Resource '${resourceId}' already exists`, resourceId);
  }
  if (await metas.putRowIfCurrent(tx, row, expect.current_revision_id)) return;
  const actual = await metas.currentRevision(tx, resourceId);
  if (actual === undefined) throw new ResourceIDNotFoundError(resourceId);
  throw new RevisionMismatchError(resourceId, expect.current_revision_id, actual);
}

/** A counting semaphore: at most `capacity` sections run at once, the rest wait in call order. */
class Slots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  async run<T>(section: () => Promise<T>): Promise<T> {
    if (this.busy >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await section();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.busy--;
    }
  }
}

/** By the pool's options object: one per pool, shared by every runner over it (guard.ts). */
const heldByPool = new WeakMap<object, Slots>();

/**
 * Runs a transaction that stays open while another store writes (a meta commit holding its
 * decision while the payload is stored). At most pool size − 1 of them run at once per pool, so
 * a payload store sharing the pool always finds a connection and cannot wait on the very
 * transactions that wait for it.
 */
export function holdingTransaction<T>(pool: { options: { max: number } }, section: () => Promise<T>): Promise<T> {
  let slots = heldByPool.get(pool.options);
  if (slots === undefined) heldByPool.set(pool.options, (slots = new Slots(Math.max(1, pool.options.max - 1))));
  return slots.run(section);
}
