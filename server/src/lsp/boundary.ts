/**
 * The one LSP boundary: every handler lspServer.ts registers goes through here, which
 * 1. checks the params with the message's validator (lsp/params.ts);
 * 2. makes one AbortSignal: the client's cancellation, plus the message's one timeout where it
 *    has one (abort.ts requestSignal), disposed when the request settles;
 * 3. maps what the handler throws to one clear message and an LSP error code: InvalidParams for
 *    bad params, RequestCancelled for a cancellation, InternalError with the (redacted) message
 *    otherwise; a handler that must always answer (completions) gives its fallback instead.
 * A notification cannot answer: bad params or a failure are logged once and the rest ignored.
 */
import {
  CancellationToken,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type Connection,
  type NotificationType,
  type RequestType,
  type RequestType0,
} from 'vscode-languageserver/node';
import { requestSignal } from '../abort';
import { BackendError } from '../backends/backend';
import { ExplainInputError } from '../explain/selection';
import type { Logger } from '../logger';
import { redactError } from '../redact';
import { InvalidParamsError, type Validator } from './params';

export interface MessageSpec<P> {
  /** Names the message in what the client or the log reads: "Explain was cancelled." */
  what: string;
  params: Validator<P>;
}

export interface RequestSpec<P, R> extends MessageSpec<P> {
  /** The request's one timeout, ms; absent or undefined: cancellation only (the service owns its deadline). */
  timeoutMs?: () => number | undefined;
  /** The answer when the handler fails, for requests that must always answer (completions: no
   * items); the failure is logged unless it was a cancellation. Absent: the failure is the answer. */
  orElse?: () => R;
}

export type RequestHandler<P, R> = (params: P, signal: AbortSignal) => R | Promise<R>;

export class LspBoundary {
  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {}

  /** Registers a custom request. */
  onRequest<P, R>(type: RequestType<P, R, void> | RequestType0<R, void>, spec: RequestSpec<P, R>, handle: RequestHandler<P, R>): void {
    // By method name, not by type: jsonrpc itself answers a typed request that comes without
    // params ("defines 1 params but received none"); this way it reaches the validator, which
    // applies the message's defaults or says in Tandem's words what is missing.
    this.connection.onRequest(type.method, (...args: unknown[]) => {
      const { params, token } = splitArgs(args);
      return this.answer(spec, handle, params, token);
    });
  }

  /** Registers a custom notification. */
  onNotification<P>(type: NotificationType<P>, spec: MessageSpec<P>, handle: (params: P) => void): void {
    this.connection.onNotification(type.method, (...args: unknown[]) => {
      try {
        handle(spec.params(splitArgs(args).params));
      } catch (error) {
        this.log.warn(`${spec.what} ignored: ${describe(error)}`);
      }
    });
  }

  /** The same wrapper for a handler registered through the library's own API (inline completion). */
  handler<P, R>(spec: RequestSpec<P, R>, handle: RequestHandler<P, R>): (raw: unknown, token: CancellationToken) => Promise<R> {
    return (raw, token) => this.answer(spec, handle, raw, token);
  }

  private async answer<P, R>(
    spec: RequestSpec<P, R>,
    handle: RequestHandler<P, R>,
    raw: unknown,
    token: CancellationToken | undefined,
  ): Promise<R> {
    let dispose = (): void => {};
    try {
      const params = spec.params(raw);
      const request = requestSignal(token, spec.timeoutMs?.(), spec.what);
      dispose = request.dispose;
      return await handle(params, request.signal);
    } catch (error) {
      if (!spec.orElse) throw toResponseError(error, spec.what);
      if (!isCancellation(error)) this.log.warn(`${spec.what} failed: ${describe(error)}`);
      return spec.orElse();
    } finally {
      dispose();
    }
  }
}

/** One clear message and an LSP error code for whatever a handler threw. */
export function toResponseError(error: unknown, what: string): ResponseError<void> {
  if (error instanceof ResponseError) return error as ResponseError<void>;
  if (error instanceof InvalidParamsError || error instanceof ExplainInputError)
    return new ResponseError(ErrorCodes.InvalidParams, error.message);
  if (isCancellation(error)) return new ResponseError(LSPErrorCodes.RequestCancelled, `${what} was cancelled.`);
  // Shown to the user as is: the message may quote an endpoint's error body.
  return new ResponseError(ErrorCodes.InternalError, redactError(error));
}

function isCancellation(error: unknown): boolean {
  return error instanceof BackendError && error.kind === 'cancelled';
}

/**
 * A handler registered by method name gets the params and then the token, or only the token
 * when the request came without params.
 */
function splitArgs(args: unknown[]): { params: unknown; token: CancellationToken | undefined } {
  const last = args.at(-1);
  const token = CancellationToken.is(last) ? last : undefined;
  return { params: token && args.length === 1 ? undefined : args[0], token };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
