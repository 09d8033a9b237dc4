/**
 * The cross-file block of a prompt: ranked snippets, each under a comment naming its path, taken
 * in rank order while they fit a token budget. A snippet that does not fit is skipped, so a
 * smaller one further down may still use the room.
 */
import type { Snippet } from './rank';

export interface BudgetedSnippet extends Snippet {
  /** Tokens of the snippet with its header, as the meter counted them. */
  tokens: number;
}

export interface CrossFileBlock {
  /** Goes before the document's prefix in the prompt; '' when nothing fit. */
  text: string;
  tokens: number;
  budgetTokens: number;
  /** 'tokenizer' when every snippet was counted by the model's own tokenizer. */
  tokenSource: 'tokenizer' | 'estimate';
  snippets: BudgetedSnippet[];
}

export interface TokenMeter {
  /** Tokens of `text`, and whether the model's tokenizer counted them (else an estimate). */
  count(text: string): { tokens: number; exact: boolean };
}

/** `# path` / `// path`, then the snippet; ends with a line break so the prefix starts on a new line. */
export function formatSnippet(snippet: Pick<Snippet, 'path' | 'text'>, comment: string): string {
  const body = snippet.text.endsWith('\n') ? snippet.text : `${snippet.text}\n`;
  return `${comment} ${snippet.path}\n${body}`;
}

export function selectWithinBudget(ranked: readonly Snippet[], budgetTokens: number, comment: string, meter: TokenMeter): CrossFileBlock {
  const snippets: BudgetedSnippet[] = [];
  const parts: string[] = [];
  let tokens = 0;
  let exact = true;
  for (const snippet of ranked) {
    if (budgetTokens - tokens <= 0) break;
    const text = formatSnippet(snippet, comment);
    const counted = meter.count(text);
    if (tokens + counted.tokens > budgetTokens) continue;
    tokens += counted.tokens;
    exact &&= counted.exact;
    snippets.push({ ...snippet, tokens: counted.tokens });
    parts.push(text);
  }
  // Best last: the snippet the ranking trusts most sits nearest the code being completed.
  return {
    text: parts.reverse().join(''),
    tokens,
    budgetTokens,
    tokenSource: exact ? 'tokenizer' : 'estimate',
    snippets,
  };
}
