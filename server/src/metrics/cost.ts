/**
 * What one request cost, and the prices it was computed with.
 *
 * The model (README "Cost"; settings in config.ts):
 * - Cache hits and requests that never reached a backend cost 0.
 * - Offload, hosted API (`offload.gpuHourPrice` = 0): prompt tokens × input price + completion
 *   tokens × output price, both per 1M tokens. The older single `offload.pricePerMillionTokens`
 *   is kept as a fallback: a per-direction price left at 0 takes its value, so existing settings
 *   keep pricing both directions alike.
 * - Offload, self-hosted (`offload.gpuHourPrice` > 0, tokens then ignored): GPU-hour price × the
 *   request's server time: llama.cpp's own `timings` (prompt + decode ms) when the server reports
 *   them, else the end-to-end latency seen by Tandem. This assumes the server handles one request
 *   at a time (single stream): with continuous batching several requests share the same GPU
 *   seconds, so the figure is an upper bound.
 * - Local: energy = the CPU time the process spent while the model generated (`cpuMs`, user +
 *   system, measured in the worker: backends/local/cpuTime.ts) × `local.watts` (power per busy
 *   core) × `local.energyPrice` (USD/kWh); plus optional hardware amortization
 *   `local.hardwarePrice` / `local.hardwareLifetimeHours` × the request's wall time (E2E). Without
 *   a measured CPU time the energy is not guessed: it is 0 and the basis says `"cpu":"unmeasured"`.
 *
 * Every priced row stores `costBasis`: the JSON of exactly the prices and quantities used, so a
 * report read from the database later agrees with the panel even after the settings change.
 */
import type { TandemConfig } from '../config';
import type { RequestRow } from '../protocol';

export interface OffloadPrices {
  /** USD per 1M prompt tokens (hosted API). */
  inputPerMillionTokens: number;
  /** USD per 1M completion tokens (hosted API). */
  outputPerMillionTokens: number;
  /** USD per GPU hour of a self-hosted server; > 0 switches offload to time-based pricing. */
  gpuHourPrice: number;
}

export interface LocalPrices {
  /** Power drawn per busy CPU core, W (CPU time counts each core separately). */
  watts: number;
  /** Electricity, USD per kWh. */
  energyPricePerKwh: number;
  /** Purchase price of the machine, USD (0 = no amortization). */
  hardwarePrice: number;
  /** Hours of use over which `hardwarePrice` is spread. */
  hardwareLifetimeHours: number;
}

/** The prices every request is priced with (metrics config; see `costBasisOf`). */
export interface CostBasis {
  offload: OffloadPrices;
  local: LocalPrices;
}

/** What `costBasis` holds for one row (stored as JSON); `kind` says which branch priced it. */
export type RowCostBasis =
  | { kind: 'none' }
  | { kind: 'cache' }
  | {
      kind: 'offload-tokens';
      inputPerMillionTokens: number;
      outputPerMillionTokens: number;
      promptTokens: number;
      completionTokens: number;
    }
  | { kind: 'offload-gpu-hour'; gpuHourPrice: number; serverMs: number; time: 'server' | 'e2e' | 'unmeasured' }
  | {
      kind: 'local';
      watts: number;
      energyPricePerKwh: number;
      /** The measured CPU time, or 'unmeasured' (energy priced 0). */
      cpu: number | 'unmeasured';
      hardwarePrice: number;
      hardwareLifetimeHours: number;
      wallMs: number;
    };

export interface RowCost {
  costUsd: number;
  /** JSON of a RowCostBasis. */
  costBasis: string;
}

const MS_PER_HOUR = 3_600_000;
/** 1 kWh = 3.6 MJ; W × ms = mJ, so W × ms / 3.6e9 = kWh. */
const WATT_MS_PER_KWH = 3_600_000_000;

/** The prices in `config`, with the old single offload price as the fallback for each direction. */
export function costBasisOf(config: TandemConfig): CostBasis {
  const { offload, local } = config;
  return {
    offload: {
      inputPerMillionTokens: positive(offload.inputPricePerMillionTokens) || positive(offload.pricePerMillionTokens),
      outputPerMillionTokens: positive(offload.outputPricePerMillionTokens) || positive(offload.pricePerMillionTokens),
      gpuHourPrice: positive(offload.gpuHourPrice),
    },
    local: {
      watts: positive(local.watts),
      energyPricePerKwh: positive(local.energyPrice),
      hardwarePrice: positive(local.hardwarePrice),
      hardwareLifetimeHours: positive(local.hardwareLifetimeHours),
    },
  };
}

