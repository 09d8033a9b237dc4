/**
 * Function completion with execution (HumanEval-style, pass@1): each problem of
 * test/fixtures/bench-functions is a signature + docstring; the backend writes the body (greedy,
 * one sample), the body is cut where the function ends (Python: the first line back at column 0;
 * JavaScript: the brace that closes the function), and the hidden tests run on the result in a
 * bounded subprocess (sandboxRun.ts). pass@1 = problems passed / problems run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../packageRoot';
import type { FunctionResult, FunctionScores } from './reportTypes';
import { findPython, runSandboxed, type SandboxLimits } from './sandboxRun';
import type { BenchTarget } from './targets';

export interface FunctionProblem {
  id: string;
  language: 'python' | 'javascript';
  prompt: string;
  tests: string;
}

export interface FunctionPlan extends SandboxLimits {
  maxTokens: number;
}

const EXTENSIONS = { python: 'py', javascript: 'js' } as const;

export function functionProblemsDir(): string {
  return join(packageRoot(), 'test', 'fixtures', 'bench-functions');
}

export function readFunctionProblems(dir = functionProblemsDir()): FunctionProblem[] {
  return (['python', 'javascript'] as const).flatMap((language) => {
    const folder = join(dir, language);
    const ext = EXTENSIONS[language];
    return readdirSync(folder)
      .filter((name) => name.endsWith(`.prompt.${ext}`))
      .sort()
      .map((name) => {
        const id = name.slice(0, -`.prompt.${ext}`.length);
        return {
          id,
          language,
          prompt: readFileSync(join(folder, name), 'utf8'),
          tests: readFileSync(join(folder, `${id}.tests.${ext}`), 'utf8'),
        };
      });
  });
}

/** The body up to where the function ends, or all of it when it does not end within the tokens. */
export function cutFunctionBody(language: FunctionProblem['language'], generated: string): { body: string; complete: boolean } {
  if (language === 'python') {
    const lines = generated.split('\n');
    const end = lines.findIndex((line, i) => i > 0 && line.trim() !== '' && !/^\s/.test(line));
    return end < 0 ? { body: generated, complete: false } : { body: lines.slice(0, end).join('\n'), complete: true };
  }
  // The prompt opened the function's brace: depth 1 until its match (strings and comments skipped).
  let depth = 1;
  for (let i = 0; i < generated.length; i++) {
    const c = generated[i];
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < generated.length && generated[i] !== c) i += generated[i] === '\\' ? 2 : 1;
    } else if (c === '/' && generated[i + 1] === '/') {
      const end = generated.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { body: generated.slice(0, i + 1), complete: true };
  }
  return { body: generated, complete: false };
}

export async function runFunctionTasks(
  target: BenchTarget,
  problems: readonly FunctionProblem[],
  plan: FunctionPlan,
  signal: AbortSignal,
  onProblem: () => void,
): Promise<FunctionScores> {
  const results: FunctionResult[] = [];
  const notes: string[] = [];
  const hasPython = findPython() !== null;
  if (!hasPython && problems.some((p) => p.language === 'python')) notes.push('python3 not found: Python problems skipped');
  for (const problem of problems) {
    if (problem.language === 'python' && !hasPython) {
      results.push({ id: problem.id, language: problem.language, outcome: 'skipped', detail: 'python3 not found', completionChars: 0 });
      continue;
    }
    const body = await completeBody(target, problem, plan.maxTokens, signal);
    // Python: the prompt ends after the docstring line; JavaScript: after the opening brace.
    const program = `${problem.prompt}${body}\n\n${problem.tests}`;
    const run = await runSandboxed(problem.language, program, plan);
    results.push({ id: problem.id, language: problem.language, outcome: run.outcome, detail: run.detail, completionChars: body.length });
    onProblem();
  }
  const score = (subset: FunctionResult[]) => {
    const attempted = subset.filter((r) => r.outcome !== 'skipped').length;
    const passed = subset.filter((r) => r.outcome === 'passed').length;
    return { attempted, passed, passAt1: attempted > 0 ? passed / attempted : null };
  };
  const perLanguage: FunctionScores['perLanguage'] = {};
  for (const language of ['python', 'javascript'] as const) {
    const subset = results.filter((r) => r.language === language);
    if (subset.length > 0) perLanguage[language] = score(subset);
  }
  return {
    problems: problems.length,
    ...score(results),
    timeLimitMs: plan.timeMs,
    memoryLimitMb: plan.memoryMb,
    perLanguage,
    results,
    notes,
  };
}

/** Greedy, streamed until the function is complete (then the generation is stopped). */
async function completeBody(target: BenchTarget, problem: FunctionProblem, maxTokens: number, signal: AbortSignal): Promise<string> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let text = '';
  try {
    const request = { task: 'completion' as const, prompt: problem.prompt, maxTokens, temperature: 0, stop: [] };
    for await (const chunk of target.backend.generate(request, stop.signal)) {
      if (chunk.type !== 'text') continue;
      text += chunk.text;
      if (cutFunctionBody(problem.language, text).complete) break;
    }
  } catch (error) {
    if (signal.aborted) throw error;
    // A failed generation is a failed problem: its (partial) body is what gets tested.
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  return cutFunctionBody(problem.language, text).body;
}
