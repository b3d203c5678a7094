/**
 * How Doris prints values in its admin result sets: times as `yyyy-MM-dd HH:mm:ss` (NULL when never
 * set), booleans as `true`/`false`, capacities as `%.3f <unit>` (zero keeps a trailing space) and
 * percentages as `%.2f %`. Everything is a string, or null for SQL NULL.
 */

const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;
const TB = GB * 1024;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2024-02-19 06:38:47` in local time, or null for a time that was never set. */
export function formatTime(ms: number | undefined): string | null {
  if (ms === undefined || ms <= 0) return null;
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2022-04-08-15-52-29`: the timestamp form of backup snapshots. */
export function formatSnapshotTimestamp(ms: number): string {
  return (formatTime(ms) ?? '').replace(' ', '-').replaceAll(':', '-');
}

export const formatBool = (b: boolean): string => (b ? 'true' : 'false');

/**
 * DebugUtil.getByteUint: units switch only when the value is strictly above the unit, and a zero has
 * no unit at all, so it prints as `0.000 ` with a trailing space; 1 byte prints as `1.000 B`.
 */
export function formatCapacity(bytes: number): string {
  if (bytes === 0) return '0.000 ';
  if (bytes > TB) return `${(bytes / TB).toFixed(3)} TB`;
  if (bytes > GB) return `${(bytes / GB).toFixed(3)} GB`;
  if (bytes > MB) return `${(bytes / MB).toFixed(3)} MB`;
  if (bytes > KB) return `${(bytes / KB).toFixed(3)} KB`;
  return `${bytes.toFixed(3)} B`;
}

/** `375.81 GB`: the two-decimal form used by the 3.0 `Memory` column. */
export function formatMemory(bytes: number): string {
  const c = formatCapacity(bytes);
  const [num, unit] = c.split(' ');
  return `${Number(num).toFixed(2)} ${unit ?? ''}`.trimEnd();
}

/** `95.69 %`; a zero total prints `0.00 %`. */
export function formatPercent(used: number, total: number): string {
  const pct = total <= 0 ? 0 : (used * 100) / total;
  return `${pct.toFixed(2)} %`;
}
