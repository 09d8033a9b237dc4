/**
 * The generation request for one backend. Prompts differ per backend (each has its own FIM
 * template, and an OpenAI-style server may take the suffix natively), so the router calls this
 * for whichever backend it tries, and the cache key is computed from that same request.
 */
import type { Backend, GenerateRequest } from '../backends/backend';
import type { TandemConfig } from '../config';
import type { CompletionContext } from './context';
import type { CursorKind } from './syntax/situation';
import { stopSequences } from './stops';
import { formatFimPrompt } from './templates';
import { fitPrefixSuffix } from '../backends/promptLayout';

/** Situations where the suggestion is a new line (backends may prompt those differently). */
const NEW_LINE_KINDS: ReadonlySet<CursorKind> = new Set(['next-line', 'after-opener', 'blank-line']);

export function buildCompletionRequest(
  backend: Backend,
  context: CompletionContext,
  multiline: boolean,
  settings: TandemConfig['completion'],
): GenerateRequest {
  const template = NEW_LINE_KINDS.has(context.cursor.kind) && backend.lineEndTemplate ? backend.lineEndTemplate : backend.fimTemplate;
  const nativeSuffix = backend.supportsNativeSuffix && template !== 'none';
  // At the end of a complete line or a block opener the model is asked for the next line as if
  // the line break were typed (the suggestion then starts with it: see syntax/situation.ts).
  const asked = { prefix: context.prefix + context.cursor.lead, suffix: context.suffix };
  // Snippets from other files go before the prefix and take their room from the window, but
  // never more than half of it: the code around the cursor matters most.
  const crossFile = context.crossFile?.[backend.id]?.text ?? '';
  const window = backend.completionContextChars;
  const own = window === undefined || crossFile === '' ? window : Math.max(window - crossFile.length, Math.floor(window / 2));
  const fitted = fitToBackend(asked, own);
  const prefix = crossFile + fitted.prefix;
  const suffix = fitted.suffix;
  return {
    task: 'completion',
    prompt: nativeSuffix ? prefix : formatFimPrompt(template, prefix, suffix),
    ...(nativeSuffix ? { suffix } : {}),
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    stop: stopSequences(template, multiline, context.languageId),
  };
}

/** Trims the context to the backend's window, the way every prompt is cut (promptLayout.ts). */
export function fitToBackend(
  context: Pick<CompletionContext, 'prefix' | 'suffix'>,
  budgetChars: number | undefined,
): { prefix: string; suffix: string } {
  if (budgetChars === undefined) return { prefix: context.prefix, suffix: context.suffix };
  return fitPrefixSuffix(context.prefix, context.suffix, budgetChars);
}
