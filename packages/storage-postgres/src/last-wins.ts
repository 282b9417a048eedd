/**
 * A batch upsert as sequential upserts would leave it: the last item of each key wins, at the
 * position of the key's first item. One INSERT … ON CONFLICT cannot touch a row twice.
 */
export function lastWins<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(keyOf(item), item);
  return Array.from(byKey.values());
}
