/**
 * Runs the panel's page script in jsdom, as VS Code's webview or the HTML report would. The
 * script is bundled here from webview/panel/main.ts with the build's own esbuild options (in
 * memory), so the test checks the sources, not a stale dist/.
 *
 * jsdom has no canvas: uPlot draws through a 2D context, so `getContext` is stubbed with a
 * context that accepts every call (test-only), plus Path2D and matchMedia. The charts are checked
 * by their uPlot elements and legends, not by pixels.
 */
import { build } from 'esbuild';
import { JSDOM } from 'jsdom';
import { join } from 'node:path';
import { PANEL_BODY } from '../../../webview/shared/panelRoot';

const root = join(__dirname, '..', '..', '..');
let bundled: Promise<{ script: string; css: string }> | undefined;

export function bundlePanelPage(): Promise<{ script: string; css: string }> {
  bundled ??= build({
    entryPoints: [join(root, 'webview/panel/main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome114'],
    write: false,
    outdir: join(root, 'dist-test-virtual'),
    logLevel: 'silent',
  }).then((result) => ({
    script: result.outputFiles.find((file) => file.path.endsWith('.js'))!.text,
    css: result.outputFiles.find((file) => file.path.endsWith('.css'))!.text,
  }));
  return bundled;
}

export interface FakeVscodeApi {
  posted: unknown[];
  state: unknown;
}

/** Stubs what jsdom lacks and uPlot needs. Call before the page script runs. */
export function stubCanvas(window: JSDOM['window']): void {
  const context = new Proxy(
    {},
    {
      get(target: Record<string | symbol, unknown>, key) {
        if (key in target) return target[key];
        if (key === 'measureText') return () => ({ width: 10, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
        if (key === 'canvas') return undefined;
        return () => undefined;
      },
      set(target, key, value) {
        target[key] = value;
        return true;
      },
    },
  );
  window.HTMLCanvasElement.prototype.getContext = (() => context) as never;
  (window as unknown as { Path2D: unknown }).Path2D = class {
    moveTo(): void {}
    lineTo(): void {}
    rect(): void {}
    arc(): void {}
    closePath(): void {}
    bezierCurveTo(): void {}
    addPath(): void {}
  };
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    addEventListener() {},
    removeEventListener() {},
    addListener() {},
    removeListener() {},
  })) as never;
}

/** A webview page: the panel body, a fake acquireVsCodeApi, the page script run. */
export async function openWebviewPage(savedState?: unknown): Promise<{ dom: JSDOM; api: FakeVscodeApi }> {
  const { script } = await bundlePanelPage();
  const dom = new JSDOM(`<!DOCTYPE html><html><head></head><body class="vscode-dark">${PANEL_BODY}</body></html>`, {
    runScripts: 'outside-only',
    pretendToBeVisual: true,
  });
  stubCanvas(dom.window);
  const api: FakeVscodeApi = { posted: [], state: savedState };
  (dom.window as unknown as { acquireVsCodeApi: unknown }).acquireVsCodeApi = () => ({
    postMessage: (message: unknown) => api.posted.push(JSON.parse(JSON.stringify(message))),
    getState: () => api.state,
    setState: (state: unknown) => {
      api.state = state;
    },
  });
  dom.window.eval(script);
  return { dom, api };
}

/** Delivers a host message the way VS Code does (a `message` event on the window). */
export function hostSends(dom: JSDOM, message: unknown): void {
  dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message }));
}

/** The statistics table as text: one line per row, cells joined by " | ". */
export function tableText(table: Element): string {
  return [...table.querySelectorAll('tr')].map((row) => [...row.children].map(cellText).join(' | ')).join('\n');
}

/** A header cell holds the backend and its model in two blocks: read them as two words. */
function cellText(cell: Element): string {
  const parts = cell.children.length > 0 ? [...cell.children].map((child) => child.textContent ?? '') : [cell.textContent ?? ''];
  return parts.map((part) => part.trim()).join(' ');
}
