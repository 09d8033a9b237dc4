/**
 * Small models loop: the same line (or block of lines) again and again, a token repeated to the
 * end of the line, or a copy of the line just above the cursor. Loops are cut back to their
 * first occurrence; a plain copy of the previous lines is dropped.
 */
import type { CompletionFilter } from './types';

/** Lines made only of closers and punctuation (`}`, `});`) repeat legitimately. */
const CLOSERS_ONLY = /^[\s)\]};,]*$/;
/** A unit repeated at the end of a line; units of separators (`----`, `====`) are allowed. */
const LINE_END_LOOP = /(.{1,10}?)\1{7,}$/;
const MIN_LOOP_CHARS = 24;
const LOOP_SCAN_CHARS = 240;

export const removeRepetition: CompletionFilter = (text, context) => {
  const lines = text.split('\n').map(cutLineEndLoop);
  const kept = lines.slice(0, loopStart(lines));
  if (copiesPreviousLines(kept, context.prefix, context.linePrefix)) return '';
  return kept.join('\n');
};

function cutLineEndLoop(line: string): string {
  // Match on the tail only: the regex backtracks, and a looping line can be thousands of chars.
  const tail = line.slice(-LOOP_SCAN_CHARS);
  const match = LINE_END_LOOP.exec(tail);
  const unit = match?.[1];
  if (!match || !unit || !/[\p{L}\p{N}()[\]{}]/u.test(unit)) return line;
  let start = line.length - tail.length + match.index;
  while (start >= unit.length && line.startsWith(unit, start - unit.length)) start -= unit.length;
  if (line.length - start < MIN_LOOP_CHARS) return line;
  return line.slice(0, start + unit.length);
}

/** Index of the second occurrence of the first looping block, or lines.length. */
function loopStart(lines: string[]): number {
  const keys = lines.map((line) => line.trim());
  for (let start = 0; start < keys.length; start++) {
    for (let size = 1; size <= 5 && start + 2 * size <= keys.length; size++) {
      const block = keys.slice(start, start + size);
      if (block.every((key) => CLOSERS_ONLY.test(key))) continue;
      let repeats = 1;
      while (sameBlock(keys, start + repeats * size, block)) repeats++;
      // One line twice can be legitimate (two appends); three times, or a block twice, is a loop.
      if (repeats >= (size === 1 ? 3 : 2)) return start + size;
    }
  }
  return lines.length;
}

function sameBlock(keys: string[], at: number, block: string[]): boolean {
  if (at + block.length > keys.length) return false;
  return block.every((key, i) => keys[at + i] === key);
}

/** The completion only retypes the line(s) right above the cursor. */
function copiesPreviousLines(lines: string[], prefix: string, linePrefix: string): boolean {
  const completed = [...lines];
  completed[0] = linePrefix + (completed[0] ?? '');
  const ours = completed.map((line) => line.trim()).filter((line) => line !== '');
  if (ours.length === 0 || ours.every((line) => CLOSERS_ONLY.test(line))) return false;
  const above = prefix
    .slice(0, prefix.length - linePrefix.length)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (above.length < ours.length) return false;
  const tail = above.slice(above.length - ours.length);
  return tail.every((line, i) => line === ours[i]);
}
