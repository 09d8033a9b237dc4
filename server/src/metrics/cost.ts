/**
 * What a request cost. Offload: tokens × the configured price per million tokens (prompt and
 * completion priced alike, as `offload.pricePerMillionTokens` is one number). Local: no bill, so
 * 0 USD; the machine's own cost is estimated separately by `estimateLocalEnergy`, because it rests
 * on assumptions the user should see next to the figure rather than inside a dollar amount.
 */
import type { BackendId } from '../protocol';

export function offloadCostUsd(tokens: number, pricePerMillionTokens: number): number {
  if (!(tokens > 0) || !(pricePerMillionTokens > 0)) return 0;
  return (tokens * pricePerMillionTokens) / 1_000_000;
}

export function requestCostUsd(
  backend: BackendId,
  promptTokens: number,
  completionTokens: number,
  pricePerMillionTokens: number,
): number {
  return backend === 'offload'
    ? offloadCostUsd(promptTokens + completionTokens, pricePerMillionTokens)
    : 0;
}

export interface EnergyAssumptions {
  /** Cores kept busy while the local model generates (onnxruntime's intra-op threads). */
  busyCores: number;
  /** Power drawn per busy core above idle. 10 W is typical of a desktop or laptop x86 core at
   * full load (a 65 W, 6–8 core desktop part; laptop cores draw less, server cores similar). */
  wattsPerCore: number;
  /** Electricity price. 0.15 USD/kWh is close to the 2024 US residential average. */
  usdPerKwh: number;
}

export const DEFAULT_ENERGY_ASSUMPTIONS: Readonly<EnergyAssumptions> = Object.freeze({
  busyCores: 2,
  wattsPerCore: 10,
  usdPerKwh: 0.15,
});

export interface EnergyEstimate {
  cpuSeconds: number;
  joules: number;
  kilowattHours: number;
  usd: number;
}

/**
 * Estimates the energy of local generation from its wall time: it assumes the model keeps
 * `busyCores` cores fully busy for the whole generation (an upper bound: memory-bound phases
 * leave cores partly idle) and ignores idle power, which is paid whether Tandem runs or not.
 */
export function estimateLocalEnergy(
  generationMs: number,
  assumptions: EnergyAssumptions = DEFAULT_ENERGY_ASSUMPTIONS,
): EnergyEstimate {
  const seconds = generationMs > 0 ? generationMs / 1000 : 0;
  const cpuSeconds = seconds * assumptions.busyCores;
  const joules = cpuSeconds * assumptions.wattsPerCore;
  const kilowattHours = joules / 3_600_000;
  return { cpuSeconds, joules, kilowattHours, usd: kilowattHours * assumptions.usdPerKwh };
}
