/**
 * The small interfaces the completion service depends on, beyond GenerationRouter / AnswerCache /
 * MetricsRecorder (the first-choice question is pipeline/firstChoice.ts). Kept here so the services do not reach into
 * other modules' classes: the server wires the real implementations in, tests pass fakes.
 */
import type { BackendId } from '../protocol';

export interface TypingContext {
  prefix: string;
  suffix: string;
  /** Absolute cursor offset, so a sliding prefix window still matches. */
  offset?: number;
}

/**
 * Per-document "typing along" memory (cache/typingAlong.ts implements it): after a completion
 * was shown, typing its first characters is answered with the rest, with no model call, under
 * the id the suggestion was first returned with (one suggestion, one metrics row).
 */
export interface TypingAlongStore {
  /** `requestId`: the item id the suggestion was returned with (completion/items.ts). */
  remember(uri: string, shown: TypingContext & { completion: string; backend?: BackendId; model?: string; requestId?: string }): void;
  /** `text`: the rest of the suggestion ('' when all of it was typed); `typedLength`: what was typed. */
  lookup(
    uri: string,
    context: TypingContext,
  ): { text: string; typedLength: number; backend?: BackendId; model?: string; requestId?: string } | undefined;
}
