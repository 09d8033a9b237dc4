import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentWindow } from '../../server/src/documents/documentWindow';
import { memoryLogger } from '../../server/src/logger';

const item = (uri: string, text: string, version = 1) => ({ uri, languageId: 'python', version, text });
const insert = (uri: string, version: number, text: string) => ({
  textDocument: { uri, version },
  contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text }],
});

function windowOf(options: { maxBytes?: number; maxDocuments?: number; maxTotalChars?: number } = {}) {
  const closed: string[] = [];
  const window = new DocumentWindow({
    maxDocumentBytes: () => options.maxBytes ?? 1000,
    maxDocuments: options.maxDocuments,
    maxTotalChars: options.maxTotalChars,
  });
  window.onDidClose((event) => closed.push(event.document.uri));
  return { window, closed };
}

describe('DocumentWindow', () => {
  it('keeps open documents and applies incremental changes', () => {
    const { window } = windowOf();
    window.open(item('a', 'x = 1\n'));
    window.change(insert('a', 2, '# top\n'));
    assert.equal(window.get('a')?.getText(), '# top\nx = 1\n');
    assert.equal(window.get('a')?.version, 2);
    window.close('a');
    assert.equal(window.get('a'), undefined);
  });

  it('does not keep a document over the byte limit, counting UTF-8 bytes', () => {
    const { window } = windowOf({ maxBytes: 1000 });
    window.open(item('big', 'x'.repeat(1001)));
    assert.equal(window.get('big'), undefined);
    window.open(item('wide', 'é'.repeat(600))); // 600 characters, 1200 bytes
    assert.equal(window.get('wide'), undefined);
    window.open(item('fits', 'é'.repeat(500)));
    assert.ok(window.get('fits'));
  });

  it('drops a document that grows past the limit, tells the listeners, and ignores its later changes', () => {
    const { window, closed } = windowOf({ maxBytes: 1000 });
    window.open(item('a', 'x'.repeat(900)));
    window.change(insert('a', 2, 'y'.repeat(200)));
    assert.equal(window.get('a'), undefined);
    assert.deepEqual(closed, ['a']);
    window.change(insert('a', 3, 'z'));
    assert.equal(window.get('a'), undefined);
    window.change({ textDocument: { uri: 'a', version: 4 }, contentChanges: [{ text: 'short again' }] });
    assert.equal(window.get('a')?.getText(), 'short again', 'a full-text change under the limit brings it back');
    assert.equal(window.get('a')?.languageId, 'python');
  });

  it('evicts the least recently used documents beyond the count or the total size', () => {
    const { window, closed } = windowOf({ maxDocuments: 2 });
    window.open(item('a', 'a'));
    window.open(item('b', 'b'));
    window.get('a'); // a is now more recent than b
    window.open(item('c', 'c'));
    assert.deepEqual(closed, ['b']);
    assert.equal(window.size, 2);

    const bySize = windowOf({ maxTotalChars: 250 });
    bySize.window.open(item('a', 'a'.repeat(100)));
    bySize.window.open(item('b', 'b'.repeat(100)));
    bySize.window.change(insert('a', 2, 'a'.repeat(100)));
    assert.deepEqual(bySize.closed, ['b'], 'the document being edited stays');
    assert.equal(bySize.window.get('a')?.getText().length, 200);
  });

  it('a document dropped for growing too large gives its whole size back to the total', () => {
    const { window, closed } = windowOf({ maxBytes: 1000, maxTotalChars: 1500 });
    window.open(item('keep', 'k'.repeat(400)));
    window.open(item('grows', 'g'.repeat(900)));
    window.change(insert('grows', 2, 'g'.repeat(600))); // 1500 characters: over maxBytes, dropped
    window.open(item('next', 'n'.repeat(900))); // 400 + 900 fit the 1500-character total
    assert.deepEqual(closed, ['grows']);
    assert.equal(window.get('keep')?.getText().length, 400, 'nothing else is evicted');
    assert.equal(window.size, 2);
  });

  it('says once, per document and reason, why a completion found no document', () => {
    const { window } = windowOf({ maxBytes: 1000, maxDocuments: 1 });
    const log = memoryLogger();
    window.open(item('big', 'x'.repeat(2000)));
    window.explainMissing('big', log);
    window.explainMissing('big', log);
    window.open(item('a', 'a'));
    window.open(item('b', 'b'));
    window.explainMissing('a', log);
    window.explainMissing('never-opened', log);
    assert.deepEqual(log.messages('info'), [
      'No completion for big: the document is over tandem.completion.maxFileBytes (1000 bytes), so the server does not keep it.',
      'No completion for a: the server dropped its copy to bound memory (many or large documents open); reopen the file to complete in it.',
      'No completion for never-opened: the document is not open in the server.',
    ]);
  });
});
