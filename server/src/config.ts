/**
 * The one source of defaults. Client settings (`tandem.*` in VS Code, or the CLI's flags and
 * environment) are merged over these; a unit test checks that package.json's
 * `contributes.configuration` defaults equal `DEFAULT_CONFIG`.
 *
 * Invalid values never crash the server: `mergeConfig` keeps the default for a bad field and
 * returns a warning naming it.
 */
import type { RoutingPolicy } from './protocol';
import type { ObjectivePreset } from './routing/learned/objective';

/** Fill-in-the-middle prompt formats (backends/promptLayout.ts), 'auto' to read or guess the model's. */
const FIM_TEMPLATE_IDS = ['auto', 'tandem', 'codellama', 'starcoder', 'qwen', 'codegemma', 'deepseek', 'codestral', 'none'] as const;
export type FimTemplateId = (typeof FIM_TEMPLATE_IDS)[number];

export interface TandemConfig {
  routing: {
    policy: RoutingPolicy;
    /** Hedged requests: start the other backend when no first token arrives within this many ms (0 = off). */
    hedgeMs: number;
    /** Fraction of completions also sent to the other backend without showing its answer (0 = off). */
    shadowRate: number;
    /** What `auto` optimizes (routing/learned/objective.ts); 'fixed': the fixed rule, no learning. */
    objective: 'fixed' | ObjectivePreset;
    /** Learned `auto` never picks a backend whose median TTFT in the bucket is above this (0 = no limit). */
    maxTtftMs: number;
    /** Learned `auto` never picks a backend whose mean cost per request is above this, USD (0 = no limit). */
    maxCostPerRequest: number;
    /** Share of `auto` decisions that may try a backend other than the best estimate, to learn (0..1). */
    exploration: number;
    /** Latency evidence halves in weight every this many seconds (acceptance: 60× slower). */
    evidenceHalfLifeSeconds: number;
    /** A `tandem bench` report.json whose figures seed learned routing's first estimates ('' = none). */
    warmStartReport: string;
  };
  local: {
    /** 'bundled', a directory with a transformers.js layout, or a hub model id. */
    completionModel: string;
    explainModel: string;
    /** Only when true may a hub model id be downloaded. Off by default: offline first. */
    allowRemoteModels: boolean;
    /** 'q8' (int8 quantized) or 'fp32'. */
    dtype: 'q8' | 'fp32';
    /** onnxruntime intra-op threads for the local worker (0 = runtime default). */
    threads: number;
    /** Mix a cache model over the prompt into local completions (see backends/local/contextCache.ts). */
    contextCache: boolean;
    /** FIM prompt format of the local completion model; 'auto' reads it from the model. */
    fimTemplate: FimTemplateId;
    /** Power per busy CPU core, W: local cost = measured CPU time × watts × energyPrice (metrics/cost.ts). */
    watts: number;
    /** Electricity price, USD per kWh. */
    energyPrice: number;
    /** Machine price, USD, amortized over `hardwareLifetimeHours` by wall time (0 = off). */
    hardwarePrice: number;
    hardwareLifetimeHours: number;
  };
  offload: {
    /** OpenAI-compatible base URL, e.g. http://localhost:8000/v1. Empty = offload disabled. */
    url: string;
    /** Model name on that server; empty = first model the server lists. */
    model: string;
    fimTemplate: FimTemplateId;
    timeoutMs: number;
    maxRetries: number;
    /** USD per 1M prompt / completion tokens of a hosted API (metrics/cost.ts). */
    inputPricePerMillionTokens: number;
    outputPricePerMillionTokens: number;
    /** Older single price for both directions: the fallback for a per-direction price left at 0. */
    pricePerMillionTokens: number;
    /** USD per GPU hour of a self-hosted server; > 0 prices offload by server time instead of tokens. */
    gpuHourPrice: number;
  };
  completion: {
    enabled: boolean;
    debounceMs: number;
    maxPrefixChars: number;
    maxSuffixChars: number;
    maxTokens: number;
    /** 'auto' decides from the cursor context; 'always' and 'never' force it. */
    multiline: 'auto' | 'always' | 'never';
    timeoutMs: number;
    temperature: number;
    /** Files never completed nor sent anywhere: globs over the document path (completion/privacy.ts). */
    exclude: string[];
    /** Language id → completions on/off, `*` for the rest (like Copilot's `github.copilot.enable`). */
    languages: Record<string, boolean>;
    /** Unsaved (untitled) documents may be sent to the offload endpoint; off: local model only. */
    offloadUntitled: boolean;
    /** Larger documents are not synced to the server nor completed (each synced byte costs on every keystroke). */
    maxFileBytes: number;
    /** Tokens of snippets from other open files in local prompts (0 = none; completion/crossFile). */
    crossFileTokensLocal: number;
    /** The same for offload prompts (a larger model with a larger window: a larger budget). */
    crossFileTokensOffload: number;
  };
  explain: {
    maxTokens: number;
    maxInputChars: number;
    timeoutMs: number;
  };
  cache: {
    enabled: boolean;
    memoryEntries: number;
    diskEntries: number;
    ttlSeconds: number;
    /** Keep answer text in the disk tier (cache.db); off: answers are cached in memory only. */
    persistText: boolean;
  };
  breaker: {
    failureThreshold: number;
    cooldownMs: number;
  };
  metrics: {
    /** Store prompt and completion text in the metrics database (off: hashes only). */
    storePrompts: boolean;
    retentionDays: number;
    /** Serve Prometheus metrics on http://127.0.0.1:<port>/metrics; 0 = off (metrics/prometheusEndpoint.ts). */
    prometheusPort: number;
  };
}

