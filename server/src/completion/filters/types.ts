/**
 * A post-processing filter: a small pure function from the model's text to the text worth
 * showing. Returning '' drops the completion. Filters run in the order listed in index.ts.
 */
import type { CursorSituation } from '../syntax/situation';

export interface FilterContext {
  prefix: string;
  suffix: string;
  linePrefix: string;
  lineSuffix: string;
  languageId: string;
  multiline: boolean;
  /** The prefix window does not start at the top of the document. */
  prefixTruncated: boolean;
  /** Where the cursor is: computed once with the request's context (one parse), so the prompt
   * and every filter agree on it. */
  cursor: CursorSituation;
}

export type CompletionFilter = (text: string, context: FilterContext) => string;
