/** The per-request trace of what went into a completion prompt (stored with its metrics row). */
import type { GenerateRequest } from '../../backends/backend';
import type { BackendId, PromptTrace } from '../../protocol';
import type { CrossFileBlock } from './budget';

/** Snippet text is included here; the recorder removes it unless `metrics.storePrompts` is on. */
export function promptTrace(
  backend: BackendId,
  block: CrossFileBlock | undefined,
  request: Pick<GenerateRequest, 'prompt' | 'suffix'>,
): PromptTrace {
  return {
    backend,
    promptChars: request.prompt.length + (request.suffix?.length ?? 0),
    crossFileBudgetTokens: block?.budgetTokens ?? 0,
    crossFileTokens: block?.tokens ?? 0,
    crossFileTokenSource: block?.tokenSource ?? 'estimate',
    sources: (block?.snippets ?? []).map((snippet) => ({
      path: snippet.path,
      startLine: snippet.startLine,
      endLine: snippet.endLine,
      tokens: snippet.tokens,
      kind: snippet.kind,
      score: Math.round(snippet.score * 1000) / 1000,
      text: snippet.text,
    })),
  };
}
