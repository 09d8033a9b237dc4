/**
 * Prompts of a given token length cut from the held-out fixtures (code never seen in training),
 * counted with the target's tokenizer. Several variants per length start in different files,
 * so a server with a prefix cache does not serve every repeat from it.
 */
import { join } from 'node:path';
import { packageRoot } from '../../packageRoot';
import { readHeldoutFiles } from '../heldout';
import type { BenchTarget } from './targets';

export function heldoutCorpus(fixturesDir = join(packageRoot(), 'test', 'fixtures', 'heldout')): string[] {
  const files = readHeldoutFiles(fixturesDir);
  if (files.length === 0) throw new Error(`No held-out source files under "${fixturesDir}".`);
  // Whole files, each followed by the next ones, so a long prompt never runs out of text.
  const texts = files.map((file) => file.text);
  return texts.map((_, i) => [...texts.slice(i), ...texts.slice(0, i)].join('\n'));
}

export class PromptCutter {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly target: BenchTarget,
    private readonly corpora: readonly string[],
  ) {}

  /** Variant `variant` of a prompt of at most `tokens` tokens (the longest such prefix). */
  async prompt(tokens: number, variant: number, signal: AbortSignal): Promise<string> {
    const corpus = this.corpora[variant % this.corpora.length] as string;
    const key = `${tokens}:${variant % this.corpora.length}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let low = 0;
    let high = Math.min(corpus.length, tokens * 12);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((await this.target.countTokens(corpus.slice(0, mid), signal)) <= tokens) low = mid;
      else high = mid - 1;
    }
    const prompt = corpus.slice(0, low);
    this.cache.set(key, prompt);
    return prompt;
  }
}
