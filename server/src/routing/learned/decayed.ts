/**
 * Evidence that fades with time, so estimates follow a container that warms up, a laptop that
 * gets busy or an endpoint that recovers: every observation's weight halves every `halfLifeMs`.
 * Time-based rather than count-based decay, because a backend auto stops using gets no new
 * observations: its old evidence must still fade, or it would never be tried again.
 */

export const decayFactor = (ageMs: number, halfLifeMs: number): number => (ageMs <= 0 ? 1 : Math.pow(0.5, ageMs / halfLifeMs));

/** A Beta(α, β) belief about a rate, decaying towards its prior (default Beta(1, 1)). */
export class DecayedBeta {
  private successes = 0;
  private failures = 0;
  private at = 0;

  constructor(
    private readonly halfLifeMs: number,
    private readonly prior: { alpha: number; beta: number } = { alpha: 1, beta: 1 },
  ) {}

  /** `success` in [0, 1]: a fraction counts partly (a partial accept, a survival score). */
  observe(success: number, now: number): void {
    this.decay(now);
    const value = Math.min(1, Math.max(0, success));
    this.successes += value;
    this.failures += 1 - value;
  }

  /** α and β at `now`, the prior included. */
  params(now: number): { alpha: number; beta: number } {
    const factor = decayFactor(now - this.at, this.halfLifeMs);
    return { alpha: this.prior.alpha + this.successes * factor, beta: this.prior.beta + this.failures * factor };
  }

  mean(now: number): number {
    const { alpha, beta } = this.params(now);
    return alpha / (alpha + beta);
  }

  /** Observations' remaining weight: 0 = only the prior is left. */
  weight(now: number): number {
    return (this.successes + this.failures) * decayFactor(now - this.at, this.halfLifeMs);
  }

  private decay(now: number): void {
    const factor = decayFactor(now - this.at, this.halfLifeMs);
    this.successes *= factor;
    this.failures *= factor;
    this.at = now;
  }
}

/** The most recent samples of a value with their times: weighted quantiles and mean. */
export class DecayedSamples {
  private readonly samples: Array<{ at: number; value: number }> = [];

  constructor(
    private readonly halfLifeMs: number,
    private readonly capacity = 32,
  ) {}

  observe(value: number, now: number): void {
    if (!Number.isFinite(value)) return;
    this.samples.push({ at: now, value });
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  /** The newest sample's value, or undefined when there is none. */
  latest(): number | undefined {
    return this.samples[this.samples.length - 1]?.value;
  }

  /** When the newest sample was taken, or undefined when there is none. */
  lastAt(): number | undefined {
    return this.samples[this.samples.length - 1]?.at;
  }

  weight(now: number): number {
    let total = 0;
    for (const sample of this.samples) total += decayFactor(now - sample.at, this.halfLifeMs);
    return total;
  }

  /** The weighted quantile (the smallest value whose cumulative weight reaches q), or undefined. */
  quantile(q: number, now: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    const weighted = this.samples
      .map((sample) => ({ value: sample.value, weight: decayFactor(now - sample.at, this.halfLifeMs) }))
      .sort((a, b) => a.value - b.value);
    const total = weighted.reduce((sum, sample) => sum + sample.weight, 0);
    let cumulative = 0;
    for (const sample of weighted) {
      cumulative += sample.weight;
      if (cumulative >= q * total) return sample.value;
    }
    return weighted[weighted.length - 1]?.value;
  }

  mean(now: number): number | undefined {
    let sum = 0;
    let total = 0;
    for (const sample of this.samples) {
      const weight = decayFactor(now - sample.at, this.halfLifeMs);
      sum += sample.value * weight;
      total += weight;
    }
    return total > 0 ? sum / total : undefined;
  }
}
