/**
 * Which serving engine is behind an OpenAI-compatible URL, told from the `/v1/models` answer
 * and its headers (each engine fills `owned_by` its own way):
 *   vLLM "vllm"; llama.cpp "llamacpp" (and `Server: llama.cpp`); Ollama the model's namespace,
 *   "library" for official models; TGI the model id itself; OpenAI "system"/"openai" and
 *   `openai-*` headers.
 */
export type ServerKind = 'vllm' | 'llamacpp' | 'ollama' | 'tgi' | 'openai' | 'unknown';

export interface ListedModel {
  id: string;
  owned_by?: unknown;
}

export function detectServerKind(headers: Headers, models: readonly ListedModel[]): ServerKind {
  const server = (headers.get('server') ?? '').toLowerCase();
  const owners = models.map((model) => String(model.owned_by ?? '').toLowerCase());
  if (server.includes('llama.cpp') || owners.includes('llamacpp')) return 'llamacpp';
  if (owners.includes('vllm') || server.startsWith('vllm')) return 'vllm';
  if (
    headers.has('openai-version') ||
    headers.has('openai-organization') ||
    owners.some((owner) => owner === 'openai' || owner === 'system' || owner === 'openai-internal')
  ) {
    return 'openai';
  }
  if (owners.includes('library') || owners.includes('ollama')) return 'ollama';
  if (models.length > 0 && models.every((model) => model.owned_by === model.id)) return 'tgi';
  return 'unknown';
}

export function serverLabel(kind: ServerKind): string {
  const labels: Record<ServerKind, string> = {
    vllm: 'vLLM',
    llamacpp: 'llama.cpp',
    ollama: 'Ollama',
    tgi: 'TGI',
    openai: 'OpenAI',
    unknown: 'an OpenAI-compatible server',
  };
  return labels[kind];
}
