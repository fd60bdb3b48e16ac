/** -1, 0 or 1. */
export type Ordering = -1 | 0 | 1;

/** Orders plain numbers (`-1` if a < b). */
export function compareNumbers(a: number | bigint, b: number | bigint): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders plain strings by UTF-16 code units, as C's strcmp and Go's `<` do on ASCII. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two runs of ASCII digits as integers of any length (`007 == 7`, `10 > 9`), without
 * converting: several ecosystems carry 30-digit components that overflow a double.
 */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareStrings(x, y);
}

/** Orders two lists element by element with `compare`; a list that is a prefix of the other is smaller. */
export function compareLists<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => Ordering): Ordering {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const order = compare(a[i] as T, b[i] as T);
    if (order !== 0) return order;
  }
  return compareNumbers(a.length, b.length);
}
