/**
 * Opens a self-contained HTML file (a `tandem report --html` or `tandem bench` report) in
 * Chromium from a file:// URL and keeps what proves it works offline: every URL the page asked
 * for, and every console error or uncaught exception.
 */
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export interface OfflinePage {
  page: Page;
  /** Every request the page made, in order (the file itself included). */
  requests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Console warnings, for the failure messages. */
  warnings: string[];
  close(): Promise<void>;
}

export async function openOffline(browser: Browser, file: string, viewport = { width: 1440, height: 900 }): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    const line = `${message.text()} (${message.location().url || 'inline'})`;
    if (message.type() === 'error') errors.push(line);
    else if (message.type() === 'warning') warnings.push(line);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, errors, warnings, close: () => page.close() };
}

/** Requests to anything but the file itself or inline data: what "opens offline" rules out. */
export function networkRequests(requests: readonly string[]): string[] {
  return requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'));
}
