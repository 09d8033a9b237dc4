/**
 * The HTML shell of a Tandem webview: a strict CSP (`default-src 'none'`), one stylesheet and
 * one script from `media/`, the script allowed only by a fresh nonce. Pure, so the CSP is tested.
 */
import { randomBytes } from 'node:crypto';
import { escapeAttribute, escapeText, pageHeadStart } from '../../webview/shared/htmlPage';

export interface WebviewPage {
  /** `webview.cspSource`: the origin VS Code serves `localResourceRoots` from. */
  cspSource: string;
  nonce: string;
  title: string;
  /** `webview.asWebviewUri(...)` of the stylesheet and script, as strings. */
  styleUri: string;
  scriptUri: string;
  /** Static markup the script fills in; must not contain untrusted text. */
  body: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function renderWebviewHtml(page: WebviewPage): string {
  const csp = contentSecurityPolicy(page.cspSource, page.nonce);
  return `${pageHeadStart(csp)}
<link rel="stylesheet" href="${escapeAttribute(page.styleUri)}">
<title>${escapeText(page.title)}</title>
</head>
<body>
${page.body}
<script nonce="${escapeAttribute(page.nonce)}" src="${escapeAttribute(page.scriptUri)}"></script>
</body>
</html>`;
}
