/**
 * Every custom LSP message as a typed message object (as rust-analyzer's editors/code
 * lsp_ext.ts and tabby-agent's protocol.ts declare theirs): the server registers its handlers
 * with them and the clients (the extension, the demo/test client) send with them, so a message's
 * params and result types are written once, here, instead of at each call site.
 *
 * Kept apart from protocol.ts because it needs vscode-languageserver-protocol at runtime:
 * protocol.ts stays type-only for the panel's page script, which runs in a browser and must not
 * bundle the JSON-RPC library. The wire names are `Methods` (protocol.ts), unchanged.
 *
 * Grouped by direction; a group's key is the message's `Methods` key (explain feedback is both a
 * request and a notification on the same method). protocolMessages.test.ts checks that every
 * `Methods` entry has a typed message here and that the server handles every client → server one.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import {
  Methods,
  type CompletionAcceptParams,
  type CompletionEventParams,
  type ExplainFeedbackParams,
  type ExplainParams,
  type ExplainResult,
  type ExplainStreamParams,
  type MetricsDidChangeParams,
  type MetricsResetParams,
  type MetricsResetResult,
  type MetricsRowsParams,
  type MetricsSnapshot,
  type MetricsSnapshotParams,
  type RequestRow,
  type ServerStatus,
} from './protocol';

type MethodKey = keyof typeof Methods;
/** A group's keys are `Methods` keys (the test checks each message's method is that entry's). */
type ByMethodKey = Partial<Record<MethodKey, { readonly method: string }>>;

/** Client → server requests. */
export const Requests = {
  explain: new RequestType<ExplainParams, ExplainResult, void>(Methods.explain),
  explainFeedback: new RequestType<ExplainFeedbackParams, null, void>(Methods.explainFeedback),
  metricsSnapshot: new RequestType<MetricsSnapshotParams, MetricsSnapshot, void>(Methods.metricsSnapshot),
  metricsRows: new RequestType<MetricsRowsParams, RequestRow[], void>(Methods.metricsRows),
  metricsReset: new RequestType<MetricsResetParams, MetricsResetResult, void>(Methods.metricsReset),
  status: new RequestType0<ServerStatus, void>(Methods.status),
} satisfies ByMethodKey;

/** Client → server notifications. */
export const ClientNotifications = {
  completionDidShow: new NotificationType<CompletionEventParams>(Methods.completionDidShow),
  completionDidAccept: new NotificationType<CompletionAcceptParams>(Methods.completionDidAccept),
  completionDidReject: new NotificationType<CompletionEventParams>(Methods.completionDidReject),
  /** The same message as Requests.explainFeedback, for clients that do not wait for an answer. */
  explainFeedback: new NotificationType<ExplainFeedbackParams>(Methods.explainFeedback),
} satisfies ByMethodKey;

/** Server → client notifications. */
export const ServerNotifications = {
  explainDidStream: new NotificationType<ExplainStreamParams>(Methods.explainDidStream),
  /** Throttled; a signal to fetch, not the statistics. */
  metricsDidChange: new NotificationType<MetricsDidChangeParams>(Methods.metricsDidChange),
  statusDidChange: new NotificationType<ServerStatus>(Methods.statusDidChange),
} satisfies ByMethodKey;

/** Fails to compile when a `Methods` entry has no typed message above. */
type EveryMethodTyped<Untyped extends never> = Untyped;
type _Untyped = EveryMethodTyped<
  Exclude<MethodKey, keyof typeof Requests | keyof typeof ClientNotifications | keyof typeof ServerNotifications>
>;
