/**
 * Typing at a spot and accepting the ghost text, checked against the file on disk: after Tab and
 * Ctrl+S the file must be the old text with the typed characters and exactly one inserted piece
 * at the cursor, and that piece must be the ghost text the editor showed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readMetricsRows } from './metricsDb';
import { readTandemLog, type Session } from './session';
import type { TypingSpot } from './spots';
import { UI_TIMEOUT_MS, waitFor } from './workbench';

export interface Typed {
  /** The ghost text as the editor rendered it. */
  ghost: string;
}

export interface Accepted extends Typed {
  /** What Tab put into the document. */
  inserted: string;
}

/**
 * Opens the spot's file, puts the cursor where the line was cut and types the rest of it, once the
 * editor listens for inline suggestions (workbench.ts, waitForInlineSuggestions).
 */
export async function typeAtSpot(session: Session, spot: TypingSpot, label: string, shots: string[]): Promise<Typed> {
  const { page, workbench } = session;
  await workbench.openFile(basename(spot.source));
  await workbench.goToLine(spot.line + 1, 'end');
  await workbench.waitForInlineSuggestions();
  const seen = new Set(readMetricsRows(session.storageDir).map((row) => row.id));
  await page.keyboard.type(spot.typed, { delay: 60 });
  try {
    await workbench.ghostText.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  } catch (error) {
    shots.push(await session.screenshot(`${label}-no-ghost-text`));
    throw new Error(
      `No ghost text after typing ${JSON.stringify(spot.typed)} at ${basename(spot.source)}:${spot.line + 1} ` +
        `(over stdio the server completed ${JSON.stringify(spot.probeCompletion)} there). ` +
        (await whatTandemSaw(session, spot, seen)),
      { cause: error },
    );
  }
  // Let a completion that is still streaming in settle before reading it.
  const ghost = await waitFor(
    'the ghost text to stop changing',
    settled(() => workbench.ghostTextContent()),
    (value) => value !== undefined,
  );
  shots.push(await session.screenshot(`${label}-ghost-text`));
  assert.notEqual(ghost!.trim(), '', 'the ghost text shows something');
  return { ghost: ghost! };
}

/**
 * typeAtSpot, then Tab and Ctrl+S; checks the saved file and returns what was inserted.
 * `whileShown` runs between the ghost text's screenshot and Tab.
 */
export async function acceptAtSpot(
  session: Session,
  spot: TypingSpot,
  label: string,
  shots: string[],
  whileShown?: () => Promise<void>,
): Promise<Accepted> {
  const { page, workbench } = session;
  const path = join(session.workspace, basename(spot.source));
  const before = readFileSync(path, 'utf8');
  const lines = before.split('\n');
  const offset = lines.slice(0, spot.line + 1).join('\n').length;

  const { ghost } = await typeAtSpot(session, spot, label, shots);
  await whileShown?.();
  await page.keyboard.press('Tab');
  await workbench.ghostText.first().waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active.dirty').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  const after = readFileSync(path, 'utf8');
  shots.push(await session.screenshot(`${label}-accepted`));

  const head = before.slice(0, offset) + spot.typed;
  const tail = before.slice(offset);
  assert.ok(
    after.startsWith(head) && after.endsWith(tail),
    `the file changed only at the cursor:\n${describeChange(before, after, offset)}`,
  );
  const inserted = after.slice(head.length, after.length - tail.length);
  assert.notEqual(inserted.trim(), '', 'Tab inserted text');
  assert.equal(inserted.replace(/\s+/g, ''), ghost.replace(/\s+/g, ''), 'Tab inserted the ghost text that was shown');
  return { ghost, inserted };
}

/** Ctrl+S after typing (without accepting); resolves once the file on disk has the typed line. */
export async function saveTyped(session: Session, spot: TypingSpot): Promise<void> {
  const path = join(session.workspace, basename(spot.source));
  const full = readFileSync(spot.source, 'utf8').split('\n')[spot.line];
  await session.page.keyboard.press('Control+S');
  await waitFor(
    `${basename(path)} to be saved`,
    () => readFileSync(path, 'utf8').split('\n')[spot.line],
    (line) => line === full,
  );
}

/**
 * For a missing ghost text: whether the request reached the server (its records since typing
 * began), what the status bar says and the end of Tandem's log. No record for the language
 * means VS Code never asked; an `empty` one means the server answered nothing.
 */
async function whatTandemSaw(session: Session, spot: TypingSpot, seen: Set<string>): Promise<string> {
  const rows = readMetricsRows(session.storageDir).filter(
    (row) => !seen.has(row.id) && row.task === 'completion' && row.language === spot.languageId,
  );
  const status = (await session.workbench.tandemStatus.innerText().catch(() => '')).trim();
  const logTail = readTandemLog(session.userDataDir, session.env.extensionId).trimEnd().split('\n').slice(-5);
  return [
    `Records since typing: ${rows.length === 0 ? 'none' : rows.map((row) => `${row.outcome} (${row.decision})`).join(', ')}.`,
    `Status bar: ${JSON.stringify(status)}.`,
    `Tandem log, last lines:\n  ${logTail.join('\n  ')}`,
  ].join(' ');
}

/** The changed region of the text, for a failure message. */
function describeChange(before: string, after: string, cursor: number): string {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return [
    `cursor at ${cursor}, first difference at ${start}`,
    `before: ${JSON.stringify(before.slice(Math.max(0, start - 40), before.length - end + 40))}`,
    `after:  ${JSON.stringify(after.slice(Math.max(0, start - 40), after.length - end + 40))}`,
  ].join('\n');
}

/** Reads until two reads 300 ms apart agree; undefined until then. */
function settled(read: () => Promise<string>): () => Promise<string | undefined> {
  let previous: string | undefined;
  return async () => {
    const current = await read();
    const stable = current === previous ? current : undefined;
    previous = current;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return stable;
  };
}
