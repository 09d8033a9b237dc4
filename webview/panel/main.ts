/**
 * Entry of the performance panel's page script, bundled by scripts/build.mjs into
 * dist/webview/panel.js (with uPlot and the CSS into dist/webview/panel.css). Inside VS Code it
 * talks to the extension host; in a `tandem report --html` file it reads the inlined data.
 */
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import { PANEL_ROOT_ID } from '../shared/panelRoot';
import { readReportData, reportHost, vscodeHost, type PanelHost, type VscodeApi } from './hosts';
import { PanelPage } from './page';

declare const acquireVsCodeApi: (() => VscodeApi) | undefined;

const formatTime = (ms: number): string => new Date(ms).toLocaleString();

function pickHost(): PanelHost | undefined {
  if (typeof acquireVsCodeApi === 'function') return vscodeHost(acquireVsCodeApi(), window);
  const report = readReportData(document);
  return report ? reportHost(report, document, formatTime) : undefined;
}

function main(): void {
  const root = document.getElementById(PANEL_ROOT_ID);
  const host = pickHost();
  if (!root || !host) return;
  const page = new PanelPage(root, host, formatTime);
  page.start();
  // Canvas colours are fixed when drawn: redraw when VS Code switches theme (it changes the
  // body's class) or the system's colour scheme changes (the report follows it).
  new MutationObserver(() => page.redrawCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  if (typeof window.matchMedia === 'function') {
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => page.redrawCharts());
  }
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => page.redrawCharts(), 150);
  });
}

main();