export const DEFAULT_CONFIG: TandemConfig = {
  routing: {
    policy: 'auto',
    hedgeMs: 0,
    shadowRate: 0,
    objective: 'balanced',
    maxTtftMs: 0,
    maxCostPerRequest: 0,
    exploration: 0.05,
    evidenceHalfLifeSeconds: 60,
    warmStartReport: '',
  },
  local: {
    completionModel: 'bundled',
    explainModel: 'bundled',
    allowRemoteModels: false,
    dtype: 'q8',
    threads: 0,
    contextCache: true,
    fimTemplate: 'auto',
    watts: 10,
    energyPrice: 0.16,
    hardwarePrice: 0,
    hardwareLifetimeHours: 6000,
  },
  offload: {
    url: '',
    model: '',
    fimTemplate: 'auto',
    timeoutMs: 15000,
    maxRetries: 1,
    inputPricePerMillionTokens: 0,
    outputPricePerMillionTokens: 0,
    pricePerMillionTokens: 0,
    gpuHourPrice: 0,
  },
  completion: {
    enabled: true,
    debounceMs: 150,
    maxPrefixChars: 4000,
    maxSuffixChars: 1500,
    maxTokens: 48,
    multiline: 'auto',
    timeoutMs: 4000,
    temperature: 0,
    exclude: ['**/.env*', '**/*.pem', '**/*.key', '**/secrets*', '**/id_rsa*'],
    languages: { '*': true, plaintext: false, markdown: false, scminput: false },
    offloadUntitled: false,
    maxFileBytes: 1048576,
    crossFileTokensLocal: 0,
    crossFileTokensOffload: 768,
  },
  explain: { maxTokens: 256, maxInputChars: 6000, timeoutMs: 60000 },
  cache: { enabled: true, memoryEntries: 1000, diskEntries: 20000, ttlSeconds: 7 * 24 * 3600, persistText: false },
  breaker: { failureThreshold: 3, cooldownMs: 30000 },
  metrics: { storePrompts: false, retentionDays: 30, prometheusPort: 0 },
};

/** Allowed values for enum-like settings; also used to generate package.json enums. */
export const CONFIG_ENUMS: Record<string, readonly string[]> = {
  'routing.policy': ['local', 'offload', 'auto'],
  'routing.objective': ['fixed', 'fast', 'balanced', 'quality', 'cheap'],
  'local.dtype': ['q8', 'fp32'],
  'offload.fimTemplate': FIM_TEMPLATE_IDS,
  'local.fimTemplate': FIM_TEMPLATE_IDS,
  'completion.multiline': ['auto', 'always', 'never'],
};

