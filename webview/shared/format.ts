/**
 * Number formatting shared by the status bar, the explain badge, the performance panel and the
 * HTML report. Pure functions (no `vscode`, no DOM) so they are unit-tested directly and bundled
 * into the panel's page script.
 */

/** Shown wherever a value does not exist yet (no requests, backend not used). */
export const NO_VALUE = '—';

/** Milliseconds as "84 ms" below a second and "1.23 s" above; NO_VALUE for missing values. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NO_VALUE;
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A 0..1 ratio as "42%" (one decimal below 10% so small rates stay visible). */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return NO_VALUE;
  const percent = ratio * 100;
  return percent !== 0 && Math.abs(percent) < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

/** Tokens per second with one decimal. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return NO_VALUE;
  return `${perSecond.toFixed(1)} tok/s`;
}

/**
 * US dollars, one rule for zero: "$0" means exactly nothing was charged. Sub-cent amounts keep
 * four decimals because per-request costs are tiny, and an amount too small for them reads
 * "<$0.0001" rather than a "$0.0000" that looks like zero but is not.
 */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return NO_VALUE;
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const size = Math.abs(usd);
  if (size >= 0.01) return `${sign}$${size.toFixed(2)}`;
  const fourDecimals = size.toFixed(4);
  return fourDecimals === '0.0000' ? `<${sign}$0.0001` : `${sign}$${fourDecimals}`;
}

/** Integers with thousands separators that do not depend on the machine's locale. */
export function formatCount(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) return NO_VALUE;
  return Math.round(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes as "512 KB", "210 MB" or "1.2 GB" (binary units). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return NO_VALUE;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
