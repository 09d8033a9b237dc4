/**
 * Stress scenario (seed plan: sustained load, burst, recovery): open-loop Poisson arrivals at
 * 50 % of the saturation throughput for `sustainS`, then at 200 % for `burstS`, then at 50 %
 * again for `recoveryMaxS`, scheduled back to back (the burst's queue drains while recovery
 * requests keep arriving, as users keep typing). Reported: each phase's latency and errors, the
 * recovery time (RECOVERY_RULE) and the latency drift under sustained load (least-squares slope
 * of E2E vs arrival time, with its standard error: a drift is a claim with an error bar).
 *
 * The saturation point is the throughput scenario's when it ran in this run; otherwise a short
 * closed loop (concurrency 1, 2, 4) finds it with the same rule.
 */
import { seededRandom } from '../../seededRandom';
import type { Saturation, StressPhase, StressResult } from './reportTypes';
import { rotatingSender, type RequestSample, type Send } from './sampler';
import { describe, linearFit } from './stats';
import type { PromptCutter } from './prompts';
import type { BenchTarget } from './targets';
import { closedLoopLevel, saturationOf } from './throughput';

export interface StressPlan {
  sustainS: number;
  burstS: number;
  recoveryMaxS: number;
  /** At most this many arrivals per phase (a fast server's 50 % of saturation can be hundreds
   * per second; the phase is then shortened, and its real duration reported). */
  maxRequestsPerPhase: number;
  promptTokens: number;
  outputTokens: number;
}

export const SUSTAIN_FACTOR = 0.5;
export const BURST_FACTOR = 2;
const RECOVERY_TOLERANCE = 0.1;
const RECOVERY_WINDOW = 3;
export const RECOVERY_RULE =
  'seconds from the end of the burst to the arrival of the first of 3 consecutive successful recovery-phase requests whose median E2E is within 10 % of the sustained phase’s E2E p50';

const SATURATION_PROBE = { concurrency: [1, 2, 4], requests: 4 };

