/**
 * What is behind the offload URL: reachable or not, still loading its model, which engine, which
 * model, its context window, and how fill-in-the-middle reaches the model. Run at start, while
 * the server is down, and whenever the configuration changes; never throws.
 *
 * FIM is decided by what each engine is documented to do, never by an HTTP 200 alone: llama.cpp's
 * `/v1/completions` accepts `suffix` and silently ignores it, so a 200 proves nothing.
 *   llama.cpp          → `POST /infill` (input_prefix / input_suffix), when the model has FIM tokens
 *                        (the server answers 501 "not supported" otherwise);
 *   Ollama, OpenAI     → `suffix` on `/v1/completions` (both document it and use it);
 *   vLLM, TGI, others  → the model's FIM template in the prompt (vLLM rejects `suffix`; for an
 *                        unknown server an accepted `suffix` may well be dropped).
 *
 * A loading model (503, llama.cpp's "Loading model", or a first generation slower than the
 * timeout once the server answered) is reported as 'warming-up', not as a failure.
 */
import { contextOverflow } from './errorMapping';
import { detectServerKind, serverLabel, type ListedModel, type ServerKind } from './serverKind';

/** How the suffix reaches the model: llama.cpp's /infill, a native `suffix`, or a prompt template. */
export type FimMode = 'infill' | 'suffix' | 'template';

export interface ProbeResult {
  state: 'ready' | 'warming-up' | 'down';
  serverKind: ServerKind;
  /** Models the server lists (empty when it has no listing). */
  models: string[];
  /** The model requests will use: the configured one, else the first listed. Empty when none. */
  model: string;
  fim: FimMode;
  /** fim !== 'template': the backend takes the suffix as a separate field. */
  nativeSuffix: boolean;
  /**
   * Tokens of context one request may use (prompt + answer), when the server says: llama.cpp's
   * per-slot n_ctx (`/v1/models` meta.n_ctx or `GET /props`), vLLM's `max_model_len`.
   */
  contextTokens?: number;
  /** One sentence for the status bar and the log. */
  detail: string;
}

export interface ProbeOptions {
  /** OpenAI base URL, e.g. http://localhost:8000/v1. */
  baseUrl: string;
  apiKey: string;
  configuredModel: string;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** Per HTTP call. */
  timeoutMs: number;
  signal: AbortSignal;
}

interface HttpAnswer {
  status: number;
  headers: Headers;
  json: unknown;
}

type CallResult = { ok: true; answer: HttpAnswer } | { ok: false; timedOut: boolean; reason: string };

/** Prompt for the FIM check: one token is enough to see whether the server takes the request. */
const FIM_CHECK = { prefix: 'def add(a, b):\n    return ', suffix: '\n' };

/** Engines whose `/v1/completions` is documented to use `suffix` (not just to accept it). */
const USES_SUFFIX: ReadonlySet<ServerKind> = new Set(['ollama', 'openai']);

export async function probeServer(options: ProbeOptions): Promise<ProbeResult> {
  const base = options.baseUrl.replace(/\/+$/, '');
  const listing = await call(options, `${base}/models`, { method: 'GET' });
  if (!listing.ok)
    return unlisted(
      'down',
      listing.timedOut ? `${base} did not answer within ${options.timeoutMs} ms` : `Cannot reach ${base}: ${listing.reason}`,
    );
  const { status, headers, json } = listing.answer;
  if (status === 503) return unlisted('warming-up', `The server at ${base} is loading its model (${messageOf(json) ?? 'HTTP 503'})`);
  if (status === 401 || status === 403) return unlisted('down', `The server at ${base} refused the API key (HTTP ${status})`);
  if (status !== 404 && (status < 200 || status >= 300)) return unlisted('down', `${base}/models answered HTTP ${status}`);

  const listed = status === 404 ? [] : listedModels(json);
  const models = listed.map((entry) => entry.id);
  let kind = detectServerKind(headers, listed);
  if (kind === 'unknown' && (await isOllama(options, base))) kind = 'ollama';
  const model = options.configuredModel || models[0] || '';
  const result: ProbeResult = { state: 'ready', serverKind: kind, models, model, fim: 'template', nativeSuffix: false, detail: '' };
  if (!model) return { ...result, state: 'down', detail: `${serverLabel(kind)} at ${base} lists no model; set tandem.offload.model` };
  if (options.configuredModel && models.length > 0 && !models.includes(options.configuredModel)) {
    return {
      ...result,
      state: 'down',
      detail: `${serverLabel(kind)} at ${base} does not serve "${model}" (it serves ${models.join(', ')})`,
    };
  }

  const contextTokens = contextFromListing(listed, model) ?? (kind === 'llamacpp' ? await contextFromProps(options, base) : undefined);
  if (contextTokens !== undefined) result.contextTokens = contextTokens;
  const fim = kind === 'llamacpp' ? await checkInfill(options, base, model) : await checkSuffix(options, base, model);
  if (!fim.ok) {
    return fim.timedOut
      ? {
          ...result,
          state: 'warming-up',
          detail: `${serverLabel(kind)} is up but its first generation took over ${options.timeoutMs} ms (model loading?)`,
        }
      : { ...result, state: 'down', detail: `${serverLabel(kind)} at ${base} stopped answering: ${fim.reason}` };
  }
  if (fim.answer.status === 503) return { ...result, state: 'warming-up', detail: `${serverLabel(kind)} is loading ${model}` };
  // llama.cpp checks the model's FIM tokens before the prompt's length: a window too small even
  // for the check's few tokens still proves /infill works.
  const accepted =
    (fim.answer.status >= 200 && fim.answer.status < 300) ||
    contextOverflow((fim.answer.json as { error?: unknown } | undefined)?.error) !== undefined;
  if (accepted && kind === 'unknown' && fingerprint(fim.answer.json) === 'fp_ollama') kind = 'ollama';
  const mode: FimMode = !accepted ? 'template' : kind === 'llamacpp' ? 'infill' : USES_SUFFIX.has(kind) ? 'suffix' : 'template';
  const how = mode === 'infill' ? '/infill' : mode === 'suffix' ? 'native suffix' : 'prompt template';
  const window = contextTokens !== undefined ? `, ${contextTokens}-token context` : '';
  return {
    ...result,
    serverKind: kind,
    fim: mode,
    nativeSuffix: mode !== 'template',
    detail: `${serverLabel(kind)} serving ${model} (FIM via ${how}${window})`,
  };

  /** Before the model listing is read: nothing is known of the server but its state. */
  function unlisted(state: 'down' | 'warming-up', detail: string): ProbeResult {
    return {
      state,
      serverKind: 'unknown',
      models: [],
      model: options.configuredModel,
      fim: 'template',
      nativeSuffix: false,
      detail,
    };
  }
}

