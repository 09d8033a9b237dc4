/**
 * Cost scenario: every request the run measured for a backend, priced by metrics/cost.ts
 * `priceRow` under the configured prices (`costBasisOf`): the same model the panel and
 * `tandem report` use (offload: tokens × price or GPU hours × server time; local: measured CPU
 * time × watts × energy price, plus optional hardware amortization).
 *
 * A benchmark has no user accepting suggestions, so "accepted characters" is a proxy: output
 * characters × `acceptanceRate`, an assumption given on the command line (--acceptance-rate) and
 * written next to the figure. Cost per 1k output characters is the assumption-free bound.
 */
import { costBasisOf, priceRow } from '../../metrics/cost';
import type { TandemConfig } from '../../config';
import type { BackendId, RequestRow } from '../../protocol';
import type { CostResult } from './reportTypes';
import type { RequestSample } from './sampler';

export interface CostPlan {
  acceptanceRate: number;
}

export function runCost(
  backend: BackendId,
  model: string,
  samples: readonly RequestSample[],
  config: TandemConfig,
  plan: CostPlan,
): CostResult {
  const basis = costBasisOf(config);
  const ok = samples.filter((s) => s.ok);
  let totalUsd = 0;
  const kinds = new Set<string>();
  for (const [i, sample] of ok.entries()) {
    const priced = priceRow(rowOf(backend, model, sample, i), basis);
    totalUsd += priced.costUsd;
    kinds.add((JSON.parse(priced.costBasis) as { kind: string; cpu?: unknown; time?: unknown }).kind);
  }
  const outputChars = ok.reduce((sum, s) => sum + s.outputChars, 0);
  const acceptedChars = outputChars * plan.acceptanceRate;
  const cpuMeasured = ok.filter((s) => s.cpuMs !== undefined).length;
  return {
    basis: describeBasis(backend, basis, [...kinds], cpuMeasured, ok.length),
    requests: ok.length,
    totalUsd,
    per1kRequestsUsd: ok.length > 0 ? (1000 * totalUsd) / ok.length : 0,
    per1kOutputCharsUsd: outputChars > 0 ? (1000 * totalUsd) / outputChars : null,
    per1kAcceptedCharsUsd: acceptedChars > 0 ? (1000 * totalUsd) / acceptedChars : null,
    acceptanceRate: plan.acceptanceRate,
    acceptanceSource: 'assumption (--acceptance-rate): accepted characters = output characters × this rate',
  };
}

/** The fields priceRow reads, from one benchmark request (a completion, not from the cache). */
function rowOf(backend: BackendId, model: string, sample: RequestSample, index: number): RequestRow {
  return {
    id: `bench-${index}`,
    ts: Date.now(),
    task: 'completion',
    language: 'mixed',
    policy: backend,
    decision: 'bench',
    backend,
    model,
    cacheTier: 'none',
    promptTokens: sample.promptTokens,
    completionTokens: sample.outputTokens,
    tokenSource: null,
    ttftMs: sample.ttftMs,
    e2eMs: sample.e2eMs,
    outcome: 'shown',
    acceptedChars: null,
    errorClass: null,
    fallbackReason: null,
    ...(sample.cpuMs !== undefined ? { cpuMs: sample.cpuMs } : {}),
    ...(sample.serverPromptMs !== undefined ? { serverPromptMs: sample.serverPromptMs } : {}),
    ...(sample.serverDecodeMs !== undefined ? { serverDecodeMs: sample.serverDecodeMs } : {}),
  };
}

function describeBasis(
  backend: BackendId,
  basis: ReturnType<typeof costBasisOf>,
  kinds: string[],
  cpuMeasured: number,
  requests: number,
): string {
  if (backend === 'offload') {
    const o = basis.offload;
    return o.gpuHourPrice > 0
      ? `offload by GPU time: ${o.gpuHourPrice} USD/GPU-hour × server time (kinds: ${kinds.join(', ')})`
      : `offload by tokens: ${o.inputPerMillionTokens} USD/1M prompt + ${o.outputPerMillionTokens} USD/1M completion tokens`;
  }
  const l = basis.local;
  return (
    `local energy: CPU time (measured on ${cpuMeasured}/${requests} requests) × ${l.watts} W × ${l.energyPricePerKwh} USD/kWh` +
    (l.hardwarePrice > 0 ? ` + hardware ${l.hardwarePrice} USD over ${l.hardwareLifetimeHours} h` : '')
  );
}
