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
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await input.fill(name);
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
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await input.fill(`:${line}`);
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
  }

  /** F1, the command's title, Enter. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await input.fill(`>${title}`);
    await this.focusedPick(title).waitFor({ timeout: UI_TIMEOUT_MS });
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
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
        if (await frame.locator(selector).count().catch(() => 0)) return frame;
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
