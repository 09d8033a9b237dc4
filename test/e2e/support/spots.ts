/**
 * Where the UI test types. The bundled model is small and its completions depend on the exact
 * text before and after the cursor, so the places are not hard-coded: before the browser starts,
 * the server of the installed extension (its dist/server.js over stdio on code-server's Node, with
 * the model the .vsix ships, greedy decoding) is asked for a completion at the end of candidate
 * lines of the fixture files, and the first lines where it answers with something become the
 * typing spots. The UI test then recreates exactly that
 * document by typing the line's last characters, so VS Code asks the server the same question.
 * If the model answers nothing anywhere, the e2e test fails here, saying so.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TandemLspClient } from '../../../server/src/demo/lspClient';

export interface TypingSpot {
  /** Fixture file this spot comes from (absolute). */
  source: string;
  languageId: 'python' | 'typescript';
  /** 0-based line whose end the cursor ends up at. */
  line: number;
  /** The line's last characters, which the test deletes from the workspace copy and then types. */
  typed: string;
  /** What the server answered over stdio at this spot (for the report; the UI shows its own). */
  probeCompletion: string;
}

export interface SpotRequest {
  source: string;
  languageId: TypingSpot['languageId'];
  /** Spots wanted from this file; each later one is at least 20 lines below the previous. */
  count: number;
  /**
   * What the suggestion there must look like: `next-line` (the line is complete, the answer
   * starts with its line break) or `block` (the line opens a block, the answer is two or more
   * lines). Any non-empty answer when absent.
   */
  shape?: 'next-line' | 'block';
}

const TYPED_CHARS = 3;
const MAX_PROBES_PER_FILE = 150;

export interface ProbeServer {
  /** The Node that runs the server (code-server's). */
  node: string;
  /** dist/server.js of the installed extension. */
  serverPath: string;
  settings: Record<string, unknown>;
  storagePath: string;
}

export async function findTypingSpots(server: ProbeServer, requests: SpotRequest[]): Promise<TypingSpot[]> {
  const child = spawn(server.node, [server.serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const client = await TandemLspClient.connect(
    child.stdout,
    child.stdin,
    { initializationOptions: { settings: server.settings, storagePath: server.storagePath } },
    child,
  ).catch((error: unknown) => {
    child.kill();
    throw new Error(`The installed server did not start over stdio: ${stderr}`, { cause: error });
  });
  try {
    const spots: TypingSpot[] = [];
    for (const request of requests) {
      const found = await probeFile(client, request);
      if (found.length < request.count) {
        throw new Error(
          `The bundled model completed nothing usable at ${found.length < 1 ? 'any' : 'enough'} of the ` +
            `line ends probed in ${request.source} (wanted ${request.count}, found ${found.length}).`,
        );
      }
      spots.push(...found);
    }
    return spots;
  } finally {
    await client.stop();
  }
}

async function probeFile(client: TandemLspClient, request: SpotRequest): Promise<TypingSpot[]> {
  const text = readFileSync(request.source, 'utf8');
  const lines = text.split('\n');
  const uri = `file:///tandem-e2e-probe/${request.source.split('/').pop()}`;
  await client.open(uri, request.languageId, text);
  const spots: TypingSpot[] = [];
  let probes = 0;
  // From a quarter into the file: the model then sees real code before the cursor.
  for (let line = Math.floor(lines.length / 4); line < lines.length && probes < MAX_PROBES_PER_FILE; line++) {
    const content = lines[line] ?? '';
    const last = spots.at(-1);
    if (last && line < last.line + 20) continue;
    if (!isTypableLineEnd(content)) continue;
    if (request.shape === 'block' && !/[:{]$/.test(content.trimEnd())) continue;
    probes += 1;
    const items = await client.complete(uri, line, content.length).result;
    const insert = items[0]?.insertText;
    const completion = typeof insert === 'string' ? insert : (insert?.value ?? '');
    if (completion.trim() === '' || !hasShape(completion, request.shape)) continue;
    spots.push({
      source: request.source,
      languageId: request.languageId,
      line,
      typed: content.slice(-TYPED_CHARS),
      probeCompletion: completion,
    });
    if (spots.length === request.count) break;
  }
  return spots;
}

function hasShape(completion: string, shape: SpotRequest['shape']): boolean {
  if (shape === undefined) return true;
  const lines = completion.split('\n').filter((line) => line.trim() !== '');
  return completion.startsWith('\n') && (shape === 'next-line' || lines.length >= 2);
}

/** A code line whose last characters can be typed as they are (no tabs, not only indentation). */
function isTypableLineEnd(content: string): boolean {
  const trimmed = content.trim();
  if (trimmed.length < 8 || /^(#|\/\/|\*|\/\*)/.test(trimmed)) return false;
  const typed = content.slice(-TYPED_CHARS);
  return !/\s/.test(typed) && !content.endsWith('\r');
}
