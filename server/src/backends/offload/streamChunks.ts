/**
 * Reads the parts Tandem needs out of one streamed OpenAI chunk (or a non-streamed answer), or
 * one event of llama.cpp's native `/infill` stream: the text delta, the finish reason, the
 * server's token usage and the serving engine's own timings. Servers add fields to the OpenAI
 * schema, so everything is read defensively.
 *
 * llama.cpp native events: `{"content": "...", "stop": false, "tokens_predicted": n,
 * "tokens_evaluated": n, ...}`, the last one with `"stop": true`, `"stop_type": "eos" | "word" |
 * "limit"` and `timings`.
 */
import { MalformedResponseError, type ServerTimings } from '../backend';

export type EndpointKind = 'completion' | 'chat' | 'infill';

export interface ChunkParts {
  text: string;
  /** The raw finish_reason when this chunk ends the choice. */
  finishReason?: string;
  usage?: { promptTokens: number; completionTokens: number };
  timings?: ServerTimings;
}

export function readChunk(chunk: unknown, kind: EndpointKind): ChunkParts {
  if (!isRecord(chunk)) throw new MalformedResponseError(`Offload server sent a chunk that is not an object: ${preview(chunk)}`);
  const parts: ChunkParts = kind === 'infill' ? readInfillEvent(chunk) : { text: '' };
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (isRecord(choice)) {
    const source = kind === 'chat' ? (isRecord(choice.delta) ? choice.delta : choice.message) : choice;
    if (isRecord(source)) {
      const text = kind === 'chat' ? source.content : source.text;
      if (typeof text === 'string') parts.text = text;
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') parts.finishReason = choice.finish_reason;
  }
  const usage = readUsage(chunk.usage);
  if (usage) parts.usage = usage;
  const timings = readTimings(chunk);
  if (timings) parts.timings = timings;
  return parts;
}

/** Maps the servers' finish reasons onto the three Tandem records. */
export function normalizeFinishReason(raw: string | undefined): 'stop' | 'length' | 'unknown' {
  switch (raw) {
    case 'stop':
    case 'eos':
    case 'eos_token':
    case 'stop_sequence':
    case 'end_turn':
    case 'word':
      return 'stop';
    case 'limit':
    case 'length':
    case 'max_tokens':
      return 'length';
    default:
      return 'unknown';
  }
}

function readInfillEvent(event: Record<string, unknown>): ChunkParts {
  const parts: ChunkParts = { text: typeof event.content === 'string' ? event.content : '' };
  if (event.stop === true) {
    parts.finishReason = typeof event.stop_type === 'string' ? event.stop_type : 'stop';
    const prompt = event.tokens_evaluated;
    const completion = event.tokens_predicted;
    if (typeof prompt === 'number' && typeof completion === 'number') parts.usage = { promptTokens: prompt, completionTokens: completion };
  }
  return parts;
}

function readUsage(value: unknown): ChunkParts['usage'] {
  if (!isRecord(value)) return undefined;
  const prompt = value.prompt_tokens;
  const completion = value.completion_tokens;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  return { promptTokens: prompt, completionTokens: completion };
}

/** llama.cpp `timings` (ms) or Ollama's native eval counters (ns). */
function readTimings(chunk: Record<string, unknown>): ServerTimings | undefined {
  const llama = chunk.timings;
  if (isRecord(llama)) {
    const timings: ServerTimings = {};
    if (typeof llama.prompt_n === 'number') timings.promptTokens = llama.prompt_n;
    if (typeof llama.prompt_ms === 'number') timings.promptMs = llama.prompt_ms;
    if (typeof llama.predicted_n === 'number') timings.decodeTokens = llama.predicted_n;
    if (typeof llama.predicted_ms === 'number') timings.decodeMs = llama.predicted_ms;
    if (typeof llama.predicted_per_second === 'number') timings.decodeTokensPerSecond = llama.predicted_per_second;
    return Object.keys(timings).length > 0 ? timings : undefined;
  }
  const evalCount = chunk.eval_count;
  const evalDuration = chunk.eval_duration;
  if (typeof evalCount !== 'number' || typeof evalDuration !== 'number') return undefined;
  const timings: ServerTimings = { decodeMs: evalDuration / 1e6 };
  if (evalDuration > 0) timings.decodeTokensPerSecond = evalCount / (evalDuration / 1e9);
  if (typeof chunk.prompt_eval_duration === 'number') timings.promptMs = chunk.prompt_eval_duration / 1e6;
  return timings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
