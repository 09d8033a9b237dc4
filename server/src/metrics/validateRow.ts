/**
 * Checks a RequestRow at the recorder's door. A malformed row (a caller bug, or a field that is
 * not text or a number) is refused there, where the log line can name the field, instead of
 * failing a whole batch write later.
 */
import type { RequestRow } from '../protocol';

type FieldKind = 'text' | 'optionalText' | 'number' | 'optionalNumber' | 'optionalObject';

const FIELDS: Readonly<Record<keyof RequestRow, FieldKind>> = {
  id: 'text',
  ts: 'number',
  task: 'text',
  language: 'text',
  policy: 'text',
  decision: 'text',
  backend: 'optionalText',
  model: 'optionalText',
  cacheTier: 'text',
  promptTokens: 'optionalNumber',
  completionTokens: 'optionalNumber',
  tokenSource: 'optionalText',
  ttftMs: 'optionalNumber',
  e2eMs: 'optionalNumber',
  tokensPerSecond: 'optionalNumber',
  outcome: 'text',
  acceptedChars: 'optionalNumber',
  errorClass: 'optionalText',
  fallbackReason: 'optionalText',
  shadowOf: 'optionalText',
  comparedWith: 'optionalText',
  shadowSimilarity: 'optionalNumber',
  shownSimilarity: 'optionalNumber',
  shadowFirstLineMatch: 'optionalNumber',
  shownFirstLineMatch: 'optionalNumber',
  promptTrace: 'optionalObject',
};

/** Why the row cannot be stored, or undefined when it can. Absent optional fields count as null. */
export function invalidRowReason(row: unknown): string | undefined {
  if (!row || typeof row !== 'object') return 'not an object';
  const record = row as Record<string, unknown>;
  for (const [field, kind] of Object.entries(FIELDS)) {
    const value = record[field];
    const optional = kind.startsWith('optional');
    if (optional && (value === null || value === undefined)) continue;
    const ok =
      kind === 'optionalObject'
        ? typeof value === 'object' && !Array.isArray(value)
        : kind === 'text' || kind === 'optionalText'
          ? typeof value === 'string'
          : typeof value === 'number' && Number.isFinite(value);
    if (!ok) {
      return `field ${field} must be ${describeKind(kind)}, got ${JSON.stringify(value) ?? 'undefined'}`;
    }
  }
  return undefined;
}

function describeKind(kind: FieldKind): string {
  switch (kind) {
    case 'text':
      return 'a string';
    case 'optionalText':
      return 'a string or null';
    case 'number':
      return 'a finite number';
    case 'optionalNumber':
      return 'a finite number or null';
    case 'optionalObject':
      return 'an object or null';
  }
}
