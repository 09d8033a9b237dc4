/**
 * Recognises a cancelled request, whichever layer reports it: JSON-RPC's `RequestCancelled`
 * response, VS Code's `CancellationError` or an aborted fetch-style operation.
 */

/** JSON-RPC's "request cancelled" code (LSP `RequestCancelled`). */
const REQUEST_CANCELLED = -32800;

export function isCancellation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return code === REQUEST_CANCELLED || name === 'AbortError' || name === 'Canceled';
}
