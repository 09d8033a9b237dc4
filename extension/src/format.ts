/**
 * Number formatting shared by the status bar, the explain badge and the performance panel. It
 * lives in webview/shared/ because the panel's page script (bundled for the webview and the
 * `tandem report --html` file) formats with the same functions.
 */
export { formatCount, formatMs, formatPercent, formatRate, formatUsd, NO_VALUE } from '../../webview/shared/format';
