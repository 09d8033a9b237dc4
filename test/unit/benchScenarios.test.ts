/**
 * The pieces of the stress, cache and quality bench scenarios that need no model: the function
 * problems against reference bodies in the bounded subprocess (and its time and memory limits),
 * where a generated body is cut, the recovery-time rule, the cache outcome of a counter change,
 * and the typing spans / FIM holes cut from held-out text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fimHoleCases } from '../../server/src/bench/lineEndQuality';
import { typingSpans, outcomeOf } from '../../server/src/bench/runner/cacheReplay';
import { cutFunctionBody, readFunctionProblems } from '../../server/src/bench/runner/functionTasks';
import type { RequestSample } from '../../server/src/bench/runner/sampler';
import { findPython, runSandboxed } from '../../server/src/bench/runner/sandboxRun';
import { recoveryTime } from '../../server/src/bench/runner/stress';

const LIMITS = { timeMs: 5000, memoryMb: 64 };

/** A correct body for every problem: the hidden tests must accept it (else the fixture is wrong). */
const REFERENCE: Record<string, string> = {
  clamp: '    return max(low, min(high, value))\n',
  count_vowels: '    return sum(1 for c in text.lower() if c in "aeiou")\n',
  is_palindrome: '    kept = [c.lower() for c in text if c.isalnum()]\n    return kept == kept[::-1]\n',
  running_sum: '    out, total = [], 0\n    for v in values:\n        total += v\n        out.append(total)\n    return out\n',
  chunk: '    return [items[i:i + size] for i in range(0, len(items), size)]\n',
  word_frequencies: '    counts = {}\n    for w in text.lower().split():\n        counts[w] = counts.get(w, 0) + 1\n    return counts\n',
  capitalize: '  return word.charAt(0).toUpperCase() + word.slice(1);\n}',
  sumOfSquares: '  return numbers.reduce((s, n) => s + n * n, 0);\n}',
  uniqueSorted: '  return [...new Set(values)].sort((a, b) => a - b);\n}',
  flatten: '  return nested.flatMap((x) => (Array.isArray(x) ? flatten(x) : [x]));\n}',
  fizzBuzz:
    "  return Array.from({ length: n }, (_, i) => ((i + 1) % 15 === 0 ? 'FizzBuzz' : (i + 1) % 3 === 0 ? 'Fizz' : (i + 1) % 5 === 0 ? 'Buzz' : String(i + 1)));\n}",
  camelToSnake: "  return name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());\n}",
};

describe('function problems in the bounded subprocess', () => {
  const problems = readFunctionProblems();

  it('has the 12 problems, 6 per language, each with a reference body here', () => {
    assert.equal(problems.length, 12);
    assert.equal(problems.filter((p) => p.language === 'python').length, 6);
    assert.deepEqual(problems.map((p) => p.id).sort(), Object.keys(REFERENCE).sort());
  });

  for (const problem of readFunctionProblems()) {
    it(
      `${problem.language} ${problem.id}: the reference passes, an empty return fails`,
      { skip: problem.language === 'python' && !findPython() ? 'python3 not found' : false },
      async () => {
        const good = await runSandboxed(problem.language, `${problem.prompt}${REFERENCE[problem.id]}\n\n${problem.tests}`, LIMITS);
        assert.deepEqual(good, { outcome: 'passed', detail: 'ok' });
        const wrong = problem.language === 'python' ? '    return None\n' : '  return undefined;\n}';
        const bad = await runSandboxed(problem.language, `${problem.prompt}${wrong}\n\n${problem.tests}`, LIMITS);
        assert.notEqual(bad.outcome, 'passed');
      },
    );
  }

  it('kills a JavaScript program at the time limit and one over the memory limit', async () => {
    assert.equal((await runSandboxed('javascript', 'for (;;) {}\n', { timeMs: 1000, memoryMb: 64 })).outcome, 'timeout');
    const hog = 'const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random()));\n';
    assert.equal((await runSandboxed('javascript', hog, { timeMs: 30_000, memoryMb: 32 })).outcome, 'memory');
    const failed = await runSandboxed('javascript', "require('node:assert/strict').equal(1, 2);\n", LIMITS);
    assert.equal(failed.outcome, 'failed');
    assert.match(failed.detail, /AssertionError/);
  });

  it('limits Python by address space and CPU time', { skip: findPython() ? false : 'python3 not found' }, async () => {
    assert.equal((await runSandboxed('python', 'x = bytearray(10 ** 10)\n', LIMITS)).outcome, 'memory');
    assert.equal((await runSandboxed('python', 'while True:\n    pass\n', { timeMs: 1000, memoryMb: 64 })).outcome, 'timeout');
    assert.deepEqual(await runSandboxed('python', 'print(1 +)\n', LIMITS), { outcome: 'error', detail: 'SyntaxError: invalid syntax' });
  });
});

