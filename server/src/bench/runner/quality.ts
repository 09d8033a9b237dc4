/**
 * Quality scenario: what the measured backend's suggestions are worth.
 * - next line and FIM through the real LSP path (lineEndQuality.ts: the held-out files, a line
 *   removed / a line's code removed), exact match and edit similarity over every case;
 * - function completion with execution (functionTasks.ts), pass@1;
 * - explanations through the LSP `tandem/explain` request on functions of the held-out files,
 *   smoothed BLEU-4 and ROUGE-L against their real docstrings / JSDoc summaries
 *   (metrics/textMetrics.ts; the pairs from jsDocPairs.ts / pythonDocPairs.ts).
 */
import type { DocPair } from '../docSummary';
import { sampleSorted, type HeldoutFile } from '../heldout';
import { jsDocPairs } from '../jsDocPairs';
import { measureFimHoles, measureLineEnds, type LineEndScores } from '../lineEndQuality';
import { pythonDocPairs } from '../pythonDocPairs';
import { seededRandom } from '../../seededRandom';
import { mean, rougeL, sentenceBleu4 } from '../../metrics/textMetrics';
import { readFunctionProblems, runFunctionTasks } from './functionTasks';
import type { LspSession } from './lspSession';
import type { ExplainQualityScores, QualityResult, TextScores } from './reportTypes';
import type { BenchTarget } from './targets';

export interface QualityPlan {
  /** Next-line and FIM cases per held-out file. */
  casesPerFile: number;
  explainPairs: number;
  functionTimeLimitMs: number;
  functionMemoryMb: number;
  functionMaxTokens: number;
  seed: number;
}

const EXAMPLES = 3;

export async function runQuality(
  target: BenchTarget,
  session: LspSession,
  files: readonly HeldoutFile[],
  plan: QualityPlan,
  signal: AbortSignal,
  onStep: () => void,
): Promise<QualityResult> {
  const options = { casesPerFile: plan.casesPerFile, seed: plan.seed };
  const nextLine = textScores((await measureLineEnds(session.client, files, options)).total);
  onStep();
  signal.throwIfAborted();
  const fim = textScores((await measureFimHoles(session.client, files, options)).total);
  onStep();
  const functions = await runFunctionTasks(
    target,
    readFunctionProblems(),
    { timeMs: plan.functionTimeLimitMs, memoryMb: plan.functionMemoryMb, maxTokens: plan.functionMaxTokens },
    signal,
    onStep,
  );
  const explain = await explainScores(session, docPairs(files, plan), signal, onStep);
  return { nextLine, fim, functions, explain };
}

function textScores(scores: LineEndScores): TextScores {
  return { cases: scores.cases, shown: scores.shown, exactMatch: scores.exactMatch, editSimilarity: scores.editSimilarity };
}

/** `explainPairs` functions spread over the files (seeded), every language represented when it has pairs. */
export function docPairs(files: readonly HeldoutFile[], plan: Pick<QualityPlan, 'explainPairs' | 'seed'>): DocPair[] {
  const all = files.flatMap((f) => (f.language === 'python' ? pythonDocPairs(f.text, f.name) : jsDocPairs(f.text, f.name, f.language)));
  return sampleSorted(all, plan.explainPairs, seededRandom(plan.seed));
}

async function explainScores(
  session: LspSession,
  pairs: readonly DocPair[],
  signal: AbortSignal,
  onStep: () => void,
): Promise<ExplainQualityScores> {
  const scored: Array<{ pair: DocPair; generated: string; bleu: number; rouge: number }> = [];
  for (const [i, pair] of pairs.entries()) {
    signal.throwIfAborted();
    const uri = `file:///tandem-bench-explain/${i}/${pair.file}`;
    await session.client.open(uri, pair.language, pair.code);
    const lines = pair.code.split('\n');
    const end = { line: lines.length - 1, character: (lines[lines.length - 1] ?? '').length };
    const result = await session.client.explain(uri, { start: { line: 0, character: 0 }, end });
    const generated = result.text.trim();
    scored.push({ pair, generated, bleu: 100 * sentenceBleu4(generated, pair.summary), rouge: rougeL(generated, pair.summary) });
    onStep();
  }
  return {
    pairs: scored.length,
    bleu4: mean(scored.map((s) => s.bleu)),
    rougeL: mean(scored.map((s) => s.rouge)),
    examples: scored
      .slice(0, EXAMPLES)
      .map((s) => ({ file: s.pair.file, name: s.pair.name, reference: s.pair.summary, generated: s.generated })),
  };
}
