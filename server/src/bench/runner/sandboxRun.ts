/**
 * Runs a completed function with its hidden tests in a child process, bounded in time and
 * memory, so generated code can neither hang the benchmark nor take the machine's memory:
 * - JavaScript: this Node runtime (process.execPath; under VS Code, Electron run as Node) with
 *   --max-old-space-size, killed at the time limit;
 * - Python: python3 through a small wrapper that sets RLIMIT_AS (address space) and RLIMIT_CPU
 *   before running the program, killed at the time limit too (wall clock: sleeping uses no CPU).
 * No network or file access restrictions beyond that: the programs are the fixtures' tests around
 * a model's function body, run in an empty temporary directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionOutcome } from './reportTypes';

export interface SandboxLimits {
  timeMs: number;
  memoryMb: number;
}

export interface SandboxResult {
  outcome: Exclude<FunctionOutcome, 'skipped'>;
  detail: string;
}

const PYTHON_WRAPPER = `import resource, runpy, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
seconds = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
runpy.run_path(sys.argv[1], run_name="__main__")`;

let python: string | null | undefined;

/** The python3 on PATH, or null when there is none (Python problems are then skipped). */
export function findPython(): string | null {
  if (python === undefined) {
    const probe = spawnSync('python3', ['-c', 'import resource'], { encoding: 'utf8', timeout: 10_000 });
    python = probe.status === 0 ? 'python3' : null;
  }
  return python;
}

export async function runSandboxed(language: 'python' | 'javascript', program: string, limits: SandboxLimits): Promise<SandboxResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-fn-'));
  try {
    const file = join(dir, language === 'python' ? 'main.py' : 'main.js');
    writeFileSync(file, program);
    if (language === 'javascript') {
      return await run(process.execPath, [`--max-old-space-size=${limits.memoryMb}`, file], dir, limits);
    }
    const interpreter = findPython();
    if (!interpreter) return { outcome: 'error', detail: 'python3 not found' };
    const cpuSeconds = String(Math.max(1, Math.ceil(limits.timeMs / 1000)));
    return await run(interpreter, ['-c', PYTHON_WRAPPER, file, String(limits.memoryMb), cpuSeconds], dir, limits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], cwd: string, limits: SandboxLimits): Promise<SandboxResult> {
  return new Promise((resolve) => {
    // A bare environment: the program needs nothing of ours (ELECTRON_RUN_AS_NODE keeps VS Code's
    // runtime a plain Node).
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '',
      ...(process.env.ELECTRON_RUN_AS_NODE ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
    };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout = (stdout + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limits.timeMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ outcome: 'error', detail: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = errorLine(stderr) || lastLine(stdout);
      if (timedOut || signal === 'SIGXCPU') resolve({ outcome: 'timeout', detail: `killed after ${limits.timeMs} ms` });
      else if (/MemoryError|heap out of memory|Allocation failed/.test(stderr)) resolve({ outcome: 'memory', detail: last });
      else if (code === 0 && /^ok$/m.test(stdout)) resolve({ outcome: 'passed', detail: 'ok' });
      else if (/AssertionError/.test(stderr)) resolve({ outcome: 'failed', detail: last });
      else resolve({ outcome: 'error', detail: last || `exit ${code ?? signal}` });
    });
  });
}

/** The line naming the error (Python prints it last; Node prints it first, then a stack and its version). */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const named = lines.filter((line) => /^\w*(Error|Exception)\b/.test(line.trim()));
  return (named[named.length - 1] ?? lines[lines.length - 1] ?? '').trim().slice(0, 300);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
