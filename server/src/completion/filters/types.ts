/**
 * A post-processing filter: a small pure function from the model's text to the text worth
 * showing. Returning '' drops the completion. Filters run in the order listed in index.ts.
 */
export interface FilterContext {
  prefix: string;
  suffix: string;
  linePrefix: string;
  lineSuffix: string;
  languageId: string;
  multiline: boolean;
  /** The prefix window does not start at the top of the document. */
  prefixTruncated: boolean;
}

export type CompletionFilter = (text: string, context: FilterContext) => string;
