/**
 * Drives VS Code's workbench in the browser the way a person does: keyboard shortcuts, the
 * command palette, the status bar, and what the editor and the webviews show. Every wait is
 * bounded and fails with a sentence saying what did not appear.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Frame, Locator, Page } from 'playwright-core';

export const UI_TIMEOUT_MS = 30_000;

export class Workbench {
  constructor(
    readonly page: Page,
    private readonly extensionId: string,
  ) {}

  /** Tandem's status bar item (VS Code gives it the id `<extension id>.<item id>`). */
  get tandemStatus(): Locator {
    return this.page.locator(`[id="${this.extensionId}.tandem.status"]`);
  }

  get activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Ghost text of an inline suggestion: the inline part and the lines below it. */
  get ghostText(): Locator {
    return this.activeEditor.locator('.ghost-text-decoration, .ghost-text');
  }

  async waitForStatus(pattern: RegExp, timeout = UI_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeout;
    let last = '';
    while (Date.now() < deadline) {
      last = (await this.tandemStatus.innerText().catch(() => '')).trim();
      if (pattern.test(last)) return last;
      await this.page.waitForTimeout(250);
    }
    throw new Error(`The Tandem status bar item did not show ${pattern} within ${timeout} ms; it shows "${last}".`);
  }

  /** Quick Open (Ctrl+P), the file name, Enter; resolves when its editor has focus. */
  async openFile(name: string): Promise<void> {
    await this.openQuickInput('Control+P', name);
    await this.focusedPick(name).waitFor({ timeout: UI_TIMEOUT_MS });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tab.active', { hasText: name }).waitFor({ timeout: UI_TIMEOUT_MS });
    await this.activeEditor.locator('.view-lines').waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /**
   * Resolves once the active editor can show inline suggestions. VS Code creates an editor's
   * inline-completions controller "eventually" (EditorContributionInstantiation.Eventually: when
   * the page is idle, at the latest 5 s after the editor widget), and only an existing controller
   * hears a keystroke: characters typed into a fresh editor before that ask no provider, and
   * nothing asks again. That was issue 12: only the first file of the session (the first editor
   * widget; later files reuse it) got no request, more often on a busy machine. The controller's
   * view adds its gutter-indicator overlay to the editor when it is created: that is the sign.
   * (Alt+\ afterwards did not help: VS Code 1.139 binds no key to Trigger Inline Suggestion.)
   */
  async waitForInlineSuggestions(): Promise<void> {
    const marker = this.activeEditor.locator('.inline-edits-view-gutter-indicator');
    try {
      await marker.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    } catch (error) {
      throw new Error(
        `The active editor has no inline-suggestion controller after ${UI_TIMEOUT_MS} ms (no ` +
          '.inline-edits-view-gutter-indicator in it; VS Code makes one at the latest 5 s after the editor). ' +
          'If the pinned code-server (test/e2e/tools/code-server) changed, this class name may have changed with it.',
        { cause: error },
      );
    }
  }

  /**
   * Go to Line (Ctrl+G, 1-based), then Home or End. (The box's `:line:column` form counts a tab
   * as several columns, so the line's ends are reached with the keys a person would use.)
   */
  async goToLine(line: number, end: 'start' | 'end'): Promise<void> {
    const input = await this.openQuickInput('Control+G', `:${line}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await this.page.keyboard.press(end === 'end' ? 'End' : 'Home');
  }

  /**
   * Replaces the user settings through VS Code's own JSON settings editor and saves them, as a
   * person would (VS Code then applies them at once; code-server does not pick up the file being
   * rewritten behind its back). Resolves once `file` holds them and the editor is closed.
   */
  async replaceUserSettings(settings: Record<string, unknown>, file: string): Promise<void> {
    await this.runCommand('Preferences: Open User Settings (JSON)');
    // VS Code 1.139 opens it as a modal editor rather than a tab: find it by its content.
    const editor = this.page.locator('.monaco-editor', { hasText: 'workbench.startupEditor' }).last();
    await editor.locator('.view-lines').click({ timeout: UI_TIMEOUT_MS });
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.insertText(JSON.stringify(settings, null, 2));
    await this.page.keyboard.press('Control+S');
    await waitFor(
      `${file} to hold the new settings`,
      () => readFileSync(file, 'utf8'),
      (text) => isDeepStrictEqual(parseOrUndefined(text), settings),
    );
    // Escape closes the modal editor (F1 does not reach the command palette from inside it); a
    // first Escape may only dismiss a ghost text that Tandem offers in settings.json too.
    await waitFor(
      'the settings editor to close',
      async () => {
        await this.page.keyboard.press('Escape');
        return editor.isVisible();
      },
      (visible) => !visible,
    );
    await this.waitForNoModalEditor();
  }

  /** F1, the command's title, Enter. */
  async runCommand(title: string): Promise<void> {
    const input = await this.openQuickInput('F1', `>${title}`);
    await this.focusedPick(title).waitFor({ timeout: UI_TIMEOUT_MS });
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  }

  /**
   * Opens the quick input with `key` and types `text` into it. Waits first for a modal editor
   * (the settings JSON opens as one) to be gone: while its block is in the page the quick input
   * is inert, and when it closes it hands focus back, which closes a quick input opened
   * meanwhile. That happened under load in step 4 (Ctrl+P right after the settings editor
   * closed: "element is inert", then "not visible"), so a quick input that closed before the
   * text was in is opened again, until UI_TIMEOUT_MS.
   */
  private async openQuickInput(key: string, text: string): Promise<Locator> {
    await this.waitForNoModalEditor();
    const input = this.page.locator('.quick-input-widget input');
    const deadline = Date.now() + UI_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(text, { timeout: 5_000 });
        return input;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`The quick input (${key}) did not stay open to take "${text}" in ${attempt} tries over ${UI_TIMEOUT_MS} ms.`, {
            cause: error,
          });
        }
      }
    }
  }

  /** Resolves once no modal editor blocks the workbench (VS Code removes its block on close). */
  async waitForNoModalEditor(): Promise<void> {
    await waitFor(
      'the modal editor to close (.monaco-modal-editor-block gone)',
      () => this.page.locator('.monaco-modal-editor-block').count(),
      (count) => count === 0,
    );
  }

  /**
   * The highlighted entry of the quick pick once it is `text`: Enter before the list has caught up
   * with the typed filter would pick the previous first entry.
   */
  private focusedPick(text: string): Locator {
    return this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text }).first();
  }

  /** Text of the ghost text as VS Code renders it (non-breaking spaces as spaces). */
  async ghostTextContent(): Promise<string> {
    const parts = await this.ghostText.allInnerTexts();
    return parts.join('\n').replace(/\u00a0/g, ' ');
  }

  /** The webview frame (code-server nests each in two iframes) that has an element matching `selector`. */
  async webviewFrame(selector: string, timeout = UI_TIMEOUT_MS): Promise<Frame> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (
          await frame
            .locator(selector)
            .count()
            .catch(() => 0)
        )
          return frame;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`No webview with ${selector} appeared within ${timeout} ms.`);
  }
}

/** Waits until `read()` returns a value `accept` likes; fails with the last value seen. */
export async function waitFor<T>(
  what: string,
  read: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeout = UI_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
