/**
 * Starts and owns the connection to Tandem's language server (dist/server.js over Node IPC) and
 * turns its custom notifications into VS Code events the views subscribe to. Start, stop and
 * restart are serialized so a quick "restart" during startup cannot interleave.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ErrorAction,
  InlineCompletionRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type Middleware,
  type NotificationType,
  type RequestParam,
  type RequestType,
  type RequestType0,
  type ServerOptions,
  type StaticFeature,
} from 'vscode-languageclient/node';
import { OFFLOAD_API_KEY_ENV, type ExplainStreamParams, type MetricsDidChangeParams, type ServerStatus } from '../../server/src/protocol';
import { Requests, ServerNotifications } from '../../server/src/protocolMessages';
import { buildInitializationOptions, maxFileBytes, serverSettings } from './config';
import { DocumentSizeGate } from './documentSizeGate';
import type { OffloadApiKeyStore } from './offloadApiKey';
import { decideOnClose, RestartBudget } from './restartPolicy';
import { ServerNotRunningError } from './serverDown';
import type { ClientState } from './statusText';
import { RESTRICTED_MODE_MESSAGE } from './workspaceTrust';

/** Every document Tandem completes in: files on disk and unsaved editors. */
export const DOCUMENT_SELECTOR: { scheme: string }[] = [{ scheme: 'file' }, { scheme: 'untitled' }];

type Feature = Parameters<LanguageClient['registerFeature']>[0];

/**
 * The library's own inline completion feature registers a provider that cannot report when an
 * item is shown or partially accepted; Tandem registers its own provider
 * (inlineCompletionProvider.ts), so the built-in one is left out to avoid asking twice.
 * Called from the base constructor: must not touch instance fields.
 */
class TandemLanguageClient extends LanguageClient {
  override registerFeature(feature: Feature): void {
    const method = (feature as { registrationType?: { method?: unknown } }).registrationType?.method;
    if (method === InlineCompletionRequest.method) return;
    super.registerFeature(feature);
  }
}

/** Still tells the server that this client asks for inline completions (statically). */
const inlineCompletionCapability: StaticFeature = {
  fillClientCapabilities(capabilities) {
    capabilities.textDocument ??= {};
    capabilities.textDocument.inlineCompletion = { dynamicRegistration: false };
  },
  initialize() {},
  getState: () => ({ kind: 'static' }),
  clear() {},
};

