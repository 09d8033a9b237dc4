/**
 * The offload backend: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, TGI, OpenAI)
 * through the openai SDK. Completions go to llama.cpp's `/infill` when the server is llama.cpp
 * and its model has FIM tokens, otherwise to `/v1/completions` (with a native `suffix` where the
 * engine documents it, else the prompt already carries the model's FIM template); explanations
 * go to `/v1/chat/completions`; all stream.
 *
 * Context: prompts are fitted to the server's window (read by the probe, or learnt from an
 * `exceed_context_size_error`) with room for the answer; see promptBudget.ts, and fitChat.ts for
 * explanations.
 *
 * Resilience: a first-token / stall timeout per request; retries with backoff only before the
 * first token (a started answer is never silently restarted); 429 `Retry-After` honoured when it
 * fits the timeout; every failure mapped to a BackendError kind. Health: the server is probed at
 * construction and re-probed, with backoff and without end, while it is down or warming up (so a
 * Tandem started before its server notices it come up); `status()` reports it, with the router's
 * breaker state when one is attached.
 *
 * On configuration change, dispose this backend and construct a new one (see
 * `offloadSettingsChanged`): the constructor probes the new endpoint.
 */
import OpenAI from 'openai';
import { DEFAULT_CONFIG, type TandemConfig } from '../../config';
import { silentLogger, type Logger } from '../../logger';
import type { BackendState, BackendStatus, BreakerState, Task } from '../../protocol';
import {
  BackendError,
  CancelledError,
  RateLimitedError,
  UnavailableError,
  throwIfAborted,
  type Backend,
  type GenerateChunk,
  type GenerateRequest,
} from '../backend';
import { ContextOverflowError, isRetryable, WarmingUpError } from './errorMapping';
import { resolveFimTemplate, type FimFamily } from './fimTemplate';
import { KeepAliveFetch } from './keepAliveFetch';
import { probeServer, serverRoot, type FimMode, type ProbeResult } from './probe';
import { fitRequest, learnedCharsPerToken } from './fitRequest';
import { DEFAULT_CHARS_PER_TOKEN, answerTokens, promptTokenBudget } from './promptBudget';
import { backoffDelayMs, DEFAULT_BACKOFF, sleep, type BackoffOptions } from './retry';
import type { ServerKind } from './serverKind';
import { streamAttempt, type AttemptEnd } from './streamAttempt';
import { normalizeFinishReason } from './streamChunks';
import { estimateUsage, type ParamsContext } from './requestParams';
import { linkSignals, raceAbort } from '../../abort';

export type OffloadSettings = TandemConfig['offload'];

/** Anything with a breaker state, e.g. the router's CircuitBreaker for 'offload'. */
export interface BreakerStateSource {
  readonly state: BreakerState;
}

export interface OffloadBackendOptions {
  config: OffloadSettings;
  /** From SecretStorage or TANDEM_OFFLOAD_API_KEY. Sent as a bearer token, never logged. */
  apiKey?: string;
  log?: Logger;
  backoff?: BackoffOptions;
  /** First delay before re-probing a server that is down or warming up; doubles per failed probe. Default 1 s. */
  reprobeMs?: number;
  /** Longest delay between re-probes. Default 30 s. */
  reprobeMaxMs?: number;
  /**
   * The completion answer's length (tandem.completion.maxTokens), reserved in the context window
   * before the prompt is trimmed. Larger max_tokens seen in requests raise it. Default: the
   * default setting's.
   */
  completionMaxTokens?: number;
  breaker?: BreakerStateSource;
}

export class OffloadBackend implements Backend {
  readonly id = 'offload' as const;
  private readonly config: OffloadSettings;
  private readonly log: Logger;
  private readonly http = new KeepAliveFetch();
  private readonly client: OpenAI;
  private readonly lifetime = new AbortController();
  private readonly listeners = new Set<(status: BackendStatus) => void>();
  private breaker: BreakerStateSource | undefined;
  private probed: ProbeResult | undefined;
  private probing: Promise<ProbeResult> | undefined;
  private reprobeTimer: NodeJS.Timeout | undefined;
  /** Failed probes in a row, for the re-probe backoff. */
  private reprobeAttempts = 0;
  /** A smaller window than the probe found, from a server's `exceed_context_size_error`. */
  private learnedContextTokens: number | undefined;
  private charsPerToken = DEFAULT_CHARS_PER_TOKEN;
  private answerReserveTokens: number;
  private state: BackendState;
  private detail: string;

