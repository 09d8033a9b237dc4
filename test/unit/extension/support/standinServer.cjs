/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: loaded by require() and forked as a script */
// A stand-in for Tandem's language server, for testing the VS Code client without models: the
// real vscode-languageserver library speaking Tandem's protocol with scripted answers. It
// appends one JSON line per message it receives to the file in $TANDEM_STANDIN_RECORD, so the
// test can check what the client sent. With TANDEM_STANDIN_MODE=exit-on-start it exits at once,
// like a server whose native modules do not load.
const fs = require('node:fs');

const recordFile = process.env.TANDEM_STANDIN_RECORD;
if (!recordFile) throw new Error('TANDEM_STANDIN_RECORD is not set (standinRecord.ts `use()` sets it)');
const record = (entry) => fs.appendFileSync(recordFile, JSON.stringify(entry) + '\n');
record({ started: process.pid });
if (process.env.TANDEM_STANDIN_MODE === 'exit-on-start') process.exit(3);

const { createConnection, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind } = require('vscode-languageserver/node');
const { TextDocument } = require('vscode-languageserver-textdocument');

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let init = {};
// Like the real server: the key comes from the environment the client set, never from a message.
const apiKey = process.env.TANDEM_OFFLOAD_API_KEY || undefined;

const status = () => ({
  policy: 'auto',
  backends: [
    { backend: 'local', state: 'ready', model: 'standin-local', breaker: 'closed' },
    apiKey
      ? { backend: 'offload', state: 'ready', model: 'standin-offload', breaker: 'closed', detail: 'has a key' }
      : { backend: 'offload', state: 'disabled', model: '', breaker: 'closed' },
  ],
  lastBackend: 'local',
  lastLatencyMs: 42,
  // Learned auto routing's table for the panel (server/src/status/learnedRoutingStatus.ts).
  learned: {
    use: 'on',
    objective: 'balanced',
    buckets: [
      {
        bucket: 'completion/python/single-line/≤256',
        task: 'completion',
        language: 'python',
        shape: 'single-line',
        promptSize: '≤256',
        pick: 'local',
        pickReason: 'auto: local (p50 E2E 60 ms, p50 TTFT 20 ms, useful 30 %)',
        learnedPick: true,
        backends: [{ backend: 'local', evidence: 3, ttftP50Ms: 20, e2eP50Ms: 60, useful: 0.3, failure: 0.01, costUsd: 0 }],
      },
    ],
  },
});

const latency = (ms) => ({ count: 1, mean: ms, min: ms, max: ms, p50: ms, p90: ms, p95: ms, p99: ms });

connection.onInitialize((params) => {
  init = params.initializationOptions ?? {};
  record({
    initialize: {
      settings: init.settings,
      storagePath: init.storagePath,
      offloadApiKeyInOptions: init.offloadApiKey,
      offloadApiKeyFromEnv: apiKey,
      inlineCompletionCapability: params.capabilities.textDocument?.inlineCompletion,
      reportsShownCompletions: init.reportsShownCompletions,
    },
  });
  return { capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, inlineCompletionProvider: true } };
});

connection.onInitialized(() => void connection.sendNotification('tandem/status/didChange', status()));

connection.languages.inlineCompletion.on((params) => {
  record({
    inlineCompletion: {
      uri: params.textDocument.uri,
      position: params.position,
      open: documents.get(params.textDocument.uri) !== undefined,
    },
  });
  const insertText = 'return a + b';
  return {
    items: [
      {
        insertText,
        range: { start: params.position, end: params.position },
        command: {
          title: 'Accept',
          command: 'tandem.didAcceptCompletion',
          arguments: [{ requestId: 'req-1', backend: 'local', insertTextLength: insertText.length }],
        },
      },
    ],
  };
});

connection.onRequest('tandem/explain', async (params) => {
  if (!documents.get(params.textDocument.uri)) throw new ResponseError(-32602, 'Explain: the document is not open in the server.');
  record({ explain: { range: params.range } });
  // Half an answer, then a fallback restarts it: the client must discard the first delta.
  const deltas = [
    ['Half an ans', false],
    ['Adds ', true],
    ['two numbers.', false],
  ];
  for (const [delta, reset] of deltas) {
    await connection.sendNotification('tandem/explain/didStream', { streamId: params.streamId, delta, ...(reset ? { reset } : {}) });
  }
  return {
    text: 'Adds two numbers.',
    backend: 'local',
    model: 'standin-local',
    ttftMs: 20,
    e2eMs: 61,
    cacheTier: 'none',
    fallbackReason: 'offload: HTTP 503',
    note: 'One-line summaries only.',
  };
});

connection.onRequest('tandem/status', () => status());

connection.onRequest('tandem/metrics/snapshot', (params) => {
  record({ metricsSnapshot: params });
  return {
    generatedAt: 1_700_000_000_000,
    cache: { l1Hits: 1, l2Hits: 0, typingHits: 1, misses: 2 },
    backends: [
      {
        backend: 'local',
        model: 'standin-local',
        requests: 3,
        errors: 0,
        cancelled: 0,
        fallbacks: 1,
        cacheHits: 1,
        cacheHitRate: 1 / 3,
        ttftMs: latency(20),
        e2eMs: latency(60),
        tokensPerSecond: latency(100),
        shown: 2,
        accepted: 1,
        partiallyAccepted: 0,
        acceptanceRate: 0.5,
        promptTokens: 300,
        completionTokens: 30,
        costUsd: 0,
      },
    ],
    recent: [
      {
        id: 'req-1',
        ts: 1_700_000_000_000,
        task: 'completion',
        language: 'python',
        policy: 'auto',
        decision: 'local',
        backend: 'local',
        model: 'standin-local',
        cacheTier: 'none',
        promptTokens: 100,
        completionTokens: 10,
        tokenSource: 'server',
        ttftMs: 20,
        e2eMs: 60,
        tokensPerSecond: 100,
        outcome: 'accepted',
        acceptedChars: 12,
        errorClass: null,
        fallbackReason: null,
      },
    ],
  };
});

// The panel's export and charts read the rows; its reset deletes them (after the host confirmed).
connection.onRequest('tandem/metrics/rows', (params) => {
  record({ metricsRows: params });
  return [
    {
      id: 'req-1',
      ts: 1_700_000_000_000,
      task: 'completion',
      language: 'python',
      policy: 'auto',
      decision: 'local',
      backend: 'local',
      model: 'standin-local',
      cacheTier: 'none',
      promptTokens: 100,
      completionTokens: 10,
      tokenSource: 'server',
      ttftMs: 20,
      e2eMs: 60,
      outcome: 'accepted',
      acceptedChars: 12,
      errorClass: null,
      fallbackReason: null,
      costUsd: 0,
    },
  ];
});

connection.onRequest('tandem/metrics/reset', (params) => {
  record({ metricsReset: params });
  return { deleted: 1 };
});

connection.onDidChangeConfiguration((change) => record({ didChangeConfiguration: change.settings }));

for (const method of ['tandem/completion/didShow', 'tandem/completion/didAccept', 'tandem/completion/didReject']) {
  connection.onNotification(method, (params) => record({ [method]: params }));
}

documents.onDidOpen((event) => record({ didOpen: { uri: event.document.uri, length: event.document.getText().length } }));
documents.onDidChangeContent((event) => record({ didChangeContent: { uri: event.document.uri, length: event.document.getText().length } }));
documents.onDidClose((event) => record({ didClose: { uri: event.document.uri } }));
documents.listen(connection);
connection.listen();
