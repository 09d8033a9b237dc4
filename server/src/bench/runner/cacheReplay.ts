/**
 * Cache scenario: real typing replayed through the language server. In each held-out file a
 * stretch of code (from a line start, `charsPerFile` characters) is removed, then typed back
 * one character at a time, an inline completion requested after every keystroke, as an editor
 * does. Three passes over the same edits:
 *   typing    first time through (misses, and typing-along hits when the suggestion was right);
 *   retyping  the same edits again in the same session (what the memory tier L1 is for: undo,
 *             retype, switching back and forth);
 *   restart   the same edits after a server restart (L1 empty; the disk tier L2 kept).
 * Each request's outcome is read from the cache's own counters (the metrics snapshot's `cache`
 * before and after it: the replay is sequential, so the difference is that request's), and its
 * latency is the client's LSP round trip, what the editor waits.
 *
 * Pacing: `pacingMs` between keystrokes (0 in --quick: as fast as the server answers; the
 * cache's behaviour does not depend on wall time, only the debounce would, and it is 0 here).
 */
import type { MetricsSnapshot } from '../../protocol';
import type { HeldoutFile } from '../heldout';
import { seededRandom } from '../../seededRandom';
import type { LspSession } from './lspSession';
import type { CacheOutcome, CachePass, CacheResult } from './reportTypes';
import { describe } from './stats';

export interface CachePlan {
  /** Files replayed (0: every held-out file). */
  files: number;
  charsPerFile: number;
  pacingMs: number;
  seed: number;
}

export interface TypingSpan {
  file: HeldoutFile;
  before: string;
  typed: string;
  after: string;
}

const OUTCOMES: readonly CacheOutcome[] = ['l1', 'l2', 'typing', 'miss', 'notLookedUp'];
const FIRST_LINE = 10;

/** One stretch per file: from the start of a seeded line at or after line 10, whole lines where the budget allows. */
export function typingSpans(files: readonly HeldoutFile[], plan: CachePlan): TypingSpan[] {
  const random = seededRandom(plan.seed);
  const chosen = plan.files > 0 ? files.slice(0, plan.files) : files;
  return chosen.flatMap((file) => {
    const lines = file.text.split('\n');
    const starts = lines.map((_, i) => i).filter((i) => i >= FIRST_LINE && (lines[i] ?? '').trim() !== '');
    if (starts.length === 0) return [];
    const line = starts[Math.floor(random() * Math.max(1, starts.length - 5))] as number;
    const offset = lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0);
    const typed = file.text.slice(offset, offset + plan.charsPerFile);
    return [{ file, before: file.text.slice(0, offset), typed, after: file.text.slice(offset + typed.length) }];
  });
}

export async function runCacheReplay(
  session: LspSession,
  files: readonly HeldoutFile[],
  plan: CachePlan,
  signal: AbortSignal,
  onRequest: () => void,
): Promise<CacheResult> {
  const spans = typingSpans(files, plan);
  const latencies: Record<CacheOutcome, number[]> = { l1: [], l2: [], typing: [], miss: [], notLookedUp: [] };
  const passes: CachePass[] = [];
  for (const name of ['typing', 'retyping', 'restart'] as const) {
    if (name === 'restart') await session.restart();
    const pass: CachePass = { name, requests: 0, counts: { l1: 0, l2: 0, typing: 0, miss: 0, notLookedUp: 0 } };
    let counters = (await session.client.snapshot({ recent: 0 })).cache;
    for (const [i, span] of spans.entries()) {
      const uri = `file:///tandem-bench-cache/${i}/${span.file.name}`;
      // A fresh document per pass (a new uri after the restart's new server, the same one before).
      if (name === 'retyping') await session.client.change(uri, span.before + span.after);
      else await session.client.open(uri, span.file.language, span.before + span.after);
      for (let k = 1; k <= span.typed.length; k++) {
        signal.throwIfAborted();
        const typedSoFar = span.typed.slice(0, k);
        await session.client.change(uri, span.before + typedSoFar + span.after);
        const { line, character } = positionAt(span.before + typedSoFar);
        const sent = performance.now();
        await session.client.complete(uri, line, character).result;
        const elapsed = performance.now() - sent;
        const next = (await session.client.snapshot({ recent: 0 })).cache;
        const outcome = outcomeOf(counters, next);
        counters = next;
        pass.requests += 1;
        pass.counts[outcome] += 1;
        latencies[outcome].push(elapsed);
        onRequest();
        if (plan.pacingMs > elapsed) await new Promise((resolve) => setTimeout(resolve, plan.pacingMs - elapsed));
      }
    }
    passes.push(pass);
  }
  const total = (outcome: CacheOutcome) => passes.reduce((sum, p) => sum + p.counts[outcome], 0);
  const requests = passes.reduce((sum, p) => sum + p.requests, 0);
  const lookups = requests - total('notLookedUp');
  const rate = (count: number) => (lookups > 0 ? count / lookups : 0);
  const latencyMs = Object.fromEntries(OUTCOMES.map((o) => [o, describe(latencies[o])])) as CacheResult['latencyMs'];
  const hits = describe([...latencies.l1, ...latencies.l2, ...latencies.typing]);
  return {
    files: spans.length,
    typedChars: spans.reduce((sum, s) => sum + s.typed.length, 0),
    pacingMs: plan.pacingMs,
    passes,
    requests,
    lookups,
    hitRate: {
      l1: rate(total('l1')),
      l2: rate(total('l2')),
      typing: rate(total('typing')),
      total: rate(total('l1') + total('l2') + total('typing')),
    },
    latencyMs,
    hitLatencyMs: hits,
    missToHitP50Ratio: hits.count > 0 && latencyMs.miss.count > 0 && hits.p50 > 0 ? latencyMs.miss.p50 / hits.p50 : null,
  };
}

/** Which counter moved; a hit wins over a miss should one request touch two (it does not today). */
export function outcomeOf(before: MetricsSnapshot['cache'], after: MetricsSnapshot['cache']): CacheOutcome {
  if (after.typingHits > before.typingHits) return 'typing';
  if (after.l1Hits > before.l1Hits) return 'l1';
  if (after.l2Hits > before.l2Hits) return 'l2';
  if (after.misses > before.misses) return 'miss';
  return 'notLookedUp';
}

function positionAt(text: string): { line: number; character: number } {
  const lastBreak = text.lastIndexOf('\n');
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
  return { line, character: text.length - lastBreak - 1 };
}
