/**
 * The body of a `/v1/completions` or `/v1/chat/completions` request for one GenerateRequest, and
 * the token estimate used when a server does not report usage.
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
  const params: Record<string, unknown> = {
    model: context.model,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
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
