/**
 * Completion requests that end without a row, counted instead of dropped (issue 11: cancelled
 * requests are never dropped):
 * - superseded: the editor replaced the request with a newer one (the next keystroke) before or
 *   while it waited out the debounce. No prompt was built for it, no backend or cache was asked:
 *   a row per keystroke would only bury the requests that did work.
 * - excluded: the file is excluded from completion or its language is disabled (privacy.ts).
 *   Counted as one number only: never by file name, path or language, which would say which
 *   private files the user opened.
 *
 * Counts are of this process's lifetime (no rows: nothing to window), shown in the snapshot's
 * `beforeRouting` and fed to the live Prometheus counters by the recorder's listeners.
 */
import type { BeforeRoutingStats, MetricsSnapshotParams } from '../protocol';

export type UnrecordedKind = 'superseded' | 'excluded';

export class UnrecordedRequests {
  private readonly supersededByLanguage = new Map<string, number>();
  private excludedCount = 0;

  /** `language` is read for superseded requests only. */
  count(kind: UnrecordedKind, language: string): void {
    if (kind === 'excluded') this.excludedCount++;
    else this.supersededByLanguage.set(language, (this.supersededByLanguage.get(language) ?? 0) + 1);
  }

  /** The counts a snapshot with these filters shows: completions before routing, so none under
   * a backend filter or task 'explain'; superseded of the filter's language when it has one. */
  forFilters(filters: Pick<MetricsSnapshotParams, 'task' | 'language' | 'backend'>): Pick<BeforeRoutingStats, UnrecordedKind> {
    if (filters.backend !== undefined || filters.task === 'explain') return { superseded: 0, excluded: 0 };
    let superseded = 0;
    if (filters.language !== undefined) superseded = this.supersededByLanguage.get(filters.language) ?? 0;
    else for (const count of this.supersededByLanguage.values()) superseded += count;
    return { superseded, excluded: this.excludedCount };
  }

  /** The panel's reset: the snapshot starts again from nothing (Prometheus counters do not). */
  clear(): void {
    this.supersededByLanguage.clear();
    this.excludedCount = 0;
  }
}
