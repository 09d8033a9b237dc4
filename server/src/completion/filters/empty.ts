/** Whitespace alone is not a suggestion: showing it would only move the cursor. */
import type { CompletionFilter } from './types';

export const dropEmpty: CompletionFilter = (text) => (text.trim() === '' ? '' : text);
