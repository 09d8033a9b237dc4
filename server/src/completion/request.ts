/**
 * The generation request for one backend. Prompts differ per backend (each has its own FIM
 * template, and an OpenAI-style server may take the suffix natively), so the router calls this
 * for whichever backend it tries, and the cache key is computed from that same request.
 */
import type { Backend, GenerateRequest } from '../backends/backend';
import type { CacheKeyParts } from '../cache/types';
import type { TandemConfig } from '../config';
import type { CompletionContext } from './context';
import { stopSequences } from './stops';
import { formatFimPrompt } from './templates';

export function buildCompletionRequest(
  backend: Backend,
  context: CompletionContext,
  multiline: boolean,
  settings: TandemConfig['completion'],
): GenerateRequest {
  const nativeSuffix = backend.supportsNativeSuffix && backend.fimTemplate !== 'none';
  return {
    task: 'completion',
    prompt: nativeSuffix ? context.prefix : formatFimPrompt(backend.fimTemplate, context.prefix, context.suffix),
    ...(nativeSuffix ? { suffix: context.suffix } : {}),
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    stop: stopSequences(backend.fimTemplate, multiline, context.languageId),
  };
}

export function cacheKeyParts(backend: Backend, request: GenerateRequest): CacheKeyParts {
  return {
    backend: backend.id,
    model: backend.model,
    prompt: request.messages ? `${request.prompt}\n${JSON.stringify(request.messages)}` : request.prompt,
    ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    stop: request.stop,
  };
}