  constructor(private readonly options: OffloadBackendOptions) {
    this.config = options.config;
    this.log = options.log ?? silentLogger;
    this.breaker = options.breaker;
    this.answerReserveTokens = options.completionMaxTokens ?? DEFAULT_CONFIG.completion.maxTokens;
    this.client = new OpenAI({
      // Without a URL the backend is disabled and never sends; the SDK still wants a base URL.
      baseURL: this.config.url || 'http://127.0.0.1:9/v1',
      // Always explicit: the SDK would otherwise read OPENAI_* variables and send them anywhere.
      apiKey: options.apiKey || 'unused',
      organization: null,
      project: null,
      ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      fetch: this.http.fetch,
      maxRetries: 0,
      logLevel: 'off',
    });
    if (!this.config.url) {
      this.state = 'disabled';
      this.detail = 'No offload URL is configured (tandem.offload.url).';
    } else {
      this.state = 'loading';
      this.detail = `Probing ${this.config.url}…`;
      void this.probe();
    }
  }

  get model(): string {
    return this.config.model || this.probed?.model || '';
  }

  /**
   * The template the completion service formats prompts with. With a native suffix (llama.cpp's
   * /infill formats with the model's own FIM tokens; Ollama with its Modelfile template) the
   * family only chooses stop strings, and 'none' would make the service drop the suffix; so an
   * unknown model name under 'auto' reports StarCoder's family, whose sentinel spellings are the
   * most common ones to stop on. An explicit 'none' is obeyed: the user says the model has no FIM.
   */
  get fimTemplate(): FimFamily {
    const family = resolveFimTemplate(this.config.fimTemplate, this.model);
    if (family === 'none' && this.config.fimTemplate === 'auto' && this.supportsNativeSuffix) return 'starcoder';
    return family;
  }

  /** How completions reach the model's FIM: /infill, a native suffix, or the prompt template. */
  get fimMode(): FimMode {
    return this.probed?.fim ?? 'template';
  }

  get supportsNativeSuffix(): boolean {
    return this.fimMode !== 'template';
  }

  /** Tokens one request may use (prompt + answer), when known: the probe's, or smaller when learnt. */
  get contextTokens(): number | undefined {
    const probed = this.probed?.contextTokens;
    if (probed === undefined) return this.learnedContextTokens;
    return this.learnedContextTokens === undefined ? probed : Math.min(probed, this.learnedContextTokens);
  }

  /** Prefix + suffix characters that fit the server's window next to a completion answer. */
  get completionContextChars(): number | undefined {
    const context = this.contextTokens;
    if (context === undefined) return undefined;
    return promptTokenBudget(context, answerTokens(this.answerReserveTokens, context)) * this.charsPerToken;
  }

  get serverKind(): ServerKind {
    return this.probed?.serverKind ?? 'unknown';
  }

  /** The latest probe's findings, or undefined before the first probe ends. */
  get lastProbe(): ProbeResult | undefined {
    return this.probed;
  }

  isAvailable(_task: Task): boolean {
    if (this.lifetime.signal.aborted) return false;
    return this.state !== 'disabled' && this.state !== 'down' && this.state !== 'warming-up';
  }

  status(): BackendStatus {
    return { backend: 'offload', state: this.state, model: this.model, breaker: this.breaker?.state ?? 'closed', detail: this.detail };
  }

  /** Attaches the router's breaker so `status()` can show it. */
  setBreaker(breaker: BreakerStateSource | undefined): void {
    this.breaker = breaker;
  }

