/**
 * ExplainView (extension host) with the fake vscode: a thumbs click from the webview becomes
 * `tandem/explain/feedback` for the answer's requestId; the last vote wins; votes on an
 * unfinished answer, on another stream, or malformed ones send nothing.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type * as ExplainViewModule from '../../../extension/src/explainView';
import type { TandemClient } from '../../../extension/src/languageClient';
import { Methods, type ExplainResult } from '../../../server/src/protocol';
import { loadExtensionWithFakeVscode } from './support/loadExtensionWithFakeVscode';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fake vscode is untyped JS by design */
const { vscode, fake } = loadExtensionWithFakeVscode();
const { ExplainView } = createRequire(__filename)('../../../extension/src/explainView') as typeof ExplainViewModule;

const RESULT: ExplainResult = {
  requestId: 'row-42',
  text: 'Computes `area`.',
  backend: 'offload',
  model: 'm',
  ttftMs: 10,
  e2eMs: 20,
  cacheTier: 'none',
};

function fakeClient(answer: () => Promise<ExplainResult>) {
  const requests: Array<{ method: string; params: any }> = [];
  const warnings: unknown[][] = [];
  const client = {
    onDidStreamExplain: () => ({ dispose() {} }),
    isRunning: () => true,
    converters: { code2ProtocolConverter: { asUri: (uri: any) => String(uri) } },
    output: { warn: (...args: unknown[]) => warnings.push(args), debug() {} },
    // TandemClient.sendRequest takes the typed message (protocolMessages.ts); its method is the wire name.
    sendRequest: async ({ method }: { method: string }, params: any) => {
      requests.push({ method, params });
      if (method === Methods.explain) return answer();
      return null;
    },
  };
  return { client: client as unknown as TandemClient, requests, warnings };
}

function editor() {
  const uri = vscode.Uri.file('/work/a.py');
  return { document: { uri }, selection: new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(1, 4)) };
}

async function explained(answer: () => Promise<ExplainResult> = async () => RESULT) {
  const before = fake.panels.length;
  const { client, requests, warnings } = fakeClient(answer);
  const view = new ExplainView(vscode.Uri.file('/ext'), client);
  const running = view.explain(editor() as any);
  const panel = fake.panels[before];
  assert.ok(panel, 'the explain panel opened');
  panel.sendFromWebview({ type: 'ready' });
  await running;
  const states = (): any[] => panel.posted.filter((m: any) => m.type === 'explain/state').map((m: any) => m.state);
  const feedback = () => requests.filter((r) => r.method === Methods.explainFeedback).map((r) => r.params);
  return { view, panel, states, feedback, warnings };
}

describe('ExplainView feedback', () => {
  it('sends the vote for the answer row, and each change of vote; the same vote twice once', async () => {
    const { view, panel, states, feedback } = await explained();
    const streamId = states().at(-1).streamId;
    assert.equal(states().at(-1).requestId, 'row-42');

    panel.sendFromWebview({ type: 'explain/feedback', streamId, rating: 1 });
    panel.sendFromWebview({ type: 'explain/feedback', streamId, rating: 1 });
    panel.sendFromWebview({ type: 'explain/feedback', streamId, rating: -1 });
    assert.deepEqual(feedback(), [
      { requestId: 'row-42', rating: 1 },
      { requestId: 'row-42', rating: -1 },
    ]);
    // The host's state keeps the last vote, so a reloaded page shows it.
    assert.equal(states().at(-1).feedback, -1);
    view.dispose();
  });

  it('ignores votes for another stream, malformed votes and votes before the answer is complete', async () => {
    let release: (result: ExplainResult) => void = () => undefined;
    const pending = new Promise<ExplainResult>((resolve) => (release = resolve));
    const before = fake.panels.length;
    const { client, requests } = fakeClient(() => pending);
    const view = new ExplainView(vscode.Uri.file('/ext'), client);
    const running = view.explain(editor() as any);
    const panel = fake.panels[before];
    panel.sendFromWebview({ type: 'ready' });
    const streamId = panel.posted.find((m: any) => m.type === 'explain/state').state.streamId;

    panel.sendFromWebview({ type: 'explain/feedback', streamId, rating: 1 }); // still streaming
    release(RESULT);
    await running;
    panel.sendFromWebview({ type: 'explain/feedback', streamId: 'older-stream', rating: 1 });
    panel.sendFromWebview({ type: 'explain/feedback', streamId, rating: 2 });
    panel.sendFromWebview({ type: 'explain/feedback', rating: 1 });
    assert.deepEqual(
      requests.filter((r) => r.method === Methods.explainFeedback),
      [],
    );
    view.dispose();
  });

  it('logs, and keeps the answer, when the server does not take the vote', async () => {
    const { view, panel, states, warnings } = await explained();
    // The server goes away after the answer arrived.
    (view as any).client.sendRequest = async () => {
      throw new Error('server stopped');
    };
    panel.sendFromWebview({ type: 'explain/feedback', streamId: states().at(-1).streamId, rating: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(warnings.length, 1);
    assert.equal(states().at(-1).phase, 'done');
    view.dispose();
  });
});
