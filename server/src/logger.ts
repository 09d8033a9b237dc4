/**
 * The one logging shape every server module takes as a parameter. The server wires it to the LSP
 * connection (so lines reach the client's "Tandem" output channel); tests use `memoryLogger`.
 * No module writes to the console directly: stdout carries the LSP stream in `--stdio` mode.
 */
import { redact } from './redact';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export type LogLevel = keyof Logger;

/** Drops everything; for callers that truly have nowhere to report (prefer a real logger). */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface MemoryLogger extends Logger {
  readonly lines: Array<{ level: LogLevel; msg: string }>;
  /** Messages at one level, in order. */
  messages(level: LogLevel): string[];
}

/** Keeps every line in memory, so tests can assert on what was reported. */
export function memoryLogger(): MemoryLogger {
  const lines: Array<{ level: LogLevel; msg: string }> = [];
  const push = (level: LogLevel) => (msg: string) => {
    lines.push({ level, msg });
  };
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    messages: (level) => lines.filter((line) => line.level === level).map((line) => line.msg),
  };
}

/** Prefixes every line, e.g. `[cache] ...`, so one channel can carry many modules. */
export function prefixedLogger(log: Logger, prefix: string): Logger {
  return {
    info: (msg) => log.info(`[${prefix}] ${msg}`),
    warn: (msg) => log.warn(`[${prefix}] ${msg}`),
    error: (msg) => log.error(`[${prefix}] ${msg}`),
  };
}

const REDACTING = Symbol('redacting');

/** A log line may carry a few clipped server messages; beyond this it is a dump. */
const MAX_LOG_LINE_CHARS = 4000;

/**
 * Every line through `redact` (server/src/redact.ts): the one door to the log for text that may
 * have come from a server or an error. Wrapping twice is a no-op, so both the LSP layer and the
 * runtime may wrap the logger they are given.
 */
export function redactingLogger(log: Logger): Logger {
  if ((log as { [REDACTING]?: true })[REDACTING]) return log;
  return {
    [REDACTING]: true,
    info: (msg) => log.info(redact(msg, MAX_LOG_LINE_CHARS)),
    warn: (msg) => log.warn(redact(msg, MAX_LOG_LINE_CHARS)),
    error: (msg) => log.error(redact(msg, MAX_LOG_LINE_CHARS)),
  } as Logger;
}
