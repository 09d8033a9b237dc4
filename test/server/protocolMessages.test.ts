/**
 * The typed protocol, table-driven over protocolMessages.ts: every `Methods` entry has a typed
 * message with the same wire name, the server registers a handler for every client → server
 * message (and none for a server → client one), and each request reaches its validator over a
 * real connection: bad params are answered InvalidParams, never MethodNotFound.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  createProtocolConnection,
  ErrorCodes,
  ResponseError,
  StreamMessageReader as ClientReader,
  StreamMessageWriter as ClientWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { startServer } from '../../server/src/lspServer';
import { Methods } from '../../server/src/protocol';
import { ClientNotifications, Requests, ServerNotifications } from '../../server/src/protocolMessages';

const GROUPS = { Requests, ClientNotifications, ServerNotifications } as const;

/** [group, Methods key, message] for every typed message. */
const MESSAGES = Object.entries(GROUPS).flatMap(([group, messages]) =>
  Object.entries(messages).map(([key, message]) => ({ group, key, method: (message as { method: string }).method })),
);

/** The methods the server registered, recorded by wrapping the connection's registration calls. */
function recordRegistrations(connection: Connection): { requests: Set<string>; notifications: Set<string> } {
  const requests = new Set<string>();
  const notifications = new Set<string>();
  const methodOf = (type: unknown): string => (typeof type === 'string' ? type : (type as { method: string }).method);
  const onRequest = connection.onRequest.bind(connection) as (type: unknown, handler: unknown) => unknown;
  const onNotification = connection.onNotification.bind(connection) as (type: unknown, handler: unknown) => unknown;
  Object.assign(connection, {
    onRequest: (type: unknown, handler: unknown) => (requests.add(methodOf(type)), onRequest(type, handler)),
    onNotification: (type: unknown, handler: unknown) => (notifications.add(methodOf(type)), onNotification(type, handler)),
  });
  return { requests, notifications };
}

describe('typed protocol messages', () => {
  it('every Methods entry has a typed message with the same wire name', () => {
    for (const { group, key, method } of MESSAGES) {
      assert.ok(key in Methods, `${group}.${key} is not a Methods key`);
      assert.equal(method, Methods[key as keyof typeof Methods], `${group}.${key}`);
    }
    const typed = new Set(MESSAGES.map((m) => m.key));
    for (const key of Object.keys(Methods)) assert.ok(typed.has(key), `Methods.${key} has no typed message`);
  });

  it('a method goes one way: only explain feedback is both a request and a notification', () => {
    const clientToServer = new Set([...Object.keys(Requests), ...Object.keys(ClientNotifications)]);
    for (const key of Object.keys(ServerNotifications)) assert.ok(!clientToServer.has(key), key);
    assert.deepEqual(
      Object.keys(Requests).filter((key) => key in ClientNotifications),
      ['explainFeedback'],
    );
  });
});

describe('the server registers every client → server message', () => {
  let client: ProtocolConnection;
  let registered: { requests: Set<string>; notifications: Set<string> };
  before(() => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    registered = recordRegistrations(connection);
    // Not initialized: no runtime, no models; the boundary still validates and answers.
    startServer(connection);
    client = createProtocolConnection(new ClientReader(toClient), new ClientWriter(toServer));
    client.listen();
  });
  after(() => client?.dispose());

  for (const [key, request] of Object.entries(Requests)) {
    it(`request ${key} (${request.method}) has a handler`, () => assert.ok(registered.requests.has(request.method)));
  }
  for (const [key, notification] of Object.entries(ClientNotifications)) {
    it(`notification ${key} (${notification.method}) has a handler`, () => assert.ok(registered.notifications.has(notification.method)));
  }
  it('no handler for a server → client notification', () => {
    for (const notification of Object.values(ServerNotifications)) {
      assert.ok(!registered.notifications.has(notification.method) && !registered.requests.has(notification.method), notification.method);
    }
  });

  /** Params each request's validator refuses; `status` takes none, so it reaches the (absent) runtime. */
  const BAD: Record<keyof typeof Requests, { params: unknown; code: number }> = {
    explain: { params: { nonsense: true }, code: ErrorCodes.InvalidParams },
    explainFeedback: { params: { requestId: 'x', rating: 5 }, code: ErrorCodes.InvalidParams },
    metricsSnapshot: { params: { sinceMs: 'yesterday' }, code: ErrorCodes.InvalidParams },
    metricsRows: { params: { task: 'sleep' }, code: ErrorCodes.InvalidParams },
    metricsReset: { params: { confirm: 'yes' }, code: ErrorCodes.InvalidParams },
    status: { params: undefined, code: ErrorCodes.ServerNotInitialized },
  };
  for (const [key, { params, code }] of Object.entries(BAD)) {
    it(`request ${key} with ${JSON.stringify(params)} is answered ${code} over the wire`, async () => {
      const method = Requests[key as keyof typeof Requests].method;
      const reply = params === undefined ? client.sendRequest(method) : client.sendRequest(method, params);
      await assert.rejects(reply, (error: unknown) => {
        assert.ok(error instanceof ResponseError, String(error));
        assert.equal(error.code, code, error.message);
        assert.notEqual(error.code, ErrorCodes.MethodNotFound);
        return true;
      });
    });
  }
});
