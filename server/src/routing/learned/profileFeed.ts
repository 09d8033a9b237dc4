/**
 * Feeds learned routing from the metrics recorder (its RecordListener hook): the cost and
 * length of each answer as recorded, and the verdicts that arrive later as row patches.
 *
 * Usefulness of one answer, 0..1:
 * - completion accepted in full, or typed out by the user without accepting: 1;
 * - accepted in part: accepted characters / shown characters (1 when the length is unknown);
 * - rejected (dismissed or typed over): 0;
 * - explanation rated up: 1, down: 0.
 * Shadow rows (routing.shadowRate) teach about the backend that was not shown: 1 when its
 * first line matched what the user accepted or typed, else 0.
 */
import type { RequestRow } from '../../protocol';
import type { RowPatch } from '../../metrics/types';
import type { LearnedRouting } from './learnedRouting';

export class LearnedRoutingFeed {
  constructor(private readonly learned: () => LearnedRouting) {}

  recorded(row: RequestRow): void {
    const learned = this.learned();
    if (row.shadowOf !== undefined) {
      const bucket = learned.bucketOfAnswer(row.shadowOf);
      if (row.backend === null || row.shadowFirstLineMatch === undefined || bucket === undefined) return;
      learned.trackAnswer(row.id, bucket, row.backend);
      learned.observeVerdict(row.id, row.shadowFirstLineMatch);
      return;
    }
    learned.observeRecorded(row.id, row);
  }

  updated(id: string, patch: RowPatch): void {
    const learned = this.learned();
    const useful = usefulness(patch, learned.shownCharsOf(id));
    if (useful !== undefined) learned.observeVerdict(id, useful);
  }
}

export function usefulness(patch: RowPatch, shownChars: number | undefined): number | undefined {
  if (patch.feedback !== undefined) return patch.feedback > 0 ? 1 : 0;
  if (patch.outcome === 'accepted') return 1;
  if (patch.outcome === 'partial') {
    const accepted = patch.acceptedChars ?? 0;
    return shownChars && shownChars > 0 ? Math.min(1, accepted / shownChars) : 1;
  }
  if (patch.outcome === 'rejected') return 0;
  if (patch.typedChars !== undefined && shownChars !== undefined && shownChars > 0 && patch.typedChars >= shownChars) return 1;
  return undefined;
}
