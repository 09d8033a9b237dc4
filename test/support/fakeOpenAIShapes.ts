/**
 * JSON shapes the fake OpenAI-compatible server answers with, per server flavor, copied from
 * what the real servers send (field names and the fields each adds to the OpenAI schema):
 *   vLLM      /v1/models owned_by "vllm" with root/max_model_len; a final usage chunk with
 *             `choices: []` when `stream_options.include_usage`; rejects `suffix`.
 *   llama.cpp owned_by "llamacpp" with `meta` (n_ctx = one slot's window, n_ctx_train); `GET
 *             /props` with default_generation_settings.n_ctx; `timings` on the last chunk;
 *             `/v1/completions` accepts `suffix` and ignores it; `POST /infill` streams native
 *             events (`content`, `stop`, `stop_type`, `timings`, no [DONE]); a prompt of n_ctx
 *             tokens or more is refused with HTTP 400 `exceed_context_size_error`; 501
 *             `not_supported_error` from /infill for a model without FIM tokens; 503 "Loading
 *             model" while it loads. (Shapes from llama.cpp tools/server server-task.cpp /
 *             server-common.cpp.)
 *   Ollama    owned_by "library" (the model's namespace), system_fingerprint "fp_ollama"; its
 *             native eval_count / eval_duration (ns) are added to the last chunk here so clients
 *             can be tested on them; honours `suffix`.
 *   TGI       owned_by equal to the model id.
 *   OpenAI    owned_by "system" and `openai-version` headers.
 */
export type FakeServerFlavor = 'vllm' | 'llamacpp' | 'ollama' | 'tgi' | 'openai';

export interface GenerationOutcome {
  model: string;
  tokens: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
}

export function flavorHeaders(flavor: FakeServerFlavor): Record<string, string> {
  switch (flavor) {
    case 'vllm':
      return { server: 'uvicorn' };
    case 'llamacpp':
      return { server: 'llama.cpp' };
    case 'openai':
      return { 'openai-version': '2020-10-01', 'openai-organization': 'fake-org', 'x-request-id': 'req_fake' };
    default:
      return {};
  }
}

export function modelsResponse(flavor: FakeServerFlavor, models: string[], llamaContext?: number): unknown {
  const created = 1700000000;
  const data = models.map((id) => {
    switch (flavor) {
      case 'vllm':
        return { id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: 16384, permission: [] };
      case 'llamacpp':
        return {
          id,
          object: 'model',
          created,
          owned_by: 'llamacpp',
          // Builds before n_ctx was added to `meta` list only the training context.
          meta: { vocab_type: 1, n_vocab: 32016, ...(llamaContext !== undefined ? { n_ctx: llamaContext } : {}), n_ctx_train: 16384 },
        };
      case 'ollama':
        return { id, object: 'model', created, owned_by: 'library' };
      case 'tgi':
        return { id, object: 'model', created: 0, owned_by: id };
      case 'openai':
        return { id, object: 'model', created, owned_by: 'system' };
    }
  });
  if (flavor === 'llamacpp') return { models: models.map((name) => ({ name, model: name })), object: 'list', data };
  return { object: 'list', data };
}

export function errorBody(status: number, message: string, type = 'BadRequestError'): unknown {
  return { error: { message, type, param: null, code: status } };
}

/** llama.cpp's answer to a prompt that does not fit one slot (format_error_response). */
export function contextErrorBody(promptTokens: number, contextTokens: number): unknown {
  return {
    error: {
      code: 400,
      message: `request (${promptTokens} tokens) exceeds the available context size (${contextTokens} tokens), try increasing it`,
      type: 'exceed_context_size_error',
      n_prompt_tokens: promptTokens,
      n_ctx: contextTokens,
    },
  };
}

/** llama.cpp's /infill answer for a model whose GGUF has no FIM tokens. */
export function infillUnsupportedBody(): unknown {
  const missing = 'prefix token is missing. suffix token is missing. middle token is missing. ';
  return { error: { code: 501, message: `Infill is not supported by this model: ${missing}`, type: 'not_supported_error' } };
}

