/** Plain-text table output for the benchmark (fixed-width columns, right-aligned numbers). */

/**
 * Formats rows under a header as an aligned text table.
 *
 * @example
 * formatTable(['a', 'b'], [['1', '2']]);
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Seconds with three decimals. */
export const s3 = (ms: number): string => (ms / 1000).toFixed(3);

/** A byte count as MB with one decimal. */
export const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
