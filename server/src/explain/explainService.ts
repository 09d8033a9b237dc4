/**
 * "Explain this code": the selection → chat messages (for offload chat models) and the raw
 * code (the local encoder-decoder reads only that) → cache → router, streaming deltas to the
 * client as they arrive → cache → one metrics row → the result.
 *
 * Cache lookups use the backend the router would try first, as for completions (see
 * completionService.ts). A cache hit is streamed as one delta, so the client has one path.
 */
import { randomUUID } from 'node:crypto';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { BackendError, CancelledError, type Backend, type GenerateRequest } from '../backends/backend';
import { cacheKey } from '../cache/cacheKey';
import type { AnswerCache } from '../cache/types';
import type { FirstChoice } from '../completion/collaborators';
import { cacheKeyParts, modelName } from '../completion/request';
import { failedAttemptRows, routingFailedRows } from '../completion/attemptRows';
import { emptyRow, failureFields, generationFields } from '../completion/rows';
import { requestSignal } from '../completion/signals';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRecorder, RequestText } from '../metrics/types';
import type { ExplainFeedbackParams, ExplainResult, ExplainStreamParams, Range, RequestRow } from '../protocol';
import type { GenerationRouter, RouteContext, RoutedGeneration } from '../routing/types';
import { explainPrivacy } from './explainPrivacy';
import { AnsweredExplanations } from './feedback';
import { groundingScore } from './grounding';
import { ExplainPrompts } from './prompts';
import { selectCode, type SelectedCode } from './selection';

export { ExplainInputError } from './selection';

/** No backend produced an explanation; the message is one sentence for the user. */
export class ExplainFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExplainFailedError';
  }
}

export interface ExplainServiceOptions {
  router: GenerationRouter;
  firstChoice: FirstChoice;
  cache: AnswerCache;
  metrics: MetricsRecorder;
  config: () => TandemConfig;
  log: Logger;
  /** Where system.md and user.md live; default: `prompts/` next to the running script. */
  promptsDir?: string;
  newId?: () => string;
}

export interface ExplainRequest {
  document: TextDocument;
  range: Range;
  streamId: string;
  /** LSP cancellation of this request. */
  signal: AbortSignal;
  /** Receives streamed text; `reset` means discard what came before (a fallback restarted). */
  onDelta: (params: ExplainStreamParams) => void;
}

/** Everything one request carries through the pipeline. */
interface Job {
  request: ExplainRequest;
  selected: SelectedCode;
  route: RouteContext;
  generation: GenerateRequest;
  row: RequestRow;
  started: number;
}

/** Temperature 0: explanations should be reproducible, and so cacheable. */
const EXPLAIN_TEMPERATURE = 0;

const LOCAL_NOTE =
  'Answered by the bundled local model, which writes one-line summaries; for a detailed explanation, ' +
  'set tandem.offload.url to an OpenAI-compatible endpoint.';

export class ExplainService {
  private readonly prompts: ExplainPrompts;
  private readonly newId: () => string;
  private readonly answered = new AnsweredExplanations();

