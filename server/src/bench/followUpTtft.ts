/**
 * Follow-up keystroke TTFT: the user typed a few characters after the previous request, so the
 * new prompt extends the previous one and the local backend reuses its KV cache
 * (backends/local/promptKvCache.ts). Measured against a cold prefill of the very same prompt,
 * alternating the two in one run so machine noise hits both alike.
 *
 * `tandem bench kv-reuse [--tokens N] [--repeats N] [--out FILE]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '../config';
import { LocalBackend, type GenerateTuning } from '../backends/local/localBackend';
import { summarize } from '../metrics/percentiles';
import type { LatencySummary } from '../protocol';
import { packageRoot } from '../packageRoot';
import { readHeldoutFiles } from './heldout';
import { promptOfTokens, timedRun, type TimedRun } from './modelSpeed';

export interface FollowUpMeasurement {
  promptTokens: number;
  /** Client side, send → first chunk, whole prompt prefilled. */
  coldMs: LatencySummary;
  /** Client side, send → first chunk, after the previous keystroke's request. */
  followUpMs: LatencySummary;
  /** Prompt tokens the follow-ups still evaluated (the rest came from the cache). */
  evaluatedTokens: LatencySummary;
  /** followUp p50 ÷ cold p50. */
  ratio: number;
}

export async function measureFollowUp(
  backend: LocalBackend,
  corpus: string,
  tokens: number,
  repeats: number,
  signal: AbortSignal,
): Promise<FollowUpMeasurement> {
  const base = await promptOfTokens(backend, corpus, tokens, signal);
  const cold: number[] = [];
  const followUp: number[] = [];
  const evaluated: number[] = [];
  let promptTokens = 0;
  await firstToken(backend, base, { promptCache: false }, signal); // warm-up, not counted
  for (let i = 1; i <= repeats; i++) {
    // One to a few characters typed since the previous request, as at a keystroke.
    const typed = base + corpus.slice(base.length, base.length + 1 + (i % 4));
    await firstToken(backend, base, {}, signal); // the previous keystroke's request
    const warm = await firstToken(backend, typed, {}, signal);
    const fresh = await firstToken(backend, typed, { promptCache: false }, signal);
    followUp.push(warm.ttftMs);
    evaluated.push(warm.evaluatedTokens);
    cold.push(fresh.ttftMs);
    promptTokens = fresh.promptTokens;
  }
  const coldMs = summarize(cold);
  const followUpMs = summarize(followUp);
  return {
    promptTokens,
    coldMs,
    followUpMs,
    evaluatedTokens: summarize(evaluated),
    ratio: coldMs.p50 > 0 ? followUpMs.p50 / coldMs.p50 : Number.NaN,
  };
}

/** One-token run without the context cache (it only changes decoding, not the prefill). */
function firstToken(backend: LocalBackend, prompt: string, tuning: GenerateTuning, signal: AbortSignal): Promise<TimedRun> {
  return timedRun(backend, prompt, 1, { contextCache: false, ignoreEos: true, ...tuning }, signal);
}

const USAGE = `Usage: tandem bench kv-reuse [--tokens N] [--repeats N] [--out FILE]
  Follow-up keystroke TTFT of the bundled completion model with KV reuse vs a cold prefill of
  the same prompt (held-out Python code), in one run.`;

export async function kvReuseBenchMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tokens: { type: 'string', default: '384' },
      repeats: { type: 'string', default: '20' },
      out: { type: 'string', default: 'reports/kv-reuse.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const tokens = Number(values.tokens);
  const repeats = Number(values.repeats);
  if (!Number.isInteger(tokens) || tokens < 16 || !Number.isInteger(repeats) || repeats < 1) {
    console.error(USAGE);
    return 2;
  }
  const corpus = readHeldoutFiles(join(packageRoot(), 'test', 'fixtures', 'heldout'))
    .filter((file) => file.language === 'python')
    .map((file) => file.text)
    .join('\n');
  const backend = new LocalBackend({ config: DEFAULT_CONFIG.local });
  const signal = new AbortController().signal;
  try {
    await backend.load('completion', signal);
    const result = await measureFollowUp(backend, corpus, tokens, repeats, signal);
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2));
    const f = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`Follow-up keystroke TTFT, ${result.promptTokens}-token prompt, ${repeats} pairs (client side, send → first token):`);
    console.log(`  cold prefill   p50 ${f(result.coldMs.p50)}  p90 ${f(result.coldMs.p90)}`);
    console.log(
      `  with KV reuse  p50 ${f(result.followUpMs.p50)}  p90 ${f(result.followUpMs.p90)}  (evaluated p50 ${result.evaluatedTokens.p50} tokens)`,
    );
    console.log(`  ratio (p50)    ${result.ratio.toFixed(2)}×   written to ${values.out}`);
    return 0;
  } finally {
    await backend.dispose();
  }
}
