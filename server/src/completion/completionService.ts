/**
 * One inline completion request, end to end: privacy → context → typing-along → cache → (debounce) →
 * router → filters → cache and typing-along memory → one metrics row → items.
 *
 * Cache design: answers are cached per backend under the key of the request that backend was
 * sent (its FIM template shapes the prompt). A lookup uses the backend the router would try
 * first (`firstChoice`), so a cached answer is exactly what routing would have produced;
 * answers are stored under the backend that actually answered (after a fallback, the other
 * one). Raw model text is cached and filtered on every read, so filter improvements apply to
 * old entries too.
 *
 * Metrics: a request gets a row once it passes context building. Requests superseded while
 * still debouncing never reached a backend and get none; they would otherwise drown the real
 * cancellations (one per keystroke). Typing along a returned suggestion gets none either: it is
 * the same suggestion, answered under its id, and its row counts the typed characters
 * (outcomes.ts). Accepted suggestions are followed for survival and syntax validity (quality/).
 */
import { randomUUID } from 'node:crypto';
import type { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { BackendError, type Backend, type GenerateRequest } from '../backends/backend';
import { cacheKey } from '../cache/cacheKey';
import type { AnswerCache } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRecorder, RequestText } from '../metrics/types';
import type { BackendId, Outcome, Position, RequestRow } from '../protocol';
import type { GenerationRouter, RouteContext, RoutedGeneration, ShadowRouting } from '../routing/types';
import type { FirstChoice, TypingAlongStore } from './collaborators';
import { buildCompletionContext, CompletionContextError, type CompletionContext } from './context';
import { abortableDelay, KeystrokeDebouncer } from './debounce';
import type { FilterContext } from './filters';
import { postProcess } from './filters';
import { InflightRequests } from './inflight';
import { inlineItem, type InlineItem } from './items';
import { decideMultiline } from './multiline';
import { CompletionOutcomes } from './outcomes';
import { CandidateItems, sampleCandidates } from './candidates';
import type { CrossFileBlocks, CrossFileContext } from './crossFile/crossFileContext';
import { promptTrace } from './crossFile/trace';
import { documentVerdict } from './privacy';
import { buildCompletionRequest, cacheKeyParts } from './request';
import { failedAttemptRows, routingFailedRows } from './attemptRows';
import { emptyRow, failureFields, generationFields } from './rows';
import { CompletionQuality } from './quality/completionQuality';
import type { SurvivalClock } from './quality/survival';
import { ShadowCompletions } from './shadow';
import { requestSignal } from './signals';
import { truncateAtStop } from './stops';
import { loadGrammars } from './syntax/grammars';

export interface CompletionServiceOptions {
  router: GenerationRouter;
  firstChoice: FirstChoice;
  cache: AnswerCache;
  typingAlong: TypingAlongStore;
  metrics: MetricsRecorder;
  config: () => TandemConfig;
  log: Logger;
  /** Request ids; tests make them predictable. */
  newId?: () => string;
  /** Shadow mode (`routing.shadowRate`) runs only when given: the router implements it. */
  shadowRouting?: ShadowRouting;
  /** Snippets from other open files in prompts (crossFile/); none when absent. */
  crossFile?: CrossFileContext;
  /** Survival and syntax validity of accepts (quality/) need the server's documents; off when absent. */
  quality?: { document: (uri: string) => TextDocument | undefined; clock?: SurvivalClock };
}

export interface ProvideParams {
  document: TextDocument;
  position: Position;
  /** LSP cancellation of this request. */
  signal: AbortSignal;
  /** The user asked for a completion (LSP triggerKind Invoked): no debounce. */
  invoked?: boolean;
}

export interface ProvideResult {
  /** The row the result belongs to; for a typing-along hit, the id of the suggestion typed along. */
  requestId: string;
  items: InlineItem[];
  outcome: Outcome;
}

/** Everything one request carries through the pipeline. */
interface Job {
  id: string;
  uri: string;
  context: CompletionContext;
  filter: FilterContext;
  route: RouteContext;
  signal: AbortSignal;
  started: number;
  row: RequestRow;
  invoked: boolean;
}

