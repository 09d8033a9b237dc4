/**
 * lsp/boundary.ts and lsp/params.ts: each error becomes one LSP error code with a clear message,
 * the handler gets one signal (the client's cancellation, plus the request's timeout), a
 * handler that must answer gives its fallback, and the validators refuse wrong shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancellationTokenSource, ErrorCodes, LSPErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { CancelledError, TimeoutError } from '../../server/src/backends/backend';
import { ExplainInputError } from '../../server/src/explain/selection';
import { LspBoundary, toResponseError } from '../../server/src/lsp/boundary';
import {
  completionAcceptParams,
  explainParams,
  InvalidParamsError,
  metricsResetParams,
  metricsSnapshotParams,
  type Validator,
} from '../../server/src/lsp/params';
import { registerSecret } from '../../server/src/redact';

const anything: Validator<unknown> = (raw) => raw;

function boundary(): { lsp: LspBoundary; warnings: string[] } {
  const warnings: string[] = [];
  const log = { info() {}, warn: (message: string) => warnings.push(message), error() {} };
  // handler() never touches the connection: it is registered by the caller.
  return { lsp: new LspBoundary({} as Connection, log), warnings };
}

/** Resolves with the signal's reason once it aborts (the timer in abort.ts is unref'd: this one keeps the test alive). */
function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  const alive = setInterval(() => {}, 1000);
  return new Promise((resolve) =>
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(alive);
        resolve(signal.reason);
      },
      { once: true },
    ),
  );
}

describe('toResponseError', () => {
  it('maps bad params, cancellations and failures to one code each', () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [new InvalidParamsError('Explain: no range.'), ErrorCodes.InvalidParams, /^Explain: no range\.$/],
      [new ExplainInputError('Select some code to explain; the selection is empty.'), ErrorCodes.InvalidParams, /selection is empty/],
      [new CancelledError(), LSPErrorCodes.RequestCancelled, /^Explain was cancelled\.$/],
      [new TimeoutError('Offload took longer than 30000 ms.'), ErrorCodes.InternalError, /took longer than 30000 ms/],
      [new Error('disk full'), ErrorCodes.InternalError, /disk full/],
    ];
    for (const [error, code, message] of cases) {
      const mapped = toResponseError(error, 'Explain');
      assert.equal(mapped.code, code, String(error));
      assert.match(mapped.message, message);
    }
    const own = new ResponseError(ErrorCodes.ServerNotInitialized, 'not yet');
    assert.equal(toResponseError(own, 'Explain'), own);
  });

  it('redacts a secret an endpoint echoed into its error', () => {
    registerSecret('sk-boundary-secret-123456');
    const mapped = toResponseError(new Error('401: bad key sk-boundary-secret-123456'), 'Explain');
    assert.doesNotMatch(mapped.message, /sk-boundary-secret/);
  });
});

describe('LspBoundary.handler', () => {
  it('bad params never reach the handler and answer InvalidParams', async () => {
    const { lsp } = boundary();
    let called = false;
    const handle = lsp.handler({ what: 'Reset metrics', params: metricsResetParams }, () => (called = true));
    await assert.rejects(
      handle({ confirm: 'yes' }, new CancellationTokenSource().token),
      (error: ResponseError<void>) => error.code === ErrorCodes.InvalidParams,
    );
    assert.equal(called, false);
  });

  it('the client cancelling aborts the one signal, and a cancellation is answered RequestCancelled', async () => {
    const { lsp } = boundary();
    const source = new CancellationTokenSource();
    const handle = lsp.handler({ what: 'Explain', params: anything }, async (_params, signal) => {
      source.cancel();
      await aborted(signal);
      throw new CancelledError(undefined, { cause: signal.reason });
    });
    await assert.rejects(handle({}, source.token), (error: ResponseError<void>) => {
      assert.equal(error.code, LSPErrorCodes.RequestCancelled);
      assert.equal(error.message, 'Explain was cancelled.');
      return true;
    });
  });

  it('the timeout aborts the signal with a TimeoutError naming the request', async () => {
    const { lsp } = boundary();
    const handle = lsp.handler({ what: 'Completion', params: anything, timeoutMs: () => 1 }, (_params, signal) => aborted(signal));
    const reason = await handle({}, new CancellationTokenSource().token);
    assert.ok(reason instanceof TimeoutError);
    assert.match(reason.message, /^Completion took longer than 1 ms\.$/);
  });

  it('a handler with a fallback answers it, logging failures but not cancellations', async () => {
    const { lsp, warnings } = boundary();
    const token = new CancellationTokenSource().token;
    const orElse = () => ({ items: [] });
    const failing = lsp.handler({ what: 'Completion', params: anything, orElse }, () => Promise.reject(new Error('model crashed')));
    const cancelled = lsp.handler({ what: 'Completion', params: anything, orElse }, () => Promise.reject(new CancelledError()));
    assert.deepEqual(await failing({}, token), { items: [] });
    assert.deepEqual(await cancelled({}, token), { items: [] });
    assert.deepEqual(warnings, ['Completion failed: model crashed']);
  });
});

describe('params validators', () => {
  const refuses = (validate: Validator<unknown>, raw: unknown) =>
    assert.throws(() => validate(raw), InvalidParamsError, JSON.stringify(raw));

  it('explain needs a document and a range of positions', () => {
    const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 2 } };
    assert.deepEqual(explainParams({ textDocument: { uri: 'file:///a.ts' }, range, streamId: 's' }), {
      textDocument: { uri: 'file:///a.ts' },
      range,
      streamId: 's',
    });
    assert.throws(() => explainParams({ nonsense: true }), /document is not open/);
    refuses(explainParams, { textDocument: { uri: 'file:///a.ts' } });
    refuses(explainParams, { textDocument: { uri: 'file:///a.ts' }, range: { start: { line: 'one' }, end: range.end } });
    refuses(explainParams, { textDocument: { uri: 'file:///a.ts' }, range, streamId: 7 });
  });

  it('metrics filters: none means the defaults; a wrong type is named', () => {
    assert.deepEqual(metricsSnapshotParams(undefined), {});
    assert.deepEqual(metricsSnapshotParams(null), {});
    assert.deepEqual(metricsSnapshotParams({ sinceMs: 0, recent: 0, task: 'explain', backend: 'local', language: 'python' }), {
      sinceMs: 0,
      recent: 0,
      task: 'explain',
      backend: 'local',
      language: 'python',
    });
    assert.throws(() => metricsSnapshotParams({ sinceMs: 'yesterday' }), /sinceMs must be a number/);
    refuses(metricsSnapshotParams, { recent: Number.NaN });
    refuses(metricsSnapshotParams, { backend: 'cloud' });
    refuses(metricsSnapshotParams, [1, 2]);
  });

  it('an accept event needs its requestId and a length ≥ 0', () => {
    assert.deepEqual(completionAcceptParams({ requestId: 'r1', acceptedLength: 3 }), { requestId: 'r1', acceptedLength: 3 });
    refuses(completionAcceptParams, { requestId: 'r1' });
    refuses(completionAcceptParams, { requestId: 'r1', acceptedLength: -1 });
    refuses(completionAcceptParams, { acceptedLength: 3 });
  });
});
