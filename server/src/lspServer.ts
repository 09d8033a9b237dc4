/**
 * Wiring only: LSP connection ↔ TandemRuntime, one line per handler, each registered with its
 * typed message (protocolMessages.ts) through lsp/boundary.ts: params validated (lsp/params.ts),
 * one AbortSignal with the request's one timeout, and no error escapes: a completion that fails
 * is an empty list (logged once), any other request that fails is a ResponseError with one clear
 * sentence and an LSP error code.
 */
import {
  createConnection,
  ErrorCodes,
  InlineCompletionTriggerKind,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type InlineCompletionParams,
} from 'vscode-languageserver/node';
import { DEFAULT_CONFIG } from './config';
import { DocumentWindow } from './documents/documentWindow';
import { flushOnExit } from './flushOnExit';
import { redactingLogger, type Logger } from './logger';
import { LspBoundary } from './lsp/boundary';
import {
  completionAcceptParams,
  completionEventParams,
  explainFeedbackParams,
  explainParams,
  inlineCompletionParams,
  InvalidParamsError,
  metricsResetParams,
  metricsRowsParams,
  metricsSnapshotParams,
  noParams,
} from './lsp/params';
import {
  Methods,
  OFFLOAD_API_KEY_ENV,
  type ExplainParams,
  type ExplainResult,
  type InitializationOptions,
  type MetricsDidChangeParams,
} from './protocol';
import { ClientNotifications, Requests, ServerNotifications } from './protocolMessages';
import { TandemRuntime, type InlineCompletionReply } from './runtime';
import { throttle } from './throttle';

const VERSION = '0.1.0';

export function runServerFromArgv(): void {
  // createConnection picks the transport from argv (--stdio, --node-ipc, --socket=N).
  startServer(createConnection(ProposedFeatures.all), { ownsProcess: true });
}

export function runStdioServer(): void {
  startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout), { ownsProcess: true });
}

export interface StartOptions {
  /** Exit the process on `exit` and log process-level errors (false for in-process tests). */
  ownsProcess: boolean;
}

