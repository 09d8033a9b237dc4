/**
 * The engines section of report.html: per-engine timings, the ratios to the bare onnxruntime
 * loop (with a chart), keystroke KV reuse, the q8-vs-fp32 table and llama.cpp's agreement.
 */
import type { AgreementResult } from './enginesAgreement';
import type { EnginesResult } from './enginesTypes';
import { barChart, escapeHtml } from './svgCharts';

const ENGINE_COLORS: Record<string, string> = {
  tandem: '#2b7bb9',
  'transformers.js': '#8e44ad',
  'llama.cpp': '#27ae60',
  'bare-ort': '#7f8c8d',
};

function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.01) return value.toPrecision(2);
  return value.toFixed(digits);
}

function table(head: string[], rows: string[][], id: string): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function enginesSection(engines: EnginesResult | null | undefined): string {
  if (!engines) return '';
  const e = engines;
  const cells = table(
    ['Engine', 'dtype', 'Prompt tokens', 'Output tokens', 'Runs', 'TTFT p50 (ms)', 'TPOT p50 (ms)', 'E2E p50 (ms)', 'Decode tokens/s p50'],
    e.cells.map((c) => [
      c.engine,
      c.dtype,
      String(c.promptTokens),
      String(c.outputTokens),
      String(c.runs),
      fmt(c.ttftMs.p50),
      fmt(c.tpotMs.p50, 2),
      fmt(c.e2eMs.p50),
      fmt(c.decodeTokensPerSecond.p50, 0),
    ]),
    'engines-cells',
  );
  const ratios = table(
    ['Engine / bare loop', 'dtype', 'Prompt tokens', 'TTFT', 'TPOT', 'E2E'],
    e.ratios.map((r) => [r.engine, r.dtype ?? '', String(r.promptTokens), `${fmt(r.ttft, 2)}×`, `${fmt(r.tpot, 2)}×`, `${fmt(r.e2e, 2)}×`]),
    'engines-ratios',
  );
  const lengths = [...new Set(e.ratios.map((r) => r.promptTokens))];
  // One series per engine and weight precision (llama.cpp runs F32 and Q8_0 GGUF files).
  const series = [...new Map(e.ratios.map((r) => [`${r.engine} ${r.dtype ?? ''}`.trim(), r])).entries()];
  const chart = barChart(
    'TPOT ÷ bare loop (p50)',
    '×',
    lengths.map((n) => `${n} tokens`),
    series.map(([name, first]) => ({
      name,
      color: first.dtype === 'q8' && first.engine === 'llama.cpp' ? '#82c99a' : (ENGINE_COLORS[first.engine] ?? '#999'),
      values: lengths.map(
        (n) => e.ratios.find((r) => r.engine === first.engine && r.dtype === first.dtype && r.promptTokens === n)?.tpot ?? null,
      ),
    })),
  );
  const k = e.keystroke;
  const keystroke = k
    ? `<p>${escapeHtml(`Tandem's path, keystroke follow-up with KV reuse (${k.promptTokens}-token prompt): TTFT p50 ${fmt(k.followUpTtftP50Ms)} ms vs ${fmt(k.coldTtftP50Ms)} ms cold (${fmt(k.ratio, 2)}×); ${fmt(k.versusBareCold, 2)}× the bare loop's cold TTFT.`)}</p>`
    : '';
  const q = e.quantization;
  const quantization = q
    ? `<h3>q8 vs fp32</h3>` +
      table(
        [
          'dtype',
          'File (MB)',
          'Load (ms)',
          'RSS Δ (MB)',
          'TTFT p50 (ms)',
          'TPOT p50 (ms)',
          'E2E p50 (ms)',
          'Cases',
          'Exact match',
          'Edit similarity',
        ],
        q.rows.map((r) => [
          r.dtype,
          fmt(r.fileMb),
          fmt(r.loadMs, 0),
          fmt(r.rssDeltaMb),
          fmt(r.ttftP50Ms),
          fmt(r.tpotP50Ms, 2),
          fmt(r.e2eP50Ms),
          String(r.cases),
          fmt(r.exactMatch, 3),
          fmt(r.editSimilarity, 3),
        ]),
        'engines-quantization',
      ) +
      `<p class="note">${escapeHtml(`Bare onnxruntime loop for both dtypes; memory in a fresh process. ${q.differingLines} of ${q.rows[0]?.cases ?? 0} predicted lines differ between q8 and fp32.`)}</p>`
    : '';
  const agreement = [
    agreementLine(`transformers.js vs the bare loop (${e.dtype})`, e.transformersAgreement),
    agreementLine('llama.cpp F32 GGUF vs the fp32 ONNX graph', e.llamaCppAgreement),
    agreementLine('llama.cpp Q8_0 GGUF vs the fp32 ONNX graph', e.llamaCppQ8Agreement ?? null),
  ].join('');
  const q8Size = e.gguf?.q8_0Bytes ? `, Q8_0 ${fmt(e.gguf.q8_0Bytes / 2 ** 20)} MB` : '';
  const gguf = e.gguf
    ? `<p class="note">${escapeHtml(`GGUF (${e.gguf.architecture}): F32 ${fmt(e.gguf.bytes / 2 ** 20)} MB${q8Size}, converted in ${fmt(e.gguf.convertMs, 0)} ms from the ONNX fp32 weights.`)}</p>`
    : '';
  const unavailable = e.unavailable.length
    ? `<p class="bad">${escapeHtml(e.unavailable.map((u) => `${u.engine}: ${u.reason}`).join('; '))}</p>`
    : '';
  const loads = table(
    ['Engine', 'dtype', 'Load (ms)', 'RSS Δ (MB)'],
    e.loads.map((l) => [l.engine, l.dtype, fmt(l.loadMs, 0), fmt(l.rssDeltaMb)]),
    'engines-loads',
  );
  return (
    `<h2>Engines</h2><p class="note">${escapeHtml(`Same prompt token ids and output lengths (EOS ignored), ${e.threads} intra-op thread(s), ${e.dtype} ONNX weights (llama.cpp: F32 and Q8_0 GGUF files of the same weights, shown as fp32 and q8).`)}</p>` +
    cells +
    `<h3>Ratios to the bare onnxruntime loop</h3>${ratios}<figure><figcaption>TPOT ratio</figcaption>${chart}</figure>` +
    keystroke +
    quantization +
    `<h3>Greedy agreement</h3>${agreement}${gguf}${unavailable}<h3>Loads</h3>${loads}`
  );
}

function agreementLine(label: string, a: AgreementResult | null): string {
  if (!a) return '';
  const details = a.disagreements
    .map((d) => `prompt ${d.prompt} step ${d.step}: margin ${fmt(d.referenceMargin, 4)} / ${fmt(d.candidateMargin, 4)}`)
    .join('; ');
  return `<p>${escapeHtml(`${label}: ${a.agreed}/${a.prompts} identical${a.disagreements.length ? ` (${a.nearTies} near ties under ${a.nearTie}; ${details})` : ''}.`)}</p>`;
}
