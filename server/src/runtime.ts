/**
 * Assembles the server's parts from the configuration and owns their lifetimes: backends,
 * router, cache, typing-along memory, metrics, and the completion and explain services. The LSP
 * layer (lspServer.ts) only translates messages to these calls, so tests can drive a runtime
 * without a transport.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Position, TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Backend } from './backends/backend';
import { LocalBackend } from './backends/local/localBackend';
import { OffloadBackend, offloadSettingsChanged } from './backends/offload/offloadBackend';
import { openAnswerCache, type OpenedAnswerCache } from './cache/openAnswerCache';
import { TypingAlong } from './cache/typingAlong';
import { CompletionService } from './completion/completionService';
import { CrossFileContext } from './completion/crossFile/crossFileContext';
import { TokenizerMeter } from './completion/crossFile/tokenMeter';
import { mergeConfig, type TandemConfig } from './config';
import { ExplainService } from './explain/explainService';
import { redactingLogger, type Logger } from './logger';
import { costBasisOf, withoutCostSettings } from './metrics/cost';
import { openMetricsRecorder } from './metrics/openMetricsRecorder';
import { PrometheusEndpoint } from './metrics/prometheusEndpoint';
import { PromLiveFeed } from './metrics/promLiveFeed';
import { LearnedRoutingFeed } from './routing/learned/profileFeed';
import { throttle } from './throttle';
import { priorsFromBenchReport } from './routing/learned/warmStart';
import { learnedRoutingStatus } from './status/learnedRoutingStatus';
import { TandemPromMetrics } from './metrics/promRegistry';
import type { MetricsConfig, SqliteMetricsRecorder } from './metrics/recorder';
import type {
  BackendId,
  ExplainFeedbackParams,
  ExplainParams,
  ExplainResult,
  MetricsRowsParams,
  MetricsSnapshot,
  MetricsSnapshotParams,
  RequestRow,
  ServerStatus,
} from './protocol';
import { redact, registerSecret } from './redact';
import { Router } from './routing/router';
import { ensurePrivateDir } from './storage/privateFiles';
import type { GenerationRouter, RoutedGeneration } from './routing/types';

export interface RuntimeOptions {
  settings: unknown;
  /** Directory for cache.db and metrics.db; default `$TANDEM_HOME` or `~/.tandem`. */
  storagePath: string | undefined;
  offloadApiKey: string | undefined;
  log: Logger;
  /** The open documents, most recently used first: other files lend context to completions. */
  openDocuments?: () => Iterable<TextDocument>;
  /** The client reports which completions the editor displayed (InitializationOptions). */
  reportsShownCompletions?: boolean;
}

export interface InlineCompletionReply {
  items: Awaited<ReturnType<CompletionService['provide']>>['items'];
}

export class TandemRuntime {
  config: TandemConfig;
  private readonly log: Logger;
  private readonly local: LocalBackend;
  private offload: OffloadBackend | undefined;
  private readonly router: Router;
  private readonly cache: OpenedAnswerCache;
  private readonly metrics: SqliteMetricsRecorder;
  /** Live Prometheus metrics: fed from the server's start, served only when a port is set. */
  private readonly prometheus: PrometheusEndpoint;
  private readonly typingAlong = new TypingAlong();
  private readonly completion: CompletionService;
  private localTokens: TokenizerMeter | undefined;
  private readonly explainer: ExplainService;
  private readonly statusListeners = new Set<(status: ServerStatus) => void>();
  private last: { backend: BackendId; latencyMs: number; fallbackReason?: string } | undefined;

  constructor(private readonly options: RuntimeOptions) {
    // Before anything can log or record: error text from an endpoint may echo the key.
    registerSecret(options.offloadApiKey);
    this.log = redactingLogger(options.log);
    this.config = this.merge(options.settings);
    const storage = prepareStorage(options.storagePath, this.log);
    this.local = new LocalBackend({ config: this.config.local, log: this.log, onStatusChange: () => this.emitStatus() });
    this.router = new Router({ local: this.local, offload: undefined, config: () => this.config, log: this.log });
    this.setOffload(this.createOffload());
    this.router.onBreakerChange(() => this.emitStatus());
    this.cache = openAnswerCache({ dbPath: join(storage, 'cache.db'), config: this.config.cache, log: this.log });
    this.metrics = openMetricsRecorder({
      dbPath: join(storage, 'metrics.db'),
      config: this.metricsConfig(),
      cacheCounters: () => this.cache.counters(),
      modelMemory: () => this.local.modelMemory(),
      log: this.log,
    });
    for (const warning of [...this.cache.storage.warnings, ...this.metrics.storage.warnings]) this.log.warn(warning);
    const promMetrics = new TandemPromMetrics({ memory: () => process.memoryUsage() });
    this.metrics.onDidRecord(new PromLiveFeed(promMetrics));
    // Learned auto routing learns each answer's cost and the user's verdicts from the rows.
    this.metrics.onDidRecord(new LearnedRoutingFeed(() => this.router.learned));
    this.loadRoutingPriors();
    this.prometheus = new PrometheusEndpoint(promMetrics, this.log);
    void this.prometheus.configure(this.config.metrics.prometheusPort);
    const services = {
      router: this.observedRouter(),
      firstChoice: (context: Parameters<Router['firstChoice']>[0]) => this.router.firstChoice(context),
      cache: this.cache,
      metrics: this.metrics,
      config: () => this.config,
      log: this.log,
    };
    this.completion = new CompletionService({
      ...services,
      typingAlong: this.typingAlong,
      shadowRouting: this.router,
      ...(options.openDocuments ? { crossFile: this.crossFileContext(options.openDocuments) } : {}),
      ...(options.openDocuments ? { quality: { document: documentLookup(options.openDocuments) } } : {}),
    });
    this.explainer = new ExplainService(services);
  }

