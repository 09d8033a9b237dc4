/**
 * The server as another editor sees it: spawned over stdio and driven with a real LSP client,
 * on the bundled local model. initialize → didOpen → inlineCompletion → explain → metrics →
 * shutdown/exit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileUri, startServer, type Harness } from '../support/serverHarness';

const PYTHON = `def fibonacci(n):
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_even(value):
    return value % 2 == 0


def is_odd(value):
${'    '}
`;

/** The cursor in is_odd's empty body (its indent written out, so no editor trims it): the bundled
 * model (greedy, temperature 0) answers with text here. */
const EMPTY_BODY = { line: 13, character: 4 };

describe('server over stdio with a real LSP client', () => {
  let server: Harness;
  before(async () => {
    server = await startServer({ routing: { policy: 'local' } });
  });
  after(async () => {
    await server?.close();
  });

  it('advertises inline completion', () => {
    assert.ok(server.client.initializeResult.capabilities.inlineCompletionProvider);
    assert.equal(server.client.initializeResult.serverInfo?.name, 'tandem');
  });

  it('completes in a Python document with the local model and records the request', async () => {
    const uri = fileUri('fib.py');
    await server.client.open(uri, 'python', PYTHON);
    const items = await server.client.complete(uri, EMPTY_BODY.line, EMPTY_BODY.character).result;
    assert.ok(items.length > 0, 'the local model completes the empty body');
    const text = items[0]!.insertText;
    assert.ok((typeof text === 'string' ? text : text.value).trim().length > 0, `non-empty suggestion: ${JSON.stringify(text)}`);
    const snapshot = await server.client.snapshot();
    const row = snapshot.recent.find((r) => r.task === 'completion');
    assert.ok(row, 'a completion row is recorded');
    assert.equal(row.policy, 'local');
    assert.equal(row.outcome, 'shown');
    assert.equal(row.backend, 'local');
    assert.ok((row.e2eMs ?? 0) > 0);
  });

  it('explains a selection, streaming deltas that add up to the answer', async () => {
    const uri = fileUri('fib.py');
    let streamed = '';
    const result = await server.client.explain(
      uri,
      { start: { line: 0, character: 0 }, end: { line: 5, character: 12 } },
      (delta, reset) => {
        streamed = reset ? delta : streamed + delta;
      },
    );
    assert.equal(result.backend, 'local');
    assert.ok(result.text.trim().length > 0, 'non-empty explanation');
    assert.equal(streamed.trim(), result.text.trim());
    assert.ok(result.e2eMs >= result.ttftMs);
    assert.ok(result.note, 'the local answer says what the local model can do');
  });

  it('reports metrics per backend and the server status', async () => {
    const snapshot = await server.client.snapshot();
    const local = snapshot.backends.find((b) => b.backend === 'local');
    assert.ok(local && local.requests >= 1);
    const status = await server.client.status();
    assert.equal(status.policy, 'local');
    assert.ok(status.backends.some((b) => b.backend === 'local'));
  });

  it('shuts down cleanly on shutdown + exit', async () => {
    const code = await server.close();
    assert.equal(code, 0);
    server = undefined as unknown as Harness;
  });
});
