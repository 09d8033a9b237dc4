/**
 * Held-out source files (never in the training corpus) and the completion cases drawn from them.
 *
 * Cases mirror models/training/evaluate.py so the Node figures can be compared with the PyTorch
 * ones: next-line prompts end at the end of the previous line (the model writes the newline and
 * the indentation itself, as in training), and FIM prompts ask for one whole line between a
 * prefix ending in "\n" and a suffix starting with "\n".
 */
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../seededRandom';

export type Language = 'python' | 'typescript' | 'javascript';

const EXTENSIONS: Record<string, Language> = {
  '.py': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescript',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
};

export interface HeldoutFile {
  /** Path relative to the held-out root. */
  name: string;
  language: Language;
  text: string;
}

export interface CompletionCase {
  file: string;
  language: Language;
  line: number;
  /** The expected line, stripped. */
  reference: string;
  /** Next-line prompt: the file up to the end of the previous line. */
  nextLinePrefix: string;
  /** FIM: text before the line (ends with "\n") and after it (starts with "\n"). */
  fimPrefix: string;
  fimSuffix: string;
}

export interface CaseLimits {
  casesPerFile: number;
  seed: number;
  /** Characters of context kept before the cursor (next-line), before and after the FIM hole. */
  prefixChars: number;
  fimPrefixChars: number;
  suffixChars: number;
}

export function readHeldoutFiles(root: string): HeldoutFile[] {
  if (!fs.existsSync(root)) throw new Error(`Held-out fixtures directory "${root}" does not exist.`);
  const files: HeldoutFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      const language = EXTENSIONS[path.extname(entry.name)];
      if (entry.isFile() && language) {
        files.push({ name: path.relative(root, full), language, text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(root);
  return files;
}

/** Picks `count` distinct items without replacement, returned in their original order. */
export function sampleSorted<T>(items: readonly T[], count: number, random: () => number): T[] {
  const indices = items.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices
    .slice(0, Math.min(count, indices.length))
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

export function completionCases(files: readonly HeldoutFile[], limits: CaseLimits): CompletionCase[] {
  const cases: CompletionCase[] = [];
  files.forEach((file, fileIndex) => {
    const lines = file.text.split('\n');
    const offsets: number[] = [0];
    for (const line of lines.slice(0, -1)) offsets.push((offsets[offsets.length - 1] as number) + line.length + 1);
    // Skip the first lines (no context yet) and trivial lines, as evaluate.py does.
    const candidates = lines.map((_, i) => i).filter((i) => i >= 5 && (lines[i] as string).trim().length >= 2);
    const random = seededRandom(limits.seed + fileIndex);
    for (const i of sampleSorted(candidates, limits.casesPerFile, random)) {
      const start = offsets[i] as number;
      const line = lines[i] as string;
      cases.push({
        file: file.name,
        language: file.language,
        line: i + 1,
        reference: line.trim(),
        nextLinePrefix: tail(file.text.slice(0, start - 1), limits.prefixChars),
        fimPrefix: tail(file.text.slice(0, start), limits.fimPrefixChars),
        fimSuffix: file.text.slice(start + line.length, start + line.length + limits.suffixChars),
      });
    }
  });
  return cases;
}

/** The last `chars` characters, cut at a line start so the prompt does not begin mid-token. */
function tail(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const cut = text.slice(text.length - chars);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut;
}

/** First non-blank line, stripped: what a one-line completion is judged on. */
export function firstLine(text: string): string {
  for (const line of text.split('\n')) if (line.trim()) return line.trim();
  return '';
}

/** True once a non-blank line has been completed (the stream can stop). */
export function hasCompleteLine(text: string): boolean {
  return text.trimStart().includes('\n');
}
