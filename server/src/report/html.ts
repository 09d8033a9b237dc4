/**
 * `tandem report --html`: the performance panel as one self-contained HTML file. The page script
 * (with uPlot), its stylesheet and the data are inlined, so the file opens offline and fetches
 * nothing; a CSP allows only the inlined script and style (by nonce).
 */
import { randomBytes } from 'node:crypto';
import { escapeText, pageHeadStart } from '../../../webview/shared/htmlPage';
import { PANEL_BODY } from '../../../webview/shared/panelRoot';
import { REPORT_DATA_ELEMENT_ID, type ReportData } from '../../../webview/shared/reportData';
import type { PanelAssets } from './assets';

export function renderReportHtml(data: ReportData, assets: PanelAssets, nonce: string = randomBytes(18).toString('base64url')): string {
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, 'img-src data: blob:'].join('; ');
  return `${pageHeadStart(csp)}
<meta name="color-scheme" content="light dark">
<title>Tandem performance report: ${escapeText(data.source)}</title>
<style nonce="${nonce}">${inlineSafe(assets.css, 'style')}</style>
</head>
<body class="tandem-report">
${PANEL_BODY}
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForHtml(data)}</script>
<script nonce="${nonce}">${inlineSafe(assets.script, 'script')}</script>
</body>
</html>
`;
}

/** JSON that cannot end its <script> element early: every '<' is written as \u003c. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Script or style text that cannot close its element: `</script` (or `</style`) becomes
 * `<\/script`, which means the same inside JS strings, regular expressions and CSS.
 */
function inlineSafe(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}
