/**
 * Ranks windows of other documents by Jaccard similarity of identifiers to the text around the
 * cursor. One window per document at most (the best), so one large similar file cannot fill the
 * budget with near-copies of itself; definitions of imported symbols rank above all of them.
 */
import { jaccard } from './identifiers';
import type { LineWindow } from './windowIndex';

export type SnippetKind = 'import' | 'similar';

export interface Snippet {
  uri: string;
  /** The path shown in the header comment (relative to the current document's folder). */
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  /** Jaccard similarity to the cursor's surroundings, 0..1 (import definitions: 1). */
  score: number;
  kind: SnippetKind;
}

export interface CandidateDocument {
  uri: string;
  path: string;
  windows: readonly LineWindow[];
}

/** Below this similarity a window shares too little with the cursor's code to be worth tokens. */
export const MIN_SIMILARITY = 0.1;

/** The best window of each document, best first; ties keep the documents' order (most recent first). */
export function rankSimilar(query: ReadonlySet<string>, documents: readonly CandidateDocument[], minScore = MIN_SIMILARITY): Snippet[] {
  const best: Snippet[] = [];
  for (const document of documents) {
    let top: { window: LineWindow; score: number } | undefined;
    for (const window of document.windows) {
      const score = jaccard(query, window.identifiers);
      if (score >= minScore && score > (top?.score ?? 0)) top = { window, score };
    }
    if (top) {
      const { window, score } = top;
      best.push({
        uri: document.uri,
        path: document.path,
        startLine: window.startLine,
        endLine: window.endLine,
        text: window.text,
        score,
        kind: 'similar',
      });
    }
  }
  // Array.prototype.sort is stable: equal scores stay in recency order.
  return best.sort((a, b) => b.score - a.score);
}

/** Import definitions first, then similar windows that do not overlap one already taken. */
export function mergeRanked(definitions: readonly Snippet[], similar: readonly Snippet[]): Snippet[] {
  const merged: Snippet[] = [...definitions];
  for (const snippet of similar) {
    const overlaps = merged.some(
      (taken) => taken.uri === snippet.uri && taken.startLine <= snippet.endLine && snippet.startLine <= taken.endLine,
    );
    if (!overlaps) merged.push(snippet);
  }
  return merged;
}
