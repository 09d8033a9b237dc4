/**
 * Wiring only: LSP connection ↔ TandemRuntime, one line per handler. Every handler turns the
 * LSP cancellation token into an AbortSignal with a timeout, and no handler lets an error
 * escape: a completion that fails is an empty list (logged once), an explain that fails is a
 * ResponseError with one clear sentence.
 */
import {
  createConnection,
  ErrorCodes,
  InlineCompletionTriggerKind,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { requestSignal } from './abort';
import { BackendError } from './backends/backend';
import { DEFAULT_CONFIG } from './config';
import { DocumentWindow } from './documents/documentWindow';
import { parseFeedbackParams } from './explain/feedback';
import { ExplainInputError } from './explain/selection';
import { flushOnExit } from './flushOnExit';
import { redactingLogger, type Logger } from './logger';
import {
  Methods,
  OFFLOAD_API_KEY_ENV,
  type CompletionAcceptParams,
  type CompletionEventParams,
  type ExplainParams,
  type InitializationOptions,
  type MetricsResetParams,
  type MetricsSnapshotParams,
} from './protocol';
import { redactError } from './redact';
import { TandemRuntime } from './runtime';
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
    flushOnExit(() => runtime, (message) => process.stderr.write(`${message}\n`));
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
    const sendMetrics = throttle(() => {
      if (runtime) void connection.sendNotification(Methods.metricsDidChange, runtime.snapshot({ recent: 50 }));
    }, 1000);
    runtime.onMetricsChange(sendMetrics);
    runtime.onStatusChange((status) => void connection.sendNotification(Methods.statusDidChange, status));
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, inlineCompletionProvider: true },
      serverInfo: { name: 'tandem', version: VERSION },
    };
  });

  connection.onInitialized(() => need().start());

  connection.languages.inlineCompletion.on(async (params, token) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) {
      documents.explainMissing(params.textDocument.uri, log);
      return { items: [] };
    }
    const active = need();
    const { signal, dispose } = requestSignal(token, active.config.completion.timeoutMs * 2, 'Completion');
    try {
      const invoked = params.context?.triggerKind === InlineCompletionTriggerKind.Invoked;
      return await active.complete(document, params.position, signal, invoked);
    } catch (error) {
      if (!(error instanceof BackendError && error.kind === 'cancelled')) log.warn(`Completion failed: ${describe(error)}`);
      return { items: [] };
    } finally {
      dispose();
    }
  });

  connection.onRequest(Methods.explain, async (params: ExplainParams, token) => {
    const document = params?.textDocument?.uri ? documents.get(params.textDocument.uri) : undefined;
    if (!document) throw new ResponseError(ErrorCodes.InvalidParams, 'Explain: the document is not open in the server.');
    const active = need();
    // Cancellation only: the explain service owns the one timeout (tandem.explain.timeoutMs).
    const { signal, dispose } = requestSignal(token, undefined, 'Explain');
    try {
      return await active.explain(document, params, signal, (delta, reset) =>
        void connection.sendNotification(Methods.explainDidStream, { streamId: params.streamId, delta, ...(reset ? { reset } : {}) }),
      );
    } catch (error) {
      throw asResponseError(error);
    } finally {
      dispose();
    }
  });

  connection.onNotification(Methods.completionDidShow, (p: CompletionEventParams) => need().didShow(p?.requestId));
  connection.onNotification(Methods.completionDidAccept, (p: CompletionAcceptParams) => need().didAccept(p?.requestId, p?.acceptedLength));
  connection.onNotification(Methods.completionDidReject, (p: CompletionEventParams) => need().didReject(p?.requestId));
  // Feedback as a request (bad params answer InvalidParams) or a notification (logged); an id
  // this server did not answer is ignored either way.
  connection.onRequest(Methods.explainFeedback, (p: unknown) => {
    try {
      need().explainFeedback(parseFeedbackParams(p));
      return null;
    } catch (error) {
      throw asResponseError(error);
    }
  });
  connection.onNotification(Methods.explainFeedback, (p: unknown) => {
    try {
      need().explainFeedback(parseFeedbackParams(p));
    } catch (error) {
      log.warn(`Explain feedback ignored: ${describe(error)}`);
    }
  });
  connection.onRequest(Methods.metricsSnapshot, (p: MetricsSnapshotParams | undefined) => need().snapshot(p ?? {}));
  connection.onRequest(Methods.metricsRows, (p: MetricsSnapshotParams | undefined) => need().metricsRows(p ?? {}));
  connection.onRequest(Methods.metricsReset, (p: MetricsResetParams | undefined) => {
    // Deleting every row needs the client to say so explicitly: a stray call must not wipe them.
    if (p?.confirm !== true) throw new ResponseError(ErrorCodes.InvalidParams, 'Reset metrics: params must be { confirm: true }.');
    try {
      return { deleted: need().resetMetrics() };
    } catch (error) {
      throw asResponseError(error);
    }
  });
  connection.onRequest(Methods.status, () => need().status());
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

function asResponseError(error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  if (error instanceof ExplainInputError) return new ResponseError(ErrorCodes.InvalidParams, error.message);
  if (error instanceof BackendError && error.kind === 'cancelled') {
    return new ResponseError(LSPErrorCodes.RequestCancelled, 'Explain was cancelled.');
  }
  // Shown to the user as is: the message may quote an endpoint's error body.
  return new ResponseError(ErrorCodes.InternalError, redactError(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
