import type { Backend } from '../backends/backend';
import type { RouteContext } from '../routing/types';

/**
 * Which backend the router would try first for a context, without running anything. The cache
 * is keyed per backend (each formats its prompt differently), so the services look up the
 * answer the first-choice backend gave before; the router can answer from its pure planRoute.
 */
export type FirstChoice = (context: RouteContext) => Backend | undefined;
