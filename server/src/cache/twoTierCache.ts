/**
 * The answer cache: L1 is an in-memory LRU (lru-cache), L2 is SQLite (see diskTier.ts). A hit in
 * L2 is promoted to L1 for the rest of its lifetime. Storage trouble never reaches the caller:
 * a busy database or a disk that refuses the write for now (full, I/O error, read-only) skips L2
 * for that operation and, with a growing back-off up to 30 s, for the next few (each attempt
 * against a lock blocks for the busy timeout); L2 is used again as soon as an attempt works.
 * Answers meanwhile live in L1 only (a cache may forget). Damage no retry can fix (corruption, a
 * missing table) turns L2 off for the session. Each is logged once.
 */
import { LRUCache } from 'lru-cache';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import { FailureReporter } from '../storage/failureReporter';
import type { StorageInfo } from '../storage/sqlite';
import { describeError, isRetryableError } from '../storage/sqliteErrors';
import type { DiskTier } from './diskTier';
import type { AnswerCache, CachedAnswer, CacheCounters, CacheHit } from './types';

export type CacheConfig = TandemConfig['cache'];

interface MemoryEntry {
  value: CachedAnswer;
  expiresAt: number;
}

export class TwoTierCache implements AnswerCache {
  private readonly memory: LRUCache<string, MemoryEntry> | undefined;
  private disk: DiskTier | undefined;
  private readonly diskFailures: FailureReporter;
  private readonly tally: CacheCounters = { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };

  constructor(
    private readonly config: CacheConfig,
    disk: DiskTier | undefined,
    private readonly log: Logger,
    private readonly now: () => number,
    readonly storage: StorageInfo,
  ) {
    this.memory = config.memoryEntries > 0 ? new LRUCache({ max: config.memoryEntries }) : undefined;
    this.disk = disk;
    this.diskFailures = new FailureReporter(log, 'the disk cache tier is skipped meanwhile and retried with a back-off', {
      now,
    });
  }

  get(key: string): CacheHit | undefined {
    const now = this.now();
    const inMemory = this.memory?.get(key);
    if (inMemory && inMemory.expiresAt > now) {
      this.tally.l1Hits++;
      return { value: inMemory.value, tier: 'l1' };
    }
    if (inMemory) this.memory?.delete(key);
    const onDisk = this.useDisk('Reading the disk cache', (disk) => disk.get(key, now));
    if (onDisk) {
      this.remember(key, onDisk.value, now + onDisk.remainingMs);
      this.tally.l2Hits++;
      return { value: onDisk.value, tier: 'l2' };
    }
    this.tally.misses++;
    return undefined;
  }

  set(key: string, value: CachedAnswer): void {
    const now = this.now();
    this.remember(key, value, this.config.ttlSeconds > 0 ? now + this.config.ttlSeconds * 1000 : Infinity);
    this.useDisk('Writing the disk cache', (disk) => disk.put(key, value, now));
  }

  countTypingHit(): void {
    this.tally.typingHits++;
  }

  counters(): CacheCounters {
    return { ...this.tally };
  }

  close(): void {
    this.memory?.clear();
    const disk = this.disk;
    this.disk = undefined;
    if (!disk) return;
    try {
      disk.close();
    } catch (error) {
      this.log.warn(`Closing the disk cache failed (${describeError(error)}).`);
    }
  }

  private remember(key: string, value: CachedAnswer, expiresAt: number): void {
    this.memory?.set(key, { value, expiresAt });
  }

  private useDisk<T>(operation: string, action: (disk: DiskTier) => T): T | undefined {
    const disk = this.disk;
    if (!disk || !this.diskFailures.canTry()) return undefined;
    try {
      const result = action(disk);
      this.diskFailures.succeeded(operation);
      return result;
    } catch (error) {
      if (isRetryableError(error)) {
        this.diskFailures.failed(operation, error);
        return undefined;
      }
      this.log.warn(
        `${operation} failed (${describeError(error)}); the disk cache tier is off for this ` +
          'session and answers are cached in memory only.',
      );
      this.disk = undefined;
      try {
        disk.close();
      } catch {
        // Already reported the failure that matters; a failed close adds nothing actionable.
      }
      return undefined;
    }
  }
}

/** `cache.enabled = false`: stores nothing, but still counts lookups so the panel stays honest. */
export class DisabledCache implements AnswerCache {
  readonly storage: StorageInfo = { persistent: false, warnings: [] };
  private readonly tally: CacheCounters = { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };

  get(): CacheHit | undefined {
    this.tally.misses++;
    return undefined;
  }
  set(): void {}
  countTypingHit(): void {
    this.tally.typingHits++;
  }
  counters(): CacheCounters {
    return { ...this.tally };
  }
  close(): void {}
}