export class CompletionService {
  private readonly inflight = new InflightRequests();
  private readonly debouncer = new KeystrokeDebouncer();
  private readonly outcomes: CompletionOutcomes;
  private readonly candidates: CandidateItems;
  private readonly newId: () => string;
  private readonly shadows: ShadowCompletions | undefined;
  private readonly quality: CompletionQuality | undefined;

  constructor(private readonly options: CompletionServiceOptions) {
    this.quality = options.quality && new CompletionQuality({ ...options.quality, metrics: options.metrics, log: options.log });
    this.outcomes = new CompletionOutcomes(options.metrics, (accepted) => void this.quality?.accepted(accepted));
    this.candidates = new CandidateItems(this.outcomes, options.typingAlong, options.log);
    this.newId = options.newId ?? randomUUID;
    const { shadowRouting: routing, metrics, config, log } = options;
    this.shadows = routing && new ShadowCompletions({ routing, metrics, config, log, newId: this.newId });
    // Grammars load in the background; until then the cursor heuristics stand in.
    void loadGrammars();
  }

  async provide(params: ProvideParams): Promise<ProvideResult> {
    const id = this.newId();
    const config = this.options.config();
    if (!config.completion.enabled) return { requestId: id, items: [], outcome: 'empty' };
    if (params.signal.aborted) return { requestId: id, items: [], outcome: 'cancelled' };
    const started = performance.now();
    const uri = params.document.uri;
    // Excluded files and disabled languages: no row, no context built, nothing sent anywhere.
    const privacy = documentVerdict(uri, params.document.languageId, config.completion);
    if (!privacy.complete) return { requestId: id, items: [], outcome: 'empty' };
    this.debouncer.noteRequest(uri, started);
    const row = emptyRow(id, 'completion', params.document.languageId, config.routing.policy);
    const controller = this.inflight.begin(uri);
    this.shadows?.requestStarted(uri);
    const limit = requestSignal([params.signal, controller.signal], config.completion.timeoutMs, 'Completion');
    try {
      let context: CompletionContext;
      try {
        context = buildCompletionContext(params.document, params.position, config.completion);
        context.crossFile = this.crossFileBlocks(params.document, context.prefix, config);
      } catch (error) {
        if (!(error instanceof CompletionContextError)) throw error;
        return this.finish(row, { decision: 'invalid input', outcome: 'error', errorClass: error.name });
      }
      this.shadows?.observe(uri, context);
      const multiline = decideMultiline(context, config.completion.multiline);
      const job: Job = {
        id,
        uri,
        context,
        filter: { ...context, multiline },
        route: {
          task: 'completion',
          multiline,
          language: context.languageId,
          requestId: id,
          promptChars: context.prefix.length + context.suffix.length,
          ...(privacy.localOnly ? { localOnly: true } : {}),
        },
        signal: limit.signal,
        started,
        row,
        invoked: params.invoked === true,
      };
      // An explicit trigger asks for suggestions, not for the rest of the one being typed along.
      const typingAlong = job.invoked ? undefined : this.fromTypingAlong(job);
      const first = typingAlong ?? this.fromCache(job, config) ?? (await this.generate(job, config, limit));
      return job.invoked ? await this.withCandidates(job, first, config) : first;
    } finally {
      limit.dispose();
      this.inflight.end(uri, controller);
    }
  }

  didShow(requestId: string): void {
    this.outcomes.didShow(requestId);
    this.candidates.shown(requestId);
  }

  didAccept(requestId: string, acceptedLength: number): void {
    this.outcomes.didAccept(requestId, acceptedLength);
    this.shadows?.accepted(requestId, acceptedLength);
  }

  didReject(requestId: string): void {
    this.outcomes.didReject(requestId);
  }

  /** Before the server applies a change to `document` (survival follows accepted text through it). */
  documentWillChange(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): void {
    this.quality?.documentWillChange(document, changes);
  }

  /** The document closed: its pending completion is of no use any more. */
  documentClosed(uri: string): void {
    this.quality?.documentClosed(uri);
    this.inflight.abort(uri);
    this.debouncer.forget(uri);
    this.shadows?.documentClosed(uri);
    this.options.crossFile?.forget(uri);
  }

