/** The HTML of a Tandem webview: its script and stylesheet from media/, a fresh nonce, the CSP. */
import * as vscode from 'vscode';
import { makeNonce, renderWebviewHtml } from './webviewHtml';

export function webviewPageHtml(
  webview: vscode.Webview,
  media: vscode.Uri,
  page: { title: string; asset: 'explain' | 'panel'; body: string },
): string {
  return renderWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    title: page.title,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${page.asset}.css`)).toString(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${page.asset}.js`)).toString(),
    body: page.body,
  });
}
