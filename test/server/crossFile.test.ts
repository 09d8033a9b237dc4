/**
 * Context from other open files, end to end: the whole server in-process over a real LSP
 * connection, with the OpenAI-compatible test server on 127.0.0.1 as offload (policy offload),
 * whose recorded requests show exactly what a prompt held. A second open document's code reaches
 * the prompt under a path comment; an excluded document's never does; the request's row carries
 * a trace of the sources, with their text only when `metrics.storePrompts` is on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestRow } from '../../server/src/protocol';
import { startInProcessServer, waitFor, type InProcessServer } from '../support/inProcessServer';

const MAIN = `import { lerpColour } from './palette';

export function fadeTowards(start: Colour, end: Colour, steps: number): Colour[] {
  const frames: Colour[] = [];
  for (let step = 0; step < steps; step++) {
    frames.push(lerpColour(start, end, step / steps));
  }
  return frames;
}
`;
const PALETTE = `export interface Colour { red: number; green: number; blue: number }

export function lerpColour(start: Colour, end: Colour, amount: number): Colour {
  return { red: start.red + (end.red - start.red) * amount, green: 0, blue: 0 };
}
`;
// Shares most identifiers with MAIN, so only the exclude rule keeps it out.
const SECRET = `const PRIVATE_TOKEN_7c1f = 'do-not-send';
export function fadeTowards(start: Colour, end: Colour, steps: number): Colour[] {
  const frames: Colour[] = [];
  for (let step = 0; step < steps; step++) frames.push(lerpColour(start, end, step / steps));
  return frames;
}
`;

function settings(url: string, storePrompts: boolean) {
  return {
    routing: { policy: 'offload' },
    offload: { url, maxRetries: 0, timeoutMs: 2000 },
    completion: { debounceMs: 0 },
    metrics: { storePrompts },
  };
}

describe('server in-process: context from other open files', () => {
  let server: InProcessServer;
  let url = '';

  before(async () => {
    server = await startInProcessServer((offloadUrl) => {
      url = offloadUrl;
      return settings(offloadUrl, false);
    });
    await server.client.open('file:///workspace/src/palette.ts', 'typescript', PALETTE);
    await server.client.open('file:///workspace/src/secrets.ts', 'typescript', SECRET);
    await server.client.open('file:///workspace/src/fade.ts', 'typescript', MAIN);
  });

  after(async () => {
    await server?.close();
  });

  async function completeAndTrace(line: number, character: number): Promise<{ prompt: string; row: RequestRow }> {
    const sent = server.offload.generationRequests().length;
    await server.client.complete('file:///workspace/src/fade.ts', line, character).result;
    const requests = server.offload.generationRequests();
    assert.equal(requests.length, sent + 1, 'one request reached offload');
    const body = requests.at(-1)?.body as { prompt?: string; suffix?: string };
    const rows = await waitFor('the row', async () => {
      const recent = (await server.client.snapshot({ recent: 1000 })).recent;
      return recent.length > 0 ? recent : undefined;
    });
    const row = rows.find((r) => r.task === 'completion' && r.backend === 'offload' && r.promptTrace);
    assert.ok(row, 'the completion row has a prompt trace');
    return { prompt: `${body.prompt ?? ''}${body.suffix ?? ''}`, row };
  }

  it('puts the imported definition from the other document before the prefix, under a path comment', async () => {
    const { prompt, row } = await completeAndTrace(7, 2);
    assert.match(prompt, /\/\/ palette\.ts\nexport function lerpColour\(start: Colour, end: Colour, amount: number\): Colour \{/);
    assert.ok(prompt.indexOf('// palette.ts') < prompt.indexOf('export function fadeTowards'), 'the snippet precedes the code');
    const trace = row.promptTrace;
    assert.ok(trace);
    assert.equal(trace.backend, 'offload');
    assert.equal(trace.crossFileBudgetTokens, 768);
    assert.ok(trace.crossFileTokens > 0 && trace.crossFileTokens <= 768);
    assert.ok(trace.promptChars >= prompt.length);
    const palette = trace.sources.find((source) => source.path === 'palette.ts');
    assert.deepEqual(palette && { kind: palette.kind, startLine: palette.startLine }, { kind: 'import', startLine: 2 });
    assert.ok(
      trace.sources.every((source) => source.text === undefined),
      'no snippet text is stored with storePrompts off',
    );
  });

  it('never sends an excluded document, however similar', () => {
    for (const request of server.offload.generationRequests()) {
      assert.doesNotMatch(JSON.stringify(request.body), /PRIVATE_TOKEN_7c1f|secrets\.ts/);
    }
  });

  it('stores the snippet text in the trace when storePrompts is on', async () => {
    await server.client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { tandem: settings(url, true) } });
    const { row } = await completeAndTrace(5, 4);
    const palette = row.promptTrace?.sources.find((source) => source.path === 'palette.ts');
    assert.match(palette?.text ?? '', /^export function lerpColour/);
  });
});
