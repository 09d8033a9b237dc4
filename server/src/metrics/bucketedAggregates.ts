/**
 * The statistics of a recent window (the panel's and the default 24 h) without re-reading every
 * row of it at each snapshot. The window is cut at fixed time buckets:
 *
 *   [sinceMs … first bucket) [bucket][bucket]…[bucket] [last bucket end … untilMs or now)
 *        head: SQL each time     middle: cached             tail: SQL each time
 *
 * Each bucket's tally is computed by the same SQL as any window (aggregateSql.ts: the one
 * definition), once, and kept until a row of that bucket changes; the middle's merge of them is
 * kept too, so a snapshot reads only the head and the tail (each under one bucket of rows) and
 * merges three sorted runs per latency field. Tallies are mergeable (tally.ts), so the result is
 * the tally of the whole window, figure for figure (sums of fractional values up to float
 * rounding).
 *
 * Invalidation: the store tells `touched` the ts of every row it inserts, updates or replaces,
 * `deletedBefore` after pruning and `clear` after a reset or a trim. Another process writing to
 * the same file (a second VS Code window) is seen through SQLite's `data_version`, which changes
 * only when another connection commits: the whole cache is dropped then, since which buckets it
 * touched is unknown.
 */
import { DEFAULT_SNAPSHOT_WINDOW_MS } from './window';
import type { RowQuery } from './rowStore';
import { compactAggregate, emptyAggregate, mergeAggregates, type StoreAggregate } from './tally';

export const BUCKET_MS = 10 * 60 * 1000;
/** Longer windows are computed whole each time: keeping their values would cost memory in
 * proportion to weeks of rows, and only the panel's short ranges are re-read every second. */
export const MAX_CACHED_SPAN_MS = DEFAULT_SNAPSHOT_WINDOW_MS + 2 * 3600 * 1000;
/** Filter combinations kept (least recently used dropped): the panel asks for one at a time. */
const MAX_FILTER_SETS = 4;

interface FilterCache {
  /** Bucket start → the tally of [start, start + BUCKET_MS) under these filters. */
  buckets: Map<number, StoreAggregate>;
  /** The compacted merge of the buckets [first, end). */
  middle?: { first: number; end: number; aggregate: StoreAggregate };
}

export interface BucketedAggregatesOptions {
  /** The SQL (AggregateStatements.run) over any window. */
  compute: (query: RowQuery) => StoreAggregate;
  /** The same SQL per bucket (AggregateStatements.runBuckets): buckets without rows absent. */
  computeBuckets: (query: RowQuery, bucketMs: number) => Map<number, StoreAggregate>;
  /** SQLite's `PRAGMA data_version` of the store's connection. */
  dataVersion: () => number;
  now: () => number;
}

export class BucketedAggregates {
  private readonly byFilters = new Map<string, FilterCache>();
  private seenVersion: number | undefined;

  constructor(private readonly options: BucketedAggregatesOptions) {}

  aggregate(query: RowQuery): StoreAggregate {
    const first = Math.ceil(query.sinceMs / BUCKET_MS) * BUCKET_MS;
    const end = Math.floor((query.untilMs ?? this.options.now()) / BUCKET_MS) * BUCKET_MS;
    const span = (query.untilMs ?? this.options.now()) - query.sinceMs;
    if (end - first < 2 * BUCKET_MS || span > MAX_CACHED_SPAN_MS) return this.options.compute(query);
    this.dropIfChangedElsewhere();
    const filters = { task: query.task, language: query.language, backend: query.backend };
    const parts: StoreAggregate[] = [this.middle(this.cacheFor(filters), filters, first, end)];
    if (query.sinceMs < first) parts.push(this.options.compute({ ...filters, sinceMs: query.sinceMs, untilMs: first }));
    if (query.untilMs === undefined || query.untilMs > end) {
      parts.push(this.options.compute({ ...filters, sinceMs: end, ...(query.untilMs === undefined ? {} : { untilMs: query.untilMs }) }));
    }
    return mergeAggregates(...parts);
  }

  /** Rows with these timestamps were inserted, updated or replaced. */
  touched(timestamps: Iterable<number>): void {
    const buckets = new Set<number>();
    for (const ts of timestamps) buckets.add(Math.floor(ts / BUCKET_MS) * BUCKET_MS);
    if (buckets.size === 0) return;
    for (const cache of this.byFilters.values()) {
      for (const bucket of buckets) {
        cache.buckets.delete(bucket);
        if (cache.middle && bucket >= cache.middle.first && bucket < cache.middle.end) cache.middle = undefined;
      }
    }
  }

  /** Rows with ts < beforeMs were deleted. */
  deletedBefore(beforeMs: number): void {
    for (const cache of this.byFilters.values()) {
      for (const bucket of cache.buckets.keys()) if (bucket < beforeMs) cache.buckets.delete(bucket);
      if (cache.middle && cache.middle.first < beforeMs) cache.middle = undefined;
    }
  }

  clear(): void {
    this.byFilters.clear();
  }

  private middle(cache: FilterCache, filters: Omit<RowQuery, 'sinceMs' | 'untilMs'>, first: number, end: number): StoreAggregate {
    if (cache.middle?.first === first && cache.middle.end === end) return cache.middle.aggregate;
    // The buckets not kept, read in one pass over the span from the first to the last of them.
    let missingFrom: number | undefined;
    let missingUntil = first;
    for (let bucket = first; bucket < end; bucket += BUCKET_MS) {
      if (cache.buckets.has(bucket)) continue;
      missingFrom ??= bucket;
      missingUntil = bucket + BUCKET_MS;
    }
    if (missingFrom !== undefined) {
      const read = this.options.computeBuckets({ ...filters, sinceMs: missingFrom, untilMs: missingUntil }, BUCKET_MS);
      for (let bucket = missingFrom; bucket < missingUntil; bucket += BUCKET_MS) {
        if (!cache.buckets.has(bucket)) cache.buckets.set(bucket, read.get(bucket) ?? emptyAggregate());
      }
    }
    const parts: StoreAggregate[] = [];
    for (let bucket = first; bucket < end; bucket += BUCKET_MS) parts.push(cache.buckets.get(bucket) ?? emptyAggregate());
    // Buckets that left the window are not asked for again.
    for (const bucket of cache.buckets.keys()) if (bucket < first) cache.buckets.delete(bucket);
    const aggregate = compactAggregate(mergeAggregates(...parts));
    cache.middle = { first, end, aggregate };
    return aggregate;
  }

  private cacheFor(filters: Omit<RowQuery, 'sinceMs' | 'untilMs'>): FilterCache {
    const key = `${filters.task ?? ''}\u0000${filters.language ?? ''}\u0000${filters.backend ?? ''}`;
    let cache = this.byFilters.get(key);
    if (cache) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.byFilters.delete(key);
    } else {
      cache = { buckets: new Map() };
      if (this.byFilters.size >= MAX_FILTER_SETS) this.byFilters.delete(this.byFilters.keys().next().value as string);
    }
    this.byFilters.set(key, cache);
    return cache;
  }

  private dropIfChangedElsewhere(): void {
    const version = this.options.dataVersion();
    if (this.seenVersion !== undefined && version !== this.seenVersion) this.clear();
    this.seenVersion = version;
  }
}