export async function runStress(
  target: BenchTarget,
  prompts: PromptCutter,
  plan: StressPlan,
  known: Saturation | null,
  seed: number,
  signal: AbortSignal,
  onRequest: (sample: RequestSample) => void,
): Promise<StressResult> {
  const send = await rotatingSender(target, prompts, plan, signal, onRequest);
  const saturation = known ?? (await probeSaturation(send));
  const saturationRps = saturation?.requestsPerSecond ?? 0;
  if (!(saturationRps > 0)) throw new Error('no saturation throughput to load against (every probe request failed)');

  const random = seededRandom(seed);
  const origin = performance.now();
  const schedule = [
    { name: 'sustained' as const, rate: saturationRps * SUSTAIN_FACTOR, durationS: plan.sustainS },
    { name: 'burst' as const, rate: saturationRps * BURST_FACTOR, durationS: plan.burstS },
    { name: 'recovery' as const, rate: saturationRps * SUSTAIN_FACTOR, durationS: plan.recoveryMaxS },
  ];
  const pending: Array<{ phase: StressPhase['name']; sample: Promise<RequestSample> }> = [];
  const bounds: Array<{ name: StressPhase['name']; rate: number; startS: number; endS: number }> = [];
  let index = 0;
  for (const phase of schedule) {
    const start = performance.now();
    const durationMs = Math.min(phase.durationS, plan.maxRequestsPerPhase / phase.rate) * 1000;
    let arrival = 0;
    for (;;) {
      arrival += (-Math.log(1 - random()) / phase.rate) * 1000;
      if (arrival > durationMs) break;
      const due = start + arrival;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      signal.throwIfAborted();
      pending.push({ phase: phase.name, sample: send(index++, { origin, started: due }) });
    }
    // The phase ends on the clock, not at its last arrival: the next one starts where it ends.
    const end = start + durationMs;
    const rest = end - performance.now();
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    bounds.push({ name: phase.name, rate: phase.rate, startS: (start - origin) / 1000, endS: (end - origin) / 1000 });
  }
  const samples = await Promise.all(pending.map(async (p) => ({ phase: p.phase, sample: await p.sample })));

  const phases: StressPhase[] = bounds.map((b) => {
    const own = samples.filter((s) => s.phase === b.name).map((s) => s.sample);
    const ok = own.filter((s) => s.ok);
    return {
      name: b.name,
      offeredRps: b.rate,
      durationS: b.endS - b.startS,
      requests: own.length,
      errors: own.length - ok.length,
      ttftMs: describe(ok.map((s) => s.ttftMs)),
      e2eMs: describe(ok.map((s) => s.e2eMs)),
    };
  });
  const sustained = samples.filter((s) => s.phase === 'sustained' && s.sample.ok).map((s) => s.sample);
  const preBurst = phases[0]?.e2eMs.count ? (phases[0].e2eMs.p50 as number) : null;
  const burstEndS = bounds[1]?.endS ?? 0;
  const recovery = samples.filter((s) => s.phase === 'recovery').map((s) => s.sample);
  const drift = linearFit(
    sustained.map((s) => s.startMs / 60_000),
    sustained.map((s) => s.e2eMs),
  );
  const errors = samples.filter((s) => !s.sample.ok).length;
  const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
  return {
    promptTokens: plan.promptTokens,
    outputTokens: plan.outputTokens,
    saturationRps,
    saturationSource: known ? 'throughput' : 'measured',
    phases,
    preBurstE2eP50Ms: preBurst,
    recoveryS: preBurst === null ? null : recoveryTime(recovery, preBurst, burstEndS),
    recoveryRule: RECOVERY_RULE,
    requests: samples.length,
    errors,
    errorRate: samples.length > 0 ? errors / samples.length : 0,
    e2eDriftMsPerMinute: {
      slope: Number.isFinite(drift.slope) ? drift.slope : null,
      stdError: Number.isFinite(drift.slopeStdError) ? drift.slopeStdError : null,
      points: drift.n,
    },
    series: {
      startS: samples.map((s) => round(s.sample.startMs / 1000, 3)),
      e2eMs: samples.map((s) => round(s.sample.e2eMs, 2)),
      phase: samples.map((s) => s.phase),
      ok: samples.map((s) => s.sample.ok),
    },
  };
}

/**
 * RECOVERY_RULE over the recovery phase's requests (in arrival order); null when latency did not
 * come back within the phase. A median of 3 so that one lucky request does not end the recovery.
 */
export function recoveryTime(recovery: readonly RequestSample[], preBurstP50Ms: number, burstEndS: number): number | null {
  const ok = recovery.filter((s) => s.ok).sort((a, b) => a.startMs - b.startMs);
  for (let i = 0; i + RECOVERY_WINDOW <= ok.length; i++) {
    const window = ok
      .slice(i, i + RECOVERY_WINDOW)
      .map((s) => s.e2eMs)
      .sort((a, b) => a - b);
    const median = window[Math.floor(RECOVERY_WINDOW / 2)] as number;
    if (median <= preBurstP50Ms * (1 + RECOVERY_TOLERANCE)) return Math.max(0, (ok[i] as RequestSample).startMs / 1000 - burstEndS);
  }
  return null;
}

/** The throughput scenario's rule on a short closed loop, when that scenario did not run. */
async function probeSaturation(send: Send): Promise<Saturation | null> {
  await send(0, { origin: performance.now() });
  const levels = [];
  for (const concurrency of SATURATION_PROBE.concurrency) {
    // The SLO does not matter here: only requests/s decides the saturation point.
    levels.push(await closedLoopLevel(send, concurrency, SATURATION_PROBE.requests, { ttftMs: Infinity, e2eMs: Infinity }));
  }
  return saturationOf(levels);
}
