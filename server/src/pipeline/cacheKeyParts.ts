/**
 * The cache key of a request for one backend, and the model that answers a task there. Shared by
 * every task of the answer pipeline (answerPipeline.ts) and by shadow rows.
 */
import type { Backend, GenerateRequest } from '../backends/backend';
import type { CacheKeyParts } from '../cache/types';

export function cacheKeyParts(backend: Backend, request: GenerateRequest): CacheKeyParts {
  return {
    backend: backend.id,
    // The decoding variant rides on the model name: same model, different answers.
    model: [modelName(backend, request.task), backend.decodingFor?.(request.task)].filter(Boolean).join('+'),
    prompt: request.messages ? `${request.prompt}\n${JSON.stringify(request.messages)}` : request.prompt,
    ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    stop: request.stop,
  };
}

/** The model that answers a task on a backend (local uses one model per task). */
export function modelName(backend: Backend, task: GenerateRequest['task']): string {
  return backend.modelFor?.(task) ?? backend.model;
}
