/**
 * Context from other files for one completion request: the other open documents of the same
 * language family (most recently used first, as the server's document window orders them),
 * never an excluded one, ranked by similarity to the code above the cursor, with definitions of
 * imported symbols first; then cut to each backend's token budget (offload gets the larger one).
 *
 * Bounded on the keystroke path: at most MAX_DOCUMENTS documents, each indexed once per version
 * (windowIndex.ts) and about MAX_INDEX_CHARS_PER_REQUEST characters indexed per request, one
 * best window per document. The query is the complete lines above the
 * cursor's line, so typing within a line ranks the same snippets and the local backend can keep
 * reusing its KV cache across keystrokes.
 */
import { posix } from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { TandemConfig } from '../../config';
import type { BackendId } from '../../protocol';
import { documentPath, documentVerdict } from '../privacy';
import { selectWithinBudget, type CrossFileBlock, type TokenMeter } from './budget';
import { identifierSet } from './identifiers';
import { definitionLine, importedNames, moduleNameOfPath } from './imports';
import { languageFamily, lineComment } from './languages';
import { mergeRanked, rankSimilar, type CandidateDocument, type Snippet } from './rank';
import { estimatingMeter } from './tokenMeter';
import { WindowIndex } from './windowIndex';

/** Other documents looked at per request (most recently used first). */
export const MAX_DOCUMENTS = 20;
/** Lines above the cursor's line that the snippets are ranked against. */
export const QUERY_LINES = 20;
/** Lines shown from a definition on. */
export const DEFINITION_LINES = 12;
const MAX_DEFINITIONS = 6;
/**
 * Characters of not-yet-indexed documents indexed per request: opening a workspace's worth of
 * files must not make one keystroke pay for all of them. The rest wait for the next requests.
 */
export const MAX_INDEX_CHARS_PER_REQUEST = 60_000;

export type CrossFileBlocks = Partial<Record<BackendId, CrossFileBlock>>;

export type CrossFileSettings = Pick<
  TandemConfig['completion'],
  'exclude' | 'languages' | 'offloadUntitled' | 'crossFileTokensLocal' | 'crossFileTokensOffload'
>;

export interface CrossFileOptions {
  /** The open documents, most recently used or edited first. */
  openDocuments: () => Iterable<TextDocument>;
  /** Token counts for the local model's budget (its own tokenizer); default: an estimate. */
  localMeter?: TokenMeter;
}

/** A snippet and whether its text must stay on this machine (an untitled document's). */
interface RankedSnippet extends Snippet {
  localOnly: boolean;
}

export class CrossFileContext {
  private readonly index = new WindowIndex();

  constructor(private readonly options: CrossFileOptions) {}

  /** Each backend's block for a request at the end of `prefix` in `document`; {} when off. */
  blocks(document: TextDocument, prefix: string, settings: CrossFileSettings): CrossFileBlocks {
    const comment = lineComment(document.languageId);
    const { crossFileTokensLocal: local, crossFileTokensOffload: offload } = settings;
    if (!comment || (local <= 0 && offload <= 0)) return {};
    const ranked = this.rank(document, prefix, settings);
    if (ranked.length === 0) return {};
    return {
      local: selectWithinBudget(ranked, local, comment, this.options.localMeter ?? estimatingMeter),
      offload: selectWithinBudget(
        ranked.filter((snippet) => !snippet.localOnly),
        offload,
        comment,
        estimatingMeter,
      ),
    };
  }

  forget(uri: string): void {
    this.index.forget(uri);
  }

  /** Import definitions, then the best window of each similar document; best first. */
  rank(document: TextDocument, prefix: string, settings: CrossFileSettings): RankedSnippet[] {
    const candidates = this.candidates(document, settings);
    if (candidates.length === 0) return [];
    const query = queryText(prefix);
    const similar = rankSimilar(identifierSet(query), candidates);
    const definitions = this.definitions(document, query, candidates);
    const localOnly = new Map(candidates.map((candidate) => [candidate.uri, candidate.localOnly]));
    return mergeRanked(definitions, similar).map((snippet) => ({ ...snippet, localOnly: localOnly.get(snippet.uri) ?? true }));
  }

  /** Open documents of the same family that the privacy settings let be read, most recent first. */
  private candidates(
    document: TextDocument,
    settings: CrossFileSettings,
  ): Array<CandidateDocument & { document: TextDocument; localOnly: boolean }> {
    const family = languageFamily(document.languageId);
    const here = posix.dirname(documentPath(document.uri));
    const found = [];
    let indexBudget = MAX_INDEX_CHARS_PER_REQUEST;
    for (const other of this.options.openDocuments()) {
      if (found.length >= MAX_DOCUMENTS) break;
      if (other.uri === document.uri || languageFamily(other.languageId) !== family) continue;
      // The same rule as for completing a document: an excluded file's text goes nowhere.
      const verdict = documentVerdict(other.uri, other.languageId, settings);
      if (!verdict.complete) continue;
      if (!this.index.has(other)) {
        if (indexBudget <= 0) continue;
        indexBudget -= other.getText().length;
      }
      found.push({
        uri: other.uri,
        path: posix.relative(here, documentPath(other.uri)) || documentPath(other.uri),
        windows: this.index.windows(other),
        document: other,
        localOnly: verdict.localOnly,
      });
    }
    return found;
  }

  private definitions(
    document: TextDocument,
    query: string,
    candidates: ReadonlyArray<CandidateDocument & { document: TextDocument }>,
  ): Snippet[] {
    const snippets: Snippet[] = [];
    // Only the imported names the code above the cursor uses: the others would be guesses.
    const used = identifierSet(query);
    for (const imported of importedNames(document.getText(), document.languageId, query)) {
      const module = candidates.find((candidate) => moduleNameOfPath(candidate.path) === imported.moduleName);
      if (!module) continue;
      const lines = this.index.lines(module.document);
      for (const name of imported.names.filter((imported) => used.has(imported))) {
        if (snippets.length >= MAX_DEFINITIONS) return snippets;
        const line = definitionLine(lines, name);
        if (line === -1) continue;
        const endLine = Math.min(lines.length, line + DEFINITION_LINES) - 1;
        snippets.push({
          uri: module.uri,
          path: module.path,
          startLine: line,
          endLine,
          text: lines.slice(line, endLine + 1).join('\n'),
          score: 1,
          kind: 'import',
        });
      }
    }
    return snippets;
  }
}

/** The last QUERY_LINES complete lines of the prefix (the current line is left out: see above). */
export function queryText(prefix: string): string {
  const end = prefix.lastIndexOf('\n');
  if (end === -1) return '';
  let start = end;
  for (let lines = 0; lines < QUERY_LINES && start > 0; lines++) start = prefix.lastIndexOf('\n', start - 1);
  return prefix.slice(start + 1, end);
}
