/**
 * The one redaction function. Every string that came from a server or from an error passes
 * through `redact` before it reaches a log line, a metrics row, the status sent to the client or
 * a message shown to the user: an endpoint that echoes the request's headers in its error body
 * must not carry the API key into any of them.
 *
 * It removes (1) the secrets this process was given (`registerSecret`: the offload API key),
 * wherever they appear; (2) the values of credential headers (`Authorization`,
 * `Proxy-Authorization`, `api-key`, `x-api-key`), in header, JSON or query form; (3) bearer and
 * basic tokens and OpenAI-style `sk-…` keys the process was never told about; (4) passwords in
 * URLs. Then it clips the text, so a server's multi-kilobyte error page cannot flood a log or a
 * row. Redacting first and clipping second means a clip never leaves half a secret behind.
 *
 * The secrets live in a module-level set, not in an object threaded through every layer: any
 * module may redact without being handed the key, and redacting a string a little too eagerly in
 * a test that shares the process is harmless.
 */

export const REDACTED = '[redacted]';

/** Longer than any message Tandem writes itself; server text beyond it is noise. */
export const DEFAULT_MAX_CHARS = 1000;

/** Shorter values are not treated as secrets: replacing "ab" everywhere would garble text. */
const MIN_SECRET_LENGTH = 6;

const knownSecrets = new Set<string>();

/** Remembers a secret so that `redact` removes it from every string from now on. */
export function registerSecret(secret: string | undefined | null): void {
  const value = secret?.trim();
  if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

/**
 * `Authorization: Bearer x`, `"api-key": "x"`, `x-api-key=x`, `'authorization': 'x'`, and the same
 * inside escaped JSON (`\"authorization\":\"x\"`): the header name, an optional closing quote,
 * a `:` or `=`, then the value, quoted or up to the next separator (a scheme and its token count
 * as one value). Group 1 keeps everything up to the value.
 */
const CREDENTIAL_FIELD =
  /(\b(?:proxy-authorization|authorization|x-api-key|api[-_]key|apikey|access[-_]token)\b(?:\\?["'])?\s*[:=]\s*)(?:\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|(?:(?:Bearer|Basic|Token|Digest)[ \t]+)?[^\s"'\\,;&}\]]+)/gi;
/** A token after an auth scheme, in any context (`Bearer sk-…`, `Basic dXNlcjpw…`). */
const SCHEME_TOKEN = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
/** OpenAI-style keys (`sk-…`, `sk-proj-…`) even when this process was not told about them. */
const OPENAI_STYLE_KEY = /\bsk-[A-Za-z0-9_-]{16,}/g;
/** `https://user:password@host`: keep the user, drop the password. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s/@]+@/gi;

/**
 * The text with every secret and credential removed, clipped to `maxChars` (0 = no clipping).
 * Safe on any input: a non-string is described first.
 */
export function redact(text: unknown, maxChars = DEFAULT_MAX_CHARS): string {
  let out = typeof text === 'string' ? text : describe(text);
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out
    .replace(CREDENTIAL_FIELD, (_match, name: string) => `${name}${REDACTED}`)
    .replace(SCHEME_TOKEN, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(OPENAI_STYLE_KEY, REDACTED)
    .replace(URL_PASSWORD, (_match, prefix: string) => `${prefix}${REDACTED}@`);
  return clip(out, maxChars);
}

/** `redact` for optional row fields: null and undefined stay as they are. */
export function redactOptional<T extends string | null | undefined>(text: T, maxChars = DEFAULT_MAX_CHARS): T | string {
  return typeof text === 'string' ? redact(text, maxChars) : text;
}

/** An error's message, redacted: for every place an error becomes text. */
export function redactError(error: unknown, maxChars = DEFAULT_MAX_CHARS): string {
  return redact(describe(error), maxChars);
}

function clip(text: string, maxChars: number): string {
  if (maxChars <= 0 || text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
