/**
 * Fitting an explanation's chat messages into the offload server's context window, as
 * fitRequest.ts fits completion prompts: the same estimate (characters per token, learnt from
 * `exceed_context_size_error`), the same answer reserve. Only the code is cut, never the
 * instructions: the request's `prompt` is the raw code and appears verbatim in a message (the
 * explain service renders it into the user message), so its end is cut at a line break and a
 * sentence after the message says so. Messages that do not contain the code are sent as they are.
 */
import type { ChatMessage } from '../backend';

/** Tokens a chat template adds around each message (role header, separators), estimated. */
export const CHAT_MESSAGE_TOKENS = 8;

export const CUT_NOTE = '\n\n(The code was cut to fit the model context; explain the part shown.)';

export interface FittedChat {
  messages: ChatMessage[];
  trimmed: boolean;
}

/** `messages` fitted to `budgetChars` of content by cutting the end of `code` where it occurs. */
export function fitChatMessages(messages: readonly ChatMessage[], code: string, budgetChars: number): FittedChat {
  const total = messages.reduce((sum, message) => sum + message.content.length, 0);
  const index = code === '' ? -1 : findLastIndex(messages, (message) => message.content.includes(code));
  const holder = messages[index];
  if (total <= budgetChars || !holder) return { messages: [...messages], trimmed: false };
  const keep = Math.max(0, code.length - (total - budgetChars) - CUT_NOTE.length);
  const newline = code.lastIndexOf('\n', keep);
  const cut = newline > keep / 2 ? newline : keep;
  const at = holder.content.lastIndexOf(code);
  const content = holder.content.slice(0, at) + code.slice(0, cut) + holder.content.slice(at + code.length) + CUT_NOTE;
  const fitted = messages.map((message, i) => (i === index ? { ...message, content } : message));
  return { messages: fitted, trimmed: true };
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}
