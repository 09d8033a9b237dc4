/**
 * Shadow mode (`routing.shadowRate`, off by default): for a sampled fraction of shown
 * completions the other backend is asked the same thing in the background, after the shown
 * answer was returned, so the reply never waits for it. Its answer is never shown. It waits
 * for the user's verdict on the shown one — accepted, or typed (shadowComparison.ts) — and is
 * then recorded as its own metrics row, decision "shadow of <id>", with both answers'
 * similarity to what the user wrote. The router decides where a shadow may go (never to
 * offload under policy `local`, never without an endpoint, never to an unhealthy backend).
 *
 * Bounded so shadows never pile up on a small machine: one per document (a newer request for
 * the document aborts it — the user has moved on), at most MAX_IN_FLIGHT at once, and at most
 * MAX_WAITING answered shadows waiting for a verdict. A shadow that fails or is aborted is
 * recorded at once; an answered one when its verdict is known, or else when the next shadow of
 * its document answers, the document closes, it is evicted, or the service stops.
 *
 * Sampling hashes the request id, so whether a request is shadowed is decided, repeatably, by
 * the id alone.
 */
import type { Backend, GenerateRequest } from '../backends/backend';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRecorder, RequestText } from '../metrics/types';
import type { RequestRow } from '../protocol';
import type { ShadowRouting } from '../routing/types';
import type { CompletionContext } from './context';
import { postProcess } from './filters';
import { SupersededError } from './inflight';
import type { CompletionObserver, ShownCompletion } from './observers';
import { modelName } from '../pipeline/cacheKeyParts';
import { emptyRow, failureFields, generationFields } from '../pipeline/rows';
import { acceptedReference, anchorAt, compareAnswers, typedReference, writtenSince, type Anchor, type Written } from './shadowComparison';
import { requestSignal } from '../pipeline/signals';
import { truncateAtStop } from './stops';

const MAX_IN_FLIGHT = 2;
const MAX_WAITING = 100;

export interface ShadowCompletionsOptions {
  routing: ShadowRouting;
  metrics: MetricsRecorder;
  config: () => TandemConfig;
  log: Logger;
  newId: () => string;
}

interface Shadow {
  shown: ShownCompletion;
  anchor: Anchor;
  controller: AbortController;
  state: 'running' | 'answered' | 'recorded';
  written?: Written;
  /** Once answered: the row to record and the texts it is hashed from. */
  row?: RequestRow;
  answer?: RequestText;
}

/** An observer of the completion path (observers.ts): each of its steps is one method here. */
export class ShadowCompletions implements CompletionObserver {
  /** Insertion-ordered: the oldest waiting shadow is evicted first. */
  private readonly byDocument = new Map<string, Shadow>();
  private running = 0;

  constructor(private readonly options: ShadowCompletionsOptions) {}

  /** `shown` was returned to the client: maybe starts its shadow (not for a cached answer). */
  shown(shown: ShownCompletion): void {
    if (shown.source !== 'generation') return;
    const config = this.options.config();
    if (!isSampled(shown.requestId, config.routing.shadowRate) || this.running >= MAX_IN_FLIGHT) return;
    const target = this.options.routing.shadowTarget(shown.route, shown.backend);
    if (!target) return;
    this.end(shown.uri);
    const shadow: Shadow = { shown, anchor: anchorAt(shown.context), controller: new AbortController(), state: 'running' };
    this.byDocument.set(shown.uri, shadow);
    for (const [, oldest] of this.byDocument) {
      if (this.byDocument.size <= MAX_WAITING) break;
      if (oldest.state === 'answered') this.settle(oldest);
    }
    void this.run(shadow, target, config);
  }

  /** A newer request for the document started: a shadow still running there is of no use. */
  requestStarted(uri: string): void {
    const shadow = this.byDocument.get(uri);
    if (shadow?.state !== 'running') return;
    this.byDocument.delete(uri);
    shadow.controller.abort(new SupersededError(uri));
  }

