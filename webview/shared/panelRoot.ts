/** The element the panel's page script renders into, in the webview and in the HTML report. */
export const PANEL_ROOT_ID = 'tandem-panel';
export const PANEL_BODY = `<main id="${PANEL_ROOT_ID}" class="panel"><p class="loading">Loading…</p></main>`;
