/**
 * A CompletionService wired the way the orchestration tests need it: the given router (a
 * FakeRouter or the real Router) also answers the first-choice question, an in-memory cache and
 * metrics (serviceFakes.ts), the real typing-along store, and request ids req-1, req-2, ….
 * Not a test file itself.
 */
import { TypingAlong } from '../../server/src/cache/typingAlong';
import type { FirstChoice } from '../../server/src/pipeline/firstChoice';
import { CompletionService } from '../../server/src/completion/completionService';
import type { TandemConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import type { GenerationRouter, ShadowRouting } from '../../server/src/routing/types';
import { FakeCache, FakeMetrics } from './serviceFakes';

export interface ServiceUnderTestOptions {
  router: GenerationRouter & { firstChoice: FirstChoice };
  /** Read on every request, so a test may change what it returns. */
  config: () => TandemConfig;
  metrics?: FakeMetrics;
  /** Shadow mode runs only when given (the real Router implements it). */
  shadowRouting?: ShadowRouting;
}

export function completionServiceUnderTest(options: ServiceUnderTestOptions) {
  const cache = new FakeCache();
  const metrics = options.metrics ?? new FakeMetrics();
  const log = memoryLogger();
  let ids = 0;
  const service = new CompletionService({
    router: options.router,
    firstChoice: (context) => options.router.firstChoice(context),
    cache,
    typingAlong: new TypingAlong(),
    metrics,
    config: options.config,
    log,
    newId: () => `req-${++ids}`,
    ...(options.shadowRouting ? { shadowRouting: options.shadowRouting } : {}),
  });
  return { service, cache, metrics, log };
}
