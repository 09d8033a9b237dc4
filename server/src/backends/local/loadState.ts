/**
 * What LocalBackend knows about each task's model: where it comes from, whether it is loading,
 * loaded or broken. status() is computed from this alone.
 */
import type { BackendStatus, Task } from '../../protocol';
import { ModelLoadError } from '../backend';
import type { ModelLocation } from './modelLocation';
import type { LoadedModelInfo } from './workerProtocol';

export type TaskModelState =
  | { phase: 'unresolved'; error: ModelLoadError }
  | { phase: 'idle'; location: ModelLocation }
  | { phase: 'loading'; location: ModelLocation; progress: number }
  | { phase: 'ready'; location: ModelLocation; info: LoadedModelInfo }
  | { phase: 'failed'; location: ModelLocation; error: ModelLoadError };

export const TASKS: readonly Task[] = ['completion', 'explain'];

export function modelName(state: TaskModelState): string {
  return state.phase === 'unresolved' ? state.error.modelPath : state.location.name;
}

/**
 * The backend is as healthy as its completion model (the task it exists for); a broken explain
 * model only degrades it.
 */
export function computeStatus(states: Record<Task, TaskModelState>, workerProblem: string | undefined, disposed: boolean): BackendStatus {
  const base = { backend: 'local' as const, model: modelName(states.completion), breaker: 'closed' as const };
  if (disposed) return { ...base, state: 'disabled', detail: 'The local backend was shut down.' };
  const loading = TASKS.map((t) => states[t]).filter((s) => s.phase === 'loading');
  if (loading.length > 0) {
    const progress = Math.min(...loading.map((s) => (s.phase === 'loading' ? s.progress : 0)));
    const names = loading.map(modelName).join(' and ');
    return { ...base, state: 'loading', progress, detail: `Loading ${names}.` };
  }
  const completionError = errorOf(states.completion);
  if (completionError) return { ...base, state: 'down', detail: completionError.message };
  if (workerProblem) return { ...base, state: 'down', detail: workerProblem };
  const explainError = errorOf(states.explain);
  if (explainError) return { ...base, state: 'degraded', detail: `Explain is unavailable: ${explainError.message}` };
  const idle = TASKS.filter((t) => states[t].phase === 'idle');
  if (idle.length > 0) {
    const what = idle.length > 1 ? 'models load' : 'model loads';
    return { ...base, state: 'ready', detail: `The ${idle.join(' and ')} ${what} on first use.` };
  }
  return { ...base, state: 'ready' };
}

export function errorOf(state: TaskModelState): ModelLoadError | undefined {
  return state.phase === 'unresolved' || state.phase === 'failed' ? state.error : undefined;
}
