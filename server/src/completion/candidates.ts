/**
 * Several suggestions when the user asks for one (LSP triggerKind Invoked: Alt+\ or "Trigger
 * Inline Suggestion"); VS Code shows "1/3" and cycles them with Alt+] / Alt+[. Automatic
 * triggers keep one suggestion: they run on every pause in typing, and extra generations there
 * would cost every user time (local) or tokens (offload) for suggestions few would look at.
 *
 * As tabby-agent does on a manual trigger: the first item is the normal greedy (and cached)
 * answer; the others are sampled from the same backend and prompt at a higher temperature,
 * each through the same filters, and kept only when they differ from every item before them
 * (whitespace aside) and are not empty. Samples run in waves of as many as are still missing, in
 * parallel (the local worker queues them per model; an offload server batches them), until
 * there are enough items, the tries are used up, or the request's deadline passes: what is done
 * by then is returned. OpenAI's `n` is not used: llama.cpp refuses any `n` other than 1 ("Only one
 * completion choice is allowed"), and one request per sample works with every server.
 *
 * Seeds are the try's number (1, 2, …): the same spot gives the same candidates, locally and on
 * servers that take `seed`, so an explicit trigger is repeatable and testable.
 */
import { collect, CancelledError, type Backend, type GenerateRequest } from '../backends/backend';
import type { Logger } from '../logger';
import type { Position } from '../protocol';
import type { TypingAlongStore, TypingContext } from './collaborators';
import { candidateItemId, inlineItem, type InlineItem } from './items';
import type { CompletionOutcomes } from './outcomes';

/** Items an explicit trigger returns at most (VS Code's "1/3"). */
export const MAX_CANDIDATES = 3;
/** Sampled generations at most per explicit trigger (tabby-agent: 6 tries for 3 items). */
export const MAX_SAMPLES = 4;
/** tabby-agent's default for its extra choices; high enough to leave the greedy path. */
export const CANDIDATE_TEMPERATURE = 0.8;

export interface SampleSource {
  backend: Backend;
  /** The request the first suggestion came from (or would have): prompt, stops, max tokens. */
  request: GenerateRequest;
  /** Raw model text → the suggestion ('' when the filters leave nothing). */
  filter: (raw: string) => string;
  /** The request's deadline and cancellation. */
  signal: AbortSignal;
}

export interface SampledCandidates {
  /** Distinct, non-empty suggestions beyond the first, in the order they were sampled. */
  texts: string[];
  /** Generations started. */
  samples: number;
  /** A backend failure that stopped the sampling (the first one). */
  error?: string;
}

/** Samples until `MAX_CANDIDATES` distinct suggestions (counting `first`) or `MAX_SAMPLES` tries. */
export async function sampleCandidates(first: string, source: SampleSource): Promise<SampledCandidates> {
  const seen = new Set([sameness(first)]);
  const texts: string[] = [];
  let samples = 0;
  while (texts.length + 1 < MAX_CANDIDATES && samples < MAX_SAMPLES && !source.signal.aborted) {
    const wave = Math.min(MAX_CANDIDATES - 1 - texts.length, MAX_SAMPLES - samples);
    const seeds = Array.from({ length: wave }, (_, i) => samples + i + 1);
    samples += wave;
    const answers = await Promise.all(seeds.map((seed) => sampleOnce(source, seed)));
    for (const answer of answers) {
      if ('error' in answer) return { texts, samples, error: answer.error };
      if (answer.text === undefined) continue;
      const text = source.filter(answer.text);
      const key = sameness(text);
      if (text === '' || key === '' || seen.has(key)) continue;
      seen.add(key);
      texts.push(text);
      if (texts.length + 1 >= MAX_CANDIDATES) break;
    }
  }
  return { texts, samples };
}

/** Suggestions that differ only in whitespace are one suggestion to the user. */
export function sameness(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The raw text of one sampled generation; undefined when it was cancelled (deadline, superseded). */
async function sampleOnce(source: SampleSource, seed: number): Promise<{ text?: string } | { error: string }> {
  try {
    const request = { ...source.request, temperature: CANDIDATE_TEMPERATURE, seed };
    const { text, done } = await collect(source.backend.generate(request, source.signal));
    return done && done.finishReason !== 'cancelled' ? { text } : {};
  } catch (error) {
    if (error instanceof CancelledError || source.signal.aborted) return {};
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Where the candidates of one request go: items, outcome tracking, typing-along once shown. */
export interface CandidateTarget {
  requestId: string;
  uri: string;
  position: Position;
  typing: TypingContext;
}

/** How many candidates' contexts are kept for typing along: only the latest trigger's matter. */
const REMEMBERED_CANDIDATES = 16;

/**
 * Turns sampled texts into items of a request, and keeps typing along working for them: the
 * typing-along memory holds the first item's text, so when the editor shows another candidate
 * (the user cycled to it), that candidate becomes the text that typing along continues.
 */
export class CandidateItems {
  private readonly shownContexts = new Map<string, { uri: string; shown: Parameters<TypingAlongStore['remember']>[1] }>();

  constructor(
    private readonly outcomes: CompletionOutcomes,
    private readonly typingAlong: TypingAlongStore,
    private readonly log: Logger,
  ) {}

  /** Items 2, 3, … of a request whose first item was returned (and tracked) already. */
  items(target: CandidateTarget, backend: Backend, texts: readonly string[]): InlineItem[] {
    return texts.map((text, i) => {
      const itemId = candidateItemId(target.requestId, i + 1);
      this.outcomes.trackCandidate(itemId, target.requestId, text);
      const shown = { ...target.typing, completion: text, backend: backend.id, model: backend.model, requestId: itemId };
      this.shownContexts.set(itemId, { uri: target.uri, shown });
      if (this.shownContexts.size > REMEMBERED_CANDIDATES) {
        const oldest = this.shownContexts.keys().next().value;
        if (oldest !== undefined) this.shownContexts.delete(oldest);
      }
      return inlineItem(text, target.position, itemId, backend.id);
    });
  }

  /** The editor displayed an item: when it is a sampled candidate, typing along follows it. */
  shown(itemId: string): void {
    const candidate = this.shownContexts.get(itemId);
    if (candidate) this.typingAlong.remember(candidate.uri, candidate.shown);
  }

  report(target: CandidateTarget, backend: Backend, sampled: SampledCandidates, ms: number): void {
    const failure = sampled.error ? `; sampling stopped: ${sampled.error}` : '';
    this.log.info(
      `Explicit trigger ${target.requestId}: ${String(1 + sampled.texts.length)} suggestion(s), ` +
        `${String(sampled.samples)} sampled on ${backend.id} in ${String(Math.round(ms))} ms${failure}`,
    );
  }
}
