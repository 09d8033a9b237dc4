/**
 * What follows a completion besides its reply — shadow mode (shadow.ts), typing-along memory
 * (typingAlongStep.ts), outcome tracking (outcomes.ts) and the quality measures (quality/) — is
 * told of a request's steps through this one interface, so the completion service's path reads
 * top to bottom and each of them has one entry per step. Observers are called in the order the
 * service lists them; none may change the reply.
 */
import type { Backend, GenerateRequest } from '../backends/backend';
import type { BackendId } from '../protocol';
import type { RouteContext } from '../routing/types';
import type { CompletionContext } from './context';
import type { FilterContext } from './filters';
import type { CompletionOutcomes } from './outcomes';

/** A completion that was just returned, with what a shadow needs to ask the same question. */
export interface ShownCompletion {
  requestId: string;
  uri: string;
  context: CompletionContext;
  filter: FilterContext;
  route: RouteContext;
  /** The backend whose answer was shown, and its model. */
  backend: BackendId;
  model: string;
  /** Where the answer came from: a cached answer is not shadowed (nothing was generated). */
  source: 'cache' | 'generation';
  /** The shown text, after post-processing. */
  text: string;
  /** Formats the request for a backend, exactly as the shown request was formatted. */
  build: (backend: Backend) => GenerateRequest;
}

export interface CompletionObserver {
  /** A request for `uri` began (its context is not built yet, and may fail to be). */
  requestStarted?(uri: string): void;
  /** The request's context was built: what the user typed since an earlier suggestion shows there. */
  contextBuilt?(uri: string, context: CompletionContext): void;
  /** A new suggestion was returned (its row is recorded); typing-along hits are not new ones. */
  shown?(shown: ShownCompletion): void;
  /** The client accepted `acceptedLength` characters of a suggestion (counted from its start). */
  accepted?(requestId: string, acceptedLength: number): void;
  documentClosed?(uri: string): void;
  dispose?(): void;
}

/** Outcome tracking as an observer: shown suggestions are followed to their verdicts. */
export function outcomeTracking(outcomes: CompletionOutcomes): CompletionObserver {
  return {
    shown: (shown) =>
      outcomes.track(shown.requestId, {
        text: shown.text,
        uri: shown.uri,
        languageId: shown.context.languageId,
        offset: shown.context.offset,
      }),
    accepted: (requestId, acceptedLength) => void outcomes.didAccept(requestId, acceptedLength),
  };
}

/** Calls one step of every observer that has it, in order. */
export function notifyObservers<Step extends keyof CompletionObserver>(
  observers: readonly CompletionObserver[],
  step: Step,
  ...args: Parameters<NonNullable<CompletionObserver[Step]>>
): void {
  for (const observer of observers) {
    const call = observer[step] as ((...values: typeof args) => void) | undefined;
    call?.apply(observer, args);
  }
}
