/**
 * Cache keys: sha256 of a canonical serialization of everything that changes a model's answer.
 * Canonical means two requests that must produce the same answer get the same key even when
 * their parts were written differently (stop sequences in another order or repeated, a missing
 * suffix versus an empty one), and any real difference changes the key.
 */
import { createHash } from 'node:crypto';
import type { CacheKeyParts } from './types';

/** Bump when the serialization changes, so old rows on disk can never be mistaken for new ones. */
const KEY_VERSION = 'tandem-answer-v1';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact string that is hashed; exported so tests and debugging can see it. */
export function canonicalKeyText(parts: CacheKeyParts): string {
  const stop = [...new Set(parts.stop)].sort();
  // A fixed-order array: JSON escapes every string, so no field can bleed into the next.
  return JSON.stringify([
    KEY_VERSION,
    parts.backend,
    parts.model,
    parts.prompt,
    parts.suffix ?? '',
    canonicalNumber(parts.maxTokens),
    canonicalNumber(parts.temperature),
    stop,
  ]);
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha256Hex(canonicalKeyText(parts));
}

/** -0 and 0 mean the same temperature; NaN and infinities are not valid JSON numbers. */
function canonicalNumber(value: number): number | string {
  if (!Number.isFinite(value)) return String(value);
  return value === 0 ? 0 : value;
}
