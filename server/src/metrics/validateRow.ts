/**
 * Checks a RequestRow at the recorder's door. A malformed row (a caller bug, or a field that is
 * not text or a number) is refused there, where the log line can name the field, instead of
 * failing a whole batch write later.
 */
import type { RequestRow } from '../protocol';
import { ROW_PATCH_FIELDS, type RowPatch } from './types';

type FieldKind = 'text' | 'optionalText' | 'number' | 'optionalNumber' | 'optionalObject' | 'optionalGaps';

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
  outcome: 'text',
  acceptedChars: 'optionalNumber',
  errorClass: 'optionalText',
  fallbackReason: 'optionalText',
  tpotMs: 'optionalNumber',
  decodeTokensPerSecond: 'optionalNumber',
  promptTokensPerSecond: 'optionalNumber',
  itl: 'optionalGaps',
  serverPromptMs: 'optionalNumber',
  serverDecodeMs: 'optionalNumber',
  cpuMs: 'optionalNumber',
  costUsd: 'optionalNumber',
  costBasis: 'optionalText',
  displayed: 'optionalNumber',
  shownChars: 'optionalNumber',
  typedChars: 'optionalNumber',
  survival30s: 'optionalNumber',
  survival120s: 'optionalNumber',
  syntaxError: 'optionalNumber',
  feedback: 'optionalNumber',
  grounding: 'optionalNumber',
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
  return invalidFields(row as Record<string, unknown>, Object.keys(FIELDS) as Array<keyof RequestRow>);
}

/** The same check for a later update: only the fields a RowPatch may carry; absent ones are kept. */
export function invalidPatchReason(patch: RowPatch): string | undefined {
  if (!patch || typeof patch !== 'object') return 'not an object';
  const record = patch as Record<string, unknown>;
  const unknown = Object.keys(record).find((field) => !(ROW_PATCH_FIELDS as readonly string[]).includes(field));
  if (unknown) return `field ${unknown} cannot be updated`;
  // Only `outcome` is required in a row; in a patch it may be left out.
  const present = ROW_PATCH_FIELDS.filter((field) => record[field] !== undefined);
  return invalidFields(record, present);
}

function invalidFields(record: Record<string, unknown>, fields: ReadonlyArray<keyof RequestRow>): string | undefined {
  for (const field of fields) {
    const kind = FIELDS[field];
    const value = record[field];
    const optional = kind.startsWith('optional');
    if (optional && (value === null || value === undefined)) continue;
    if (!valueFits(kind, value)) {
      return `field ${field} must be ${describeKind(kind)}, got ${JSON.stringify(value) ?? 'undefined'}`;
    }
  }
  return undefined;
}

function valueFits(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'optionalObject':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'optionalGaps':
      return (
        typeof value === 'object' &&
        value !== null &&
        ['count', 'meanMs', 'p50Ms', 'p95Ms', 'maxMs'].every((key) => isFiniteNumber((value as Record<string, unknown>)[key]))
      );
    case 'text':
    case 'optionalText':
      return typeof value === 'string';
    case 'number':
    case 'optionalNumber':
      return isFiniteNumber(value);
  }
}

function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
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
    case 'optionalGaps':
      return 'a gap summary (count, meanMs, p50Ms, p95Ms, maxMs) or null';
  }
}
