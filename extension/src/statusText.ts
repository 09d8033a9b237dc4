/**
 * Turns the client's connection state and the server's `ServerStatus` into what the status bar
 * item and the performance panel show. Pure: the vscode-facing code only copies the fields.
 */
import type { BackendStatus, ServerStatus } from '../../server/src/protocol';
import { formatMs } from './format';
import type { StatusSummaryView } from './webviewMessages';

/** The language client's connection to the server, reduced to what the user cares about. */
export type ClientState = 'starting' | 'running' | 'stopped';

export type StatusKind = 'starting' | 'loading' | 'ready' | 'fallback' | 'breaker-open' | 'no-backend' | 'server-down';

export interface StatusPresentation {
  kind: StatusKind;
  /** Status bar text, with a codicon. */
  text: string;
  /** Plain-text tooltip, one fact per line. */
  tooltip: string;
  /** Background hint for the status bar item. */
  severity: 'normal' | 'warning' | 'error';
}

const TITLE = 'Tandem';

export function presentStatus(client: ClientState, status: ServerStatus | undefined): StatusPresentation {
  if (client === 'stopped') {
    return {
      kind: 'server-down',
      text: `$(debug-disconnect) ${TITLE}: server down`,
      tooltip: 'The Tandem language server is not running. Click for details; run "Tandem: Restart Server" to start it again.',
      severity: 'error',
    };
  }
  if (client === 'starting' || status === undefined) {
    return {
      kind: 'starting',
      text: `$(loading~spin) ${TITLE}: starting`,
      tooltip: 'The Tandem language server is starting.',
      severity: 'normal',
    };
  }

  const tooltip = describeStatus(status).join('\n');
  const enabled = status.backends.filter((backend) => backend.state !== 'disabled');
  const loading = enabled.find((backend) => backend.state === 'loading' || backend.state === 'warming-up');
  const usable = enabled.filter((backend) => backend.state !== 'down');
  const openBreaker = enabled.find((backend) => backend.breaker === 'open');
  const last = lastRequestText(status);

  if (usable.length === 0) {
    return { kind: 'no-backend', text: `$(error) ${TITLE}: no backend`, tooltip, severity: 'error' };
  }
  // A loading backend only defines the state while no other backend can already answer.
  if (loading && !enabled.some((backend) => backend.state === 'ready')) {
    return {
      kind: 'loading',
      text: `$(loading~spin) ${TITLE}: loading ${loading.backend}${progressText(loading)}`,
      tooltip,
      severity: 'normal',
    };
  }
  if (openBreaker) {
    return {
      kind: 'breaker-open',
      text: `$(warning) ${TITLE}: ${openBreaker.backend} breaker open${last ? ` · ${last}` : ''}`,
      tooltip,
      severity: 'warning',
    };
  }
  if (status.lastFallbackReason) {
    return {
      kind: 'fallback',
      text: `$(arrow-swap) ${TITLE}: fallback${last ? ` → ${last}` : ''}`,
      tooltip,
      severity: 'warning',
    };
  }
  return { kind: 'ready', text: `$(sparkle) ${TITLE}: ${last || 'ready'}`, tooltip, severity: 'normal' };
}

/** One line for the top of the performance panel. */
export function summarizeStatus(client: ClientState, status: ServerStatus | undefined): StatusSummaryView {
  const presentation = presentStatus(client, status);
  const tone = presentation.severity === 'normal' ? 'ok' : presentation.severity;
  if (!status || client !== 'running') return { headline: presentation.tooltip, tone };
  const backends = status.backends.map((backend) => `${backend.backend} ${backendStateText(backend)}`);
  return { headline: [`Policy ${status.policy}`, ...backends].join(' · '), tone };
}

function describeStatus(status: ServerStatus): string[] {
  const lines = [`Routing policy: ${status.policy}`];
  for (const backend of status.backends) {
    const model = backend.model ? ` (${backend.model})` : '';
    const detail = backend.detail ? ` — ${backend.detail}` : '';
    lines.push(`${backend.backend}${model}: ${backendStateText(backend)}${detail}`);
  }
  if (status.lastBackend) lines.push(`Last request: ${lastRequestText(status)}`);
  if (status.lastFallbackReason) lines.push(`Last fallback: ${status.lastFallbackReason}`);
  lines.push('Click to open the performance panel.');
  return lines;
}

function backendStateText(backend: BackendStatus): string {
  if (backend.breaker === 'open') return `${backend.state}, breaker open`;
  if (backend.breaker === 'half-open') return `${backend.state}, breaker half-open`;
  return `${backend.state}${progressText(backend)}`;
}

function progressText(backend: BackendStatus): string {
  if (backend.progress === undefined || !Number.isFinite(backend.progress)) return '';
  const percent = Math.round(Math.min(1, Math.max(0, backend.progress)) * 100);
  return ` ${percent}%`;
}

function lastRequestText(status: ServerStatus): string {
  if (!status.lastBackend) return '';
  const latency = status.lastLatencyMs === undefined ? '' : ` ${formatMs(status.lastLatencyMs)}`;
  return `${status.lastBackend}${latency}`;
}
