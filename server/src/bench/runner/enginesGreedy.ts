/**
 * What every engine of the engines scenario does: greedy decoding from the same prompt token ids,
 * timing each token as it comes out, so TTFT / TPOT / E2E are computed once, by
 * metrics/definitions.ts requestTiming, for all of them. Tokens are ids of the model's own
 * tokenizer (the engines are fed ids, not text, so tokenization never differs between them).
 */
import { requestTiming } from '../../metrics/definitions';

export interface GreedyOptions {
  maxNewTokens: number;
  /** Never stop at (and never pick) end-of-sequence: every run makes maxNewTokens tokens. */
  ignoreEos: boolean;
}

export interface GreedyRun {
  tokens: number[];
  /** Call → first new token, ms. */
  ttftMs: number;
  /** Call → last new token, ms. */
  e2eMs: number;
  /** Gaps between consecutive new tokens, ms. */
  gapsMs: number[];
}

export interface GreedyEngine {
  readonly name: string;
  generate(promptIds: readonly number[], options: GreedyOptions): Promise<GreedyRun>;
  dispose(): Promise<void>;
}

/** Collects token arrival times into a GreedyRun (one `started` per call). */
export class TokenClock {
  private readonly times: number[] = [];
  readonly tokens: number[] = [];

  constructor(private readonly started = performance.now()) {}

  token(id: number, at = performance.now()): void {
    this.tokens.push(id);
    this.times.push(at);
  }

  run(): GreedyRun {
    const first = this.times[0] ?? Number.NaN;
    const last = this.times[this.times.length - 1] ?? Number.NaN;
    return {
      tokens: [...this.tokens],
      ttftMs: first - this.started,
      e2eMs: last - this.started,
      gapsMs: this.times.slice(1).map((t, i) => t - (this.times[i] as number)),
    };
  }
}

/** TPOT and speeds of one run by the single definitions module. */
export function timingOf(run: GreedyRun, promptTokens: number): ReturnType<typeof requestTiming> {
  return requestTiming({ ttftMs: run.ttftMs, e2eMs: run.e2eMs, promptTokens, outputTokens: run.tokens.length, gapsMs: run.gapsMs });
}

/**
 * Greedy's pick among the entries not in `banned`, in one pass: `index` of the largest value
 * (first on ties, as argmax; -1 when every entry is banned) and `margin`, top-1 minus top-2 value
 * (how close greedy was to another pick).
 */
export function greedyPick(
  values: ArrayLike<number>,
  offset: number,
  length: number,
  banned: ReadonlySet<number>,
): { index: number; margin: number } {
  let index = -1;
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < length; i++) {
    if (banned.has(i)) continue;
    const v = values[offset + i] as number;
    if (v > first) {
      second = first;
      first = v;
      index = i;
    } else if (v > second) second = v;
  }
  return { index, margin: first - second };
}
