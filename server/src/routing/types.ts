/**
 * What the completion and explain services need from the router. The router picks a backend by
 * policy, task, live latency and health, falls back when the chosen one fails, and measures the
 * generation (TTFT and E2E from the moment `generate` is called).
 */
import type { Backend, GenerateRequest, ServerTimings, Usage } from '../backends/backend';
import type { Task } from '../protocol';

export interface RouteContext {
  task: Task;
  /** Multi-line completions and explanations prefer offload under `auto`. */
  multiline: boolean;
  language: string;
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