/** Numeric ranges: [min, max]. */
export const CONFIG_RANGES: Record<string, readonly [number, number]> = {
  'routing.hedgeMs': [0, 60000],
  'routing.shadowRate': [0, 1],
  'routing.maxTtftMs': [0, 600000],
  'routing.maxCostPerRequest': [0, 100],
  'routing.exploration': [0, 0.5],
  'routing.evidenceHalfLifeSeconds': [1, 86400],
  'local.threads': [0, 64],
  'local.watts': [0, 1000],
  'local.energyPrice': [0, 10],
  'local.hardwarePrice': [0, 1000000],
  'local.hardwareLifetimeHours': [1, 1000000],
  'offload.timeoutMs': [100, 600000],
  'offload.maxRetries': [0, 10],
  'offload.inputPricePerMillionTokens': [0, 1000],
  'offload.outputPricePerMillionTokens': [0, 1000],
  'offload.pricePerMillionTokens': [0, 1000],
  'offload.gpuHourPrice': [0, 1000],
  'completion.debounceMs': [0, 5000],
  'completion.maxPrefixChars': [100, 100000],
  'completion.maxSuffixChars': [0, 100000],
  'completion.maxTokens': [1, 1024],
  'completion.timeoutMs': [100, 120000],
  'completion.temperature': [0, 2],
  'completion.maxFileBytes': [1024, 104857600],
  'completion.crossFileTokensLocal': [0, 4096],
  'completion.crossFileTokensOffload': [0, 32768],
  'explain.maxTokens': [1, 4096],
  'explain.maxInputChars': [100, 200000],
  'explain.timeoutMs': [1000, 600000],
  'cache.memoryEntries': [0, 1000000],
  'cache.diskEntries': [0, 10000000],
  'cache.ttlSeconds': [0, 31536000],
  'breaker.failureThreshold': [1, 100],
  'breaker.cooldownMs': [100, 3600000],
  'metrics.retentionDays': [1, 3650],
  'metrics.prometheusPort': [0, 65535],
};

/** Flattens to dotted keys: { 'routing.policy': 'auto', ... }. */
export function flattenConfig(config: TandemConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [section, values] of Object.entries(config)) {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      out[`${section}.${key}`] = value;
    }
  }
  return out;
}

export interface MergeResult {
  config: TandemConfig;
  /** One sentence per rejected field; the default was kept. */
  warnings: string[];
}

/**
 * Merges user settings (nested object, as VS Code's `getConfiguration('tandem')` gives it, or
 * flat dotted keys) over `base`. Unknown keys are ignored; wrongly typed or out-of-range values
 * keep the base value and produce a warning.
 */
export function mergeConfig(user: unknown, base: TandemConfig = DEFAULT_CONFIG): MergeResult {
  const config = structuredClone(base);
  const warnings: string[] = [];
  if (user === undefined || user === null) return { config, warnings };
  if (typeof user !== 'object' || Array.isArray(user)) {
    return { config, warnings: ['Tandem settings must be an object; using defaults.'] };
  }
  const flatBase = flattenConfig(base);
  for (const [key, value] of Object.entries(flattenUser(user as Record<string, unknown>, flatBase))) {
    if (!(key in flatBase) || value === undefined) continue;
    const problem = validate(key, value, flatBase[key]);
    if (problem) {
      warnings.push(`Setting tandem.${key} ${problem}; using ${JSON.stringify(flatBase[key])}.`);
      continue;
    }
    const [section, field] = key.split('.') as [keyof TandemConfig, string];
    // Object settings (a language map) merge over the base, as VS Code merges them over defaults.
    const merged = isPlainObject(value) ? { ...(flatBase[key] as object), ...value } : value;
    (config[section] as unknown as Record<string, unknown>)[field] = structuredClone(merged);
  }
  return { config, warnings };
}

/** Dotted keys; stops at settings whose value is itself an object (`completion.languages`). */
function flattenUser(user: Record<string, unknown>, flatBase: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    const full = prefix ? `${prefix}.${key}` : key;
    const setting = full.startsWith('tandem.') ? full.slice('tandem.'.length) : full;
    if (isPlainObject(value) && !isPlainObject(flatBase[setting])) {
      Object.assign(out, flattenUser(value, flatBase, full));
    } else {
      out[setting] = value;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `value` is not a valid value for setting `key` (whose default is `defaultValue`), or undefined. */
export function validate(key: string, value: unknown, defaultValue: unknown): string | undefined {
  if (Array.isArray(defaultValue)) {
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'must be a list of strings';
  }
  if (isPlainObject(defaultValue)) {
    return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'boolean')
      ? undefined
      : 'must be an object of true/false values';
  }
  if (typeof value !== typeof defaultValue) return `must be a ${typeof defaultValue}`;
  const allowed = CONFIG_ENUMS[key];
  if (allowed && !allowed.includes(value as string)) return `must be one of ${allowed.join(', ')}`;
  const range = CONFIG_RANGES[key];
  if (range && typeof value === 'number') {
    if (!Number.isFinite(value) || value < range[0] || value > range[1]) {
      return `must be between ${range[0]} and ${range[1]}`;
    }
  }
  if (key === 'offload.url' && value !== '' && !isHttpUrl(value as string)) {
    return 'must be an http(s) URL';
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
