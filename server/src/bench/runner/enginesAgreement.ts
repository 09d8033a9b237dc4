/**
 * Greedy output agreement between a reference engine and a candidate on the same prompts: a
 * prompt agrees when both produced the same token sequence (up to the shorter run's length when
 * one stopped at EOS and the other at its token limit). For a disagreement, the top-1 − top-2
 * logit margins at the first differing step say whether it was a near tie (a rounding-level
 * difference between the engines' arithmetic) or a real difference in the model.
 */

export interface GreedyTrace {
  tokens: readonly number[];
  /** Top-1 − top-2 logit at each step (same indexing as tokens; may be one longer for EOS). */
  margins: readonly number[];
  /** True when the run stopped at end-of-sequence (not at its token limit). */
  stoppedAtEos: boolean;
}

export interface Disagreement {
  prompt: number;
  /** Index of the first generated token that differs. */
  step: number;
  referenceToken: number | null;
  candidateToken: number | null;
  referenceMargin: number | null;
  candidateMargin: number | null;
}

export interface AgreementResult {
  prompts: number;
  agreed: number;
  disagreements: Disagreement[];
  /** Near ties: disagreements whose reference margin is under `nearTie`. */
  nearTies: number;
  nearTie: number;
}

/** The first step where the two traces differ, or null when they agree. */
export function firstDifference(reference: GreedyTrace, candidate: GreedyTrace): number | null {
  const common = Math.min(reference.tokens.length, candidate.tokens.length);
  for (let i = 0; i < common; i++) if (reference.tokens[i] !== candidate.tokens[i]) return i;
  if (reference.tokens.length === candidate.tokens.length) return null;
  // One is longer: a disagreement only if the shorter one stopped at EOS (it chose EOS where the
  // other chose a token); if it stopped at its limit, the runs agree on everything both made.
  const shorter = reference.tokens.length < candidate.tokens.length ? reference : candidate;
  return shorter.stoppedAtEos ? common : null;
}

export function compareTraces(pairs: ReadonlyArray<{ reference: GreedyTrace; candidate: GreedyTrace }>, nearTie = 1e-2): AgreementResult {
  const disagreements: Disagreement[] = [];
  pairs.forEach(({ reference, candidate }, prompt) => {
    const step = firstDifference(reference, candidate);
    if (step === null) return;
    disagreements.push({
      prompt,
      step,
      referenceToken: reference.tokens[step] ?? null,
      candidateToken: candidate.tokens[step] ?? null,
      referenceMargin: reference.margins[step] ?? null,
      candidateMargin: candidate.margins[step] ?? null,
    });
  });
  return {
    prompts: pairs.length,
    agreed: pairs.length - disagreements.length,
    disagreements,
    nearTies: disagreements.filter((d) => d.referenceMargin !== null && d.referenceMargin < nearTie).length,
    nearTie,
  };
}
