/**
 * What every Tandem HTML page (the extension's webviews and `tandem report --html`) starts with,
 * and the escaping its text and attributes need. Pure, no DOM or Node: the extension host and the
 * server's report both import it.
 */

/** Doctype through the viewport meta: the CSP comes first in <head>, before anything it governs. */
export function pageHeadStart(csp: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">`;
}

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
