/**
 * RequestRow field ↔ `requests` column, in one place so insert, select and update cannot drift
 * apart. Optional fields (absent = unknown) are stored as NULL and read back without the key, so
 * a row reads back exactly as it was recorded. `itl` (a GapSummary) spans five columns.
 */
import type { GapSummary, RequestRow } from '../protocol';

type ItlField = `itl.${keyof GapSummary}`;

export interface Column {
  field: keyof RequestRow | ItlField;
  column: string;
  /** Read back without the key when NULL (a `field?:` of RequestRow). */
  optional: boolean;
}

const required = (field: keyof RequestRow, column: string): Column => ({ field, column, optional: false });
const optional = (field: keyof RequestRow | ItlField, column: string): Column => ({ field, column, optional: true });

export const COLUMNS: readonly Column[] = [
  required('id', 'id'),
  required('ts', 'ts'),
  required('task', 'task'),
  required('language', 'language'),
  required('policy', 'policy'),
  required('decision', 'decision'),
  required('backend', 'backend'),
  required('model', 'model'),
  required('cacheTier', 'cache_tier'),
  required('promptTokens', 'prompt_tokens'),
  required('completionTokens', 'completion_tokens'),
  required('tokenSource', 'token_source'),
  required('ttftMs', 'ttft_ms'),
  required('e2eMs', 'e2e_ms'),
  // tokens_per_second (output tokens ÷ E2E, prefill included) is no longer written; the column
  // stays in old databases.
  required('outcome', 'outcome'),
  required('acceptedChars', 'accepted_chars'),
  required('errorClass', 'error_class'),
  required('fallbackReason', 'fallback_reason'),
  optional('tpotMs', 'tpot_ms'),
  optional('decodeTokensPerSecond', 'decode_tokens_per_second'),
  optional('promptTokensPerSecond', 'prompt_tokens_per_second'),
  optional('itl.count', 'itl_count'),
  optional('itl.meanMs', 'itl_mean_ms'),
  optional('itl.p50Ms', 'itl_p50_ms'),
  optional('itl.p95Ms', 'itl_p95_ms'),
  optional('itl.maxMs', 'itl_max_ms'),
  optional('serverPromptMs', 'server_prompt_ms'),
  optional('serverDecodeMs', 'server_decode_ms'),
  optional('cpuMs', 'cpu_ms'),
  optional('costUsd', 'cost_usd'),
  optional('costBasis', 'cost_basis'),
  optional('displayed', 'displayed'),
  optional('shownChars', 'shown_chars'),
  optional('typedChars', 'typed_chars'),
  optional('survival30s', 'survival_30s'),
  optional('survival120s', 'survival_120s'),
  optional('syntaxError', 'syntax_error'),
  optional('feedback', 'feedback'),
  optional('grounding', 'grounding'),
  optional('shadowOf', 'shadow_of'),
  optional('comparedWith', 'compared_with'),
  optional('shadowSimilarity', 'shadow_similarity'),
  optional('shownSimilarity', 'shown_similarity'),
  optional('shadowFirstLineMatch', 'shadow_first_line_match'),
  optional('shownFirstLineMatch', 'shown_first_line_match'),
];

const BY_FIELD = new Map(COLUMNS.map((column) => [column.field, column.column]));

/** The column of a (non-itl) field. */
export function columnOf(field: keyof RequestRow): string {
  const column = BY_FIELD.get(field);
  if (!column) throw new Error(`RequestRow.${field} has no column`);
  return column;
}

/** `column AS "field"` for every column: a SELECT list whose rows `fromSelected` turns into RequestRows. */
export const SELECT_LIST = COLUMNS.map(({ field, column }) => `${column} AS "${field}"`).join(', ');

/** The row's value for each column, in COLUMNS order (null for absent). */
export function columnValues(row: RequestRow): unknown[] {
  return COLUMNS.map(({ field }) => {
    // `?? null`: a caller that left a field out at run time must not fail the batch.
    if (field.startsWith('itl.')) return row.itl?.[field.slice(4) as keyof GapSummary] ?? null;
    return row[field as keyof RequestRow] ?? null;
  });
}

/** A row selected with SELECT_LIST back into a RequestRow: optional NULLs left out, itl folded. */
export function fromSelected(selected: Record<string, unknown>): RequestRow {
  const row: Record<string, unknown> = {};
  const itl: Record<string, unknown> = {};
  for (const { field, optional: isOptional } of COLUMNS) {
    const value = selected[field];
    if (isOptional && value === null) continue;
    if (field.startsWith('itl.')) itl[field.slice(4)] = value;
    else row[field] = value;
  }
  // All five are written together; a partial set (hand-edited file) is not a summary.
  if (Object.keys(itl).length === 5) row.itl = itl;
  return row as unknown as RequestRow;
}