  /** Counts with the local tokenizer only once its model is loaded: counting must never load it. */
  private crossFileContext(openDocuments: () => Iterable<TextDocument>): CrossFileContext {
    this.localTokens = new TokenizerMeter((text, signal) =>
      this.local.loadedInfo('completion') ? this.local.countTokens('completion', text, signal) : undefined,
    );
    return new CrossFileContext({ openDocuments, localMeter: this.localTokens });
  }

  /** After `initialized`: load the completion model in the background so the first keystroke is fast. */
  start(): void {
    this.local.warmup(['completion']).catch((error: unknown) => {
      this.log.warn(`Local completion model did not load: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.emitStatus();
  }

  async complete(document: TextDocument, position: Position, signal: AbortSignal, invoked = false): Promise<InlineCompletionReply> {
    if (!this.config.completion.enabled) return { items: [] };
    const result = await this.completion.provide({ document, position, signal, invoked });
    return { items: result.items };
  }

  explain(
    document: TextDocument,
    params: ExplainParams,
    signal: AbortSignal,
    onDelta: (delta: string, reset: boolean) => void,
  ): Promise<ExplainResult> {
    const explained = this.explainer.explain({
      document,
      range: params.range,
      streamId: String(params.streamId ?? ''),
      signal,
      onDelta: (stream) => onDelta(stream.delta, stream.reset === true),
    });
    // The fallback reason is shown in the explain view's badge: it may quote the endpoint.
    return explained.then((result) => (result.fallbackReason ? { ...result, fallbackReason: redact(result.fallbackReason) } : result));
  }

  didShow(requestId: unknown): void {
    if (typeof requestId === 'string') this.completion.didShow(requestId);
  }

  didAccept(requestId: unknown, acceptedLength: unknown): void {
    if (typeof requestId !== 'string' || typeof acceptedLength !== 'number' || !(acceptedLength >= 0)) return;
    this.completion.didAccept(requestId, acceptedLength);
  }

  didReject(requestId: unknown): void {
    if (typeof requestId === 'string') this.completion.didReject(requestId);
  }

  /** A thumbs up / down from the explain view (params already checked); false: unknown id, ignored. */
  explainFeedback(params: ExplainFeedbackParams): boolean {
    return this.explainer.feedback(params);
  }

  /** Before the server applies a didChange: accepted completions are followed through it. */
  documentWillChange(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): void {
    this.completion.documentWillChange(document, changes);
  }

  documentClosed(uri: string): void {
    this.completion.documentClosed(uri);
    this.typingAlong.forget(uri);
  }

  snapshot(params: MetricsSnapshotParams): MetricsSnapshot {
    return this.metrics.snapshot(params);
  }

  /** The rows a snapshot with `params` covers, oldest first (the panel's CSV / JSON export; with
   * `limit`, the newest that many: its charts). */
  metricsRows(params: MetricsRowsParams): RequestRow[] {
    return this.metrics.rows(params);
  }

  /** Deletes every recorded request row (the panel's reset); returns how many. */
  resetMetrics(): number {
    return this.metrics.reset();
  }

  onMetricsChange(listener: () => void): () => void {
    return this.metrics.onDidChange(listener);
  }

  onStatusChange(listener: (status: ServerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  status(): ServerStatus {
    return {
      policy: this.config.routing.policy,
      backends: this.router.backends().map((backend) => {
        const status = backend.status();
        // The detail often quotes the endpoint's own error text: redact before it reaches the client.
        const detail = status.detail === undefined ? {} : { detail: redact(status.detail) };
        return { ...status, ...detail, breaker: this.router.breakerState(backend.id) };
      }),
      ...(this.last
        ? {
            lastBackend: this.last.backend,
            lastLatencyMs: this.last.latencyMs,
            ...(this.last.fallbackReason ? { lastFallbackReason: redact(this.last.fallbackReason) } : {}),
          }
        : {}),
      // The panel's "Auto routing" table; a peek, no routing decision (status/learnedRoutingStatus.ts).
      learned: learnedRoutingStatus(this.router.learned, this.config.routing, this.offload !== undefined),
    };
  }

  /** `workspace/didChangeConfiguration`: bad fields keep their old value and are logged. */
  updateSettings(settings: unknown): void {
    // Some editors send `settings: null` to mean "ask me": keep what initializationOptions gave.
    if (settings === null || settings === undefined) return;
    const before = this.config;
    this.config = this.merge(settings, before);
    // Prices apply live through metrics.configure below: they neither re-probe nor reload anything.
    if (offloadSettingsChanged(withoutCostSettings('offload', before.offload), withoutCostSettings('offload', this.config.offload))) {
      const old = this.offload;
      this.setOffload(this.createOffload());
      void old?.dispose();
    }
    if (JSON.stringify(withoutCostSettings('local', before.local)) !== JSON.stringify(withoutCostSettings('local', this.config.local))) {
      this.log.warn('Local model settings changed: run "Tandem: Restart Server" to load the new model.');
    }
    if (JSON.stringify(before.cache) !== JSON.stringify(this.config.cache)) {
      this.log.info('Cache settings take effect when the server restarts.');
    }
    this.metrics.configure(this.metricsConfig());
    void this.prometheus.configure(this.config.metrics.prometheusPort);
    if (before.routing.warmStartReport !== this.config.routing.warmStartReport) this.loadRoutingPriors();
    this.emitStatus();
  }

  /** Seeds learned routing from `routing.warmStartReport` (a bench report.json); a bad file is a warning. */
  private loadRoutingPriors(): void {
    const path = this.config.routing.warmStartReport;
    if (!path) {
      this.router.learned.setPriors(undefined);
      return;
    }
    try {
      this.router.learned.setPriors(priorsFromBenchReport(JSON.parse(readFileSync(path, 'utf8')) as unknown));
      this.log.info(`Learned routing starts from the benchmark report ${path}.`);
    } catch (error) {
      this.router.learned.setPriors(undefined);
      this.log.warn(`tandem.routing.warmStartReport: ${path} was not used (${error instanceof Error ? error.message : String(error)}).`);
    }
  }

  /**
   * Writes queued metrics and closes both databases, synchronously: safe in a process 'exit'
   * handler, where nothing asynchronous runs any more. `dispose` calls it too; twice is harmless.
   */
  closeStorage(): void {
    this.metrics.close();
    this.cache.close();
  }

  async dispose(): Promise<void> {
    this.completion.dispose();
    this.localTokens?.dispose();
    await Promise.allSettled([this.local.dispose(), this.offload?.dispose(), this.prometheus.close()]);
    this.closeStorage();
  }

  private merge(settings: unknown, base?: TandemConfig): TandemConfig {
    const { config, warnings } = mergeConfig(settings, base);
    for (const warning of warnings) this.log.warn(warning);
    return config;
  }

  private metricsConfig(): MetricsConfig {
    return {
      ...this.config.metrics,
      cost: costBasisOf(this.config),
      showEvents: this.options.reportsShownCompletions === true,
    };
  }

  private createOffload(): OffloadBackend | undefined {
    if (!this.config.offload.url) return undefined;
    const router = this.router;
    return new OffloadBackend({
      config: this.config.offload,
      apiKey: this.options.offloadApiKey,
      completionMaxTokens: this.config.completion.maxTokens,
      log: this.log,
      breaker: {
        get state() {
          return router.breakerState('offload');
        },
      },
    });
  }

  private setOffload(offload: OffloadBackend | undefined): void {
    this.offload = offload;
    this.router.setOffload(offload);
    offload?.onDidChangeStatus(() => this.emitStatus());
  }

  /** The router as the services see it, noting the last answer for the status bar. */
  private observedRouter(): GenerationRouter {
    return {
      generate: async (...args: Parameters<GenerationRouter['generate']>): Promise<RoutedGeneration> => {
        const result = await this.router.generate(...args);
        this.last = {
          backend: result.backend.id,
          latencyMs: result.e2eMs,
          ...(result.fallbackReason ? { fallbackReason: result.fallbackReason } : {}),
        };
        // Off the answer's path and coalesced: the status (with learned routing's table) is
        // built and sent after the answer, at most twice per half second while typing.
        setImmediate(this.emitStatusSoon);
        return result;
      },
      recentLatencyMs: (task) => this.router.recentLatencyMs(task),
    };
  }

  private readonly emitStatusSoon = throttle(() => this.emitStatus(), 500);

  private emitStatus(): void {
    if (this.statusListeners.size === 0) return;
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }
}

/** A document by uri among the open ones, without marking it as used. */
function documentLookup(openDocuments: () => Iterable<TextDocument>): (uri: string) => TextDocument | undefined {
  return (uri) => {
    for (const document of openDocuments()) if (document.uri === uri) return document;
    return undefined;
  };
}

function prepareStorage(requested: string | undefined, log: Logger): string {
  const dir = requested || process.env.TANDEM_HOME || join(homedir(), '.tandem');
  try {
    ensurePrivateDir(dir);
  } catch (error) {
    log.warn(
      `Cannot create the storage directory ${dir} (${error instanceof Error ? error.message : String(error)}); the stores fall back to memory.`,
    );
  }
  return dir;
}

export type { Backend };