/** llama.cpp `GET /props` (the fields clients read). */
export function propsResponse(model: string, contextTokens: number): unknown {
  return {
    default_generation_settings: { id: 0, n_ctx: contextTokens, speculative: false, is_processing: false, params: { n_predict: -1 } },
    total_slots: 1,
    model_alias: model,
    model_path: `/models/${model}.gguf`,
    build_info: 'b0-fake',
  };
}

/**
 * One event of llama.cpp's native stream (`/infill`, `/completion`); the last one (`stop: true`)
 * carries the stop type and the timings, as server_task_result_cmpl_final::to_json_non_oaicompat.
 */
export function nativeEvent(text: string, outcome: GenerationOutcome, index: number, last: boolean): unknown {
  const event: Record<string, unknown> = {
    index: 0,
    content: text,
    tokens: [],
    stop: last,
    id_slot: 0,
    tokens_predicted: last ? outcome.tokens.length : index + 1,
    tokens_evaluated: outcome.promptTokens,
  };
  if (!last) return event;
  return {
    ...event,
    model: outcome.model,
    stop_type: outcome.finishReason === 'length' ? 'limit' : 'eos',
    stopping_word: '',
    truncated: false,
    tokens_cached: outcome.promptTokens + outcome.tokens.length,
    ...finalChunkExtras('llamacpp', outcome),
  };
}

interface ChunkContext {
  flavor: FakeServerFlavor;
  kind: 'completion' | 'chat';
  id: string;
  model: string;
}

/** One streamed token; `finishReason` set on the last one. */
export function streamChunk(context: ChunkContext, text: string, finishReason: string | null, first: boolean): unknown {
  const base = chunkBase(context);
  if (context.kind === 'completion') {
    return { ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }] };
  }
  const delta = first ? { role: 'assistant', content: text } : { content: text };
  return { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
}

/** Extra fields a flavor puts on its last chunk (server-side timings). */
export function finalChunkExtras(flavor: FakeServerFlavor, outcome: GenerationOutcome): Record<string, unknown> {
  const decodeMs = outcome.tokens.length * 8;
  const promptMs = outcome.promptTokens * 0.5;
  if (flavor === 'llamacpp') {
    return {
      timings: {
        prompt_n: outcome.promptTokens,
        prompt_ms: promptMs,
        prompt_per_token_ms: 0.5,
        prompt_per_second: 2000,
        predicted_n: outcome.tokens.length,
        predicted_ms: decodeMs,
        predicted_per_token_ms: 8,
        predicted_per_second: 125,
      },
    };
  }
  if (flavor === 'ollama') {
    return {
      prompt_eval_count: outcome.promptTokens,
      prompt_eval_duration: Math.round(promptMs * 1e6),
      eval_count: outcome.tokens.length,
      eval_duration: Math.round(decodeMs * 1e6),
    };
  }
  return {};
}

export function usageChunk(context: ChunkContext, outcome: GenerationOutcome): unknown {
  return { ...chunkBase(context), choices: [], usage: usage(outcome) };
}

export function fullResponse(context: ChunkContext, outcome: GenerationOutcome): unknown {
  const text = outcome.tokens.join('');
  const choice =
    context.kind === 'completion'
      ? { index: 0, text, logprobs: null, finish_reason: outcome.finishReason }
      : { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: outcome.finishReason };
  return {
    ...chunkBase(context),
    object: context.kind === 'completion' ? 'text_completion' : 'chat.completion',
    choices: [choice],
    usage: usage(outcome),
    ...finalChunkExtras(context.flavor, outcome),
  };
}

function usage(outcome: GenerationOutcome): Record<string, number> {
  const completion = outcome.tokens.length;
  return { prompt_tokens: outcome.promptTokens, completion_tokens: completion, total_tokens: outcome.promptTokens + completion };
}

function chunkBase(context: ChunkContext): Record<string, unknown> {
  return {
    id: context.id,
    object: context.kind === 'completion' ? 'text_completion' : 'chat.completion.chunk',
    created: 1700000000,
    model: context.model,
    ...(context.flavor === 'ollama' ? { system_fingerprint: 'fp_ollama' } : {}),
  };
}
