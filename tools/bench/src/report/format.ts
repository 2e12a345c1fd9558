/** A figure as the documents show it: en-US grouping, fixed digits, 'n/a' when there is none. */
export const fmt = (n: number | undefined | null, digits = 0): string =>
  n === undefined || n === null || !Number.isFinite(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const kb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1000, 1)} KB`);

/** a / b, or undefined when either is missing or zero. */
export const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);
