/** Plain-text rendering of a model evaluation report (the CLI prints it). */
import type { ModelEvalReport } from './evalModels';
import type { CompletionQuality, LanguageKey } from './evalQuality';

const LANGUAGES: LanguageKey[] = ['python', 'typescript', 'javascript', 'all'];
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');

export function formatModelEvalReport(report: ModelEvalReport): string {
  const out: string[] = [];
  const { completion: cm, explain: em } = report.models;
  out.push(`Tandem local model evaluation — ${report.generatedAt}`);
  out.push(`Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}`);
  out.push(
    `Models: completion ${cm?.name ?? '?'} (${cm?.modelType ?? '?'}, ctx ${cm?.contextTokens ?? '?'}), ` +
      `explain ${em?.name ?? '?'} (${em?.modelType ?? '?'}); dtype ${report.settings.dtype}`,
  );
  out.push('');
  const cache = report.settings.contextCache ? 'with the context cache' : 'model alone';
  out.push(...completionTable(`Completion (held-out files, greedy, one line, ${cache})`, report.completion));
  if (report.completionWithoutContextCache) {
    out.push(...completionTable('Completion, model alone (no context cache)', report.completionWithoutContextCache));
  }
  out.push('');
  out.push('Explanation (one-line summary vs the real docstring / JSDoc)');
  out.push(row(['language', 'functions', 'BLEU-4 (0-100)', 'ROUGE-L F1']));
  for (const key of LANGUAGES) {
    const s = report.explain.perLanguage[key];
    if (!s) continue;
    out.push(row([key, String(s.pairs), fixed(s.bleu4), fixed(s.rougeL, 3)]));
  }
  out.push(`  per explanation: p50 ${ms(report.explain.latencyMs.p50)}, p95 ${ms(report.explain.latencyMs.p95)}`);
  for (const sample of spreadPick(report.explain.samples, 10)) {
    out.push(`  ${sample.file} ${sample.name}`);
    out.push(`    reference: ${clip(sample.reference)}`);
    out.push(`    generated: ${clip(sample.generated)}`);
  }
  if (report.speed) {
    const s = report.speed;
    out.push('');
    out.push('Speed (completion model, this machine)');
    out.push(`  cold load: completion ${ms(s.coldLoadMs.completion)}, explain ${ms(s.coldLoadMs.explain)}`);
    for (const t of s.ttft) {
      out.push(
        `  TTFT ${t.promptTokens}-token prompt: first ${ms(t.firstMs)}, p50 ${ms(t.ms.p50)}, p90 ${ms(t.ms.p90)} ` +
          `(worker: p50 ${ms(t.workerMs.p50)})`,
      );
    }
    for (const d of s.decode) {
      out.push(
        `  decode ${d.useCache ? 'with KV cache   ' : 'without KV cache'}: ${fixed(d.tokensPerSecond, 1)} tokens/s ` +
          `(client ${fixed(d.clientTokensPerSecond, 1)}; ${d.newTokens} tokens after a ${d.promptTokens}-token prompt)`,
      );
    }
    out.push(`  KV cache speed-up: ${fixed(s.kvCacheSpeedup, 1)}×`);
  }
  out.push('');
  out.push(`Peak RSS (process incl. worker): ${report.peakRssMb.toFixed(0)} MB; eval took ${(report.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

function completionTable(title: string, quality: CompletionQuality): string[] {
  const out = [title, row(['language', 'cases', 'next-line EM', 'next-line ES', 'FIM EM', 'FIM ES'])];
  for (const key of LANGUAGES) {
    const s = quality.perLanguage[key];
    if (!s) continue;
    out.push(
      row([
        key,
        String(s.cases),
        pct(s.nextLineExactMatch),
        fixed(s.nextLineEditSimilarity),
        pct(s.fimExactMatch),
        fixed(s.fimEditSimilarity),
      ]),
    );
  }
  out.push(`  per line: p50 ${ms(quality.latencyMs.p50)}, p95 ${ms(quality.latencyMs.p95)}`);
  return out;
}

function row(cells: string[]): string {
  const widths = [12, 10, 15, 13, 10, 10];
  return `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 12)).join('')}`.trimEnd();
}

/** `count` items spread evenly over the list, so samples cover every file and language. */
function spreadPick<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
