/**
 * A request row in OpenTelemetry GenAI semantic-convention names (semconv gen-ai, development
 * status), for `tandem report --json`, so tools that read those names can take Tandem's rows:
 * - gen_ai.operation.name: `text_completion` for completions (FIM goes to a completions API),
 *   `chat` for explanations (a chat request);
 * - gen_ai.provider.name (it replaced the deprecated gen_ai.system): Tandem's own names,
 *   `tandem.local` for the in-process ONNX model and `tandem.offload` for the OpenAI-compatible
 *   endpoint (it may be vLLM, llama.cpp or a hosted API: `openai` would claim too much);
 * - gen_ai.request.model, gen_ai.usage.input_tokens, gen_ai.usage.output_tokens, error.type;
 * - the request's values of the semconv server metrics, in seconds (the metrics' unit):
 *   gen_ai.server.time_to_first_token (TTFT), gen_ai.server.time_per_output_token (TPOT, "time
 *   per output token generated after the first": definitions.ts), gen_ai.server.request.duration
 *   (E2E). Tandem measures them where it asks the model, so for offload they include the network.
 * A key is left out when the row has no value for it (before routing; the timing of a cache hit).
 */
import type { RequestRow } from '../protocol';

export type OtelAttributes = Record<string, string | number>;

export function otelAttributes(row: RequestRow): OtelAttributes {
  const attributes: OtelAttributes = {
    'gen_ai.operation.name': row.task === 'completion' ? 'text_completion' : 'chat',
  };
  if (row.backend !== null) attributes['gen_ai.provider.name'] = `tandem.${row.backend}`;
  if (row.model) attributes['gen_ai.request.model'] = row.model;
  if (row.promptTokens !== null) attributes['gen_ai.usage.input_tokens'] = row.promptTokens;
  if (row.completionTokens !== null) attributes['gen_ai.usage.output_tokens'] = row.completionTokens;
  if (row.outcome === 'error') attributes['error.type'] = row.errorClass ?? '_OTHER';
  // A cache hit's timing is the cache's, not a model server's.
  if (row.cacheTier !== 'none') return attributes;
  putSeconds(attributes, 'gen_ai.server.time_to_first_token', row.ttftMs);
  putSeconds(attributes, 'gen_ai.server.time_per_output_token', row.tpotMs);
  putSeconds(attributes, 'gen_ai.server.request.duration', row.e2eMs);
  return attributes;
}

function putSeconds(attributes: OtelAttributes, key: string, ms: number | null | undefined): void {
  if (ms !== null && ms !== undefined && Number.isFinite(ms)) attributes[key] = ms / 1000;
}

/** Rows as `tandem report --json` exports them: each with its attributes under `otel`. */
export function withOtelAttributes(rows: readonly RequestRow[]): Array<RequestRow & { otel: OtelAttributes }> {
  return rows.map((row) => ({ ...row, otel: otelAttributes(row) }));
}
