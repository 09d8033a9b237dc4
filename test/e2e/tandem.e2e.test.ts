/**
 * Tandem end to end: the packaged .vsix in real VS Code (code-server on Node 24), used through
 * Chromium as a person would: typing, Tab, the command palette, the status bar, the webviews.
 * Setup (cached): `node scripts/e2e-setup.mjs`; `npm run test:e2e` packages, sets up and runs this.
 * Screenshots of every step and the logs land in test-results/e2e/.
 *
 * The steps run in order in one code-server session; the assertions are about Tandem's behaviour
 * (ghost text shown, Tab inserts exactly it, the records say so), never about the model's taste.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readMetricsRows, type MetricsRow } from './support/metricsDb';
import { readPanel, requestsByBackend, undrawnCharts } from './support/panelReading';
import { LOCAL_ONLY, readTandemLog, startSession, type Session } from './support/session';
import { acceptAtSpot, saveTyped, typeAtSpot } from './support/typing';
import { waitFor } from './support/workbench';

const OFFLOAD_ANSWER = '  # answered by the offload endpoint';
const STEP = { timeout: 180_000 };

/** Runs a step; on failure, a screenshot of the moment goes with the error. */
function step(name: string, body: () => Promise<void>): Promise<void> {
  return body().catch(async (error: unknown) => {
    const shot = await current?.screenshot(`FAILED-${name}`).catch(() => undefined);
    if (shot) console.log(`Screenshot of the failure: ${shot}`);
    throw error;
  });
}
let current: Session | undefined;

