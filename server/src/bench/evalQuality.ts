/**
 * Quality of the local models on held-out code, through LocalBackend:
 * - completion: next-line exact match / edit similarity, and single-line FIM infilling;
 * - explanation: smoothed BLEU-4 and ROUGE-L against the functions' real docstrings / JSDoc.
 */
import type { LatencySummary } from '../protocol';
import { summarize } from '../metrics/percentiles';
import { formatFimPrompt } from '../completion/templates';
import type { GenerateTuning, LocalBackend } from '../backends/local/localBackend';
import { firstLine, hasCompleteLine, type CompletionCase, type Language } from './heldout';
import type { DocPair } from './docSummary';
import { corpusBleu4, editSimilarity, exactMatch, mean, rougeL, sentenceBleu4 } from '../metrics/textMetrics';

export type LanguageKey = Language | 'all';

export interface CompletionScores {
  cases: number;
  nextLineExactMatch: number;
  nextLineEditSimilarity: number;
  fimExactMatch: number;
  fimEditSimilarity: number;
}

export interface ExplainScores {
  pairs: number;
  /** Smoothed BLEU-4, 0..100. */
  bleu4: number;
  /** ROUGE-L F1, 0..1. */
  rougeL: number;
}

export interface ExplainSample {
  language: Language;
  file: string;
  name: string;
  reference: string;
  generated: string;
  bleu4: number;
  rougeL: number;
}

export interface CompletionQuality {
  perLanguage: Partial<Record<LanguageKey, CompletionScores>>;
  /** Per generation, send → line complete (the stream is cut there). */
  latencyMs: LatencySummary;
  examples: Array<{ file: string; line: number; reference: string; nextLine: string; fim: string }>;
}

export interface ExplainQuality {
  perLanguage: Partial<Record<LanguageKey, ExplainScores>>;
  latencyMs: LatencySummary;
  samples: ExplainSample[];
}

const LINE_MAX_TOKENS = 48;

interface ScoredCase {
  language: Language;
  nextLine: { em: boolean; es: number };
  fim: { em: boolean; es: number };
}

export async function evaluateCompletion(
  backend: LocalBackend,
  cases: readonly CompletionCase[],
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
  tuning: GenerateTuning = {},
): Promise<CompletionQuality> {
  const scored: ScoredCase[] = [];
  const latencies: number[] = [];
  const examples: CompletionQuality['examples'] = [];
  for (const [index, item] of cases.entries()) {
    const nextLine = await completeOneLine(backend, item.nextLinePrefix, signal, tuning);
    const fim = await completeOneLine(backend, formatFimPrompt('tandem', item.fimPrefix, item.fimSuffix), signal, tuning);
    latencies.push(nextLine.ms, fim.ms);
    scored.push({
      language: item.language,
      nextLine: { em: exactMatch(nextLine.line, item.reference), es: editSimilarity(nextLine.line, item.reference) },
      fim: { em: exactMatch(fim.line, item.reference), es: editSimilarity(fim.line, item.reference) },
    });
    if (index % Math.max(1, Math.floor(cases.length / 10)) === 0) {
      examples.push({ file: item.file, line: item.line, reference: item.reference, nextLine: nextLine.line, fim: fim.line });
    }
    onProgress(index + 1, cases.length);
  }
  const perLanguage: CompletionQuality['perLanguage'] = {};
  for (const key of languageKeys(scored)) {
    const group = key === 'all' ? scored : scored.filter((s) => s.language === key);
    perLanguage[key] = {
      cases: group.length,
      nextLineExactMatch: mean(group.map((s) => (s.nextLine.em ? 1 : 0))),
      nextLineEditSimilarity: mean(group.map((s) => s.nextLine.es)),
      fimExactMatch: mean(group.map((s) => (s.fim.em ? 1 : 0))),
      fimEditSimilarity: mean(group.map((s) => s.fim.es)),
    };
  }
  return { perLanguage, latencyMs: summarize(latencies), examples };
}

/** Streams until one non-blank line is complete, then stops the generation (as an editor would). */
async function completeOneLine(
  backend: LocalBackend,
  prompt: string,
  signal: AbortSignal,
  tuning: GenerateTuning,
): Promise<{ line: string; ms: number }> {
  const started = performance.now();
  let text = '';
  const request = { task: 'completion' as const, prompt, maxTokens: LINE_MAX_TOKENS, temperature: 0, stop: [] };
  for await (const chunk of backend.generate(request, signal, tuning)) {
    if (chunk.type !== 'text') continue;
    text += chunk.text;
    if (hasCompleteLine(text)) break;
  }
  return { line: firstLine(text), ms: performance.now() - started };
}

export async function evaluateExplain(
  backend: LocalBackend,
  pairs: readonly DocPair[],
  maxTokens: number,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<ExplainQuality> {
  const samples: ExplainSample[] = [];
  const latencies: number[] = [];
  for (const [index, pair] of pairs.entries()) {
    const started = performance.now();
    let generated = '';
    for await (const chunk of backend.generate({ task: 'explain', prompt: pair.code, maxTokens, temperature: 0, stop: [] }, signal)) {
      if (chunk.type === 'text') generated += chunk.text;
    }
    latencies.push(performance.now() - started);
    generated = generated.trim();
    samples.push({
      language: pair.language,
      file: pair.file,
      name: pair.name,
      reference: pair.summary,
      generated,
      bleu4: 100 * sentenceBleu4(generated, pair.summary),
      rougeL: rougeL(generated, pair.summary),
    });
    onProgress(index + 1, pairs.length);
  }
  const perLanguage: ExplainQuality['perLanguage'] = {};
  for (const key of languageKeys(samples)) {
    const group = key === 'all' ? samples : samples.filter((s) => s.language === key);
    perLanguage[key] = {
      pairs: group.length,
      bleu4: corpusBleu4(group.map((s) => ({ prediction: s.generated, reference: s.reference }))),
      rougeL: mean(group.map((s) => s.rougeL)),
    };
  }
  return { perLanguage, latencyMs: summarize(latencies), samples };
}

function languageKeys(items: ReadonlyArray<{ language: Language }>): LanguageKey[] {
  const present = new Set(items.map((i) => i.language));
  return [...(['python', 'typescript', 'javascript'] as const).filter((l) => present.has(l)), 'all'];
}