  constructor(private readonly options: ExplainServiceOptions) {
    this.prompts = new ExplainPrompts(options.promptsDir);
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * Throws ExplainInputError (bad selection, or a file excluded by tandem.completion.exclude:
   * refused before anything is read or recorded), ExplainFailedError (no explanation could be
   * produced), PromptTemplateError (a prompt file is missing) or CancelledError.
   */
  async explain(request: ExplainRequest): Promise<ExplainResult> {
    const config = this.options.config();
    const language = request.document.languageId;
    const privacy = explainPrivacy(request.document.uri, language, config.completion);
    const selected = selectCode(request.document, request.range, config.explain.maxInputChars);
    const id = this.newId();
    const job: Job = {
      request,
      selected,
      route: {
        task: 'explain',
        multiline: true,
        language,
        requestId: id,
        promptChars: selected.code.length,
        ...(privacy.localOnly ? { localOnly: true } : {}),
      },
      // Chat backends read `messages`; the local encoder-decoder reads `prompt`, the raw code.
      // Rendered up front: a missing template is a packaging fault, not a backend failure.
      generation: {
        task: 'explain',
        prompt: selected.code,
        messages: this.prompts.messages({ language, ...selected }),
        maxTokens: config.explain.maxTokens,
        temperature: EXPLAIN_TEMPERATURE,
        stop: [],
      },
      row: emptyRow(id, 'explain', language, config.routing.policy),
      started: performance.now(),
    };
    return this.fromCache(job) ?? this.answer(job, await this.generate(job, config));
  }

  /**
   * A thumbs up / down from the explain view; the last rating of an answer wins. Returns false
   * (and changes nothing) for an id this service did not answer (see feedback.ts).
   */
  feedback(params: ExplainFeedbackParams): boolean {
    if (!this.answered.has(params.requestId)) return false;
    try {
      this.options.metrics.update(params.requestId, { feedback: params.rating });
    } catch (error) {
      this.options.log.warn(`Recording explain feedback failed: ${describe(error)}`);
    }
    return true;
  }

  private fromCache(job: Job): ExplainResult | undefined {
    const backend = this.options.firstChoice(job.route);
    if (!backend) return undefined;
    const hit = this.options.cache.get(cacheKey(cacheKeyParts(backend, job.generation)));
    const text = hit?.value.text.trim();
    if (!hit || !text) return undefined;
    job.request.onDelta({ streamId: job.request.streamId, delta: text });
    const elapsed = performance.now() - job.started;
    // Cache hits cost no tokens: token fields stay null so cost and throughput are not inflated.
    this.recordAnswer(job, text, {
      ...job.row,
      decision: `cache ${hit.tier} (${backend.id} answer)`,
      backend: backend.id,
      model: hit.value.model,
      cacheTier: hit.tier,
      ttftMs: elapsed,
      e2eMs: elapsed,
      outcome: 'answered',
    });
    const result = { requestId: job.row.id, text, backend: backend.id, model: hit.value.model, ttftMs: elapsed, e2eMs: elapsed };
    return { ...result, cacheTier: hit.tier, ...note(backend, job.selected) };
  }

  private async generate(job: Job, config: TandemConfig): Promise<RoutedGeneration> {
    const { request } = job;
    // The one explain timer: the LSP layer passes cancellation only (a second timer there used to
    // win the race and turn every timeout into "Explain was cancelled.").
    const limit = requestSignal([request.signal], config.explain.timeoutMs, 'Explaining');
    const route = { ...job.route, budgetMs: config.explain.timeoutMs };
    try {
      return await this.options.router.generate(route, () => job.generation, limit.signal, (delta, _backend, reset) =>
        request.onDelta({ streamId: request.streamId, delta, ...(reset ? { reset: true } : {}) }),
      );
    } catch (error) {
      const failure = failureFields(error, { timedOut: limit.timedOut(), aborted: limit.signal.aborted });
      const { fields, attemptRows } = routingFailedRows(job.row, error);
      for (const row of attemptRows) this.record(row);
      this.record({ ...job.row, ...fields, ...failure });
      throw this.failure(error, failure.outcome === 'cancelled' ? 'cancelled' : limit.timedOut() ? 'timeout' : 'failed', config);
    } finally {
      limit.dispose();
    }
  }

  private answer(job: Job, routed: RoutedGeneration): ExplainResult {
    const text = routed.text.trim();
    const fields = generationFields(routed, 'explain');
    for (const row of failedAttemptRows(job.row, routed.failedAttempts ?? [], routed.decision)) this.record(row);
    if (text === '') {
      this.record({ ...job.row, ...fields, outcome: 'empty' });
      throw new ExplainFailedError(`The ${modelName(routed.backend, 'explain')} model returned no explanation; try a different selection.`);
    }
    if (routed.finishReason !== 'cancelled') {
      this.options.cache.set(cacheKey(cacheKeyParts(routed.backend, job.generation)), {
        text,
        backend: routed.backend.id,
        model: modelName(routed.backend, 'explain'),
        createdAt: Date.now(),
        promptTokens: routed.usage.promptTokens,
        completionTokens: routed.usage.completionTokens,
      });
    }
    this.recordAnswer(job, text, { ...job.row, ...fields, outcome: 'answered' }, { prompt: job.selected.code, completion: text });
    return {
      requestId: job.row.id,
      text,
      backend: routed.backend.id,
      model: modelName(routed.backend, 'explain'),
      ttftMs: routed.ttftMs,
      e2eMs: routed.e2eMs,
      cacheTier: 'none',
      ...(routed.fallbackReason ? { fallbackReason: routed.fallbackReason } : {}),
      ...note(routed.backend, job.selected),
    };
  }

  private failure(error: unknown, kind: 'cancelled' | 'timeout' | 'failed', config: TandemConfig): Error {
    if (kind === 'cancelled') return error instanceof BackendError ? error : new CancelledError(undefined, { cause: error });
    // Only the service's own deadline; a backend's timeout (offload silent) is that backend's failure.
    if (kind === 'timeout') {
      return new ExplainFailedError(
        `Explain took longer than ${formatSeconds(config.explain.timeoutMs)} s (tandem.explain.timeoutMs).`,
        { cause: error },
      );
    }
    if (!(error instanceof BackendError)) this.options.log.error(`Explain failed unexpectedly: ${describe(error)}`);
    const reason = error instanceof Error ? error.message : String(error);
    return new ExplainFailedError(`No backend could explain this code: ${reason}`, { cause: error });
  }

  /** An answered row, with its grounding score (grounding.ts), and its id open for feedback. */
  private recordAnswer(job: Job, text: string, row: RequestRow, requestText?: RequestText): void {
    const grounding = groundingScore(text, job.selected.code).score;
    this.record(grounding === undefined ? row : { ...row, grounding }, requestText);
    this.answered.add(row.id);
  }

  /** A metrics failure must not cost the user their answer; it is logged instead. */
  private record(row: RequestRow, text?: RequestText): void {
    try {
      this.options.metrics.record(row, text);
    } catch (error) {
      this.options.log.warn(`Recording explain metrics failed: ${describe(error)}`);
    }
  }
}

function note(backend: Backend, selected: SelectedCode): { note?: string } {
  const parts: string[] = [];
  if (backend.id === 'local') parts.push(LOCAL_NOTE);
  if (selected.truncated) parts.push('The selection was longer than tandem.explain.maxInputChars; only its beginning was explained.');
  return parts.length > 0 ? { note: parts.join(' ') } : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** 60000 → "60", 1500 → "1.5": the setting is in ms, people read seconds. */
function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
