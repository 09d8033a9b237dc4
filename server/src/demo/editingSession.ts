/**
 * Replays a realistic editing session against a running server: in real source files the
 * "developer" retypes lines inside function bodies character by character at a steady pace,
 * every keystroke sends the change and a completion request (abandoning the previous one, as
 * VS Code does), ghost text that matches what they were about to type is accepted (whole or
 * word by word), the rest is rejected, and a few functions are explained.
 *
 * Deterministic choices (no randomness) so two runs replay the same session.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TandemLspClient } from './lspClient';

export interface SessionOptions {
  files: string[];
  /** Lines retyped per file. */
  linesPerFile: number;
  /** Milliseconds between keystrokes (≈ 80 ms is a fast typist). */
  keystrokeMs: number;
  /** How long the developer pauses at the end of a line for ghost text. */
  pauseMs: number;
  explainPerFile: number;
  log: (line: string) => void;
}

export interface SessionTotals {
  keystrokes: number;
  requests: number;
  itemsShown: number;
  accepted: number;
  partial: number;
  rejected: number;
  charsTypedByCompletion: number;
  explanations: number;
}

const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  '.py': 'python',
  '.ts': 'typescript',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.tsx': 'typescriptreact',
};

export function languageOf(file: string): string | undefined {
  return LANGUAGE_BY_EXTENSION[extname(file)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function replaySession(client: TandemLspClient, options: SessionOptions): Promise<SessionTotals> {
  const totals: SessionTotals = {
    keystrokes: 0,
    requests: 0,
    itemsShown: 0,
    accepted: 0,
    partial: 0,
    rejected: 0,
    charsTypedByCompletion: 0,
    explanations: 0,
  };
  for (const file of options.files) {
    const language = languageOf(file);
    if (!language) continue;
    const text = readFileSync(file, 'utf8');
    const uri = pathToFileURL(file).href;
    const lines = text.split('\n');
    const targets = pickBodyLines(lines, options.linesPerFile);
    options.log(`  ${basename(file)} (${language}): retyping ${targets.length} lines`);
    await client.open(uri, language, text);
    for (const lineIndex of targets) {
      await retypeLine(client, uri, lines, lineIndex, options, totals);
    }
    await client.change(uri, text);
    for (const range of pickFunctions(lines, options.explainPerFile)) {
      const started = Date.now();
      let streamed = 0;
      const result = await client.explain(uri, range, (delta) => {
        streamed += delta.length;
      });
      totals.explanations += 1;
      const summary = result.text.replace(/\s+/g, ' ').trim().slice(0, 100);
      options.log(
        `    explain lines ${range.start.line + 1}-${range.end.line + 1} → ${result.backend} (${result.model}), ` +
          `TTFT ${result.ttftMs.toFixed(0)} ms, total ${Date.now() - started} ms, ${streamed} chars streamed: "${summary}"`,
      );
    }
  }
  return totals;
}

async function retypeLine(
  client: TandemLspClient,
  uri: string,
  lines: string[],
  lineIndex: number,
  options: SessionOptions,
  totals: SessionTotals,
): Promise<void> {
  const target = lines[lineIndex] ?? '';
  const indent = target.length - target.trimStart().length;
  let typed = target.slice(0, indent);
  let pending: { cancel: () => void } | undefined;
  let latest: Promise<void> | undefined;
  const documentWith = (current: string) => [...lines.slice(0, lineIndex), current, ...lines.slice(lineIndex + 1)].join('\n');

  while (typed.length < target.length) {
    typed += target[typed.length];
    totals.keystrokes += 1;
    await client.change(uri, documentWith(typed));
    pending?.cancel();
    const request = client.complete(uri, lineIndex, typed.length);
    totals.requests += 1;
    pending = request;
    const snapshot = typed;
    latest = request.result
      .then(async (items) => {
        const item = items[0];
        if (!item || typed !== snapshot) return;
        const insert = typeof item.insertText === 'string' ? item.insertText : item.insertText.value;
        const requestId = requestIdOf(item);
        totals.itemsShown += 1;
        if (requestId) await client.didShow(requestId);
        const rest = target.slice(typed.length);
        const acceptLength = agreedLength(insert, rest);
        if (acceptLength === 0) {
          totals.rejected += 1;
          if (requestId) await client.didReject(requestId);
          return;
        }
        if (acceptLength === insert.length) totals.accepted += 1;
        else totals.partial += 1;
        totals.charsTypedByCompletion += acceptLength;
        if (requestId) await client.didAccept(requestId, acceptLength);
        typed += insert.slice(0, acceptLength);
        await client.change(uri, documentWith(typed));
      })
      .catch(() => undefined); // cancelled requests reject; the editor just moves on
    await sleep(options.keystrokeMs);
  }
  await Promise.race([latest, sleep(options.pauseMs)]);
  pending?.cancel();
}

/** Accept whole ghost text when it is exactly what comes next, else whole words of it. */
export function agreedLength(insert: string, rest: string): number {
  const firstLine = insert.split('\n')[0] ?? '';
  if (firstLine.length > 0 && rest.startsWith(firstLine)) return insert.includes('\n') ? firstLine.length : insert.length;
  let agreed = 0;
  const words = firstLine.match(/\s*\S+/g) ?? [];
  for (const word of words) {
    if (!rest.startsWith(firstLine.slice(0, agreed + word.length))) break;
    agreed += word.length;
  }
  return agreed;
}

function requestIdOf(item: { command?: { arguments?: unknown[] } }): string | undefined {
  const data = item.command?.arguments?.[0] as { requestId?: unknown } | undefined;
  return typeof data?.requestId === 'string' ? data.requestId : undefined;
}

/** Indented, non-trivial lines spread evenly through the file. */
export function pickBodyLines(lines: string[], count: number): number[] {
  const candidates = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => /^\s+\S/.test(line) && line.trim().length >= 12 && line.trim().length <= 80)
    .filter(({ line }) => !/^\s*(#|\/\/|\*|\/\*)/.test(line))
    .map(({ index }) => index);
  if (candidates.length <= count) return candidates;
  const step = candidates.length / count;
  return Array.from({ length: count }, (_, i) => candidates[Math.floor(i * step + step / 2)]!);
}

/** Ranges of the first few top-level or method definitions (up to 25 lines each). */
export function pickFunctions(lines: string[], count: number) {
  const starts = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => /^\s*(async\s+)?(def|function|export\s+(async\s+)?function)\s+\w+/.test(line))
    .map(({ index }) => index)
    .slice(0, count);
  return starts.map((start) => {
    const end = Math.min(lines.length - 1, start + 24);
    return { start: { line: start, character: 0 }, end: { line: end, character: (lines[end] ?? '').length } };
  });
}