  /** A later request's context shows what the user typed where the completion was shown. */
  contextBuilt(uri: string, context: Pick<CompletionContext, 'prefix' | 'offset'>): void {
    const shadow = this.byDocument.get(uri);
    if (shadow?.state !== 'answered') return;
    const typed = writtenSince(shadow.anchor, context);
    // The cursor left the place: the verdict is what was written there by then.
    if (typed === undefined) return this.settle(shadow);
    const reference = typedReference(typed, shadow.shown.text);
    const accepted = shadow.written?.source === 'accepted' ? shadow.written : undefined;
    if (!accepted || reference.text.length > accepted.text.length) shadow.written = reference;
    if (shadow.written?.complete) this.settle(shadow);
  }

  accepted(requestId: string, acceptedLength: number): void {
    const shadow = [...this.byDocument.values()].find((entry) => entry.shown.requestId === requestId);
    if (!shadow) return;
    const reference = acceptedReference(shadow.shown.text, acceptedLength);
    if (!shadow.written || reference.text.length >= shadow.written.text.length) shadow.written = reference;
    if (shadow.written.complete && shadow.state === 'answered') this.settle(shadow);
  }

  documentClosed(uri: string): void {
    this.end(uri);
  }

  /** Aborts running shadows (recorded as cancelled) and records the waiting ones as they are. */
  dispose(): void {
    for (const uri of [...this.byDocument.keys()]) this.end(uri);
  }

  get inFlight(): number {
    return this.running;
  }

  private end(uri: string): void {
    const shadow = this.byDocument.get(uri);
    if (!shadow) return;
    this.byDocument.delete(uri);
    if (shadow.state === 'running') shadow.controller.abort(new Error(`The shadow request for ${uri} was stopped.`));
    else this.settle(shadow);
  }

  private async run(shadow: Shadow, target: Backend, config: TandemConfig): Promise<void> {
    const { shown } = shadow;
    this.running++;
    const limit = requestSignal([shadow.controller.signal], config.completion.timeoutMs, 'Shadow completion');
    const row: RequestRow = {
      ...emptyRow(this.options.newId(), 'completion', shown.context.languageId, config.routing.policy),
      decision: `shadow of ${shown.requestId}`,
      shadowOf: shown.requestId,
      backend: target.id,
      model: modelName(target, 'completion'),
    };
    let request: GenerateRequest | undefined;
    try {
      const routed = await this.options.routing.generateOn(
        target,
        shown.route,
        (backend) => (request = shown.build(backend)),
        limit.signal,
      );
      const text = postProcess(truncateAtStop(routed.text, request?.stop ?? []), shown.filter);
      shadow.row = {
        ...row,
        ...generationFields(routed, 'completion'),
        decision: row.decision,
        outcome: text === '' ? 'empty' : 'answered',
      };
      shadow.answer = { prompt: request?.prompt ?? '', completion: text };
      shadow.state = 'answered';
      if (this.byDocument.get(shown.uri) !== shadow || shadow.written?.complete) this.settle(shadow);
    } catch (error) {
      if (this.byDocument.get(shown.uri) === shadow) this.byDocument.delete(shown.uri);
      shadow.state = 'recorded';
      this.record({ ...row, ...failureFields(error, { timedOut: limit.timedOut(), aborted: limit.signal.aborted }) });
    } finally {
      limit.dispose();
      this.running--;
    }
  }

  /** Records an answered shadow with its comparison (none when the user wrote nothing yet). */
  private settle(shadow: Shadow): void {
    if (this.byDocument.get(shadow.shown.uri) === shadow) this.byDocument.delete(shadow.shown.uri);
    if (shadow.state !== 'answered' || !shadow.row || !shadow.answer) return;
    shadow.state = 'recorded';
    const comparison = shadow.written ? compareAnswers(shadow.shown.text, shadow.answer.completion, shadow.written) : {};
    this.record({ ...shadow.row, ...comparison }, shadow.answer);
  }

  /** A metrics failure must not break the completion path; it is logged instead. */
  private record(row: RequestRow, text?: RequestText): void {
    try {
      this.options.metrics.record(row, text);
    } catch (error) {
      this.options.log.warn(`Recording a shadow completion failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Whether a request is in the sampled fraction `rate`, decided by a hash of its id. */
export function isSampled(requestId: string, rate: number): boolean {
  if (!(rate > 0)) return false;
  if (rate >= 1) return true;
  return fnv1a32(requestId) / 2 ** 32 < rate;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
