/**
 * One inline completion request, end to end: privacy → context → typing-along → the answer
 * pipeline (pipeline/answerPipeline.ts: cache → debounce → router → cache → rows) → filters →
 * one metrics row → observers (typing-along memory, outcome tracking, shadow mode) → items;
 * an explicit trigger adds sampled candidates.
 *
 * What the pipeline gets from completion: the FIM prompt per backend (request.ts), the filters
 * (filters/) and the result shape. Raw model text is cached and filtered on every read, so
 * filter improvements apply to old entries too.
 *
 * Metrics: a request gets a row once it passes context building. Requests superseded while
 * still debouncing never reached a backend and get none; they would otherwise drown the real
 * cancellations (one per keystroke). Typing along a returned suggestion gets none either: it is
 * the same suggestion, answered under its id, and its row counts the typed characters
 * (outcomes.ts). Accepted suggestions are followed for survival and syntax validity (quality/).
 */
import { randomUUID } from 'node:crypto';
import type { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { BackendError, type Backend } from '../backends/backend';
import type { AnswerCache } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRecorder } from '../metrics/types';
import { AnswerPipeline, describeError, type AnswerTask } from '../pipeline/answerPipeline';
import type { FirstChoice } from '../pipeline/firstChoice';
import { RequestInputError } from '../pipeline/documentPosition';
import { emptyRow } from '../pipeline/rows';
import { requestSignal, type RequestSignal } from '../pipeline/signals';
import type { Outcome, Position, RequestRow } from '../protocol';
import type { GenerationRouter, RouteContext, ShadowRouting } from '../routing/types';
import type { TypingAlongStore } from './collaborators';
import { buildCompletionContext, type CompletionContext } from './context';
import { abortableDelay, KeystrokeDebouncer } from './debounce';
import type { FilterContext } from './filters';
import { postProcess } from './filters';
import { InflightRequests } from './inflight';
import { inlineItem, type InlineItem } from './items';
import { decideMultiline } from './multiline';
import { notifyObservers, outcomeTracking, type CompletionObserver, type ShownCompletion } from './observers';
import { CompletionOutcomes } from './outcomes';
import { CandidateItems, sampleCandidates } from './candidates';
import type { CrossFileBlocks, CrossFileContext } from './crossFile/crossFileContext';
import { promptTrace } from './crossFile/trace';
import { documentVerdict } from './privacy';
import { buildCompletionRequest } from './request';
import { CompletionQuality } from './quality/completionQuality';
import type { SurvivalClock } from './quality/survival';
import { ShadowCompletions } from './shadow';
import { truncateAtStop } from './stops';
import { loadGrammars } from './syntax/grammars';
import { TypingAlongStep } from './typingAlongStep';

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
  /** The request's deadline and cancellation. */
  limit: RequestSignal;
  started: number;
  row: RequestRow;
  invoked: boolean;
}

export class CompletionService {
  private readonly inflight = new InflightRequests();
  private readonly debouncer = new KeystrokeDebouncer();
  private readonly pipeline: AnswerPipeline;
  private readonly outcomes: CompletionOutcomes;
  private readonly typingAlong: TypingAlongStep;
  private readonly candidates: CandidateItems;
  private readonly newId: () => string;
  private readonly quality: CompletionQuality | undefined;
  /** Told of each step (observers.ts), in this order. */
  private readonly observers: CompletionObserver[];

  constructor(private readonly options: CompletionServiceOptions) {
    const { router, firstChoice, cache, metrics, config, log } = options;
    this.pipeline = new AnswerPipeline({ router, firstChoice, cache, metrics, log, task: 'completion' });
    this.quality = options.quality && new CompletionQuality({ ...options.quality, metrics, log });
    this.outcomes = new CompletionOutcomes(metrics, (accepted) => void this.quality?.accepted(accepted));
    this.typingAlong = new TypingAlongStep(options.typingAlong, this.outcomes, cache);
    this.candidates = new CandidateItems(this.outcomes, options.typingAlong, log);
    this.newId = options.newId ?? randomUUID;
    const routing = options.shadowRouting;
    const quality = this.quality;
    this.observers = [
      ...(quality ? [{ documentClosed: (uri: string) => quality.documentClosed(uri), dispose: () => quality.dispose() }] : []),
      this.typingAlong,
      outcomeTracking(this.outcomes),
      ...(routing ? [new ShadowCompletions({ routing, metrics, config, log, newId: this.newId })] : []),
    ];
    // Grammars load in the background; until then the cursor heuristics stand in.
    void loadGrammars();
  }

