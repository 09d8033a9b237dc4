/**
 * What the completion and explain services need from the router. The router picks a backend by
 * policy, task, live latency and health, falls back when the chosen one fails, and measures the
 * generation (TTFT and E2E from the moment `generate` is called).
 */
import type { Backend, GenerateRequest, ServerTimings, Usage } from '../backends/backend';
import type { BackendId, Task } from '../protocol';

export interface RouteContext {
  task: Task;
  /** Multi-line completions and explanations prefer offload under `auto`. */
  multiline: boolean;
  language: string;
  /** The text must not leave the machine (an untitled document): the `local` policy applies. */
  localOnly?: boolean;
  /** The metrics row's id: learned routing (learned/) attributes the later verdict to this answer. */
  requestId?: string;
  /** Characters of the text the prompt is built from (prefix + suffix, or the selection). */
  promptChars?: number;
  /**
   * Time left until the caller's deadline when `generate` is called, in ms. Offload's
   * first-token and stall budgets are derived from it (deadline.ts). Default: the task's whole
   * timeout setting.
   */
  budgetMs?: number;
}

/** An attempt that failed on its own (not cancelled, not a hedge loser): one row of its backend. */
export interface FailedAttempt {
  backend: BackendId;
  model: string;
  /** The error's class name, e.g. 'TimeoutError', 'HttpError'. */
  errorClass: string;
  message: string;
  /** How long the attempt ran before it failed. */
  ranMs: number;
}

export interface RoutedGeneration {
  /** The backend whose answer this is. */
  backend: Backend;
  /** Human-readable routing decision, e.g. "auto: single-line → local". */
  decision: string;
  /** Set when the first choice failed and another backend answered. */
  fallbackReason?: string;
  text: string;
  usage: Usage;
  finishReason: 'stop' | 'length' | 'cancelled' | 'unknown';
  ttftMs: number;
  e2eMs: number;
  /** Gaps between streamed chunks (ms), for ITL statistics. */
  chunkGapsMs: number[];
  serverTimings?: ServerTimings;
  /** Set when a hedge happened: the second backend was started because the first was slow. */
  hedge?: HedgeRecord;
  /** Attempts that failed before this answer (a fallback's reason, as rows of their backends). */
  failedAttempts?: FailedAttempt[];
}

/** Both legs of a hedged request (`routing.hedgeMs`), as the metrics row describes them. */
export interface HedgeRecord {
  /** When the second backend was started, in ms after the request began. */
  afterMs: number;
  /** The backends started, in order. */
  started: BackendId[];
  winner: BackendId;
  loser?: {
    backend: BackendId;
    /** 'cancelled': stopped because the winner answered first (not a failure); 'error': failed on its own. */
    outcome: 'cancelled' | 'error';
    /** How long it ran before it was stopped or failed. */
    ranMs: number;
    error?: string;
  };
}

export interface GenerationRouter {
  /**
   * Runs one generation. `build` formats the request for whichever backend is tried (prompt
   * templates differ per backend). `onText` sees streamed deltas; `reset` is true on the first
   * delta after a fallback restarted the answer elsewhere.
   */
  generate(
    context: RouteContext,
    build: (backend: Backend) => GenerateRequest,
    signal: AbortSignal,
    onText?: (delta: string, backend: Backend, reset: boolean) => void,
  ): Promise<RoutedGeneration>;
  /** Exponentially-weighted recent E2E latency of a backend for a task, or undefined. */
  recentLatencyMs(task: Task): number | undefined;
}

/**
 * What shadow mode (`routing.shadowRate`) needs from the router: where a shadow may go, and one
 * generation on exactly that backend. The router implements it; the completion service takes
 * it as an optional collaborator.
 */
export interface ShadowRouting {
  /**
   * The other backend for a shadow of an answer `answered` gave, or undefined when none may be
   * asked: policy `local` (code never leaves the machine), no offload configured, or the other
   * backend unavailable or its breaker not closed.
   */
  shadowTarget(context: RouteContext, answered: BackendId): Backend | undefined;
  /** One generation on exactly this backend: no fallback, no hedge. Breakers and latency count it. */
  generateOn(
    backend: Backend,
    context: RouteContext,
    build: (backend: Backend) => GenerateRequest,
    signal: AbortSignal,
  ): Promise<RoutedGeneration>;
}