/** The server root for engine-native routes (`/infill`, `/props`): the base URL without `/v1`. */
export function serverRoot(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed.slice(0, -'/v1'.length) : trimmed;
}

/** One-token `/infill` request: 200 when the model has FIM tokens, 501 when it has not. */
function checkInfill(options: ProbeOptions, base: string, model: string): Promise<CallResult> {
  const body = { model, input_prefix: FIM_CHECK.prefix, input_suffix: FIM_CHECK.suffix, n_predict: 1, temperature: 0 };
  return call(options, `${serverRoot(base)}/infill`, jsonPost(body));
}

/** One-token completion with `suffix`: a 400 says the server rejects it (vLLM). */
function checkSuffix(options: ProbeOptions, base: string, model: string): Promise<CallResult> {
  const body = { model, prompt: FIM_CHECK.prefix, suffix: FIM_CHECK.suffix, max_tokens: 1, temperature: 0 };
  return call(options, `${base}/completions`, jsonPost(body));
}

function jsonPost(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** llama.cpp lists the per-slot window as `meta.n_ctx` (recent builds); vLLM as `max_model_len`. */
function contextFromListing(listed: readonly ListedModel[], model: string): number | undefined {
  const entry = (listed.find((candidate) => candidate.id === model) ?? listed[0]) as Record<string, unknown> | undefined;
  if (!entry) return undefined;
  const meta = entry.meta as Record<string, unknown> | undefined;
  return positive(meta?.n_ctx) ?? positive(entry.max_model_len);
}

/** llama.cpp's `GET /props`: `default_generation_settings.n_ctx` is one slot's window. */
async function contextFromProps(options: ProbeOptions, base: string): Promise<number | undefined> {
  const answer = await call(options, `${serverRoot(base)}/props`, { method: 'GET' });
  if (!answer.ok || answer.answer.status !== 200) return undefined;
  const settings = (answer.answer.json as { default_generation_settings?: { n_ctx?: unknown } } | undefined)?.default_generation_settings;
  return positive(settings?.n_ctx);
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/** Ollama answers `GET /api/version` next to its OpenAI layer; nothing else does. */
async function isOllama(options: ProbeOptions, base: string): Promise<boolean> {
  if (!base.endsWith('/v1')) return false;
  const answer = await call(options, `${base.slice(0, -'/v1'.length)}/api/version`, { method: 'GET' });
  return answer.ok && answer.answer.status === 200 && typeof (answer.answer.json as { version?: unknown })?.version === 'string';
}

/** One HTTP call with its own timeout, linked to the caller's signal; reads the whole body. */
async function call(options: ProbeOptions, url: string, init: RequestInit): Promise<CallResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) controller.abort(options.signal.reason);
  try {
    const headers = new Headers(init.headers);
    if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
    const response = await options.fetch(url, { ...init, headers, signal: controller.signal });
    const text = await response.text();
    return { ok: true, answer: { status: response.status, headers: response.headers, json: parseJson(text) } };
  } catch (error) {
    return { ok: false, timedOut, reason: describe(error) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

function listedModels(json: unknown): ListedModel[] {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) return [];
  return data.filter((entry): entry is ListedModel => typeof (entry as ListedModel)?.id === 'string');
}

function messageOf(json: unknown): string | undefined {
  const error = (json as { error?: unknown })?.error;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  return typeof message === 'string' ? message : undefined;
}

function fingerprint(json: unknown): unknown {
  return (json as { system_fingerprint?: unknown })?.system_fingerprint;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}
