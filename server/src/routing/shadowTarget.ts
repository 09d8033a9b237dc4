/**
 * Where a shadow request may go, as a pure function. The privacy rule of policy.ts holds here
 * too: under the `local` policy, or with no offload endpoint configured, code is never sent
 * anywhere for a shadow; otherwise the shadow goes to the backend that did not answer, and only
 * when that backend is healthy (a shadow must not be the probe of a half-open breaker, nor add
 * load to a backend that is failing).
 */
import type { Backend } from '../backends/backend';
import type { BackendId, RoutingPolicy } from '../protocol';

export interface ShadowTargetInput {
  policy: RoutingPolicy;
  local: Backend;
  offload: Backend | undefined;
  /** The backend whose answer was shown. */
  answered: BackendId;
  /** Available for the task and its breaker closed. */
  healthy: (backend: Backend) => boolean;
}

export function shadowTarget(input: ShadowTargetInput): Backend | undefined {
  if (input.policy === 'local' || !input.offload) return undefined;
  const other = input.answered === 'local' ? input.offload : input.local;
  return input.healthy(other) ? other : undefined;
}