describe('cutFunctionBody', () => {
  it('ends a Python body at the first line back at column 0', () => {
    assert.deepEqual(cutFunctionBody('python', '    return 1\n\n\ndef other():\n    pass'), { body: '    return 1\n\n', complete: true });
    assert.deepEqual(cutFunctionBody('python', '    x = 1\n    return x'), { body: '    x = 1\n    return x', complete: false });
  });

  it('ends a JavaScript body at the brace that closes the function, skipping strings and comments', () => {
    const text = "  if (a) { return '}'; } // }\n  return `${b}`;\n}\nfunction next() {}";
    assert.deepEqual(cutFunctionBody('javascript', text), { body: "  if (a) { return '}'; } // }\n  return `${b}`;\n}", complete: true });
    assert.equal(cutFunctionBody('javascript', '  return {').complete, false);
  });
});

describe('recoveryTime', () => {
  const sample = (startS: number, e2eMs: number, ok = true): RequestSample =>
    ({ startMs: startS * 1000, ok, e2eMs, ttftMs: 1, gapsMs: [], promptTokens: 1, outputTokens: 1, outputChars: 1 }) as RequestSample;

  it('is the arrival of the first of 3 requests whose median is within 10 % of the pre-burst p50, after the burst', () => {
    const recovery = [
      sample(10.5, 900),
      sample(11, 400),
      sample(11.5, 108),
      sample(12, 300),
      sample(12.5, 105),
      sample(13, 100),
      sample(13.5, 95),
    ];
    // Windows: [900,400,108] → 400; [400,108,300] → 300; [108,300,105] → 108 ≤ 110: recovered at 11.5 s.
    assert.equal(recoveryTime(recovery, 100, 10), 1.5);
  });

  it('skips failed requests and is null when latency never comes back', () => {
    assert.equal(recoveryTime([sample(11, 50, false), sample(12, 500), sample(13, 400), sample(14, 300)], 100, 10), null);
    assert.equal(recoveryTime([sample(11, 50, false), sample(12, 90), sample(13, 95), sample(14, 100)], 100, 10), 2);
  });
});

describe('cache replay pieces', () => {
  it('attributes a request to the counter that moved', () => {
    const base = { l1Hits: 1, l2Hits: 2, typingHits: 3, misses: 4 };
    assert.equal(outcomeOf(base, { ...base, misses: 5 }), 'miss');
    assert.equal(outcomeOf(base, { ...base, l2Hits: 3 }), 'l2');
    assert.equal(outcomeOf(base, { ...base, l1Hits: 2 }), 'l1');
    assert.equal(outcomeOf(base, { ...base, typingHits: 4 }), 'typing');
    assert.equal(outcomeOf(base, base), 'notLookedUp');
  });

  const text = Array.from({ length: 30 }, (_, i) => `line${i} = ${i}`).join('\n');
  const file = { name: 'a.py', language: 'python' as const, text };

  it('removes a stretch starting at a line start at or after line 10; the pieces put back are the file', () => {
    const [span] = typingSpans([file], { files: 0, charsPerFile: 20, pacingMs: 0, seed: 7 });
    assert.ok(span);
    assert.equal(span.before + span.typed + span.after, text);
    assert.equal(span.typed.length, 20);
    assert.ok(span.before.endsWith('\n') && span.before.split('\n').length - 1 >= 10);
  });

  it('FIM holes keep the indentation and the following lines', () => {
    const indented = Array.from({ length: 20 }, (_, i) => `    value${i} = ${i}`).join('\n');
    const cases = fimHoleCases([{ ...file, text: indented }], { casesPerFile: 3, seed: 1 });
    assert.equal(cases.length, 3);
    for (const c of cases) {
      const lines = c.text.split('\n');
      assert.equal(lines.length, 20);
      assert.equal(lines[c.line], '    ');
      assert.equal(c.character, 4);
      assert.equal(c.reference, `value${c.line} = ${c.line}`);
    }
  });
});
