/**
 * Static markup of the two webviews. The scripts in media/ fill these elements by id; a unit
 * test checks that every id a script looks up exists here.
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

export const PANEL_BODY = `
<header class="header">
  <h1>Tandem performance</h1>
  <span id="status" class="status"></span>
  <button id="refresh" class="refresh" type="button">Refresh</button>
</header>
<p id="unavailable" class="unavailable" role="alert" hidden></p>
<section>
  <h2>Backends</h2>
  <table id="stats" class="stats"><thead></thead><tbody></tbody></table>
  <p id="cache" class="cache"></p>
  <ul id="shadow" class="shadow"></ul>
  <p id="generated" class="generated"></p>
</section>
<section>
  <h2>Latency of recent requests</h2>
  <div id="chart" class="chart"></div>
  <p class="legend">
    <span class="key key-local"></span>local
    <span class="key key-offload"></span>offload
    — line and filled dots: end-to-end; hollow dots: time to first token
  </p>
</section>
<section>
  <h2>Recent requests</h2>
  <table id="recent" class="recent">
    <thead><tr>
      <th>Time</th><th>Task</th><th>Language</th><th>Backend</th><th>Model</th><th>Decision</th>
      <th>Cache</th><th>TTFT</th><th>E2E</th><th>Tokens/s</th><th>Outcome</th><th>Note</th>
    </tr></thead>
    <tbody></tbody>
  </table>
</section>`;
