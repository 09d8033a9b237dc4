/**
 * Draws from Beta(α, β) for Thompson sampling, with an injected uniform source so simulations
 * and tests are reproducible: Beta = X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β), gammas by
 * Marsaglia and Tsang's method (2000) and normals by Box–Muller.
 */

export function sampleBeta(alpha: number, beta: number, random: () => number): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x + y > 0 ? x / (x + y) : 0.5;
}

function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) {
    // Gamma(a) = Gamma(a + 1) × U^(1/a).
    return sampleGamma(shape + 1, random) * Math.pow(uniformOpen(random), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(random);
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    const u = uniformOpen(random);
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(uniformOpen(random))) * Math.cos(2 * Math.PI * random());
}

/** Uniform in (0, 1): logarithms of 0 are not wanted. */
function uniformOpen(random: () => number): number {
  let u = random();
  while (u <= 0) u = random();
  return u;
}
