/**
 * A real LSP client for the Tandem server over stdio: spawns `dist/server.js --stdio` and talks
 * to it with vscode-languageserver-protocol, the library editors' clients are built on. Used by
 * the `npm start` demo and the stdio tests, so both exercise exactly what another editor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type InlineCompletionItem,
  type InlineCompletionList,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type {
  CompletionAcceptParams,
  CompletionEventParams,
  ExplainParams,
  ExplainResult,
  ExplainStreamParams,
  InitializationOptions,
  MetricsSnapshot,
  MetricsSnapshotParams,
  Range,
  ServerStatus,
} from '../protocol';
import { ClientNotifications, Requests, ServerNotifications } from '../protocolMessages';

export interface SpawnOptions {
  serverPath: string;
  initializationOptions?: InitializationOptions;
  env?: NodeJS.ProcessEnv;
  /** Receives the server's log lines (window/logMessage) and stderr. */
  onLog?: (line: string) => void;
}

export class TandemLspClient {
  private version = new Map<string, number>();
  private readonly streams = new Map<string, (params: ExplainStreamParams) => void>();
  lastStatus: ServerStatus | undefined;

  private constructor(
    readonly connection: ProtocolConnection,
    /** The server process; undefined when the server runs in-process (tests). */
    readonly process: ChildProcess | undefined,
    readonly initializeResult: InitializeResult,
  ) {
    connection.onNotification(ServerNotifications.explainDidStream, (params) => {
      this.streams.get(params.streamId)?.(params);
    });
    connection.onNotification(ServerNotifications.statusDidChange, (status) => {
      this.lastStatus = status;
    });
  }

  static async start(options: SpawnOptions): Promise<TandemLspClient> {
    const child = spawn(process.execPath, [options.serverPath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    child.stderr?.on('data', (data: Buffer) => options.onLog?.(data.toString().trimEnd()));
    return TandemLspClient.connect(child.stdout!, child.stdin!, options, child);
  }

  /** Speaks LSP over the given streams (an in-process server in tests, or a spawned one). */
  static async connect(
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
    options: Omit<SpawnOptions, 'serverPath' | 'env'>,
    child?: ChildProcess,
  ): Promise<TandemLspClient> {
    const connection = createProtocolConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
    connection.onNotification('window/logMessage', (params: { message: string }) => options.onLog?.(params.message));
    connection.listen();
    const result = await connection.sendRequest(InitializeRequest.type, {
      // The server watches this process and exits when it dies: only when it is a child of ours
      // (in-process, its 3 s watch interval would keep the test process alive).
      processId: child ? process.pid : null,
      rootUri: null,
      capabilities: { textDocument: { inlineCompletion: { dynamicRegistration: false } } },
      initializationOptions: options.initializationOptions ?? {},
    });
    await connection.sendNotification('initialized', {});
    return new TandemLspClient(connection, child, result);
  }

  async open(uri: string, languageId: string, text: string): Promise<void> {
    this.version.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text },
    });
  }

  /** Replaces the whole text (simplest correct sync for a replay). */
  async change(uri: string, text: string): Promise<void> {
    const version = (this.version.get(uri) ?? 1) + 1;
    this.version.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** Returns the items and a cancel function, the way an editor abandons a stale request. */
  complete(uri: string, line: number, character: number): { result: Promise<InlineCompletionItem[]>; cancel: () => void } {
    const source = new CancellationTokenSource();
    const result = this.connection
      .sendRequest(
        InlineCompletionRequest.type,
        {
          textDocument: { uri },
          position: { line, character },
          context: { triggerKind: InlineCompletionTriggerKind.Automatic },
        },
        source.token,
      )
      .then((reply: InlineCompletionList | InlineCompletionItem[] | null) => (Array.isArray(reply) ? reply : (reply?.items ?? [])));
    return { result, cancel: () => source.cancel() };
  }

  async explain(uri: string, range: Range, onDelta?: (delta: string, reset: boolean) => void): Promise<ExplainResult> {
    const streamId = `explain-${Math.random().toString(36).slice(2)}`;
    this.streams.set(streamId, (params) => onDelta?.(params.delta, params.reset === true));
    try {
      const params: ExplainParams = { textDocument: { uri }, range, streamId };
      return await this.connection.sendRequest(Requests.explain, params);
    } finally {
      this.streams.delete(streamId);
    }
  }

  async didShow(requestId: string): Promise<void> {
    const params: CompletionEventParams = { requestId };
    await this.connection.sendNotification(ClientNotifications.completionDidShow, params);
  }

  async didAccept(requestId: string, acceptedLength: number): Promise<void> {
    const params: CompletionAcceptParams = { requestId, acceptedLength };
    await this.connection.sendNotification(ClientNotifications.completionDidAccept, params);
  }

  async didReject(requestId: string): Promise<void> {
    const params: CompletionEventParams = { requestId };
    await this.connection.sendNotification(ClientNotifications.completionDidReject, params);
  }

  snapshot(params: MetricsSnapshotParams = {}): Promise<MetricsSnapshot> {
    return this.connection.sendRequest(Requests.metricsSnapshot, params);
  }

  status(): Promise<ServerStatus> {
    return this.connection.sendRequest(Requests.status);
  }

  /** shutdown → exit, then waits for the process to end (kills it after `graceMs`). */
  async stop(graceMs = 5000): Promise<number | null> {
    const child = this.process;
    if (!child) {
      // In-process (tests): no `exit` notification. vscode-languageserver answers it with
      // process.exit(), which would end the test process mid-file and silently skip every test
      // after this one. `shutdown` already frees the runtime.
      await this.connection.sendRequest(ShutdownRequest.type);
      this.connection.dispose();
      return 0;
    }
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // The server may already be gone; the kill below still runs.
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    this.connection.dispose();
    return code;
  }
}
