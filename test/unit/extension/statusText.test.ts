import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackendStatus, ServerStatus } from '../../../server/src/protocol';
import { presentStatus, summarizeStatus } from '../../../extension/src/statusText';

function backend(overrides: Partial<BackendStatus> & Pick<BackendStatus, 'backend'>): BackendStatus {
  return { state: 'ready', model: 'm', breaker: 'closed', ...overrides };
}

function status(overrides: Partial<ServerStatus> = {}): ServerStatus {
  return {
    policy: 'auto',
    backends: [backend({ backend: 'local', model: 'tandem-small' }), backend({ backend: 'offload', state: 'disabled' })],
    ...overrides,
  };
}

describe('presentStatus', () => {
  it('says the server is down when the client stopped, whatever the last status was', () => {
    const presentation = presentStatus('stopped', status());
    assert.equal(presentation.kind, 'server-down');
    assert.equal(presentation.severity, 'error');
    assert.match(presentation.text, /server down/);
    assert.match(presentation.tooltip, /Restart Server/);
  });

  it('says starting until the first status arrives', () => {
    assert.equal(presentStatus('starting', undefined).kind, 'starting');
    assert.equal(presentStatus('running', undefined).kind, 'starting');
  });

  it('shows the model loading progress while no backend is ready', () => {
    const presentation = presentStatus(
      'running',
      status({
        backends: [backend({ backend: 'local', state: 'loading', progress: 0.425 }), backend({ backend: 'offload', state: 'disabled' })],
      }),
    );
    assert.equal(presentation.kind, 'loading');
    assert.match(presentation.text, /loading local 43%/);
  });

  it('does not claim loading while another backend can already answer', () => {
    const presentation = presentStatus(
      'running',
      status({ backends: [backend({ backend: 'local', state: 'loading' }), backend({ backend: 'offload' })] }),
    );
    assert.equal(presentation.kind, 'ready');
  });

  it('shows the last backend and latency when ready', () => {
    const presentation = presentStatus('running', status({ lastBackend: 'local', lastLatencyMs: 84.2 }));
    assert.equal(presentation.kind, 'ready');
    assert.equal(presentation.text, '$(sparkle) Tandem: local 84 ms');
    assert.match(presentation.tooltip, /local \(tandem-small\): ready/);
  });

  it('says ready before any request', () => {
    assert.equal(presentStatus('running', status()).text, '$(sparkle) Tandem: ready');
  });

  it('warns about a fallback and names the reason in the tooltip', () => {
    const presentation = presentStatus(
      'running',
      status({
        backends: [backend({ backend: 'local' }), backend({ backend: 'offload' })],
        lastBackend: 'local',
        lastLatencyMs: 120,
        lastFallbackReason: 'offload timed out after 15000 ms',
      }),
    );
    assert.equal(presentation.kind, 'fallback');
    assert.equal(presentation.severity, 'warning');
    assert.match(presentation.text, /fallback → local 120 ms/);
    assert.match(presentation.tooltip, /Last fallback: offload timed out/);
  });

  it('puts an open breaker before a fallback', () => {
    const presentation = presentStatus(
      'running',
      status({
        backends: [backend({ backend: 'local' }), backend({ backend: 'offload', state: 'degraded', breaker: 'open' })],
        lastBackend: 'local',
        lastFallbackReason: 'breaker open',
      }),
    );
    assert.equal(presentation.kind, 'breaker-open');
    assert.match(presentation.text, /offload breaker open · local/);
    assert.match(presentation.tooltip, /offload \(m\): degraded, breaker open/);
  });

  it('says no backend when every enabled backend is down', () => {
    const presentation = presentStatus(
      'running',
      status({
        backends: [
          backend({ backend: 'local', state: 'down', detail: 'model failed to load' }),
          backend({ backend: 'offload', state: 'disabled' }),
        ],
      }),
    );
    assert.equal(presentation.kind, 'no-backend');
    assert.equal(presentation.severity, 'error');
    assert.match(presentation.tooltip, /model failed to load/);
  });
});

describe('summarizeStatus', () => {
  it('lists the policy and each backend', () => {
    const summary = summarizeStatus('running', status());
    assert.equal(summary.headline, 'Policy auto · local ready · offload disabled');
    assert.equal(summary.tone, 'ok');
  });

  it('explains a stopped server', () => {
    const summary = summarizeStatus('stopped', undefined);
    assert.equal(summary.tone, 'error');
    assert.match(summary.headline, /not running/);
  });
});
