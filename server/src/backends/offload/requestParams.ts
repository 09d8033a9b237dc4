/**
 * The body of a `/v1/completions`, `/v1/chat/completions` or llama.cpp `/infill` request for one
 * GenerateRequest, and the token estimate used when a server does not report usage.
 */
import type { GenerateRequest, Usage } from '../backend';
import type { FimFamily } from './fimTemplate';
import type { ServerKind } from './serverKind';
import type { EndpointKind } from './streamChunks';

export interface ParamsContext {
  model: string;
  kind: EndpointKind;
  serverKind: ServerKind;
  fimTemplate: FimFamily;
}

/** Code Llama's `<EOT>` (end of infill) token id, the same in every Code Llama tokenizer. */
const CODELLAMA_EOT_TOKEN_ID = 32010;

export function requestParams(request: GenerateRequest, context: ParamsContext): Record<string, unknown> {
  if (context.kind === 'infill') return infillParams(request, context);
  const params: Record<string, unknown> = {
    model: context.model,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    // OpenAI, vLLM, llama.cpp and Ollama all take `seed` (sampled candidates: candidates.ts).
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
  // OpenAI itself accepts at most 4 stop sequences; the open servers take any number.
  const stop = context.serverKind === 'openai' ? request.stop.slice(0, 4) : request.stop;
  if (stop.length > 0) params.stop = stop;
  if (context.kind === 'chat') {
    params.messages = request.messages ?? [{ role: 'user', content: request.prompt }];
    return params;
  }
  params.prompt = request.prompt;
  if (request.suffix !== undefined) params.suffix = request.suffix;
  // vLLM drops special tokens from the text it streams, so the "<EOT>" stop string never matches
  // and Code Llama would keep writing past the end of the infill; stop on the token id instead.
  if (context.serverKind === 'vllm' && context.fimTemplate === 'codellama' && /code-?llama/i.test(context.model)) {
    params.stop_token_ids = [CODELLAMA_EOT_TOKEN_ID];
  }
  return params;
}

/**
 * llama.cpp `/infill`: the server wraps input_prefix / input_suffix in the model's own FIM tokens
 * (read from the GGUF), so no template is applied here; `prompt` (text after the FIM middle
 * token) stays empty. `n_predict` is llama.cpp's name for max_tokens.
 */
function infillParams(request: GenerateRequest, context: ParamsContext): Record<string, unknown> {
  const params: Record<string, unknown> = {
    model: context.model,
    input_prefix: request.prompt,
    input_suffix: request.suffix ?? '',
    n_predict: request.maxTokens,
    temperature: request.temperature,
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    // Reuse the KV cache of the previous keystroke's prompt: most of it is the same text.
    cache_prompt: true,
  };
  if (request.stop.length > 0) params.stop = request.stop;
  return params;
}

/** About four characters per token for code with BPE tokenizers; marked as an estimate. */
export function estimateUsage(request: GenerateRequest, completionChars: number): Usage {
  const promptChars = request.messages
    ? request.messages.reduce((sum, message) => sum + message.content.length, 0)
    : request.prompt.length + (request.suffix?.length ?? 0);
  return {
    promptTokens: Math.ceil(promptChars / 4),
    completionTokens: Math.ceil(completionChars / 4),
    source: 'estimate',
  };
}
