/**
 * The document's indentation step (a tab, or some spaces): how far a block's body sits in from
 * the line that opens it. Measured only where code really steps into a block — from a line that
 * opens one to the next non-blank line — and the most common step wins.
 *
 * Not from any two neighbouring lines: docstrings (`Several attributes:` then `  width`) and
 * continuation lines aligned under a bracket (`def __init__(self,` then 17 blanks) step by 1, 2
 * or 13 columns, and taking the smallest of those put a block's body at the wrong column
 * (textwrap.py). Strings are not tracked (a prefix window may start inside one); instead an
 * opener must look like one: in Python a compound statement's keyword line ending in `:`, which a
 * docstring line rarely is, and the vote absorbs the odd one that is.
 */
import { indentOf } from '../lineText';

/** A Python line that opens a block: a compound statement's header on one line. */
const PYTHON_OPENER = /^[ \t]*(?:async[ \t]+)?(?:def|class|if|elif|else|for|while|try|except|finally|with|match|case)\b.*:[ \t]*(?:#.*)?$/;
/** Other indentation-based languages (YAML, CoffeeScript...): a line ending in `:`. */
const COLON_OPENER = /:[ \t]*(?:#.*)?$/;
/** Brace languages: a line ending in an opening bracket (a trailing `//` comment allowed). */
const BRACKET_OPENER = /[{([][ \t]*(?:\/\/.*)?$/;
const OFFSIDE_COLON = new Set(['yaml', 'coffeescript', 'nim', 'haskell']);

/** Enough agreeing evidence: stop looking further up. */
const MAX_SAMPLES = 12;
/** How many lines above the cursor are looked at, at most. */
const MAX_LINES = 400;
/** A step wider than this is an alignment, not an indentation unit. */
const MAX_STEP = 8;

/** `lines`: the document's lines above the cursor's line, in order (the cursor's line excluded). */
export function detectIndentUnit(lines: readonly string[], languageId: string): string {
  const opener = languageId === 'python' ? PYTHON_OPENER : OFFSIDE_COLON.has(languageId) ? COLON_OPENER : BRACKET_OPENER;
  const votes = new Map<string, number>();
  let samples = 0;
  let below: string | undefined;
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - MAX_LINES) && samples < MAX_SAMPLES; i--) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const step = below === undefined || !opener.test(line) ? undefined : stepInto(indentOf(line), indentOf(below));
    if (step !== undefined) {
      votes.set(step, (votes.get(step) ?? 0) + 1);
      samples++;
    }
    below = line;
  }
  // The most common step; on a tie, the one seen nearest the cursor (inserted first).
  let best: string | undefined;
  for (const [step, count] of votes) if (best === undefined || count > (votes.get(best) ?? 0)) best = step;
  return best ?? (languageId === 'python' ? '    ' : '  ');
}

/** The indentation `body` adds to `header`'s, when it is one plausible step in. */
function stepInto(header: string, body: string): string | undefined {
  if (body.length <= header.length || !body.startsWith(header)) return undefined;
  const step = body.slice(header.length);
  if (step === '\t') return step;
  return /^ +$/.test(step) && step.length <= MAX_STEP ? step : undefined;
}
