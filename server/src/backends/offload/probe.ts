/**
 * What is behind the offload URL: reachable or not, still loading its model, which engine, which
 * model, and whether `/v1/completions` takes a native `suffix` (fill-in-the-middle without a
 * prompt template). Run at start and whenever the configuration changes; never throws.
 *
 * A loading model (503, llama.cpp's "Loading model", or a first generation slower than the
 * timeout once the server answered) is reported as 'warming-up', not as a failure.
 */
import { detectServerKind, serverLabel, type ListedModel, type ServerKind } from './serverKind';

export interface ProbeResult {
  state: 'ready' | 'warming-up' | 'down';
  serverKind: ServerKind;
  /** Models the server lists (empty when it has no listing). */
  models: string[];
  /** The model requests will use: the configured one, else the first listed. Empty when none. */
  model: string;
  nativeSuffix: boolean;
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

/** Prompt for the FIM check: one token is enough to see whether `suffix` is accepted. */
const FIM_CHECK = { prompt: 'def add(a, b):\n    return ', suffix: '\n', max_tokens: 1, temperature: 0 };

export async function probeServer(options: ProbeOptions): Promise<ProbeResult> {
  const base = options.baseUrl.replace(/\/+$/, '');
  const listing = await call(options, `${base}/models`, { method: 'GET' });
  if (!listing.ok) return down(listing.timedOut ? `${base} did not answer within ${options.timeoutMs} ms` : `Cannot reach ${base}: ${listing.reason}`);
  const { status, headers, json } = listing.answer;
  if (status === 503) return warming(`The server at ${base} is loading its model (${messageOf(json) ?? 'HTTP 503'})`);
  if (status === 401 || status === 403) return down(`The server at ${base} refused the API key (HTTP ${status})`);
  if (status !== 404 && (status < 200 || status >= 300)) return down(`${base}/models answered HTTP ${status}`);

  const listed = status === 404 ? [] : listedModels(json);
  const models = listed.map((entry) => entry.id);
  let kind = detectServerKind(headers, listed);
  if (kind === 'unknown' && (await isOllama(options, base))) kind = 'ollama';
  const model = options.configuredModel || models[0] || '';
  const result: ProbeResult = { state: 'ready', serverKind: kind, models, model, nativeSuffix: false, detail: '' };
  if (!model) return { ...result, state: 'down', detail: `${serverLabel(kind)} at ${base} lists no model; set tandem.offload.model` };
  if (options.configuredModel && models.length > 0 && !models.includes(options.configuredModel)) {
    return { ...result, state: 'down', detail: `${serverLabel(kind)} at ${base} does not serve "${model}" (it serves ${models.join(', ')})` };
  }

  const fim = await call(options, `${base}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, ...FIM_CHECK }),
  });
  if (!fim.ok) {
    return fim.timedOut
      ? { ...result, state: 'warming-up', detail: `${serverLabel(kind)} is up but its first generation took over ${options.timeoutMs} ms (model loading?)` }
      : { ...result, state: 'down', detail: `${serverLabel(kind)} at ${base} stopped answering: ${fim.reason}` };
  }
  if (fim.answer.status === 503) return { ...result, state: 'warming-up', detail: `${serverLabel(kind)} is loading ${model}` };
  const nativeSuffix = fim.answer.status >= 200 && fim.answer.status < 300;
  if (nativeSuffix && fingerprint(fim.answer.json) === 'fp_ollama') kind = 'ollama';
  const how = nativeSuffix ? 'native suffix' : 'prompt template';
  return { ...result, serverKind: kind, nativeSuffix, detail: `${serverLabel(kind)} serving ${model} (FIM via ${how})` };

  function down(detail: string): ProbeResult {
    return { state: 'down', serverKind: 'unknown', models: [], model: options.configuredModel, nativeSuffix: false, detail };
  }
  function warming(detail: string): ProbeResult {
    return { state: 'warming-up', serverKind: 'unknown', models: [], model: options.configuredModel, nativeSuffix: false, detail };
  }
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