  async provide(params: ProvideParams): Promise<ProvideResult> {
    const id = this.newId();
    const config = this.options.config();
    if (!config.completion.enabled) return { requestId: id, items: [], outcome: 'empty' };
    if (params.signal.aborted) return this.superseded(id, params.document.languageId);
    const started = performance.now();
    const uri = params.document.uri;
    // Excluded files and disabled languages: no row, no context built, nothing sent anywhere.
    const privacy = documentVerdict(uri, params.document.languageId, config.completion);
    if (!privacy.complete) {
      // Counted once, never by file or language (metrics/unrecordedRequests.ts).
      this.options.metrics.countUnrecorded?.('excluded', '');
      return { requestId: id, items: [], outcome: 'empty' };
    }
    this.debouncer.noteRequest(uri, started);
    const row = emptyRow(id, 'completion', params.document.languageId, config.routing.policy);
    const controller = this.inflight.begin(uri);
    notifyObservers(this.observers, 'requestStarted', uri);
    const limit = requestSignal([params.signal, controller.signal], config.completion.timeoutMs, 'Completion');
    try {
      let context: CompletionContext;
      try {
        context = buildCompletionContext(params.document, params.position, config.completion);
        context.crossFile = this.crossFileBlocks(params.document, context.prefix, config);
      } catch (error) {
        if (!(error instanceof RequestInputError)) throw error;
        return this.finish(row, { decision: 'invalid input', outcome: 'error', errorClass: error.name });
      }
      notifyObservers(this.observers, 'contextBuilt', uri, context);
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
        limit,
        started,
        row,
        invoked: params.invoked === true,
      };
      // An explicit trigger asks for suggestions, not for the rest of the one being typed along.
      const typedAlong = job.invoked ? undefined : this.typingAlong.answer(uri, context);
      const first = typedAlong ?? (await this.pipeline.answer(this.answerTask(job, config)));
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
    notifyObservers(this.observers, 'accepted', requestId, acceptedLength);
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
    notifyObservers(this.observers, 'documentClosed', uri);
    this.inflight.abort(uri);
    this.debouncer.forget(uri);
    this.options.crossFile?.forget(uri);
  }

  dispose(): void {
    this.inflight.abortAll(new Error('The completion service is shutting down.'));
    notifyObservers(this.observers, 'dispose');
  }

  /** What completion gives the answer pipeline: its prompt, its wait, its filters and its result. */
  private answerTask(job: Job, config: TandemConfig): AnswerTask<ProvideResult> {
    const build = (backend: Backend) => buildCompletionRequest(backend, job.context, job.route.multiline, config.completion);
    return {
      route: job.route,
      row: job.row,
      started: job.started,
      limit: job.limit,
      prompt: build,
      // The deadline left after context and debounce: offload's first-token budget is cut from it.
      budgetMs: () => config.completion.timeoutMs - (performance.now() - job.started),
      fromCache: ({ backend, request, hit, fields }) => {
        const text = postProcess(truncateAtStop(hit.value.text, request.stop), job.filter);
        const rowFields = { promptTrace: promptTrace(backend.id, job.context.crossFile?.[backend.id], request), ...fields };
        if (text === '') return this.finish(job.row, { ...rowFields, outcome: 'empty' });
        return this.show(job, { text, backend, source: 'cache', build }, rowFields);
      },
      beforeGenerate: async () => {
        const delay = job.invoked
          ? 0
          : this.debouncer.delayMs(config.completion.debounceMs, this.options.router.recentLatencyMs('completion'));
        try {
          await abortableDelay(delay, job.limit.signal);
          return undefined;
        } catch {
          return this.superseded(job.id, job.context.languageId);
        }
      },
      cacheEntry: ({ routed }) => ({ text: routed.text, model: routed.backend.model }),
      fromGeneration: ({ routed, request, fields }) => {
        const text = postProcess(truncateAtStop(routed.text, request.stop), job.filter);
        const rowFields = { ...fields, promptTrace: promptTrace(routed.backend.id, job.context.crossFile?.[routed.backend.id], request) };
        if (text === '') return this.finish(job.row, { ...rowFields, outcome: 'empty' });
        return this.show(job, { text, backend: routed.backend, source: 'generation', build }, rowFields, request.prompt);
      },
      failed: (error, failure) => {
        if (!(error instanceof BackendError)) this.options.log.error(`Completion failed unexpectedly: ${describeError(error)}`);
        return { requestId: job.id, items: [], outcome: failure.outcome };
      },
    };
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
    const sampled = await sampleCandidates(shown.insertText, { backend, request, filter, signal: job.limit.signal });
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
      this.options.log.warn(`Context from other files failed: ${describeError(error)}`);
      return undefined;
    }
  }

  /** A suggestion returned: its row recorded, then the observers told (typing-along memory, outcomes, shadow). */
  private show(
    job: Job,
    answer: Pick<ShownCompletion, 'text' | 'source' | 'build'> & { backend: Backend },
    fields: Partial<RequestRow>,
    prompt?: string,
  ): ProvideResult {
    const { text, backend } = answer;
    this.pipeline.record(
      { ...job.row, ...fields, outcome: 'shown', shownChars: text.length },
      prompt === undefined ? undefined : { prompt, completion: text },
    );
    const { id: requestId, uri, context, filter, route } = job;
    notifyObservers(this.observers, 'shown', {
      ...answer,
      requestId,
      uri,
      context,
      filter,
      route,
      backend: backend.id,
      model: backend.model,
    });
    return { requestId, items: [inlineItem(text, context.position, requestId, backend.id)], outcome: 'shown' };
  }

  /** Replaced by a newer request during the debounce: no work done, so counted instead of a row
   * per keystroke (metrics/unrecordedRequests.ts). */
  private superseded(requestId: string, languageId: string): ProvideResult {
    this.options.metrics.countUnrecorded?.('superseded', languageId);
    return { requestId, items: [], outcome: 'cancelled' };
  }

  private finish(row: RequestRow, fields: Partial<RequestRow> & { outcome: Outcome }): ProvideResult {
    this.pipeline.record({ ...row, ...fields });
    return { requestId: row.id, items: [], outcome: fields.outcome };
  }
}