describe('Tandem in code-server through Chromium', { timeout: 900_000 }, () => {
  let session: Session;
  const shots: string[] = [];
  /** What Tab inserted in step 1, by spot index. */
  const insertedAt = new Map<number, string>();
  const newRows = (seen: MetricsRow[]) => {
    const ids = new Set(seen.map((row) => row.id));
    return readMetricsRows(session.storageDir).filter((row) => !ids.has(row.id));
  };

  before(async () => {
    session = await startSession();
    current = session;
    // The completion model loads in the background; the item says "ready" once it can answer.
    await session.workbench.waitForStatus(/Tandem: ready/, 120_000);
  });

  after(async () => {
    await session?.close();
    if (shots.length > 0) console.log(`Screenshots:\n${shots.map((shot) => `  ${shot}`).join('\n')}`);
  });

  for (const [index, language] of [
    [0, 'Python'],
    [1, 'TypeScript'],
  ] as const) {
    it(`1. ${language}: ghost text appears, Tab inserts exactly it, and the acceptance reaches the metrics`, STEP, () =>
      step(language.toLowerCase(), async () => {
        const spot = session.spots[index]!;
        const seen = readMetricsRows(session.storageDir);
        const result = await acceptAtSpot(session, spot, language.toLowerCase(), shots);
        insertedAt.set(index, result.inserted);

        const accepted = await waitFor(
          'the accepted completion in the metrics database',
          () => newRows(seen).filter((row) => row.task === 'completion' && row.outcome === 'accepted'),
          (rows) => rows.length > 0,
        );
        assert.equal(accepted.length, 1, 'one request is recorded as accepted');
        assert.equal(accepted[0]!.accepted_chars, result.inserted.length, 'the recorded accepted length is what Tab inserted');
        assert.equal(accepted[0]!.backend, 'local');
        assert.equal(accepted[0]!.language, spot.languageId);
      }),
    );
  }

  it('1b. at the end of a complete line the suggestion is the next line; after a block opener, the block', STEP, () =>
    step('cursor-semantics', async () => {
      // Spots chosen by probing the installed server (spots.ts): fractions.py at a complete line,
      // textwrap.py at a line ending in ':'. The editor must show and insert the same shapes.
      const block = session.spots[4]!;
      const inserted = insertedAt.get(0);
      assert.ok(inserted?.startsWith('\n'), `at the end of a complete line Tab inserted the next line: ${JSON.stringify(inserted)}`);

      const result = await acceptAtSpot(session, block, 'after-block-opener', shots);
      const lines = result.inserted.split('\n').filter((line) => line.trim() !== '');
      assert.ok(result.inserted.startsWith('\n'), `the block starts on a new line: ${JSON.stringify(result.inserted)}`);
      assert.ok(lines.length >= 2, `a multi-line block was inserted: ${JSON.stringify(result.inserted)}`);
      // Inside the block: deeper than the line where the block's statement starts (a `def` whose
      // parameters span lines starts above the spot's line).
      const source = readFileSync(block.source, 'utf8').split('\n');
      let first = block.line;
      while (first > 0 && !/^\s*(def|class|if|elif|else|for|while|with|try|except|finally)\b/.test(source[first]!)) first--;
      const indent = /^\s*/.exec(source[first]!)![0].length;
      for (const line of lines) assert.ok(/^\s*/.exec(line)![0].length > indent, `every line is inside the block: ${JSON.stringify(line)}`);
    }),
  );

  it('2. Explain Selection streams an explanation into its view, with the backend and latency', STEP, () =>
    step('explain', async () => {
      const { page, workbench } = session;
      const spot = session.spots[0]!;
      const seen = readMetricsRows(session.storageDir);
      await workbench.openFile(spot.source.split('/').pop()!);
      await workbench.goToLine(Math.max(1, spot.line - 7), 'start');
      for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowDown');
      await workbench.runCommand('Tandem: Explain Selection');

      const view = await workbench.webviewFrame('#badge');
      await view.locator('#badge').waitFor({ state: 'visible', timeout: 60_000 });
      const badge = await view.locator('#badge').innerText();
      const text = await view.locator('#text').innerText();
      const title = await view.locator('#title').innerText();
      shots.push(await session.screenshot('explain-selection'));

      assert.match(title, /^Explain /);
      assert.notEqual(text.trim(), '', 'the explanation has text');
      assert.match(badge, /\blocal\b/, 'the badge names the backend');
      assert.match(badge, /TTFT \d[\d.]*\s?(ms|s)/, 'the badge shows the time to first token');
      assert.match(badge, /total \d[\d.]*\s?(ms|s)/, 'the badge shows the total latency');
      assert.equal(await view.locator('#error').isVisible(), false);

      const explain = await waitFor(
        'the explanation in the metrics database',
        () => newRows(seen).filter((row) => row.task === 'explain'),
        (rows) => rows.length > 0,
      );
      assert.equal(explain[0]!.backend, 'local');
      assert.equal(explain[0]!.outcome, 'answered');
    }),
  );

  it('3. the performance panel shows the requests just made', STEP, () =>
    step('panel', async () => {
      const { workbench } = session;
      await workbench.runCommand('Tandem: Open Performance Panel');
      const panel = await workbench.webviewFrame('#recent');
      const recent = panel.locator('#recent tbody tr');
      await waitFor(
        'rows in the panel',
        () => recent.count(),
        (count) => count > 0,
      );
      const rowsText = (await recent.allInnerTexts()).join('\n');
      const stats = await panel.locator('#stats').innerText();
      shots.push(await session.screenshot('performance-panel'));
      await panel.locator('#recent').scrollIntoViewIfNeeded();
      shots.push(await session.screenshot('performance-panel-recent-requests'));

      assert.match(rowsText, /\bexplain\b/, 'the explanation is listed');
      assert.match(rowsText, /\baccepted\b/, 'the accepted completions are listed');
      assert.match(rowsText, /\bpython\b/);
      assert.match(rowsText, /\btypescript\b/);
      assert.match(stats, /\blocal\b/);
      // Both backend columns are always there; before step 4 only the local one has requests.
      const reading = await readPanel(panel);
      assert.deepEqual(reading.columns, ['local', 'offload']);
      assert.ok(
        requestsByBackend(reading, 'all').local! > 0,
        `the local column counts the requests: ${JSON.stringify(reading.groups.all?.Requests)}`,
      );
      assert.equal(requestsByBackend(reading, 'all').offload, 0, 'nothing was offloaded yet');
      const stored = readMetricsRows(session.storageDir);
      assert.ok(stored.filter((row) => row.outcome === 'accepted').length >= 2, 'both accepts are stored');
    }),
  );

  it('4. an offload endpoint answers, then fails: the status bar shows the fallback and the local model keeps completing', STEP, () =>
    step('offload', async () => {
      const { workbench, offloadServer } = session;
      // tandem.offload.url points at the test's server since start-up (machine settings); now the
      // user switches the routing policy to it.
      offloadServer.configure({ respond: () => OFFLOAD_ANSWER });
      await session.changeSettings({ ...LOCAL_ONLY, routing: { policy: 'offload' } });
      await waitFor(
        'the status tooltip to show the offload policy with the endpoint ready',
        async () => (await workbench.tandemStatus.getAttribute('aria-label')) ?? '',
        (label) => /Routing policy: offload/.test(label) && /offload \(.*\): ready/.test(label),
      );

      // 4a: healthy endpoint; the ghost text is its answer.
      const healthy = await typeAtSpot(session, session.spots[2]!, 'offload', shots);
      assert.equal(normalize(healthy.ghost), normalize(OFFLOAD_ANSWER), 'the ghost text is the offload answer');
      assert.match(await workbench.waitForStatus(/offload/), /offload/);
      await session.page.keyboard.press('Escape');
      await saveTyped(session, session.spots[2]!); // so 4b starts from what is on disk

      // 4b: every request to the endpoint now has its connection reset.
      offloadServer.setMode({ kind: 'reset' });
      const triedBefore = offloadServer.generationRequests().length;
      const seen = readMetricsRows(session.storageDir);
      let status = '';
      const fallback = await acceptAtSpot(session, session.spots[3]!, 'offload-failed', shots, async () => {
        // Read while the fallback's ghost text is shown: the next request goes straight to local.
        status = await workbench.waitForStatus(/fallback|breaker open/);
        shots.push(await session.screenshot('offload-fallback-status'));
      });

      assert.ok(offloadServer.generationRequests().length > triedBefore, 'Tandem tried the endpoint');
      assert.notEqual(normalize(fallback.ghost), normalize(OFFLOAD_ANSWER));
      assert.match(status, /fallback → local|breaker open/, 'the status bar says the local model stood in');
      const rows = await waitFor(
        'the fallback completion in the metrics database',
        () => newRows(seen).filter((row) => row.task === 'completion' && row.outcome === 'accepted'),
        (found) => found.length > 0,
      );
      assert.equal(rows[0]!.backend, 'local', 'the accepted completion came from the local model');
      assert.ok(rows[0]!.fallback_reason, `the record says why it fell back: ${JSON.stringify(rows[0])}`);
    }),
  );

  it('5. the performance panel fills both backend columns, draws its charts and re-renders on a filter change', STEP, () =>
    step('panel-both-backends', async () => {
      const { workbench } = session;
      const stored = readMetricsRows(session.storageDir);
      assert.ok(
        stored.some((row) => row.backend === 'offload'),
        `step 4 stored an offload request: ${JSON.stringify(stored.map((row) => [row.task, row.backend, row.outcome]))}`,
      );
      // The panel from step 3 is still open (behind the editors): the command brings it back.
      await workbench.runCommand('Tandem: Open Performance Panel');
      const panel = await workbench.webviewFrame('#stats');
      // What step 4 stored is in the database; Refresh asks for it now rather than at the next
      // (throttled) change notification.
      await panel.locator('#refresh').click();
      const filled = await waitFor(
        'both backend columns of the panel to count requests, with every chart drawn',
        () => readPanel(panel),
        (reading) => {
          const all = requestsByBackend(reading, 'all');
          const completions = requestsByBackend(reading, 'completion');
          return all.local! > 0 && all.offload! > 0 && completions.offload! > 0 && undrawnCharts(reading).length === 0;
        },
        60_000,
      );
      shots.push(await session.screenshot('performance-panel-both-backends'));
      await panel.locator('#charts').scrollIntoViewIfNeeded();
      shots.push(await session.screenshot('performance-panel-charts'));

      assert.deepEqual(filled.columns, ['local', 'offload']);
      assert.deepEqual(Object.keys(filled.groups), ['all', 'completion', 'explain'], 'rows grouped by task');
      // Latency figures for both backends' completions, not only counts.
      const e2e = filled.groups.completion!['E2E p50 · p95 · p99']!;
      for (const [index, cell] of e2e.entries())
        assert.match(cell, /\d/, `${filled.columns[index]} completions have an E2E figure: ${JSON.stringify(e2e)}`);
      assert.ok(filled.recentTasks.includes('explain') && filled.recentTasks.includes('completion'));

      // Task = completions: the statistics keep only that group, the recent table only completions,
      // and the charts are drawn again from the filtered rows.
      await panel.locator('#filter-task').selectOption('completion');
      const filtered = await waitFor(
        'the panel to re-render for task = completion',
        () => readPanel(panel),
        (reading) =>
          Object.keys(reading.groups).join() === 'completion' &&
          reading.recentTasks.length > 0 &&
          reading.recentTasks.every((task) => task === 'completion') &&
          undrawnCharts(reading).length === 0,
      );
      await panel.locator('#backends').scrollIntoViewIfNeeded();
      shots.push(await session.screenshot('performance-panel-completions-only'));
      // (Not compared with the figures before the filter: rows of step 4 still arrive meanwhile.)
      const completions = requestsByBackend(filtered, 'completion');
      assert.ok(
        completions.local! > 0 && completions.offload! > 0,
        `both backends' completions under the filter: ${JSON.stringify(completions)}`,
      );

      // Back to every task (the filter is kept in the webview's state across hide and show).
      await panel.locator('#filter-task').selectOption('');
      await waitFor(
        'the panel to show every task again',
        () => readPanel(panel),
        (reading) => Object.keys(reading.groups).includes('all'),
      );
    }),
  );

  it("the server ran on code-server's Node with persistent SQLite stores and never restarted", async () => {
    assert.ok(existsSync(join(session.storageDir, 'metrics.db')), 'metrics.db in the extension storage');
    assert.ok(existsSync(join(session.storageDir, 'cache.db')), 'cache.db in the extension storage');
    assert.ok(readMetricsRows(session.storageDir).length > 0, 'the requests are in the file');
    const log = readTandemLog(session.userDataDir, session.env.extensionId);
    assert.doesNotMatch(log, /in memory only|without SQLite|fall back to memory/, 'no storage fell back to memory');
    assert.doesNotMatch(log, /stopped unexpectedly|exited before it finished starting/, 'the server never died');
  });
});

function normalize(text: string): string {
  return text.replace(/\s+/g, '');
}