/** The settings `costBasisOf` reads: they change prices only, so they apply without a restart. */
const COST_SETTINGS = {
  local: ['watts', 'energyPrice', 'hardwarePrice', 'hardwareLifetimeHours'],
  offload: ['inputPricePerMillionTokens', 'outputPricePerMillionTokens', 'pricePerMillionTokens', 'gpuHourPrice'],
} as const satisfies { [S in keyof TandemConfig]?: readonly (keyof TandemConfig[S])[] };

/**
 * `settings` with its cost settings set to 0, so comparing two of them tells whether anything
 * but prices changed (a price change must not reload the local model nor re-probe the endpoint).
 */
export function withoutCostSettings<S extends keyof typeof COST_SETTINGS>(section: S, settings: TandemConfig[S]): TandemConfig[S] {
  const copy: Record<string, unknown> = { ...settings };
  for (const key of COST_SETTINGS[section]) copy[key] = 0;
  return copy as TandemConfig[S];
}

/** Prices one request row under `basis` (see the module comment for the model). */
export function priceRow(row: RequestRow, basis: CostBasis): RowCost {
  if (row.backend === null) return result(0, { kind: 'none' });
  if (row.cacheTier !== 'none') return result(0, { kind: 'cache' });
  return row.backend === 'offload' ? priceOffload(row, basis.offload) : priceLocal(row, basis.local);
}

/** Reads a stored `costBasis` back; undefined when it is missing or not one this module wrote. */
export function parseCostBasis(json: string | null | undefined): RowCostBasis | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const kind = (value as { kind?: unknown }).kind;
    return ['none', 'cache', 'offload-tokens', 'offload-gpu-hour', 'local'].includes(kind as string) ? (value as RowCostBasis) : undefined;
  } catch {
    return undefined;
  }
}

function priceOffload(row: RequestRow, prices: OffloadPrices): RowCost {
  if (prices.gpuHourPrice > 0) {
    const { serverMs, time } = serverTime(row);
    return result((prices.gpuHourPrice * serverMs) / MS_PER_HOUR, {
      kind: 'offload-gpu-hour',
      gpuHourPrice: prices.gpuHourPrice,
      serverMs,
      time,
    });
  }
  const promptTokens = positive(row.promptTokens);
  const completionTokens = positive(row.completionTokens);
  const usd = (promptTokens * prices.inputPerMillionTokens + completionTokens * prices.outputPerMillionTokens) / 1_000_000;
  return result(usd, {
    kind: 'offload-tokens',
    inputPerMillionTokens: prices.inputPerMillionTokens,
    outputPerMillionTokens: prices.outputPerMillionTokens,
    promptTokens,
    completionTokens,
  });
}

/** The server's own timings when it reported any, else what Tandem measured end to end. */
function serverTime(row: RequestRow): { serverMs: number; time: 'server' | 'e2e' | 'unmeasured' } {
  if (row.serverPromptMs !== undefined || row.serverDecodeMs !== undefined) {
    return { serverMs: positive(row.serverPromptMs) + positive(row.serverDecodeMs), time: 'server' };
  }
  if (row.e2eMs !== null && row.e2eMs >= 0) return { serverMs: row.e2eMs, time: 'e2e' };
  return { serverMs: 0, time: 'unmeasured' };
}

function priceLocal(row: RequestRow, prices: LocalPrices): RowCost {
  const measured = row.cpuMs !== undefined && Number.isFinite(row.cpuMs) && row.cpuMs >= 0;
  const energyUsd = measured ? (row.cpuMs! * prices.watts * prices.energyPricePerKwh) / WATT_MS_PER_KWH : 0;
  const wallMs = positive(row.e2eMs);
  const hardwareUsd =
    prices.hardwarePrice > 0 && prices.hardwareLifetimeHours > 0
      ? (prices.hardwarePrice / prices.hardwareLifetimeHours) * (wallMs / MS_PER_HOUR)
      : 0;
  return result(energyUsd + hardwareUsd, {
    kind: 'local',
    watts: prices.watts,
    energyPricePerKwh: prices.energyPricePerKwh,
    cpu: measured ? row.cpuMs! : 'unmeasured',
    hardwarePrice: prices.hardwarePrice,
    hardwareLifetimeHours: prices.hardwareLifetimeHours,
    wallMs,
  });
}

function result(costUsd: number, basis: RowCostBasis): RowCost {
  return { costUsd, costBasis: JSON.stringify(basis) };
}

/** A finite, non-negative number, else 0 (settings and row fields may be absent or odd). */
function positive(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