  dispose(): void {
    this.inflight.abortAll(new Error('The completion service is shutting down.'));
    this.shadows?.dispose();
    this.quality?.dispose();
  }

  /**
   * The user is typing a returned suggestion: its rest, under the suggestion's own item id and
   * with no new row (one suggestion, not one per character); the typed characters go on its row.
   * Typed out (or only whitespace left): nothing to serve, the next suggestion is asked for.
   */
  private fromTypingAlong(job: Job): ProvideResult | undefined {
    const { prefix, suffix, offset } = job.context;
    const hit = this.options.typingAlong.lookup(job.uri, { prefix, suffix, offset });
    if (!hit?.requestId || !hit.backend) return undefined;
    this.outcomes.didTypeAlong(hit.requestId, hit.typedLength);
    if (hit.text.trim() === '') return undefined;
    this.options.cache.countTypingHit();
    const item = inlineItem(hit.text, job.context.position, hit.requestId, hit.backend, hit.typedLength);
    return { requestId: hit.requestId, items: [item], outcome: 'shown' };
  }

  private fromCache(job: Job, config: TandemConfig): ProvideResult | undefined {
    const backend = this.options.firstChoice(job.route);
    if (!backend) return undefined;
    const request = buildCompletionRequest(backend, job.context, job.route.multiline, config.completion);
    const hit = this.options.cache.get(cacheKey(cacheKeyParts(backend, request)));
    if (!hit) return undefined;
    const text = postProcess(truncateAtStop(hit.value.text, request.stop), job.filter);
    // Cache hits cost no tokens: token fields stay null so cost and throughput are not inflated.
    const fields = {
      promptTrace: promptTrace(backend.id, job.context.crossFile?.[backend.id], request),
      decision: `cache ${hit.tier} (${backend.id} answer)`,
      backend: backend.id,
      model: hit.value.model,
      cacheTier: hit.tier,
      ...this.elapsed(job),
    };
    if (text === '') return this.finish(job.row, { ...fields, outcome: 'empty' });
    this.remember(job, text, backend);
    return this.show(job, text, backend.id, fields);
  }

  private async generate(
    job: Job,
    config: TandemConfig,
    limit: { timedOut(): boolean },
  ): Promise<ProvideResult> {
    const { router } = this.options;
    const requests = new Map<BackendId, GenerateRequest>();
    try {
      const delay = job.invoked ? 0 : this.debouncer.delayMs(config.completion.debounceMs, router.recentLatencyMs('completion'));
      await abortableDelay(delay, job.signal);
    } catch {
      return { requestId: job.id, items: [], outcome: 'cancelled' };
    }
    let routed;
    try {
      routed = await router.generate(
        // The deadline left after context and debounce: offload's first-token budget is cut from it.
        { ...job.route, budgetMs: config.completion.timeoutMs - (performance.now() - job.started) },
        (backend) => {
          const request = buildCompletionRequest(backend, job.context, job.route.multiline, config.completion);
          requests.set(backend.id, request);
          return request;
        },
        job.signal,
      );
    } catch (error) {
      if (!(error instanceof BackendError)) this.options.log.error(`Completion failed unexpectedly: ${describe(error)}`);
      const failure = failureFields(error, { timedOut: limit.timedOut(), aborted: job.signal.aborted });
      const { fields, attemptRows } = routingFailedRows(job.row, error);
      for (const row of attemptRows) this.record(row);
      return this.finish(job.row, { ...fields, ...failure });
    }
    for (const row of failedAttemptRows(job.row, routed.failedAttempts ?? [], routed.decision)) this.record(row);
    const request = requests.get(routed.backend.id) ?? buildCompletionRequest(routed.backend, job.context, job.route.multiline, config.completion);
    this.store(routed.backend, request, routed);
    const text = postProcess(truncateAtStop(routed.text, request.stop), job.filter);
    const fields = { ...generationFields(routed, 'completion'), promptTrace: promptTrace(routed.backend.id, job.context.crossFile?.[routed.backend.id], request) };
    if (text === '') return this.finish(job.row, { ...fields, outcome: 'empty' });
    this.remember(job, text, routed.backend);
    const result = this.show(job, text, routed.backend.id, fields, request.prompt);
    this.shadows?.start({
      requestId: job.id,
      uri: job.uri,
      context: job.context,
      filter: job.filter,
      route: job.route,
      backend: routed.backend.id,
      text,
      build: (backend) => buildCompletionRequest(backend, job.context, job.route.multiline, config.completion),
    });
    return result;
  }