  /** Called whenever the state, detail or model changes. Returns the unsubscribe function. */
  onDidChangeStatus(listener: (status: BackendStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Probes the server now (or joins the probe under way) and applies what it finds. */
  probe(): Promise<ProbeResult> {
    if (this.probing) return this.probing;
    clearTimeout(this.reprobeTimer);
    this.probing = probeServer({
      baseUrl: this.config.url,
      apiKey: this.options.apiKey ?? '',
      configuredModel: this.config.model,
      fetch: this.http.fetch,
      timeoutMs: this.config.timeoutMs,
      signal: this.lifetime.signal,
    })
      .then((result) => {
        // Cleared before applying: applyProbe schedules the next probe, which a probe still
        // marked as running would refuse (re-probing then stopped after one failure).
        this.probing = undefined;
        if (!this.lifetime.signal.aborted) this.applyProbe(result);
        return result;
      })
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  async *generate(request: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateChunk> {
    throwIfAborted(signal);
    if (!this.config.url) throw new UnavailableError(this.detail);
    if (this.lifetime.signal.aborted) throw new UnavailableError('The offload backend was shut down.');
    const linked = linkSignals(signal, this.lifetime.signal);
    try {
      const model = await this.resolveModel(linked.signal);
      const kind =
        request.task === 'explain' ? 'chat' : this.fimMode === 'infill' && request.suffix !== undefined ? 'infill' : 'completion';
      if (request.task === 'completion') this.answerReserveTokens = Math.max(this.answerReserveTokens, request.maxTokens);
      const fitContext = { model, kind, serverKind: this.serverKind, fimTemplate: this.fimTemplate } as const;
      let params = this.fitted(request, fitContext);
      let refitted = false;
      for (let attempt = 0; ; attempt++) {
        let started = false;
        let completionChars = 0;
        let end: AttemptEnd | undefined;
        try {
          const stream = streamAttempt({
            client: this.client,
            kind,
            ...(kind === 'infill' ? { infillUrl: `${serverRoot(this.config.url)}/infill` } : {}),
            params,
            signal: linked.signal,
            timeoutMs: this.config.timeoutMs,
          });
          for await (const item of stream) {
            if (item.type === 'end') {
              end = item.end;
              continue;
            }
            started = true;
            completionChars += item.text.length;
            yield { type: 'text', text: item.text };
          }
        } catch (error) {
          const failure = error instanceof BackendError ? error : new UnavailableError(String(error), { cause: error });
          if (failure instanceof ContextOverflowError && !started && !refitted) {
            // Once: learn the window (and the real characters per token) from the answer, trim,
            // resend at once. A second overflow is a real failure, not a reason to loop.
            refitted = true;
            const retry = this.refitAfterOverflow(failure, request, fitContext, params);
            if (retry) {
              this.log.info(`Offload prompt too long for the server's ${this.contextTokens ?? '?'}-token context; trimmed and resent.`);
              params = retry;
              attempt--;
              continue;
            }
          }
          const wait = started || attempt >= this.config.maxRetries ? undefined : this.retryDelay(failure, attempt);
          if (wait === undefined) {
            this.noteFailure(failure, signal);
            throw failure;
          }
          this.log.info(`Offload ${failure.kind} before the first token; retry ${attempt + 1} in ${Math.round(wait)} ms.`);
          await sleep(wait, linked.signal);
          continue;
        }
        this.noteSuccess();
        const usage = end?.usage ? { ...end.usage, source: 'server' as const } : estimateUsage(request, completionChars);
        yield {
          type: 'done',
          usage,
          finishReason: normalizeFinishReason(end?.finishReason),
          ...(end?.timings ? { serverTimings: end.timings } : {}),
        };
        return;
      }
    } finally {
      linked.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.lifetime.abort(new CancelledError('The offload backend was shut down.'));
    clearTimeout(this.reprobeTimer);
    this.listeners.clear();
    await this.probing?.catch(() => undefined);
    await this.http.close();
  }

  private async resolveModel(signal: AbortSignal): Promise<string> {
    if (this.model) return this.model;
    const result = await raceAbort(this.probing ?? this.probe(), signal);
    if (!result.model) throw new UnavailableError(result.detail);
    return result.model;
  }

  /** Milliseconds to wait before retrying, or undefined when this failure must not be retried. */
  private retryDelay(failure: BackendError, attempt: number): number | undefined {
    if (!isRetryable(failure)) return undefined;
    if (failure instanceof RateLimitedError && failure.retryAfterMs !== undefined) {
      // Waiting longer than the request's own timeout would only hide the failure from the router.
      return failure.retryAfterMs <= this.config.timeoutMs ? failure.retryAfterMs : undefined;
    }
    return backoffDelayMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF);
  }

  /** The request's body, fitted to the known context window (unchanged when none is known). */
  private fitted(request: GenerateRequest, context: ParamsContext): Record<string, unknown> {
    return fitRequest(request, context, { contextTokens: this.contextTokens, charsPerToken: this.charsPerToken }).params;
  }

  /** Params trimmed to the window an overflow reported, or undefined when trimming cannot help. */
  private refitAfterOverflow(
    failure: ContextOverflowError,
    request: GenerateRequest,
    context: ParamsContext,
    sent: Record<string, unknown>,
  ): Record<string, unknown> | undefined {
    if (failure.contextTokens !== undefined) {
      this.learnedContextTokens = Math.min(this.learnedContextTokens ?? Infinity, failure.contextTokens);
    }
    this.charsPerToken = learnedCharsPerToken(this.charsPerToken, sent, failure.promptTokens);
    if (this.contextTokens === undefined) return undefined;
    const refit = this.fitted(request, context);
    // Nothing more was cut (the prompt was already this short): resending would fail the same way.
    return JSON.stringify(refit) === JSON.stringify(sent) ? undefined : refit;
  }

  private applyProbe(result: ProbeResult): void {
    this.probed = result;
    this.setState(result.state, result.detail);
    if (result.state === 'ready') this.reprobeAttempts = 0;
    else this.scheduleReprobe();
  }

  private noteSuccess(): void {
    if (this.state !== 'ready') this.setState('ready', this.probed?.detail ?? `Serving ${this.model}`);
    this.reprobeAttempts = 0;
  }

  private noteFailure(failure: BackendError, callerSignal: AbortSignal): void {
    if (failure.kind === 'cancelled' || callerSignal.aborted || this.lifetime.signal.aborted) return;
    if (failure instanceof WarmingUpError) {
      this.setState('warming-up', failure.message);
      this.scheduleReprobe();
    } else if (failure.kind === 'unavailable') {
      this.setState('down', failure.message);
      this.scheduleReprobe();
    } else {
      this.setState('degraded', failure.message);
    }
  }

  /** Next probe after a backoff (1 s, 2 s, … capped at 30 s by default), for as long as it takes. */
  private scheduleReprobe(): void {
    if (this.lifetime.signal.aborted || this.probing) return;
    clearTimeout(this.reprobeTimer);
    const backoff = { baseDelayMs: this.options.reprobeMs ?? 1000, maxDelayMs: this.options.reprobeMaxMs ?? 30_000 };
    const delay = backoffDelayMs(this.reprobeAttempts++, backoff);
    this.reprobeTimer = setTimeout(() => void this.probe(), delay);
    // A pending re-probe must not keep the process (CLI, tests) alive on its own.
    this.reprobeTimer.unref();
  }

  private setState(state: BackendState, detail: string): void {
    if (state === this.state && detail === this.detail) return;
    if (state !== this.state) this.log.info(`Offload backend ${this.state} → ${state}: ${detail}`);
    this.state = state;
    this.detail = detail;
    const status = this.status();
    for (const listener of [...this.listeners]) listener(status);
  }
}

/** Whether a settings change needs a new OffloadBackend (anything in the offload section or the key). */
export function offloadSettingsChanged(before: OffloadSettings, after: OffloadSettings, keyBefore?: string, keyAfter?: string): boolean {
  return JSON.stringify(before) !== JSON.stringify(after) || (keyBefore ?? '') !== (keyAfter ?? '');
}