export function startServer(connection: Connection, options: StartOptions = { ownsProcess: false }): void {
  // Bounded, and without documents over tandem.completion.maxFileBytes (documentWindow.ts).
  const documents = new DocumentWindow({
    maxDocumentBytes: () => runtime?.config.completion.maxFileBytes ?? DEFAULT_CONFIG.completion.maxFileBytes,
  });
  const log = redactingLogger(connectionLogger(connection));
  let runtime: TandemRuntime | undefined;
  const need = (): TandemRuntime => {
    if (!runtime) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'Tandem server is not initialized yet.');
    return runtime;
  };

  if (options.ownsProcess) {
    // One bad request must never kill the server: log what escaped and keep serving.
    process.on('unhandledRejection', (reason) => log.error(`Unhandled rejection: ${describe(reason)}`));
    process.on('uncaughtException', (error) => log.error(`Uncaught exception: ${describe(error)}`));
    // Queued metrics rows are written however the process ends (see flushOnExit.ts).
    flushOnExit(
      () => runtime,
      (message) => process.stderr.write(`${message}\n`),
    );
  }

  let initialized = false;
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    // A second runtime would hold its own models and database handles next to the first one.
    if (initialized) throw new ResponseError(ErrorCodes.InvalidRequest, 'Tandem is already initialized');
    initialized = true;
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    runtime = new TandemRuntime({
      settings: init.settings,
      storagePath: typeof init.storagePath === 'string' ? init.storagePath : undefined,
      // From the environment only, never from initializationOptions: a verbose LSP trace prints
      // every message's params, but not the child process's environment (see extension/src/languageClient.ts).
      offloadApiKey: process.env[OFFLOAD_API_KEY_ENV] || undefined,
      log,
      openDocuments: () => documents.recent(),
      reportsShownCompletions: init.reportsShownCompletions === true,
    });
    // A signal, not a snapshot: computing one costs the event loop milliseconds per thousand rows,
    // and only an open view needs it (it fetches with its own filters).
    let changes = 0;
    const sendMetrics = throttle(() => {
      const params: MetricsDidChangeParams = { generatedAt: Date.now(), changes };
      changes = 0;
      void connection.sendNotification(Methods.metricsDidChange, params);
    }, 1000);
    runtime.onMetricsChange(() => {
      changes++;
      sendMetrics();
    });
    runtime.onStatusChange((status) => void connection.sendNotification(ServerNotifications.statusDidChange, status));
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, inlineCompletionProvider: true },
      serverInfo: { name: 'tandem', version: VERSION },
    };
  });

  connection.onInitialized(() => need().start());

  const complete = async (params: InlineCompletionParams, signal: AbortSignal): Promise<InlineCompletionReply> => {
    const document = documents.get(params.textDocument.uri);
    if (!document) {
      documents.explainMissing(params.textDocument.uri, log);
      return { items: [] };
    }
    const invoked = params.context?.triggerKind === InlineCompletionTriggerKind.Invoked;
    return need().complete(document, params.position, signal, invoked);
  };
  const explain = (params: ExplainParams, signal: AbortSignal): Promise<ExplainResult> => {
    const document = documents.get(params.textDocument.uri);
    if (!document) throw new InvalidParamsError('Explain: the document is not open in the server.');
    return need().explain(
      document,
      params,
      signal,
      (delta, reset) =>
        void connection.sendNotification(ServerNotifications.explainDidStream, {
          streamId: params.streamId,
          delta,
          ...(reset ? { reset } : {}),
        }),
    );
  };
  const completionTimeoutMs = (): number => (runtime?.config.completion.timeoutMs ?? DEFAULT_CONFIG.completion.timeoutMs) * 2;
  const feedback = { what: 'Explain feedback', params: explainFeedbackParams };

  // One line per message. lsp/boundary.ts checks the params (lsp/params.ts), makes the one signal
  // (with the timeout given here, if any) and answers errors with an LSP error code.
  const lsp = new LspBoundary(connection, log);
  // A completion that fails is no items (logged once); its timeout is twice the backends' budget.
  connection.languages.inlineCompletion.on(
    lsp.handler(
      { what: 'Completion', params: inlineCompletionParams, timeoutMs: completionTimeoutMs, orElse: () => ({ items: [] }) },
      complete,
    ),
  );
  // Cancellation only: the explain service owns the one timeout (tandem.explain.timeoutMs).
  lsp.onRequest(Requests.explain, { what: 'Explain', params: explainParams }, explain);
  lsp.onNotification(ClientNotifications.completionDidShow, { what: 'Completion shown event', params: completionEventParams }, (p) =>
    need().didShow(p.requestId),
  );
  lsp.onNotification(ClientNotifications.completionDidAccept, { what: 'Completion accept event', params: completionAcceptParams }, (p) =>
    need().didAccept(p.requestId, p.acceptedLength),
  );
  lsp.onNotification(ClientNotifications.completionDidReject, { what: 'Completion reject event', params: completionEventParams }, (p) =>
    need().didReject(p.requestId),
  );
  // Feedback as a request (bad params answer InvalidParams) or a notification (logged); an id
  // this server did not answer is ignored either way.
  lsp.onRequest(Requests.explainFeedback, feedback, (p) => {
    need().explainFeedback(p);
    return null;
  });
  lsp.onNotification(ClientNotifications.explainFeedback, feedback, (p) => need().explainFeedback(p));
  lsp.onRequest(Requests.metricsSnapshot, { what: 'Metrics snapshot', params: metricsSnapshotParams }, (p) => need().snapshot(p));
  lsp.onRequest(Requests.metricsRows, { what: 'Metrics rows', params: metricsRowsParams }, (p) => need().metricsRows(p));
  lsp.onRequest(Requests.metricsReset, { what: 'Reset metrics', params: metricsResetParams }, () => ({ deleted: need().resetMetrics() }));
  lsp.onRequest(Requests.status, { what: 'Status', params: noParams }, () => need().status());
  connection.onDidChangeConfiguration((change) => need().updateSettings(sectionOf(change.settings)));
  connection.onShutdown(async () => {
    await runtime?.dispose();
    runtime = undefined;
  });
  connection.onExit(() => {
    if (options.ownsProcess) process.exit(0);
  });

  documents.onDidClose((event) => runtime?.documentClosed(event.document.uri));
  documents.onWillChange((document, changes) => runtime?.documentWillChange(document, changes));
  documents.listen(connection);
  connection.listen();
}

/** VS Code sends `{ tandem: {...} }` for `synchronize.configurationSection: 'tandem'`. */
function sectionOf(settings: unknown): unknown {
  if (settings && typeof settings === 'object' && 'tandem' in settings) return (settings as { tandem: unknown }).tandem;
  return settings;
}

function connectionLogger(connection: Connection): Logger {
  return {
    info: (msg) => connection.console.info(msg),
    warn: (msg) => connection.console.warn(msg),
    error: (msg) => connection.console.error(msg),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
