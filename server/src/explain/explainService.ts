/**
 * "Explain this code": the selection → chat messages (for offload chat models) and the raw
 * code (the local encoder-decoder reads only that) → the answer pipeline (pipeline/: cache,
 * router streaming deltas to the client as they arrive, cache, one metrics row) → the result.
 *
 * A cache hit is streamed as one delta, so the client has one path; an empty cached answer is a
 * miss. The answer is trimmed before it is cached, shown and recorded.
 */
import { randomUUID } from 'node:crypto';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { BackendError, CancelledError, type Backend, type GenerateRequest } from '../backends/backend';
import type { AnswerCache } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRecorder, RequestText } from '../metrics/types';
import { AnswerPipeline, describeError, type AnswerTask, type CachedAnswerFound, type GeneratedAnswer } from '../pipeline/answerPipeline';
import { modelName } from '../pipeline/cacheKeyParts';
import type { FirstChoice } from '../pipeline/firstChoice';
import { emptyRow } from '../pipeline/rows';
import { requestSignal } from '../pipeline/signals';
import type { ExplainFeedbackParams, ExplainResult, ExplainStreamParams, Range, RequestRow } from '../protocol';
import type { GenerationRouter } from '../routing/types';
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

/** What one request's steps share. */
interface Job {
  request: ExplainRequest;
  selected: SelectedCode;
  row: RequestRow;
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
  private readonly pipeline: AnswerPipeline;

  constructor(private readonly options: ExplainServiceOptions) {
    this.prompts = new ExplainPrompts(options.promptsDir);
    this.newId = options.newId ?? randomUUID;
    const { router, firstChoice, cache, metrics, log } = options;
    this.pipeline = new AnswerPipeline({ router, firstChoice, cache, metrics, log, task: 'explain' });
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
    // Chat backends read `messages`; the local encoder-decoder reads `prompt`, the raw code.
    // Rendered up front: a missing template is a packaging fault, not a backend failure.
    const generation: GenerateRequest = {
      task: 'explain',
      prompt: selected.code,
      messages: this.prompts.messages({ language, ...selected }),
      maxTokens: config.explain.maxTokens,
      temperature: EXPLAIN_TEMPERATURE,
      stop: [],
    };
    const job: Job = { request, selected, row: emptyRow(id, 'explain', language, config.routing.policy) };
    // The one explain timer: the LSP layer passes cancellation only (a second timer there used to
    // win the race and turn every timeout into "Explain was cancelled.").
    const limit = requestSignal([request.signal], config.explain.timeoutMs, 'Explaining');
    const task: AnswerTask<ExplainResult> = {
      route: {
        task: 'explain',
        multiline: true,
        language,
        requestId: id,
        promptChars: selected.code.length,
        ...(privacy.localOnly ? { localOnly: true } : {}),
      },
      row: job.row,
      started: performance.now(),
      limit,
      prompt: () => generation,
      budgetMs: () => config.explain.timeoutMs,
      onText: (delta, _backend, reset) => request.onDelta({ streamId: request.streamId, delta, ...(reset ? { reset: true } : {}) }),
      fromCache: (found) => this.fromCache(job, found),
      cacheEntry: ({ routed }) => {
        const text = routed.text.trim();
        return text === '' ? undefined : { text, model: modelName(routed.backend, 'explain') };
      },
      fromGeneration: (generated) => this.answer(job, generated),
      failed: (error, failure) => {
        throw this.failure(error, failure.outcome === 'cancelled' ? 'cancelled' : limit.timedOut() ? 'timeout' : 'failed', config);
      },
    };
    try {
      return await this.pipeline.answer(task);
    } finally {
      limit.dispose();
    }
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
      this.options.log.warn(`Recording explain feedback failed: ${describeError(error)}`);
    }
    return true;
  }

  /** A cached explanation, streamed as one delta; an empty one is a miss. */
  private fromCache(job: Job, { backend, hit, fields }: CachedAnswerFound): ExplainResult | undefined {
    const text = hit.value.text.trim();
    if (!text) return undefined;
    job.request.onDelta({ streamId: job.request.streamId, delta: text });
    this.recordAnswer(job, text, { ...job.row, ...fields, outcome: 'answered' });
    const elapsed = fields.e2eMs ?? 0;
    const result = { requestId: job.row.id, text, backend: backend.id, model: hit.value.model, ttftMs: elapsed, e2eMs: elapsed };
    return { ...result, cacheTier: hit.tier, ...note(backend, job.selected) };
  }

  private answer(job: Job, { routed, fields }: GeneratedAnswer): ExplainResult {
    const text = routed.text.trim();
    if (text === '') {
      this.pipeline.record({ ...job.row, ...fields, outcome: 'empty' });
      throw new ExplainFailedError(`The ${modelName(routed.backend, 'explain')} model returned no explanation; try a different selection.`);
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
      return new ExplainFailedError(`Explain took longer than ${formatSeconds(config.explain.timeoutMs)} s (tandem.explain.timeoutMs).`, {
        cause: error,
      });
    }
    if (!(error instanceof BackendError)) this.options.log.error(`Explain failed unexpectedly: ${describeError(error)}`);
    const reason = error instanceof Error ? error.message : String(error);
    return new ExplainFailedError(`No backend could explain this code: ${reason}`, { cause: error });
  }

  /** An answered row, with its grounding score (grounding.ts), and its id open for feedback. */
  private recordAnswer(job: Job, text: string, row: RequestRow, requestText?: RequestText): void {
    const grounding = groundingScore(text, job.selected.code).score;
    this.pipeline.record(grounding === undefined ? row : { ...row, grounding }, requestText);
    this.answered.add(row.id);
  }
}

function note(backend: Backend, selected: SelectedCode): { note?: string } {
  const parts: string[] = [];
  if (backend.id === 'local') parts.push(LOCAL_NOTE);
  if (selected.truncated) parts.push('The selection was longer than tandem.explain.maxInputChars; only its beginning was explained.');
  return parts.length > 0 ? { note: parts.join(' ') } : {};
}

/** 60000 → "60", 1500 → "1.5": the setting is in ms, people read seconds. */
function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
