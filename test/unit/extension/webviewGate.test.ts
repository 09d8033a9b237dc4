import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebviewGate } from '../../../extension/src/webviewGate';

describe('WebviewGate', () => {
  it('drops messages until the webview is ready, then posts them', () => {
    const posted: string[] = [];
    const gate = new WebviewGate<string>((message) => {
      posted.push(message);
      return true;
    });
    assert.equal(gate.send('early'), false);
    gate.markReady();
    assert.equal(gate.isReady, true);
    assert.equal(gate.send('late'), true);
    gate.markNotReady();
    assert.equal(gate.send('after reload'), false);
    assert.deepEqual(posted, ['late']);
  });

  it('stops posting to a webview that throws (disposed) and reports the error', () => {
    const errors: unknown[] = [];
    const gate = new WebviewGate<string>(
      () => {
        throw new Error('Webview is disposed');
      },
      (error) => errors.push(error),
    );
    gate.markReady();
    assert.equal(gate.send('x'), false);
    assert.equal(gate.isReady, false);
    assert.equal(errors.length, 1);
  });

  it('reports an asynchronous post failure instead of leaving it unhandled', async () => {
    const errors: unknown[] = [];
    const gate = new WebviewGate<string>(
      () => Promise.reject(new Error('gone')),
      (error) => errors.push(error),
    );
    gate.markReady();
    assert.equal(gate.send('x'), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((errors[0] as Error | undefined)?.message, 'gone');
  });
});
