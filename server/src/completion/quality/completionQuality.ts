/**
 * The quality measures that follow an accept (survival.ts, syntaxCheck.ts), fed by
 * CompletionOutcomes' accepts and the server's document changes. Measuring never costs the user
 * anything: a failure is logged and the measure stays unknown.
 */
import type { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Logger } from '../../logger';
import type { MetricsRecorder } from '../../metrics/types';
import type { AcceptedText } from '../outcomes';
import { offsetEdits } from './documentEdits';
import { SurvivalTracker, type SurvivalClock } from './survival';
import { syntaxErrorOfInsertion } from './syntaxCheck';

/** How far from where it was returned an accepted text is looked for (the document may have
 * moved by a few edits between the answer and the accept). */
const LOCATE_WINDOW_CHARS = 4096;

export interface CompletionQualityOptions {
  metrics: Pick<MetricsRecorder, 'update'>;
  /** The server's copy of an open document; undefined when it does not keep it. */
  document: (uri: string) => TextDocument | undefined;
  log: Logger;
  clock?: SurvivalClock;
}

export class CompletionQuality {
  private readonly survival: SurvivalTracker;

  constructor(private readonly options: CompletionQualityOptions) {
    this.survival = new SurvivalTracker({
      update: (rowId, patch) => this.update(rowId, patch),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  /** After an accept: the client sent its didChange before the accept, so the text is in the document. */
  accepted(accept: AcceptedText): Promise<void> {
    const document = this.options.document(accept.uri);
    if (!document || accept.text === '') return Promise.resolve();
    const text = document.getText();
    const start = locateInsertion(text, accept.text, accept.offset);
    if (start === undefined) return Promise.resolve();
    this.survival.track(accept.rowId, accept.uri, start, accept.text);
    return syntaxErrorOfInsertion(accept.languageId, text, start, start + accept.text.length).then(
      (syntaxError) => {
        if (syntaxError !== undefined) this.update(accept.rowId, { syntaxError });
      },
      (error: unknown) => this.options.log.warn(`Syntax check of an accepted completion failed: ${describe(error)}`),
    );
  }

  /** Before the server applies a didChange to `document` (it is still the old text). */
  documentWillChange(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): void {
    if (!this.survival.isTracking(document.uri)) return;
    try {
      this.survival.noteEdits(document.uri, offsetEdits(document, changes));
    } catch (error) {
      // Never in the way of the document sync that called this: that document's accepts go unmeasured.
      this.survival.documentClosed(document.uri);
      this.options.log.warn(`Following accepted completions through an edit failed: ${describe(error)}`);
    }
  }

  documentClosed(uri: string): void {
    this.survival.documentClosed(uri);
  }

  dispose(): void {
    this.survival.dispose();
  }

  private update(rowId: string, patch: Parameters<MetricsRecorder['update']>[1]): void {
    try {
      this.options.metrics.update(rowId, patch);
    } catch (error) {
      this.options.log.warn(`Recording completion quality failed: ${describe(error)}`);
    }
  }
}

/**
 * Where `inserted` stands in `text`: at `expected` when it is there, else its occurrence nearest
 * to `expected` within LOCATE_WINDOW_CHARS; undefined when it is not found (then nothing is measured).
 */
export function locateInsertion(text: string, inserted: string, expected: number): number | undefined {
  if (inserted === '') return undefined;
  if (text.startsWith(inserted, expected)) return expected;
  let best: number | undefined;
  const from = Math.max(0, expected - LOCATE_WINDOW_CHARS);
  for (let at = text.indexOf(inserted, from); at >= 0 && at <= expected + LOCATE_WINDOW_CHARS; at = text.indexOf(inserted, at + 1)) {
    if (best === undefined || Math.abs(at - expected) < Math.abs(best - expected)) best = at;
  }
  return best;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
