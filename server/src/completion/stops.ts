/**
 * Stop sequences: where a generation should end. Sent to the backend (so it stops decoding
 * early) and applied again to the text we get back, because not every backend honours them
 * (the local decoder stops only on its end token; some servers cap the list at 4 entries).
 * Most important first, so a backend that must drop some keeps the ones that matter.
 */
import { fimSentinels, type FimFamily } from './templates';

/** Three line breaks in a row end a multi-line completion: the model has left the block. */
const MULTILINE_STOPS = ['\n\n\n'];

/** A new top-level definition after a blank line starts a different unit of code. */
const TOP_LEVEL_STOPS: Record<string, readonly string[]> = {
  python: ['\ndef ', '\nclass ', '\nif __name__'],
  javascript: ['\nfunction ', '\nexport ', '\nclass '],
  typescript: ['\nfunction ', '\nexport ', '\nclass ', '\ninterface '],
  javascriptreact: ['\nfunction ', '\nexport ', '\nclass '],
  typescriptreact: ['\nfunction ', '\nexport ', '\nclass ', '\ninterface '],
  go: ['\nfunc ', '\ntype '],
  rust: ['\nfn ', '\npub fn ', '\nimpl ', '\nstruct '],
  java: ['\npublic class ', '\nclass '],
};

export function stopSequences(family: FimFamily, multiline: boolean, languageId: string): string[] {
  const lineStops = multiline ? [...MULTILINE_STOPS, ...(TOP_LEVEL_STOPS[languageId] ?? [])] : ['\n'];
  return [...lineStops, ...fimSentinels(family)];
}

/** Cuts the text at the earliest stop sequence, if any occurs. */
export function truncateAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    if (stop === '') continue;
    const at = text.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return text.slice(0, end);
}
