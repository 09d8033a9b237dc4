/**
 * Static markup of the explain webview: media/explain.js fills these elements by id; a unit test
 * checks that every id the script looks up exists here. (The performance panel's page script
 * builds its own DOM inside webview/shared/panelRoot.ts's PANEL_BODY.)
 */

export const EXPLAIN_BODY = `
<header class="header">
  <h1 id="title" class="title">Tandem: Explain</h1>
  <button id="stop" class="stop" type="button" hidden>Stop</button>
</header>
<div id="badge" class="badge" hidden></div>
<p id="fallback" class="fallback" hidden></p>
<p id="note" class="note" hidden></p>
<p id="error" class="error" role="alert" hidden></p>
<article id="text" class="text" aria-live="polite"></article>
<p id="phase" class="phase"></p>`;
