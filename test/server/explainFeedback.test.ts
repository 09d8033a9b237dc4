/**
 * Explain quality through the whole server (in-process LSP, real metrics store, offload on the
 * OpenAI-compatible test server): the answer's requestId, its grounding score on the row, thumbs
 * up / down stored on that row (last vote wins, bad params refused, unknown ids ignored), and
 * tandem.completion.exclude keeping an excluded file's text from every model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import { Methods, type ExplainFeedbackParams, type RequestRow } from '../../server/src/protocol';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { startInProcessServer, TS_CODE, waitFor, type InProcessServer } from '../support/inProcessServer';

const URI = 'file:///workspace/math.ts';
const SECRET_URI = 'file:///workspace/config/secrets.ts';
const CLAMP = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };
/** Names clamp, value, low, high (in the selection) and clampAll (not): grounding 4 / 5. */
const ANSWER = '`clamp` keeps `value` between `low` and `high`; see clampAll() for arrays.';

const INVALID_PARAMS = -32602;

describe('server in-process: explain feedback, grounding and exclude', () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let offload: FakeOpenAIServer;

  before(async () => {
    server = await startInProcessServer((url) => ({
      routing: { policy: 'offload' },
      offload: { url, maxRetries: 0, timeoutMs: 5000 },
    }));
    ({ client, offload } = server);
    offload.configure({ respond: (request) => (request.kind === 'chat' ? ANSWER : 'x') });
    await client.open(URI, 'typescript', TS_CODE);
    await client.open(SECRET_URI, 'typescript', 'export const API_KEY = "sk-not-for-models";\n');
  });

  after(async () => {
    await server?.close();
  });

  async function row(id: string, until: (row: RequestRow) => boolean = () => true): Promise<RequestRow> {
    return waitFor(`row ${id}`, async () => (await client.snapshot()).recent.find((r) => r.id === id && until(r)));
  }

  const rate = (params: unknown): Promise<unknown> => client.connection.sendRequest(Methods.explainFeedback, params);

  it('returns the row id, scores grounding on the row, and stores the last vote', async () => {
    const result = await client.explain(URI, CLAMP);
    assert.equal(result.backend, 'offload');
    assert.equal(result.text, ANSWER);
    assert.equal(typeof result.requestId, 'string');
    const answered = await row(result.requestId);
    assert.equal(answered.task, 'explain');
    assert.equal(answered.grounding, 4 / 5);
    assert.equal(answered.feedback, undefined);

    const up: ExplainFeedbackParams = { requestId: result.requestId, rating: 1 };
    assert.equal(await rate(up), null);
    assert.equal((await row(result.requestId, (r) => r.feedback !== undefined)).feedback, 1);
    await rate({ ...up, rating: -1 });
    assert.equal((await row(result.requestId, (r) => r.feedback === -1)).feedback, -1);
  });

  it('a cache hit has its own row and takes its own vote', async () => {
    const first = await client.explain(URI, CLAMP);
    const again = await client.explain(URI, CLAMP);
    assert.notEqual(again.requestId, first.requestId);
    assert.notEqual(again.cacheTier, 'none');
    await rate({ requestId: again.requestId, rating: 1 });
    assert.equal((await row(again.requestId, (r) => r.feedback !== undefined)).feedback, 1);
    assert.equal((await row(first.requestId)).feedback, undefined);
  });

  it('refuses a bad rating with InvalidParams and ignores unknown ids', async () => {
    const result = await client.explain(URI, { start: { line: 4, character: 0 }, end: { line: 10, character: 1 } });
    for (const bad of [{ requestId: result.requestId, rating: 5 }, { requestId: result.requestId }, { rating: 1 }]) {
      await assert.rejects(rate(bad), (e: { code?: number }) => e.code === INVALID_PARAMS, JSON.stringify(bad));
    }
    assert.equal(await rate({ requestId: 'no-such-row', rating: 1 }), null);
    // A completion row is not an explanation: its id is unknown to the feedback handler.
    const rows = (await client.snapshot()).recent;
    assert.ok(rows.every((r) => r.feedback === undefined || r.task === 'explain'));
    assert.equal((await row(result.requestId)).feedback, undefined);
  });

  it('never sends an excluded file to a model: InvalidParams naming the setting, no request, no row', async () => {
    const sent = offload.generationRequests().length;
    const rowsBefore = (await client.snapshot()).recent.length;
    await assert.rejects(
      client.explain(SECRET_URI, { start: { line: 0, character: 0 }, end: { line: 0, character: 40 } }),
      (e: { code?: number; message?: string }) => e.code === INVALID_PARAMS && /tandem\.completion\.exclude/.test(e.message ?? ''),
    );
    assert.equal(offload.generationRequests().length, sent);
    assert.equal((await client.snapshot()).recent.length, rowsBefore);
  });
});
