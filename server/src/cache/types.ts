/** What the services need from the answer cache (two tiers: in-memory LRU, then SQLite). */
import type { BackendId } from '../protocol';

export interface CacheKeyParts {
  backend: BackendId;
  model: string;
  prompt: string;
  suffix?: string;
  maxTokens: number;
  temperature: number;
  stop: readonly string[];
}

export interface CachedAnswer {
  text: string;
  backend: BackendId;
  model: string;
  createdAt: number;
  promptTokens?: number;
  completionTokens?: number;
}

export interface CacheHit {
  value: CachedAnswer;
  tier: 'l1' | 'l2';
}

export interface CacheCounters {
  l1Hits: number;
  l2Hits: number;
  typingHits: number;
  misses: number;
}

export interface AnswerCache {
  get(key: string): CacheHit | undefined;
  set(key: string, value: CachedAnswer): void;
  /** Counts a typing-along hit (served by TypingAlong, see typingAlong.ts). */
  countTypingHit(): void;
  counters(): CacheCounters;
  close(): void;
}
