/**
 * A completion that ends by retyping the text already after the cursor (the `)` the editor
 * auto-closed, the `}` or `return` on the next lines) would duplicate it once accepted. The
 * overlap is dropped, so that completion + existing text reads as the model meant.
 *
 * Retyped brackets and quotes are ambiguous: a FIM model that saw `print(|)` and wrote `f()`
 * meant `print(f())`. So when the overlap holds brackets or quotes it is dropped only if that
 * makes the code around the cursor balance better (fewer stray closers, no string left open).
 */
import { scanBrackets } from './bracketScan';
import type { CompletionFilter, FilterContext } from './types';

const HAS_BRACKET_OR_QUOTE = /[()[\]{}"'`]/;

export const removeSuffixEcho: CompletionFilter = (text, context) => dropRestOfLineEcho(dropEchoedLines(text, context), context);

/** The completion's last lines repeat the first non-blank lines below the cursor's line. */
function dropEchoedLines(text: string, context: FilterContext): string {
  const lines = text.split('\n');
  if (lines.length < 2) return text;
  const below = context.suffix.split('\n').slice(1);
  const belowKeys = below.map((line) => line.trim()).filter((key) => key !== '');
  let best = text;
  for (let count = 1; count < lines.length && count <= belowKeys.length; count++) {
    const tail = lines.slice(lines.length - count).map((line) => line.trim());
    if (tail.some((key, i) => key !== belowKeys[i])) break;
    const candidate = lines.slice(0, lines.length - count).join('\n');
    const echoed = tail.join('\n');
    if (!HAS_BRACKET_OR_QUOTE.test(echoed) || balancesBetter(candidate, text, context.suffix, context)) {
      best = candidate;
    }
  }
  return best;
}

/** The completion ends with the whole rest of the current line. */
function dropRestOfLineEcho(text: string, context: FilterContext): string {
  const rest = context.lineSuffix.trim();
  const body = text.trimEnd();
  if (rest === '' || !body.endsWith(rest)) return text;
  const candidate = body.slice(0, body.length - rest.length);
  if (!HAS_BRACKET_OR_QUOTE.test(rest)) return candidate;
  return balancesBetter(candidate, text, context.lineSuffix, context) ? candidate : text;
}

function balancesBetter(candidate: string, original: string, after: string, context: FilterContext): boolean {
  return damage(candidate, after, context) < damage(original, after, context);
}

/** Stray closers in and after the completion, plus one if a string is left open. */
function damage(text: string, after: string, context: FilterContext): number {
  const scan = scanBrackets(context.prefix + text + after, {
    languageId: context.languageId,
    outerUnknown: context.prefixTruncated,
  });
  const from = context.prefix.length;
  const stray = scan.events.filter((event) => event.index >= from && event.problem).length;
  return stray + (scan.endsInString ? 1 : 0);
}