export class TandemClient implements vscode.Disposable {
  private readonly client: TandemLanguageClient;
  /** The server process's extra environment; the library reads it on every (re)start. */
  private readonly serverEnv: Record<string, string> = {};
  private readonly sizeGate = new DocumentSizeGate(() => maxFileBytes(vscode.workspace.getConfiguration('tandem')));
  private lastStatus: ServerStatus | undefined;
  /** Set from the moment start/restart is asked for, so the gap before the library's own
   * Starting state (reading the API key, creating the storage folder) does not look like "down". */
  private starting = false;
  /** Whether the current server process got past initialization (see restartPolicy.ts). */
  private reachedRunning = false;
  private readonly restartBudget = new RestartBudget();
  private lifecycle: Promise<unknown> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<ClientState>();
  private readonly statusEmitter = new vscode.EventEmitter<ServerStatus | undefined>();
  /** A signal only (see Methods.metricsDidChange): views fetch the snapshot they show. */
  private readonly metricsEmitter = new vscode.EventEmitter<MetricsDidChangeParams>();
  private readonly explainEmitter = new vscode.EventEmitter<ExplainStreamParams>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Set before start (registerInlineProvider.ts): VS Code reports which completions it displayed. */
  reportsShownCompletions = false;

  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidChangeStatus = this.statusEmitter.event;
  readonly onDidChangeMetrics = this.metricsEmitter.event;
  readonly onDidStreamExplain = this.explainEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly apiKeys: OffloadApiKeyStore,
  ) {
    const serverModule = context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: { env: this.serverEnv } },
      debug: {
        module: serverModule,
        transport: TransportKind.ipc,
        options: { env: this.serverEnv, execArgv: ['--nolazy', '--inspect=6009'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      // A function, so every (re)start sends the settings and trust current at that moment.
      initializationOptions: () => ({
        ...buildInitializationOptions(vscode.workspace.getConfiguration('tandem'), context.globalStorageUri.fsPath, isTrusted()),
        reportsShownCompletions: this.reportsShownCompletions,
      }),
      synchronize: { configurationSection: 'tandem' },
      middleware: this.middleware(),
      outputChannel: output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // Logged here instead of the library's extra pop-up per attempt; the status bar says
      // "server down" and commands explain it.
      initializationFailedHandler: (error) => {
        output.error('The Tandem server failed to initialize.', error);
        return false;
      },
      errorHandler: {
        // Same as the library's default: a few broken messages do not end the connection.
        error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
        closed: () => {
          const decision = decideOnClose(this.reachedRunning, this.restartBudget);
          if (decision.action === 'restart') output.warn(decision.message);
          else output.error(decision.message);
          return { action: decision.action === 'restart' ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    this.client = new TandemLanguageClient('tandem', 'Tandem', serverOptions, clientOptions);
    this.client.registerFeature(inlineCompletionCapability);

    this.disposables.push(
      this.stateEmitter,
      this.statusEmitter,
      this.metricsEmitter,
      this.explainEmitter,
      this.client.onDidChangeState((event) => this.handleStateChange(event.newState)),
      this.client.onNotification(ServerNotifications.statusDidChange, (status) => this.setStatus(status)),
      this.client.onNotification(ServerNotifications.metricsDidChange, (change) => this.metricsEmitter.fire(change)),
      this.client.onNotification(ServerNotifications.explainDidStream, (params) => this.explainEmitter.fire(params)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        output.info('The workspace is trusted now; restarting the server with offload and custom models allowed.');
        this.restart().catch((error: unknown) => output.error('Restart after granting workspace trust failed.', error));
      }),
      apiKeys.onDidChange(() => {
        output.info('The offload API key changed; restarting the server so it uses the new key.');
        this.restart().catch((error: unknown) => output.error('Restart after the API key change failed.', error));
      }),
    );
  }

  get state(): ClientState {
    const state = toClientState(this.client.state);
    return state === 'stopped' && this.starting ? 'starting' : state;
  }

  /** The last `tandem/status` the server sent; undefined while it is down or starting. */
  get status(): ServerStatus | undefined {
    return this.lastStatus;
  }

  /** Converters between VS Code and LSP types, for the inline completion provider. */
  get converters(): Pick<LanguageClient, 'code2ProtocolConverter' | 'protocol2CodeConverter'> {
    return this.client;
  }

  isRunning(): boolean {
    return this.client.isRunning();
  }

  start(): Promise<void> {
    return this.serializeStart(async () => {
      if (!this.client.needsStart()) return;
      await this.prepareStart();
      await this.client.start();
    });
  }

  restart(): Promise<void> {
    return this.serializeStart(async () => {
      if (this.client.needsStop()) await this.client.stop();
      await this.prepareStart();
      await this.client.start();
    });
  }

  stop(timeoutMs = 2000): Promise<void> {
    return this.serialize(async () => {
      if (this.client.needsStop()) await this.client.stop(timeoutMs);
    });
  }

  /**
   * Sends a typed request (protocolMessages.ts `Requests`); rejects with ServerNotRunningError at
   * once when the server is down.
   */
  sendRequest<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R>;
  sendRequest<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R>;
  sendRequest<P, R>(
    type: RequestType<P, R, void> | RequestType0<R, void>,
    paramsOrToken?: P | vscode.CancellationToken,
    token?: vscode.CancellationToken,
  ): Promise<R> {
    if (!this.client.isRunning()) return Promise.reject(new ServerNotRunningError());
    if (type.numberOfParams === 0)
      return this.client.sendRequest(type as RequestType0<R, void>, paramsOrToken as vscode.CancellationToken | undefined);
    return this.client.sendRequest(type as RequestType<P, R, void>, paramsOrToken as RequestParam<P>, token);
  }

  /** Sends a typed notification (protocolMessages.ts `ClientNotifications`), fire-and-forget: an
   * event lost while the server is down is not worth an error. */
  sendNotification<P>(type: NotificationType<P>, params: P): void {
    if (!this.client.isRunning()) {
      this.output.debug(`Not sent (server down): ${type.method}`);
      return;
    }
    this.client.sendNotification(type, params as RequestParam<P>).catch((error: unknown) => {
      this.output.warn(`Could not send ${type.method} to the server.`, error);
    });
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /** Whether the server was not given this document (over tandem.completion.maxFileBytes). */
  isUnsynced(uri: vscode.Uri): boolean {
    return this.sizeGate.isUnsynced(uri);
  }

  private async prepareStart(): Promise<void> {
    // The key goes in the server's environment, not in `initializationOptions` nor any other LSP
    // message: with `tandem.trace.server: verbose` the client logs every message's params, but
    // never the child process's environment. Empty when there is no key, so a variable inherited
    // from the editor's own environment does not stand in for a key the user cleared.
    this.serverEnv[OFFLOAD_API_KEY_ENV] = (await this.apiKeys.get()) ?? '';
    if (!isTrusted()) this.output.info(RESTRICTED_MODE_MESSAGE);
    // The server keeps its cache and metrics databases here; it may not exist on first run.
    await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
  }

  /**
   * Settings go through `serverSettings` (Restricted Mode applied) on every push, not the
   * library's raw copy of the section; documents through the size gate.
   */
  private middleware(): Middleware {
    return {
      workspace: {
        didChangeConfiguration: async () => {
          const settings = serverSettings(vscode.workspace.getConfiguration('tandem'), isTrusted());
          await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { tandem: settings } });
        },
      },
      didOpen: async (document, next) => {
        if (this.sizeGate.didOpen(document) === 'forward') await next(document);
        else
          this.output.info(
            `${vscode.workspace.asRelativePath(document.uri)} is over tandem.completion.maxFileBytes: not sent to the server, no completions.`,
          );
      },
      didChange: async (event, next) => {
        switch (this.sizeGate.didChange(event.document)) {
          case 'forward':
            return next(event);
          case 'drop':
            return;
          case 'close-on-server':
            this.output.info(
              `${vscode.workspace.asRelativePath(event.document.uri)} grew over tandem.completion.maxFileBytes: no longer synced.`,
            );
            return this.client.sendNotification(DidCloseTextDocumentNotification.type, {
              textDocument: { uri: this.client.code2ProtocolConverter.asUri(event.document.uri) },
            });
          case 'open-on-server':
            return this.client.sendNotification(
              DidOpenTextDocumentNotification.type,
              this.client.code2ProtocolConverter.asOpenTextDocumentParams(event.document),
            );
        }
      },
      didClose: async (document, next) => {
        if (this.sizeGate.didClose(document) === 'forward') await next(document);
      },
    };
  }

  private handleStateChange(state: State): void {
    const clientState = toClientState(state);
    if (clientState === 'starting') this.reachedRunning = false;
    if (clientState === 'running') this.reachedRunning = true;
    if (clientState !== 'running') this.setStatus(undefined);
    this.stateEmitter.fire(this.state);
    if (clientState === 'running') this.fetchStatus();
  }

  private fetchStatus(): void {
    this.sendRequest(Requests.status).then(
      (status) => this.setStatus(status),
      (error: unknown) => {
        if (this.client.isRunning()) this.output.warn('Could not read the server status.', error);
      },
    );
  }

  private setStatus(status: ServerStatus | undefined): void {
    this.lastStatus = status;
    this.statusEmitter.fire(status);
  }

  private serializeStart(operation: () => Promise<void>): Promise<void> {
    this.setStarting(true);
    return this.serialize(operation).finally(() => this.setStarting(false));
  }

  private setStarting(starting: boolean): void {
    const before = this.state;
    this.starting = starting;
    if (this.state !== before) this.stateEmitter.fire(this.state);
  }

  /** Runs lifecycle operations one after another; a failure does not block the next one. */
  private serialize(operation: () => Promise<void>): Promise<void> {
    const result = this.lifecycle.then(operation);
    this.lifecycle = result.catch(() => undefined);
    return result;
  }
}

function toClientState(state: State): ClientState {
  switch (state) {
    case State.Running:
      return 'running';
    case State.Starting:
      return 'starting';
    default:
      return 'stopped';
  }
}

/** Unknown counts as untrusted: Restricted Mode is the safe side. */
function isTrusted(): boolean {
  return vscode.workspace.isTrusted === true;
}
