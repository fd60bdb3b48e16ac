/** Applies `fn` to every value with at most `concurrency` calls in flight; results keep the input order. */
export async function mapConcurrently<T, R>(values: readonly T[], concurrency: number, fn: (value: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(values.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, concurrency), values.length) }, async () => {
    while (next < values.length) {
      const index = next;
      next += 1;
      results[index] = await fn(values[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}