  /**
   * An explicit trigger: more suggestions sampled from the first-choice backend (candidates.ts),
   * on the row of the first one. None after a fallback or a typing-along hit from the other
   * backend: the first choice did not give the answer shown.
   */
  private async withCandidates(job: Job, first: ProvideResult, config: TandemConfig): Promise<ProvideResult> {
    const shown = first.items[0];
    const backend = this.options.firstChoice(job.route);
    if (!shown || !backend || backend.id !== shown.command.arguments[0].backend || !backend.isAvailable('completion')) return first;
    const request = buildCompletionRequest(backend, job.context, job.route.multiline, config.completion);
    const started = performance.now();
    const filter = (raw: string) => postProcess(truncateAtStop(raw, request.stop), job.filter);
    const sampled = await sampleCandidates(shown.insertText, { backend, request, filter, signal: job.signal });
    const { prefix, suffix, offset } = job.context;
    const target = { requestId: job.id, uri: job.uri, position: job.context.position, typing: { prefix, suffix, offset } };
    this.candidates.report(target, backend, sampled, performance.now() - started);
    return { ...first, items: [...first.items, ...this.candidates.items(target, backend, sampled.texts)] };
  }

  /** Snippets from other open files; a failure there costs the snippets, never the completion. */
  private crossFileBlocks(document: TextDocument, prefix: string, config: TandemConfig): CrossFileBlocks | undefined {
    try {
      // Without an offload endpoint its budget would only cost ranking time.
      const settings = config.offload.url ? config.completion : { ...config.completion, crossFileTokensOffload: 0 };
      return this.options.crossFile?.blocks(document, prefix, settings);
    } catch (error) {
      this.options.log.warn(`Context from other files failed: ${describe(error)}`);
      return undefined;
    }
  }

  /** Raw answers of finished generations only: a cut-off stream must never be replayed. */
  private store(backend: Backend, request: GenerateRequest, routed: RoutedGeneration): void {
    if (routed.finishReason === 'cancelled') return;
    this.options.cache.set(cacheKey(cacheKeyParts(backend, request)), {
      text: routed.text,
      backend: backend.id,
      model: backend.model,
      createdAt: Date.now(),
      promptTokens: routed.usage.promptTokens,
      completionTokens: routed.usage.completionTokens,
    });
  }

  private remember(job: Job, text: string, backend: Backend): void {
    const { prefix, suffix, offset } = job.context;
    this.options.typingAlong.remember(job.uri, { prefix, suffix, offset, completion: text, backend: backend.id, model: backend.model, requestId: job.id });
  }

  private show(job: Job, text: string, backend: BackendId, fields: Partial<RequestRow>, prompt?: string): ProvideResult {
    this.record({ ...job.row, ...fields, outcome: 'shown', shownChars: text.length }, prompt === undefined ? undefined : { prompt, completion: text });
    this.outcomes.track(job.id, { text, uri: job.uri, languageId: job.context.languageId, offset: job.context.offset });
    return { requestId: job.id, items: [inlineItem(text, job.context.position, job.id, backend)], outcome: 'shown' };
  }

  private finish(row: RequestRow, fields: Partial<RequestRow> & { outcome: Outcome }): ProvideResult {
    this.record({ ...row, ...fields });
    return { requestId: row.id, items: [], outcome: fields.outcome };
  }

  /** A metrics failure must not cost the user their completion; it is logged instead. */
  private record(row: RequestRow, text?: RequestText): void {
    try {
      this.options.metrics.record(row, text);
    } catch (error) {
      this.options.log.warn(`Recording completion metrics failed: ${describe(error)}`);
    }
  }

  private elapsed(job: Job): { ttftMs: number; e2eMs: number } {
    const ms = performance.now() - job.started;
    return { ttftMs: ms, e2eMs: ms };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
