/**
 * The request body for one generation, fitted to the server's context window: the prompt trimmed
 * (prefix from its start, suffix from its end; an explanation's code from its end, fitChat.ts) so
 * that it and the answer fit, and max_tokens capped so a large answer cannot crowd the context
 * out. Without a known window the body is sent as built; a server's `exceed_context_size_error`
 * then teaches the window (OffloadBackend).
 */
import type { GenerateRequest } from '../backend';
import { fitPrefixSuffix } from '../promptLayout';
import { CHAT_MESSAGE_TOKENS, fitChatMessages } from './fitChat';
import { answerTokens, fitTemplatedPrompt, promptTokenBudget } from './promptBudget';
import { requestParams, type ParamsContext } from './requestParams';

export interface FitOptions {
  /** Tokens one request may use (prompt + answer); undefined when the server did not say. */
  contextTokens: number | undefined;
  /** Characters per token assumed when estimating the prompt's tokens. */
  charsPerToken: number;
}

export interface FittedRequest {
  params: Record<string, unknown>;
  /** Whether any prompt text was cut to fit. */
  trimmed: boolean;
}

export function fitRequest(request: GenerateRequest, context: ParamsContext, options: FitOptions): FittedRequest {
  const window = options.contextTokens;
  if (window === undefined) return { params: requestParams(request, context), trimmed: false };
  const answer = answerTokens(request.maxTokens, window);
  if (context.kind === 'chat') return fitChat(request, context, window, answer, options.charsPerToken);
  const budgetChars = Math.floor(promptTokenBudget(window, answer) * options.charsPerToken);
  let { prompt, suffix } = request;
  if (suffix !== undefined) {
    // A native suffix (/infill or `suffix`): prefix and suffix are separate fields.
    ({ prefix: prompt, suffix } = fitPrefixSuffix(prompt, suffix, budgetChars));
  } else if (prompt.length > budgetChars) {
    prompt = fitTemplatedPrompt(prompt, context.fimTemplate, budgetChars) ?? prompt;
  }
  const trimmed = prompt !== request.prompt || suffix !== request.suffix;
  const fitted: GenerateRequest = { ...request, prompt, maxTokens: answer };
  if (suffix !== undefined) fitted.suffix = suffix;
  return { params: requestParams(fitted, context), trimmed };
}

/** A chat request (explanations): the code in its messages cut to fit, max_tokens capped. */
function fitChat(request: GenerateRequest, context: ParamsContext, window: number, answer: number, charsPerToken: number): FittedRequest {
  const messages = request.messages ?? [{ role: 'user' as const, content: request.prompt }];
  const budgetTokens = promptTokenBudget(window, answer) - CHAT_MESSAGE_TOKENS * messages.length;
  const fitted = fitChatMessages(messages, request.prompt, Math.max(0, Math.floor(budgetTokens * charsPerToken)));
  return { params: requestParams({ ...request, messages: fitted.messages, maxTokens: answer }, context), trimmed: fitted.trimmed };
}

/**
 * Characters per token after a server reported how many tokens a prompt really had: the measured
 * ratio (less 5 % for the next prompt's different text) when it is below the current guess.
 */
export function learnedCharsPerToken(current: number, sent: Record<string, unknown>, promptTokens: number | undefined): number {
  if (promptTokens === undefined || promptTokens <= 0) return current;
  const text = (key: string): number => (typeof sent[key] === 'string' ? (sent[key] as string).length : 0);
  const messages = Array.isArray(sent.messages) ? (sent.messages as Array<{ content?: unknown }>) : [];
  const chat = messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? message.content.length : 0), 0);
  const chars = text('prompt') + text('suffix') + text('input_prefix') + text('input_suffix') + chat;
  if (chars === 0) return current;
  return Math.max(1, Math.min(current, (chars / promptTokens) * 0.95));
}
